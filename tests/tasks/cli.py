"""Run `invoke` as a user does: a subprocess in the repository, its output and exit code captured."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

from tests.conftest import ROOT


@dataclass(frozen=True)
class Invocation:
    code: int
    stdout: str
    stderr: str


def invoke(*args: str, env: dict[str, str] | None = None) -> Invocation:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("INVOKE_")}
    proc = subprocess.run(
        [sys.executable, "-m", "invoke", *args],
        cwd=ROOT,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return Invocation(proc.returncode, proc.stdout, proc.stderr)
