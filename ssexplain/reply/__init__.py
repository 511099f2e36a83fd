"""Stage 3: check the message, decide urgent / ask your doctor / not covered, and compose the reply."""
