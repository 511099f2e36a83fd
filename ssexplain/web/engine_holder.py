"""Keep one Engine per worker process and load it after the fork, off the request path.

PyTorch thread pools created before a fork can hang gunicorn workers, so the model is
loaded inside each worker, in a background thread: /healthz answers at once, /readyz says
503 until the model and index are loaded and a warm-up encode has run.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
from typing import Callable

from ssexplain.engine import Engine
from ssexplain.errors import SsexplainError

log = logging.getLogger("ssexplain")


class EngineHolder:
    def __init__(self) -> None:
        self._engine: Engine | None = None
        self._error: str = ""
        self._ready = threading.Event()

    @property
    def engine(self) -> Engine | None:
        return self._engine if self._ready.is_set() else None

    @property
    def error(self) -> str:
        return self._error

    def set(self, engine: Engine) -> None:
        self._engine = engine
        self._ready.set()

    def load(self, make: Callable[[], Engine]) -> None:
        try:
            engine = make()
            engine.warm_up()
        except SsexplainError as exc:
            self._error = str(exc)
            log.error("engine failed to load: %s", exc)
            return
        release_free_memory()
        self.set(engine)
        log.info("engine ready: %d passages", len(engine.content.passages))

    def load_in_background(self, make: Callable[[], Engine]) -> threading.Thread:
        thread = threading.Thread(target=self.load, args=(make,), name="ssexplain-engine-load", daemon=True)
        thread.start()
        return thread

    def wait(self, timeout: float | None = None) -> bool:
        return self._ready.wait(timeout)


def release_free_memory() -> None:
    """Give the heap that loading freed back to the system (glibc's malloc_trim).

    Reading the ONNX model and the index frees tens of MiB that glibc would otherwise keep
    in each worker; about 20 MiB of RSS per worker (docs/BENCHMARKS.md). Elsewhere a no-op.
    """
    name = ctypes.util.find_library("c")
    try:
        ctypes.CDLL(name).malloc_trim(0)
    except (OSError, AttributeError, TypeError):
        pass
