"""Every setting in one place, read from the environment and checked once, at start-up.

`settings()` reads every SSEXPLAIN_* variable (and HOST, PORT) and raises `BadSetting`, whose
message is one line naming the variable and what it accepts, for any value that cannot be
used. The web app, gunicorn.conf.py, the answer cache and the CLI all read this one object;
nothing else reads the environment. The README's configuration table lists the same
variables with the same defaults; keep the two in step.

No web framework here: the CLI and the core import this module too.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

from ssexplain.errors import SsexplainError

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_RATE_LIMIT = "30 per minute"
RATE_LIMIT_OFF = "off"
ENCODERS = ("onnx", "onnx-int8", "torch")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOCAL_HOSTS = ("127.0.0.1", "localhost")

# A CSP frame-ancestors source: *, 'self', a scheme ("https:"), or scheme://host[:port] with
# an optional leading *. for subdomains. Nothing that could end the directive early.
FRAME_SOURCE = re.compile(r"^(\*|'self'|'none'|[a-z][a-z0-9+.-]*:|[a-z][a-z0-9+.-]*://(\*\.)?[a-z0-9.-]+(:\d+)?)$")
EXACT_ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:\d+)?$")
HOSTNAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


class BadSetting(SsexplainError):
    """A setting that cannot be used; the message names the variable and what it accepts."""


# ---------------------------------------------------------------- parsers (one per kind of value)


def whole_number(name: str, raw: str, default: int, *, minimum: int = 0, what: str = "") -> int:
    """ASCII digits only: '²' and '٣' pass str.isdigit() but are not numbers a person typed."""
    raw = raw.strip()
    if not raw:
        return default
    if not re.fullmatch(r"[0-9]{1,9}", raw) or int(raw) < minimum:
        accepts = what or f"a whole number, {minimum} or more"
        raise BadSetting(f"{name} must be {accepts}, not {raw!r}")
    return int(raw)


def seconds(name: str, raw: str, default: float) -> float:
    raw = raw.strip()
    if not raw:
        return default
    if not re.fullmatch(r"[0-9]{1,6}(\.[0-9]{1,3})?", raw) or float(raw) <= 0:
        raise BadSetting(f"{name} must be a number of seconds above 0, like 10 or 2.5, not {raw!r}")
    return float(raw)


def switch(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise BadSetting(f"{name} must be 1 or 0 (or yes/no, true/false, on/off), not {raw!r}")


def one_of(name: str, raw: str, choices: tuple[str, ...], default: str) -> str:
    value = raw.strip().lower() or default
    if value not in choices:
        raise BadSetting(f"{name} must be {' or '.join(choices)}, not {raw!r}")
    return value


def rate_limit(raw: str) -> str:
    """SSEXPLAIN_RATE_LIMIT as Flask-Limiter reads it ('30 per minute', '100/hour'), or 'off'."""
    from limits import parse_many  # the pure rate-string parser, no web framework

    value = raw.strip() or DEFAULT_RATE_LIMIT
    if value.lower() == RATE_LIMIT_OFF:
        return RATE_LIMIT_OFF
    try:
        parse_many(value)
    except ValueError:
        raise BadSetting(
            f"SSEXPLAIN_RATE_LIMIT={value!r} is not a rate like '30 per minute' or '100/hour', or 'off'"
        ) from None
    return value


def storage_uri(raw: str) -> str:
    uri = raw.strip() or "memory://"
    if not uri.startswith(("memory://", "redis://", "rediss://", "redis+unix://")):
        raise BadSetting(f"SSEXPLAIN_RATELIMIT_STORAGE={uri!r} must start with redis:// (or be empty for memory)")
    return uri


def proxy_count(raw: str) -> int:
    return whole_number("SSEXPLAIN_PROXIES", str(raw), 0, what="a whole number of proxies (0 for none)")


def embed_origins(raw: str) -> tuple[str, ...]:
    """SSEXPLAIN_EMBED_ORIGINS: space-separated CSP sources; empty means any site (*)."""
    origins = tuple(raw.split()) or ("*",)
    bad = [o for o in origins if not FRAME_SOURCE.match(o.lower())]
    if bad:
        raise BadSetting(
            f"SSEXPLAIN_EMBED_ORIGINS has {' '.join(bad)!r}: list sites like 'https://forum.example.org', "
            "separated by spaces, or '*' for any site"
        )
    return origins


def cors_origins(raw: str) -> frozenset[str]:
    """SSEXPLAIN_CORS_ORIGINS: exact origins, separated by spaces or commas; empty means off."""
    origins = [o.strip().rstrip("/").lower() for o in re.split(r"[\s,]+", raw) if o.strip()]
    bad = [o for o in origins if not EXACT_ORIGIN.match(o)]
    if bad:
        raise BadSetting(
            f"SSEXPLAIN_CORS_ORIGINS has {' '.join(bad)!r}: list exact origins like 'https://forum.example.org' "
            "(scheme and host, no path, no wildcard)"
        )
    return frozenset(origins)


def public_url(raw: str) -> str:
    """SSEXPLAIN_PUBLIC_URL: the address people use, scheme and host (and port), no path."""
    value = raw.strip().rstrip("/")
    if not value:
        return ""
    problem = f"SSEXPLAIN_PUBLIC_URL must be the site's address like 'https://explain.example.org' " \
              f"(scheme and host, optional port, no path), not {raw.strip()!r}"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise BadSetting(problem) from None
    host = parts.hostname or ""
    if (parts.scheme not in ("http", "https") or not (HOSTNAME.match(host) or _is_ip(host))
            or parts.path or parts.query or parts.fragment or parts.username or parts.password):
        raise BadSetting(problem)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _is_ip(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def port(raw: str) -> int:
    value = whole_number("PORT", raw, 5000, minimum=1, what="a port number from 1 to 65535")
    if value > 65535:
        raise BadSetting(f"PORT must be a port number from 1 to 65535, not {raw.strip()!r}")
    return value


def log_level(raw: str) -> str:
    level = raw.strip().upper() or "INFO"
    if level not in LOG_LEVELS:
        raise BadSetting(f"SSEXPLAIN_LOG_LEVEL={raw!r} must be one of {', '.join(LOG_LEVELS)}")
    return level


def _path(env: Mapping[str, str], name: str, default: Path) -> Path:
    value = env.get(name, "").strip()
    return Path(value) if value else default


def _env_path(name: str, default: Path):
    return lambda: _path(os.environ, name, default)


# ---------------------------------------------------------------- the settings


@dataclass(frozen=True)
class Settings:
    """Every setting, parsed and checked. `Settings.from_env()` (or `settings()`) reads them.

    Built directly (as tests do), the paths still come from the environment and everything
    else takes its default.
    """

    content_dir: Path = field(default_factory=_env_path("SSEXPLAIN_CONTENT", PROJECT_ROOT / "content"))
    index_dir: Path = field(default_factory=_env_path("SSEXPLAIN_INDEX", PROJECT_ROOT / "index"))
    seeds_dir: Path = field(default_factory=_env_path("SSEXPLAIN_SEEDS", PROJECT_ROOT.parent / "shared" / "seeds"))
    model_path: str = field(default_factory=lambda: os.environ.get("SSEXPLAIN_MODEL", "").strip())
    # The sentence encoder's runtime, and its intra-op threads per worker (onnxruntime or torch).
    encoder: str = "onnx"
    encoder_threads: int = 1
    # How many encoder runs one worker makes at once; 0: its share of the CPU cores (encoder_runs_now).
    encoder_runs: int = 0
    # gunicorn
    host: str = "127.0.0.1"
    port: int = 5000
    workers: int = 2
    threads: int = 4
    timeout: int = 60
    graceful_timeout: int = 20
    max_requests: int = 0
    # the web app
    public_url: str = ""
    rate_limit: str = DEFAULT_RATE_LIMIT
    ratelimit_storage: str = "memory://"
    proxies: int = 0
    https: bool = False
    embed_origins: tuple[str, ...] = ("*",)
    cors_origins: frozenset[str] = frozenset()
    answer_cache: int = 1024
    request_budget: float = 10.0
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        """Parse every variable; the first bad one raises BadSetting naming it."""
        env = os.environ if env is None else env

        def get(name: str) -> str:
            return env.get(name, "")

        threads_raw = get("SSEXPLAIN_ENCODER_THREADS") or get("SSEXPLAIN_TORCH_THREADS")  # the old name still works
        threads_name = "SSEXPLAIN_ENCODER_THREADS" if get("SSEXPLAIN_ENCODER_THREADS") else "SSEXPLAIN_TORCH_THREADS"
        return cls(
            content_dir=_path(env, "SSEXPLAIN_CONTENT", PROJECT_ROOT / "content"),
            index_dir=_path(env, "SSEXPLAIN_INDEX", PROJECT_ROOT / "index"),
            seeds_dir=_path(env, "SSEXPLAIN_SEEDS", PROJECT_ROOT.parent / "shared" / "seeds"),
            model_path=get("SSEXPLAIN_MODEL").strip(),
            encoder=one_of("SSEXPLAIN_ENCODER", get("SSEXPLAIN_ENCODER"), ENCODERS, "onnx"),
            encoder_threads=whole_number(threads_name, threads_raw, 1, minimum=1),
            encoder_runs=whole_number("SSEXPLAIN_ENCODER_RUNS", get("SSEXPLAIN_ENCODER_RUNS"), 0,
                                      what="a whole number of runs at once (0 for the worker's share of the cores)"),
            host=get("HOST").strip() or "127.0.0.1",
            port=port(get("PORT")),
            workers=whole_number("SSEXPLAIN_WORKERS", get("SSEXPLAIN_WORKERS"), 2, minimum=1),
            threads=whole_number("SSEXPLAIN_THREADS", get("SSEXPLAIN_THREADS"), 4, minimum=1),
            timeout=whole_number("SSEXPLAIN_TIMEOUT", get("SSEXPLAIN_TIMEOUT"), 60, minimum=1),
            graceful_timeout=whole_number("SSEXPLAIN_GRACEFUL_TIMEOUT", get("SSEXPLAIN_GRACEFUL_TIMEOUT"), 20),
            max_requests=whole_number("SSEXPLAIN_MAX_REQUESTS", get("SSEXPLAIN_MAX_REQUESTS"), 0,
                                      what="a whole number of requests (0 for never)"),
            public_url=public_url(get("SSEXPLAIN_PUBLIC_URL")),
            rate_limit=rate_limit(get("SSEXPLAIN_RATE_LIMIT")),
            ratelimit_storage=storage_uri(get("SSEXPLAIN_RATELIMIT_STORAGE")),
            proxies=proxy_count(get("SSEXPLAIN_PROXIES")),
            https=switch("SSEXPLAIN_HTTPS", get("SSEXPLAIN_HTTPS")),
            embed_origins=embed_origins(get("SSEXPLAIN_EMBED_ORIGINS")),
            cors_origins=cors_origins(get("SSEXPLAIN_CORS_ORIGINS")),
            answer_cache=whole_number("SSEXPLAIN_ANSWER_CACHE", get("SSEXPLAIN_ANSWER_CACHE"), 1024,
                                      what="a whole number of answers to keep (0 turns it off)"),
            request_budget=seconds("SSEXPLAIN_REQUEST_BUDGET", get("SSEXPLAIN_REQUEST_BUDGET"), 10.0),
            log_level=log_level(get("SSEXPLAIN_LOG_LEVEL")),
        )

    def encoder_runs_now(self) -> int:
        """Encoder runs one worker makes at once: the setting, or the worker's share of the cores.

        Each run at once holds its own buffers in onnxruntime's memory arena, and a worker
        whose runs outnumber its cores only queues them on the CPU: a worker on a 2-core host
        with 2 workers runs one at a time (docs/BENCHMARKS.md, "One run at a time").
        """
        if self.encoder_runs:
            return self.encoder_runs
        return max(1, (os.cpu_count() or 1) // max(1, self.workers))

    def trusted_hosts(self) -> tuple[str, ...]:
        """The Host header values the app answers: the public address's host, or the local names."""
        if self.public_url:
            return (urlsplit(self.public_url).hostname or "",)
        return LOCAL_HOSTS


SETTING_NAMES = tuple(f.name for f in fields(Settings))


def settings() -> Settings:
    """The settings from the environment; raises BadSetting (one line) for a bad value."""
    return Settings.from_env()
