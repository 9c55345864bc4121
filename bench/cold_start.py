"""Cold start of the toolkit: `invoke --list` here against a bare invoke whose tasks.py has one task.

    python bench/cold_start.py                      # 7 interleaved runs of each, this interpreter
    python bench/cold_start.py --runs 15 --python .venv-user/bin/python

Each run is a fresh `python -m invoke ...` process (what a user pays at every prompt). Interleaved, in
this order: `invoke --list` in the repository, `invoke --list` in a folder whose tasks.py has one task
(invoke's own floor: the interpreter, invoke, its parser), `invoke --help status` in the repository.
Measure with an interpreter that has only `pip install -e .` (no test extra), as users have it.
invoke writes no bytecode cache (its --write-pyc is off); tasks.py lets Python's own setting decide for
ops/ (PYTHONDONTWRITEBYTECODE or -B keep it off): the last line says whether ops/ has a cache.
This is not a test: nothing asserts; it prints medians.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BARE_TASKS = "from invoke import task\n\n\n@task\ndef hello(c):\n    pass\n"


@dataclass(frozen=True)
class ColdStart:
    listed: float  # median seconds of `invoke --list` here
    floor: float  # median seconds of `invoke --list` with a one-task tasks.py
    help_status: float  # median seconds of `invoke --help status` here

    @property
    def ratio(self) -> float:
        return self.listed / self.floor

    def line(self) -> str:
        return (
            f"cold start: `invoke --list` {self.listed:.3f} s, a bare invoke with one task {self.floor:.3f} s"
            f" ({self.ratio:.2f}x); `invoke --help status` {self.help_status:.3f} s"
        )


def measure(python: str, env: dict[str, str], work: Path, runs: int = 7) -> ColdStart:
    """Medians of `runs` interleaved fresh processes of each command (`work` gets the one-task folder)."""
    bare = work / "bare"
    bare.mkdir(exist_ok=True)
    (bare / "tasks.py").write_text(BARE_TASKS)

    def timed(cwd: Path, *args: str) -> float:
        started = time.perf_counter()
        subprocess.run([python, "-m", "invoke", *args], cwd=cwd, env=env, check=True, capture_output=True)
        return time.perf_counter() - started

    listed, floor, help_status = [], [], []
    for _ in range(runs):
        listed.append(timed(ROOT, "--list"))
        floor.append(timed(bare, "--list"))
        help_status.append(timed(ROOT, "--help", "status"))
    return ColdStart(statistics.median(listed), statistics.median(floor), statistics.median(help_status))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="interleaved runs of each command (medians are shown)")
    parser.add_argument("--python", default=sys.executable, help="the interpreter that runs invoke")
    args = parser.parse_args()
    python = os.path.abspath(args.python)  # not resolve(): a venv's python is a symlink to its base
    env = {k: v for k, v in os.environ.items() if not k.startswith("INVOKE_")}
    with tempfile.TemporaryDirectory(prefix="cold-start-") as work:
        print(measure(python, env, Path(work), args.runs).line())
    cached = Path(importlib.util.cache_from_source(str(ROOT / "ops" / "tasks" / "incident.py"))).exists()
    where = "present" if cached else "absent (compiled at each start: PYTHONDONTWRITEBYTECODE?)"
    print(f"bytecode cache of ops/: {where}")


if __name__ == "__main__":
    main()
