"""The standard workloads, generated with the shared generator and cached on disk."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / "workloads"
# Arguments of ../shared/workload/gen_workload.py for each standard size.
SIZES = {
    "tiny": {"sessions": 30, "attendees": 60, "rooms": 3},
    "w400": {"sessions": 400, "attendees": 2000, "rooms": 16},
    "w5000": {"sessions": 5000, "attendees": 20000, "rooms": 60},
}


def _generator():
    spec = importlib.util.spec_from_file_location("gen_workload", HERE / "gen_workload.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_workload(name: str) -> dict:
    """The workload ``name``, generated once (deterministically) and then read from bench/workloads/."""
    params = SIZES[name]
    path = CACHE / f"{name}.json"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        document = _generator().build(params["sessions"], params["attendees"], params["rooms"])
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return json.loads(path.read_text(encoding="utf-8"))
