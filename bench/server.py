"""Start gunicorn exactly as `make run` does and time it, and read each worker's memory.

Used by bench/run.py; the timings go into docs/BENCHMARKS.md.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0


@dataclass
class ColdStart:
    listening_s: float  # launch to the first /healthz 200
    first_ready_s: float  # launch to the first /readyz 200 (one worker can answer)
    all_ready_s: float  # launch to every worker's "engine ready" line


@dataclass
class Server:
    port: int
    env: dict[str, str]
    log_path: Path
    workers: int = 2
    threads: int | None = None  # None: gunicorn.conf.py's default
    process: subprocess.Popen | None = None
    cold_start: ColdStart | None = None
    launched: float = field(default=0.0)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Server":
        env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(self.port),
               "SSEXPLAIN_WORKERS": str(self.workers), **self.env}
        if self.threads is not None:
            env["SSEXPLAIN_THREADS"] = str(self.threads)
        self.launched = time.perf_counter()
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [str(GUNICORN), "--config", "gunicorn.conf.py", "app:create_app()"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        try:
            listening = self._wait(lambda: status_of(self.url + "/healthz") == 200)
            first_ready = self._wait(lambda: status_of(self.url + "/readyz") == 200)
            all_ready = self._wait(lambda: self.log().count("engine ready") >= self.workers)
        except BaseException:
            self.stop()
            raise
        self.cold_start = ColdStart(listening, first_ready, all_ready)
        return self

    def _wait(self, done, timeout: float = 180) -> float:
        give_up = time.perf_counter() + timeout
        while not done():
            assert self.process is not None
            if self.process.poll() is not None or time.perf_counter() > give_up:
                raise RuntimeError(f"gunicorn did not come up:\n{self.log()}")
            time.sleep(0.02)
        return time.perf_counter() - self.launched

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True)
        return [int(pid) for pid in out.stdout.split()]

    def stop(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


@dataclass(frozen=True)
class Memory:
    rss_mib: float  # resident, counting shared library pages in full
    pss_mib: float  # proportional: shared pages split between the processes that map them


def maps_of(pid: int) -> dict[str, bool]:
    """Which runtimes the process has mapped, from /proc/<pid>/maps."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return {"libtorch": "libtorch" in maps, "onnxruntime": "onnxruntime" in maps}


def memory_of(pid: int) -> Memory:
    """RSS and PSS of one process, from /proc."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        parts = line.split()
        if parts and parts[0] in ("Rss:", "Pss:"):
            values[parts[0]] = int(parts[1]) / 1024
    return Memory(rss_mib=values["Rss:"], pss_mib=values["Pss:"])
