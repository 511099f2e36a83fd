"""Start under gunicorn cleanly, or stop at once with one clear line and a non-zero exit.

The master checks what it can without loading any model or faiss: settings, content, the
index's model folder and the index files. It must not load those libraries: their thread pools, copied into
forked workers, are the classic cause of workers that hang. Each worker then loads the
engine in a background thread (engine_holder.py) so /healthz answers at once and /readyz
says 503 until it is ready. A failure only a real load can find, such as a corrupt FAISS
file, makes the worker exit with gunicorn's boot-error code, which stops the whole server
instead of leaving it answering 503 for ever.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from ssexplain.config import Settings
from ssexplain.search.embedding import ONNX_DIR, ONNX_FILE
from ssexplain.errors import IndexNotReady, ModelError
from ssexplain.search.index_store import INDEX_FILE, META_FILE, REBUILD, model_folder
from ssexplain.web import preflight
from ssexplain.web.engine_holder import EngineHolder

log = logging.getLogger("ssexplain")

WORKER_BOOT_ERROR = 3  # gunicorn halts the whole server when a worker exits with this
LOAD_DEADLINE_SECONDS = 300.0


def check_model_folder(configured: str) -> None:
    """A configured base model must be a model folder (the index records which it was)."""
    if configured:
        folder = Path(configured)
        if not (folder / "modules.json").is_file() and not (folder / "config.json").is_file():
            raise ModelError(f"no sentence-transformers model in {folder} (check SSEXPLAIN_MODEL)")


def check_served_model(config: Settings) -> None:
    """The index carries the model the workers load, with its ONNX export when that is the encoder."""
    served = model_folder(config.index_dir)
    needed = ["modules.json", "tokenizer.json"] + ([f"{ONNX_DIR}/{ONNX_FILE}"] if config.encoder == "onnx" else [])
    missing = [name for name in needed if not (served / name).is_file()]
    if missing:
        raise IndexNotReady(f"search index has no model to serve ({served / missing[0]} not found): {REBUILD}")


def check_index_files(config: Settings) -> None:
    for name in (INDEX_FILE, META_FILE):
        path = config.index_dir / name
        if not path.is_file() or path.stat().st_size == 0:
            raise IndexNotReady(f"search index is missing or empty ({path}): {REBUILD}")


def check_before_fork(config: Settings) -> None:
    """Everything the master can check cheaply; raises SsexplainError with the fix in its message.

    The settings themselves were checked when `config` was read (gunicorn.conf.py)."""
    # The model first: a missing model would otherwise read as "index built with another model".
    check_model_folder(config.model_path)
    preflight(config)
    check_index_files(config)
    check_served_model(config)


def exit_if_engine_fails(
    app: Flask,
    *,
    exit: Callable[[int], object] = os._exit,
    deadline: float = LOAD_DEADLINE_SECONDS,
    poll: float = 0.2,
) -> threading.Thread:
    """Watch this worker's engine load; exit with WORKER_BOOT_ERROR if it fails or never ends."""
    holder: EngineHolder = app.extensions["ssexplain"]

    def watch() -> None:
        give_up = time.monotonic() + deadline
        while not holder.wait(poll):
            if holder.error:
                # engine_holder has logged the reason as one line already.
                exit(WORKER_BOOT_ERROR)
                return
            if time.monotonic() > give_up:
                log.error("engine failed to load: still not ready after %.0f seconds", deadline)
                exit(WORKER_BOOT_ERROR)
                return

    thread = threading.Thread(target=watch, name="ssexplain-engine-watch", daemon=True)
    thread.start()
    return thread
