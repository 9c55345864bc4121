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


# What `fleet_variables_copy` puts in place of the VPC module's outputs (it has no providers).
VPC_STAND_INS = {
    "module.vpc.vpc_id": '"vpc-0123456789abcdef0"',
    "module.vpc.private_subnets": '["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]',
}


def fleet_variables_copy(binary: str, root: Path, child: Path, workdir: Path) -> Path:
    """The root module's variables and its cluster module calls (clusters.tf, the VPC outputs
    replaced by stand-ins), calling a copy of the cluster module that holds only its variables:
    `plan` runs the real wiring offline and every cluster's validation rules on the values the
    root passes to it."""
    shutil.copy(root / "variables.tf", workdir / "variables.tf")
    calls = (root / "clusters.tf").read_text()
    for reference, stand_in in VPC_STAND_INS.items():
        assert reference in calls, reference
        calls = calls.replace(reference, stand_in)
    (workdir / "clusters.tf").write_text(calls)
    module_copy = workdir / child.relative_to(root)
    module_copy.mkdir(parents=True)
    shutil.copy(child / "variables.tf", module_copy / "variables.tf")
    result = run(binary, "init", "-backend=false", "-input=false", "-no-color", cwd=workdir)
    assert result.returncode == 0, result.stdout + result.stderr
    return workdir
