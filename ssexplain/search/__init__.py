"""Stage 2: find the passages that answer a question (embedding, index, keywords, fusion)."""
