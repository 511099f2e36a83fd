"""Shared fixtures: the real engine loaded once per session, the Flask app and client,
a live server on a free local port, and Chromium driven by Playwright for browser tests.
"""
from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from ssexplain.config import PROJECT_ROOT, Settings, settings
from ssexplain.search.embedding import Encoder, load_encoder
from ssexplain.search.index_store import model_folder
from ssexplain.engine import Engine
from ssexplain.web import create_app

from chat_questions import FOLLOW_UPS
from servers import free_port

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def config() -> Settings:
    return settings()


@pytest.fixture(scope="session")
def seeds_dir(config: Settings) -> Path:
    """The source documents; in CI (.ci/run sets SSEXPLAIN_SEEDS) a missing folder fails."""
    if not config.seeds_dir.is_dir():
        pytest.fail(f"source documents not found at {config.seeds_dir}; set SSEXPLAIN_SEEDS")
    return config.seeds_dir


@pytest.fixture(scope="session")
def encoder(config: Settings) -> Encoder:
    """The encoder the server would use: the index's own model, run as configured (ONNX by default)."""
    return load_encoder(str(model_folder(config.index_dir)), kind=config.encoder, threads=config.encoder_threads)


@pytest.fixture(scope="session")
def engine(config: Settings, encoder: Encoder) -> Engine:
    """The real content and index (built by `make test` before pytest runs)."""
    return Engine.load(config, encoder=encoder)


@pytest.fixture(scope="module")
def follow_up(engine: Engine) -> tuple[str, str]:
    """The first pair whose follow-up is unanswerable alone and answered after its question."""
    for first, then in FOLLOW_UPS:
        if engine.ask(then).status == "no_answer" and engine.ask(then, history=[first]).status == "answered":
            return first, then
    pytest.fail("no follow-up in FOLLOW_UPS needs its earlier question any more; add one that does")


@pytest.fixture()
def app(engine: Engine):
    app = create_app({"TESTING": True, "ENGINE": engine})
    yield app


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def live_server(engine: Engine) -> Iterator[str]:
    """The app served on a free local port, for tests that drive a real browser."""
    app = create_app({"TESTING": True, "ENGINE": engine})
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright. A missing Chromium fails (never skips) in CI."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium package (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Screenshots for review; the folder is git-ignored."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
