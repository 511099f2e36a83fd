"""Remember the last few texts the encoder embedded, so one question is embedded once.

Triage embeds the question (and its sentences) before the search runs; the retriever then
asks for the same prepared text and gets the stored vector back instead of a second model
call (see docs/SAFETY.md, "Cost"). Only vectors are kept, in memory, never written or logged.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

MEMO_SIZE = 256


class MemoEncoder:
    """An encoder that looks texts up in a small least-recently-used store first."""

    def __init__(self, encoder, *, size: int = MEMO_SIZE) -> None:
        self._encoder = encoder
        self._size = size
        self._store: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __getattr__(self, name: str):
        # id, path, dimension, known_words(), ...: everything else is the wrapped encoder's.
        return getattr(self._encoder, name)

    @property
    def wrapped(self):
        return self._encoder

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            found = {t: self._store[t] for t in texts if t in self._store}
            for text in found:
                self._store.move_to_end(text)
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            fresh = self._encoder.encode(missing)
            with self._lock:
                for text, vector in zip(missing, fresh):
                    found[text] = vector
                    self._store[text] = vector
                while len(self._store) > self._size:
                    self._store.popitem(last=False)
        if not texts:
            return np.zeros((0, self._encoder.dimension), dtype=np.float32)
        return np.ascontiguousarray(np.stack([found[t] for t in texts]), dtype=np.float32)
