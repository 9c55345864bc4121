"""Run the pipeline image's entry point (`python -m datadog_configure`) over a /kratix tree on disk."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import ROOT, invoke_yaml


def promise_env() -> dict[str, str]:
    """The environment Kratix gives the container: its defaults plus the Promise's `env` entries."""
    promise = yaml.safe_load((ROOT / "promises" / "promise.yaml").read_text())
    container = promise["spec"]["workflows"]["resource"]["configure"][0]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"]}
    env.update(
        {
            "KRATIX_WORKFLOW_ACTION": "configure",
            "KRATIX_WORKFLOW_TYPE": "resource",
            "KRATIX_PROMISE_NAME": promise["metadata"]["name"],
            "KRATIX_PIPELINE_NAME": "instance-configure",
            "KRATIX_OBJECT_KIND": "DatadogStack",
            "KRATIX_OBJECT_GROUP": invoke_yaml()["promise"]["group"],
            "KRATIX_OBJECT_VERSION": "v1alpha1",
        }
    )
    return env


@dataclass(frozen=True)
class PipelineRun:
    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]  # relative path -> text
    status: dict[str, Any]
    selectors: list[Any] | None = field(default=None)  # metadata/destination-selectors.yaml; None: not written

    def manifest(self, filename: str) -> dict[str, Any]:
        doc: dict[str, Any] = yaml.safe_load(self.outputs[filename])
        return doc


def run_pipeline(
    root: Path, obj: dict[str, Any], env: dict[str, str] | None = None, drop: tuple[str, ...] = ()
) -> PipelineRun:
    """Write object.yaml, run the container's command, read back output and metadata."""
    for sub in ("input", "output", "metadata"):
        (root / "kratix" / sub).mkdir(parents=True, exist_ok=True)
    (root / "kratix" / "input" / "object.yaml").write_text(yaml.safe_dump(obj))
    full_env = {"PATH": os.environ["PATH"], "KRATIX_ROOT": str(root), **promise_env(), **(env or {})}
    for name in drop:
        full_env.pop(name, None)
    proc = subprocess.run(
        [sys.executable, "-m", "datadog_configure"],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    out_dir = root / "kratix" / "output"
    outputs = {str(p.relative_to(out_dir)): p.read_text() for p in sorted(out_dir.rglob("*")) if p.is_file()}
    status_file = root / "kratix" / "metadata" / "status.yaml"
    status = yaml.safe_load(status_file.read_text()) if status_file.exists() else {}
    selectors_file = root / "kratix" / "metadata" / "destination-selectors.yaml"
    selectors = yaml.safe_load(selectors_file.read_text()) if selectors_file.exists() else None
    return PipelineRun(proc.returncode, proc.stdout, proc.stderr, outputs, status or {}, selectors)
