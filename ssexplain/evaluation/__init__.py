"""Score the engine on question files: retrieval, declines and urgent triage."""
