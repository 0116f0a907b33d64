"""The shared workload generator, loaded from ../shared (or the copy kept in bench/)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CANDIDATES = [
    ROOT / "bench" / "gen_workload.py",
    ROOT.parent / "shared" / "workload" / "gen_workload.py",
]


def _load():
    for path in CANDIDATES:
        if path.exists():
            spec = importlib.util.spec_from_file_location("gen_workload", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
    raise FileNotFoundError("gen_workload.py not found in bench/ or ../shared/workload/")


def build_workload(sessions: int = 400, attendees: int = 2000, rooms: int = 16) -> dict:
    return _load().build(sessions, attendees, rooms)
