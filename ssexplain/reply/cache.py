"""Answer the same question, asked the same way, from memory instead of searching again.

People click the same example questions and follow-ups again and again, and a shared
permalink is opened by many readers. A reply depends only on the question, the earlier
questions and the loaded content, so an in-process LRU keyed on (question, history) is
safe: it lives and dies with the worker, is never written anywhere, and is dropped with
the engine when the content changes.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from ssexplain.config import Settings, settings

DEFAULT_SIZE = 1024

Value = TypeVar("Value")


@dataclass(frozen=True)
class CacheStats:
    size: int
    capacity: int
    hits: int
    misses: int


class AnswerCache(Generic[Value]):
    """A thread-safe LRU. Capacity 0 turns it off (every lookup computes)."""

    def __init__(self, capacity: int = DEFAULT_SIZE) -> None:
        if capacity < 0:
            raise ValueError("cache capacity must be 0 or more")
        self.capacity = capacity
        self._items: OrderedDict[Hashable, Value] = OrderedDict()
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    @classmethod
    def from_settings(cls, config: Settings | None = None) -> "AnswerCache":
        """A cache of SSEXPLAIN_ANSWER_CACHE answers (checked with the other settings)."""
        return cls((config or settings()).answer_cache)

    def get_or_compute(self, key: Hashable, compute: Callable[[], Value]) -> Value:
        """The stored value for `key`, or `compute()` stored for next time.

        `compute` runs outside the lock: two threads missing the same key at once both
        compute it (the answers are equal), rather than every request waiting on one search.
        """
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self._hits += 1
                return self._items[key]
            self._misses += 1
        value = compute()
        if self.capacity:
            with self._lock:
                self._items[key] = value
                self._items.move_to_end(key)
                while len(self._items) > self.capacity:
                    self._items.popitem(last=False)
        return value

    def __contains__(self, key: Hashable) -> bool:
        """Whether `key` is stored, without counting a lookup or making it recent."""
        with self._lock:
            return key in self._items

    def peek(self, key: Hashable) -> Value | None:
        """The stored value for `key`, or None; never computes. Counts as a hit when found."""
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            self._hits += 1
            return self._items[key]

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(size=len(self._items), capacity=self.capacity, hits=self._hits, misses=self._misses)
