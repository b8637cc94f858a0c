"""birdscan.detect.prefetch: several generators run ahead in threads and are consumed in order;
exceptions are raised at their place; closing early stops the threads."""

from __future__ import annotations

import threading
import time

import pytest

from birdscan.detect.prefetch import prefetch


def makers(started: list[int] | None = None, n: int = 5, items: int = 4):
    def make(k):
        def run():
            if started is not None:
                started.append(k)
            for i in range(items):
                yield (k, i)
        return run
    return [make(k) for k in range(n)]


@pytest.mark.parametrize("workers, depth", [(0, 4), (1, 1), (3, 2), (8, 0)])
def test_items_come_in_maker_order(workers, depth):
    assert list(prefetch(makers(), workers=workers, depth=depth)) == [(k, i) for k in range(5) for i in range(4)]


def test_without_workers_everything_runs_in_the_calling_thread():
    seen = []

    def make():
        seen.append(threading.get_ident())
        yield 1

    assert list(prefetch([make, make], workers=0)) == [1, 1] and seen == [threading.get_ident()] * 2


def test_makers_start_lazily_at_most_workers_ahead():
    started: list[int] = []
    it = prefetch(makers(started), workers=2, depth=1)
    assert next(it) == (0, 0)
    assert set(started) <= {0, 1}  # the third maker waits for the first to be used up
    rest = list(it)
    assert len(rest) == 19 and sorted(started) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("workers", [0, 2])
def test_an_exception_is_raised_at_its_place(workers):
    def broken():
        yield "a"
        raise KeyError("the second maker failed")

    def good():
        yield "b"

    got = []
    with pytest.raises(KeyError, match="the second maker failed"):
        for item in prefetch([good, broken, good], workers=workers):
            got.append(item)
    assert got == ["b", "a"]


def test_closing_early_stops_the_threads():
    def endless():
        i = 0
        while True:
            yield i
            i += 1

    before = threading.active_count()
    it = prefetch([endless, endless], workers=2, depth=2)
    assert [next(it) for _ in range(5)] == [0, 1, 2, 3, 4]
    assert threading.active_count() == before + 2
    it.close()
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert threading.active_count() == before
