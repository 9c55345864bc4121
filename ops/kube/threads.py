"""Work on daemon threads, so Ctrl-C ends a task at once instead of waiting for reads in flight.

`concurrent.futures.ThreadPoolExecutor` joins its workers on shutdown and again at interpreter exit,
so an interrupted snapshot waited for every request in flight. These threads are daemons: the main
thread stops waiting when interrupted and the process exits.

    with DaemonPool(8, "snapshot") as pool:
        future = pool.submit(read, kube)
    value = run_within(30.0, lambda: request())   # AnswerTooSlow after 30 s, whatever the server does
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")


class AnswerTooSlow(TimeoutError):
    """A request that had no complete answer within its total time (a stalled or trickling server)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no complete answer within {seconds:g} s")
        self.seconds = seconds


def run_within(seconds: float, fn: Callable[[], T], name: str = "request") -> T:
    """fn() on a daemon thread; AnswerTooSlow when it has not returned after `seconds`."""
    box: dict[str, Any] = {}
    done = threading.Event()

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as err:
            box["error"] = err
        finally:
            done.set()

    threading.Thread(target=target, name=name, daemon=True).start()
    if not done.wait(seconds):
        raise AnswerTooSlow(seconds)
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


class DaemonPool:
    """A fixed pool of daemon worker threads with `submit` -> Future, like ThreadPoolExecutor's."""

    def __init__(self, workers: int, name: str) -> None:
        self._jobs: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]] | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True) for i in range(max(1, workers))
        ]
        for thread in self._threads:
            thread.start()

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            future, fn = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn())
            except BaseException as err:
                future.set_exception(err)

    def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        self._jobs.put((future, lambda: fn(*args, **kwargs)))
        return future

    def close(self) -> None:
        """Let the workers end once the queued work is done (never waits for them)."""
        for _ in self._threads:
            self._jobs.put(None)

    def __enter__(self) -> DaemonPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
