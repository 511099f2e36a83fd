"""How urgent triage reads a message: its sentences, pairs of sentences and short runs of
words (which the patterns read, however many), and the bounded set of those it embeds.

An emergency told in passing at the end of a long story must still be seen, so nothing is
read as one block; embedding is the cost of triage, so what is embedded is capped
(docs/SAFETY.md, "Cost").
"""
from __future__ import annotations

import re

import numpy as np

SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\s*\n+\s*|\s+(?=(?:but|anyway|oh and|and now|btw)\b)", re.IGNORECASE)
CHUNK_WORDS = 12
CHUNK_STEP = 6
LONG_SENTENCE = 16  # words; longer sentences are also read in overlapping runs of words


def normalise(text: str) -> str:
    return " ".join(text.replace("’", "'").replace("‘", "'").split())


def sentences(text: str) -> list[str]:
    return [s.strip(" ,") for s in SENTENCE_END.split(text) if s and s.strip(" ,")]


# Embedding is the cost of triage, so what is embedded is bounded whatever the length of
# the message (docs/SAFETY.md, "Cost"): the whole message (which the retriever reuses), its
# sentences, and windows of words only inside long sentences; each at most EMBED_CHARS
# characters (about 64 tokens), and at most MAX_EMBEDDED in all. Patterns, which cost
# next to nothing, still read every sentence, pair of sentences and short run of words.
MAX_EMBEDDED = 24
EMBED_CHARS = 300
EMBED_WORDS = 40  # window of words inside a long sentence, for embedding
EMBED_STEP = 20


def pieces(text: str) -> list[str]:
    """What the patterns read: the whole message first, then its sentences, sentence pairs
    and short runs of words inside long sentences (no limit: regular expressions are cheap)."""
    text = normalise(text)
    found = sentences(text)
    out = [text]
    out += found
    out += [f"{a} {b}" for a, b in zip(found, found[1:])]
    for sentence in found:
        words = sentence.split()
        if len(words) > LONG_SENTENCE:
            out += [" ".join(words[i:i + CHUNK_WORDS]) for i in range(0, len(words) - CHUNK_STEP, CHUNK_STEP)]
    return list(dict.fromkeys(p for p in out if p))


def _clip(text: str) -> str:
    if len(text) <= EMBED_CHARS:
        return text
    return text[:EMBED_CHARS].rsplit(" ", 1)[0]


def _windows(sentence: str, size: int, step: int) -> list[str]:
    words = sentence.split()
    if len(words) <= size and len(sentence) <= EMBED_CHARS:
        return [sentence]
    return [_clip(" ".join(words[i:i + size])) for i in range(0, max(len(words) - size + step, 1), step)]


def embedded_pieces(text: str) -> list[str]:
    """What is embedded: the whole message first (as typed, so the retriever reuses its
    vector), then, when they number at most MAX_EMBEDDED, every piece the patterns read
    (each clipped to EMBED_CHARS); otherwise every sentence, long ones as overlapping
    windows of EMBED_WORDS, never more than MAX_EMBEDDED in all. When there are more, neighbouring
    short sentences are packed together and windows are widened, so the end of a long
    message is still read."""
    text = normalise(text)
    fine = [text] + list(dict.fromkeys(_clip(p) for p in pieces(text)[1:] if _clip(p) != text))
    if len(fine) <= MAX_EMBEDDED:  # short enough: every piece the patterns read
        return fine
    found = sentences(text)
    size, step = EMBED_WORDS, EMBED_STEP
    while True:
        out = [w for sentence in found for w in _windows(sentence, size, step)]
        if len(out) < MAX_EMBEDDED or size >= 60:
            break
        size, step = size + 10, step + 10
    if len(out) >= MAX_EMBEDDED:  # many sentences: pack neighbours into runs of EMBED_CHARS
        packed: list[str] = []
        for piece in out:
            if packed and len(packed[-1]) + 1 + len(piece) <= EMBED_CHARS:
                packed[-1] = f"{packed[-1]} {piece}"
            else:
                packed.append(piece)
        out = packed
    out = [p for p in dict.fromkeys(out) if p and p != text]
    if len(out) > MAX_EMBEDDED - 1:  # still too many: an even spread, always with the last
        keep = np.linspace(0, len(out) - 1, MAX_EMBEDDED - 1).round().astype(int)
        out = [out[k] for k in dict.fromkeys(keep.tolist())]
    return [text] + out
