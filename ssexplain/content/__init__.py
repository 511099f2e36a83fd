"""Stage 1: load and check the curated content (passages, glossary, checklist, triage)."""
