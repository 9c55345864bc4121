"""Run OpenTofu (or Terraform) offline: `fmt`, and `plan` on a copy of a module's variables."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

NO_BINARY = "neither tofu nor terraform on PATH"


def tofu_binary() -> str | None:
    return shutil.which("tofu") or shutil.which("terraform")


def run(binary: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"}
    return subprocess.run([binary, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False)


def variables_only_copy(binary: str, module: Path, workdir: Path) -> Path:
    """A module holding only `module`'s variables.tf, initialised: `plan` then needs no provider
    and no network, and evaluates every validation block against the given values."""
    shutil.copy(module / "variables.tf", workdir / "variables.tf")
    result = run(binary, "init", "-backend=false", "-input=false", "-no-color", cwd=workdir)
    assert result.returncode == 0, result.stdout + result.stderr
    return workdir


def plan(binary: str, workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(binary, "plan", "-input=false", "-no-color", "-lock=false", *args, cwd=workdir)
