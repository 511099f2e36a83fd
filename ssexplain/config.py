"""Every setting in one place, each with a default that works on a fresh machine.

The README lists the same environment variables; keep the two in step.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


@dataclass(frozen=True)
class Settings:
    """Paths and switches read from the environment once, at start-up."""

    content_dir: Path = field(default_factory=lambda: Path(_env("SSEXPLAIN_CONTENT", str(PROJECT_ROOT / "content"))))
    index_dir: Path = field(default_factory=lambda: Path(_env("SSEXPLAIN_INDEX", str(PROJECT_ROOT / "index"))))
    seeds_dir: Path = field(default_factory=lambda: Path(_env("SSEXPLAIN_SEEDS", str(PROJECT_ROOT.parent / "shared" / "seeds"))))
    model_path: str = field(default_factory=lambda: _env("SSEXPLAIN_MODEL", ""))


def settings() -> Settings:
    return Settings()
