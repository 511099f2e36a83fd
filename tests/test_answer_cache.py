"""The answer cache: repeated questions are answered from memory, and only identical ones."""
from __future__ import annotations

import threading
import time

import pytest

from ssexplain.reply.cache import AnswerCache
from ssexplain.engine import Engine


@pytest.fixture()
def fresh_engine(engine) -> Engine:
    """The session's loaded model and index, with an empty cache of its own."""
    return Engine(content=engine.content, retriever=engine.retriever, encoder=engine.encoder, triager=engine.triager)


@pytest.mark.parametrize(
    "capacity, lookups, kept",
    [
        (2, ["a", "b", "c"], ["b", "c"]),  # the oldest goes first
        (2, ["a", "b", "a", "c"], ["a", "c"]),  # a lookup makes an entry recent again
        (3, ["a", "a", "a"], ["a"]),
        (0, ["a", "b"], []),  # 0 turns it off
    ],
)
def test_least_recently_used_entries_are_dropped_first(capacity, lookups, kept):
    cache: AnswerCache[str] = AnswerCache(capacity)
    for key in lookups:
        cache.get_or_compute(key, lambda key=key: key.upper())
    assert [key for key in "abc" if key in cache] == kept


def test_the_same_question_is_answered_from_memory_and_much_faster(fresh_engine):
    question = "how is superficial siderosis treated?"
    started = time.perf_counter()
    first = fresh_engine.ask(question)
    searched = time.perf_counter() - started
    started = time.perf_counter()
    again = fresh_engine.ask("  how is superficial   siderosis treated? ")  # same once spaces are collapsed
    remembered = time.perf_counter() - started
    assert again is first
    assert fresh_engine.cache.stats().hits == 1
    assert remembered < searched / 10


@pytest.mark.parametrize(
    "first, second",
    [
        (("what causes it?", ["what is superficial siderosis?"]), ("what causes it?", [])),
        (("what causes it?", ["what is superficial siderosis?"]), ("what causes it?", ["is it treatable?"])),
        (("What causes it?", None), ("what causes it?", None)),
    ],
)
def test_a_different_question_or_history_is_answered_afresh(fresh_engine, first, second):
    fresh_engine.ask(first[0], history=first[1])
    fresh_engine.ask(second[0], history=second[1])
    assert fresh_engine.cache.stats().hits == 0
    # A follow-up may also look up the reply it follows: at least the two asked are computed.
    assert fresh_engine.cache.stats().misses >= 2


def test_a_changed_threshold_is_not_answered_from_old_replies(fresh_engine):
    question = "what causes superficial siderosis?"
    assert fresh_engine.ask(question).status == "answered"
    fresh_engine.min_similarity = 1.01  # nothing can be that close
    assert fresh_engine.ask(question).status == "no_answer"


def test_concurrent_misses_of_one_key_really_race_and_leave_one_entry():
    """Eight threads miss the same key at once: all are inside compute together (the barrier
    would time out otherwise), each gets a value, and the cache ends with one entry."""
    cache: AnswerCache[int] = AnswerCache(4)
    together = threading.Barrier(8, timeout=5)
    results: list[int] = []
    errors: list[BaseException] = []

    def compute() -> int:
        together.wait()  # only passes when all eight are computing at the same moment
        return 42

    def ask() -> None:
        try:
            results.append(cache.get_or_compute("same question", compute))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and results == [42] * 8
    stats = cache.stats()
    assert (stats.size, stats.misses, stats.hits) == (1, 8, 0)
    assert cache.get_or_compute("same question", lambda: 0) == 42  # the stored value is served


def test_many_threads_missing_the_same_new_question_at_once_all_get_the_same_answer(fresh_engine, engine):
    question = "can hearing aids help?"
    expected = engine.ask(question)  # from the session's engine, not this empty cache
    start = threading.Barrier(16, timeout=10)
    replies: list[object] = []

    def ask() -> None:
        start.wait()
        replies.append(fresh_engine.ask(question))

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(replies) == 16 and all(reply == expected for reply in replies)
    assert fresh_engine.cache.stats().misses >= 2  # they raced: more than one computed it
    assert fresh_engine.cache.stats().size == 1


@pytest.mark.parametrize("raw, capacity", [("", 1024), ("0", 0), ("50", 50)])
def test_cache_size_comes_from_the_settings(monkeypatch, raw, capacity):
    monkeypatch.setenv("SSEXPLAIN_ANSWER_CACHE", raw)
    assert AnswerCache.from_settings().capacity == capacity
