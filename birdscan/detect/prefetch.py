"""Run several generators ahead in background threads, consuming them in order.

Decoding (libsndfile) and resampling (soxr) release the GIL, so a few threads keep
the model fed while it runs; bounded queues keep memory flat.
"""

from __future__ import annotations

import queue
import threading
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
_END = object()


class _Ahead:
    def __init__(self, make: Callable[[], Iterable[T]], depth: int) -> None:
        self.q: queue.Queue = queue.Queue(maxsize=depth)
        self.make = make
        self.stop = threading.Event()

    def fill(self) -> None:
        try:
            for item in self.make():
                while not self.stop.is_set():
                    try:
                        self.q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if self.stop.is_set():
                    return
        except BaseException as e:  # handed to the consumer, which re-raises it
            self.q.put((_END, e))
            return
        self.q.put((_END, None))


def prefetch(makers: Iterable[Callable[[], Iterable[T]]], workers: int = 1, depth: int = 4) -> Iterator[T]:
    """Yield the items of ``maker()`` for each maker, in order, with up to ``workers``
    makers running ahead in threads, each holding at most ``depth`` items.

    ``workers=0`` runs everything in the calling thread. An exception raised by a
    maker is raised again at its place in the sequence.

    Parameters
    ----------
    makers : iterable of callables taking no arguments, each returning an iterable of items;
        read lazily, the next maker started when the first running one is used up
    workers : int, makers run ahead at once, each in its own daemon thread; <= 0 for none
    depth : int > 0, items a running maker may queue before it waits (<= 0: no bound)

    Yields
    ------
    the items of ``makers[0]()``, then of ``makers[1]()``, and so on. Closing the generator
    early tells the running threads to stop.
    """
    makers = iter(makers)
    if workers <= 0:
        for make in makers:
            yield from make()
        return
    running: list[tuple[_Ahead, threading.Thread]] = []

    def start_next() -> bool:
        make = next(makers, None)
        if make is None:
            return False
        ahead = _Ahead(make, depth)
        t = threading.Thread(target=ahead.fill, daemon=True)
        t.start()
        running.append((ahead, t))
        return True

    try:
        while len(running) < workers and start_next():
            pass
        while running:
            ahead, t = running[0]
            while True:
                item = ahead.q.get()
                if isinstance(item, tuple) and len(item) == 2 and item[0] is _END:
                    break
                yield item
            running.pop(0)
            start_next()
            if item[1] is not None:
                raise item[1]
    finally:
        for ahead, _ in running:
            ahead.stop.set()
