"""Real servers for the tests that need them: gunicorn with the repo's config, and redis-server.

Each runs as a child process on a free local port and is stopped by the test that started it.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from ssexplain.config import PROJECT_ROOT

GUNICORN = Path(sys.executable).with_name("gunicorn")
REDIS_SERVER = "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class HttpReply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


def http(url: str, *, method: str = "GET", body: dict | None = None, timeout: float = 10) -> HttpReply:
    """One request; HTTP errors are replies too, not exceptions."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return HttpReply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as exc:
        return HttpReply(exc.code, dict(exc.headers), exc.read())


@dataclass
class Gunicorn:
    """`gunicorn --config gunicorn.conf.py app:create_app()`, as `make run` starts it."""

    env: dict[str, str] = field(default_factory=dict)
    workers: int = 1
    log_path: Path | None = None
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, log_path: Path) -> "Gunicorn":
        self.log_path = log_path
        env = {
            **os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
            "HOST": "127.0.0.1", "PORT": str(self.port), "SSEXPLAIN_WORKERS": str(self.workers),
            **self.env,
        }
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                [str(GUNICORN), "--config", "gunicorn.conf.py", "app:create_app()"],
                cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        return self

    def __enter__(self) -> "Gunicorn":
        return self

    def __exit__(self, *exc: object) -> None:
        """Never leave a server behind, whatever the test did."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        assert self.log_path is not None
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_exit(self, timeout: float = 60) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def wait_until(self, path: str, status: int, timeout: float = 90) -> list[int]:
        """Poll `path` until it answers `status`; returns every status seen on the way."""
        seen: list[int] = []
        give_up = time.monotonic() + timeout
        while time.monotonic() < give_up:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.process.returncode}:\n{self.log()}")
            try:
                seen.append(http(self.url + path, timeout=2).status)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                seen.append(0)
            if seen[-1] == status:
                return seen
            time.sleep(0.1)
        raise AssertionError(f"{path} never answered {status} (saw {sorted(set(seen))}):\n{self.log()}")

    def wait_for_log(self, text: str, count: int, timeout: float = 120) -> None:
        """Wait until `text` has appeared `count` times in the log (say, once per worker)."""
        give_up = time.monotonic() + timeout
        while self.log().count(text) < count:
            assert self.process is not None and self.process.poll() is None, self.log()
            if time.monotonic() > give_up:
                raise AssertionError(f"{text!r} appeared {self.log().count(text)} of {count} times:\n{self.log()}")
            time.sleep(0.1)

    def signal(self, sig: int) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, the graceful shutdown a process manager sends; returns the exit code."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True)
        return [int(pid) for pid in out.stdout.split()]


def loaded_libraries(pid: int) -> str:
    """The shared libraries mapped into a process, as /proc lists them."""
    return Path(f"/proc/{pid}/maps").read_text()


@dataclass
class RedisServer:
    """A throwaway redis-server: no persistence, local only."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def __enter__(self) -> "RedisServer":
        binary = shutil.which("redis-server") or REDIS_SERVER
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        give_up = time.monotonic() + 10
        while time.monotonic() < give_up:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        self.__exit__()
        raise AssertionError("redis-server did not start")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
