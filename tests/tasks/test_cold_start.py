"""What every `invoke` start pays for: the declarations of the tasks, not the code that does their work.

invoke imports tasks.py (and writes no bytecode cache), so each module it pulls in is compiled and run
at every start, `invoke --list` and `invoke --help TASK` included. The tasks' bodies live in
ops/tasks/impl/ and import what they need when they run. bench/cold_start.py measures the time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PROBE = (
    "import json, sys; from invoke.main import program; "
    "sys.argv = ['invoke', *json.loads(sys.argv[1])]; program.run(exit=False); "
    "print(json.dumps(sorted(sys.modules)), file=sys.stderr)"
)
# what a task's work needs, never a start: clients, output, waits, YAML of requests, the pipeline's code
THIRD_PARTY = ("kubernetes", "boto3", "botocore", "urllib3", "rich", "tenacity", "sh", "dateutil", "datadog_configure")
OPS_AT_START = {"ops", "ops.errors", "ops.inputs"}  # outside ops.tasks: the errors, and invoke.yaml read strictly


def _loaded(argv: list[str]) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip()  # the listing or the help was printed
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize("argv", [["--list"], ["--help", "status"]])
def test_a_start_loads_the_task_declarations_only(argv: list[str]) -> None:
    loaded = _loaded(argv)

    ours = {m for m in loaded if m == "ops" or m.startswith("ops.")}
    assert "ops.tasks.incident" in ours  # the probe did load the tasks
    assert {m for m in ours if not m.startswith("ops.tasks")} <= OPS_AT_START
    assert not {m for m in ours if m.startswith(("ops.tasks.impl", "ops.tasks.wiring", "ops.tasks.exits"))}
    assert not {m for m in loaded if m.split(".")[0] in THIRD_PARTY}


def test_a_start_caches_the_bytecode_of_ops_unless_python_is_told_not_to(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv*", ".git", "__pycache__", "*.egg-info", ".*cache"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    subprocess.run([sys.executable, "-B", "-m", "invoke", "--list"], cwd=copy, env=env, check=True, capture_output=True)
    assert not list((copy / "ops").rglob("*.pyc"))  # -B: Python's own setting holds
    subprocess.run([sys.executable, "-m", "invoke", "--list"], cwd=copy, env=env, check=True, capture_output=True)
    cached = {p.parent.parent.name + "/" + p.name.split(".")[0] for p in (copy / "ops").rglob("*.pyc")}
    assert {"tasks/incident", "tasks/flags"} <= cached
    assert not (copy / "tasks.pyc").exists() and not (copy / "__pycache__").exists()  # none beside tasks.py
