"""Hostile request files and names: refused in one line with exit 2, quickly, nothing written."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.tasks.inprocess import TaskRunner

REQUEST = """\
apiVersion: platform.srekubecraft.io/v1alpha1
kind: DatadogStack
metadata:
  name: production
  namespace: default
spec:
  tier: full
  clusterName: kratix-demo
"""
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)


def hostile(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """name -> (the file, what the one-line refusal says)."""
    files: dict[str, tuple[bytes | None, str]] = {
        "too-large": (REQUEST.encode() + b"#" * (2 * 1024 * 1024) + b"\n", "a file of at most 1024 KiB"),
        "alias-bomb": (
            (REQUEST + "spec2:\n" + "".join("  " + line + "\n" for line in BOMB.splitlines())).encode(),
            "YAML of at most 10000 nodes once aliases are expanded",
        ),
        "duplicate-key": (
            REQUEST.replace("  tier: full\n", "  tier: full\n  tier: minimal\n").encode(),
            "YAML without duplicate keys (key 'tier' twice, line 8)",
        ),
        "not-utf8": (REQUEST.replace("production", "producci\xf3n").encode("latin-1"), "UTF-8 text"),
        "a-list": (b"- 1\n- 2\n", "exactly one DatadogStack document"),
        "two-documents": ((REQUEST + "---\n" + REQUEST).encode(), "exactly one DatadogStack document"),
        "null-namespace": (REQUEST.replace("namespace: default", "namespace: null").encode(), "metadata.namespace"),
        "trailing-newline-name": (
            REQUEST.replace("name: production", 'name: "production\\n"').encode(),
            "metadata.name: 'production\\n' is not allowed",
        ),
        "trailing-newline-env": (
            REQUEST.replace("tier: full", 'tier: full\n  environment: "prod\\n"').encode(),
            "spec.environment: 'prod\\n' is not allowed",
        ),
        "a-directory": (None, "a regular file"),
    }
    out = {}
    for name, (content, says) in files.items():
        path = tmp_path / f"{name}.yaml"
        if content is None:
            path.mkdir()
        else:
            path.write_bytes(content)
        out[name] = (path, says)
    return out


CASES = [
    "too-large",
    "alias-bomb",
    "duplicate-key",
    "not-utf8",
    "a-list",
    "two-documents",
    "null-namespace",
    "trailing-newline-name",
    "trailing-newline-env",
    "a-directory",
]


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_request_file_is_refused_in_one_line(run_task: TaskRunner, tmp_path: Path, case: str) -> None:
    path, says = hostile(tmp_path)[case]
    out = tmp_path / "repo"
    out.mkdir()

    started = time.monotonic()
    run = run_task("pipeline.run", "--file", str(path), "--write", str(out))

    assert time.monotonic() - started < 10  # cold imports included; a 50 MB file took 7 minutes
    assert run.code == 2, run.stdout + run.stderr
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("error: ")
    assert says in run.stderr
    assert list(out.iterdir()) == []


def test_a_fifo_is_refused_without_blocking(run_task: TaskRunner, tmp_path: Path) -> None:
    fifo = tmp_path / "request.yaml"
    os.mkfifo(fifo)

    run = run_task("pipeline.run", "--file", str(fifo))

    assert run.code == 2
    assert "a regular file" in run.stderr


@pytest.mark.parametrize(
    ("flag", "value", "field"),
    [
        ("--name", "production\n", "metadata.name"),
        ("--env", "prod\n", "spec.environment"),
        ("--cluster", "kratix-demo\n", "spec.clusterName"),
        ("--tag", "team:payments\n", "spec.tags[0]"),
        ("--namespace", "default\n", "metadata.namespace"),
    ],
)
def test_a_trailing_newline_in_a_flag_is_refused(run_task: TaskRunner, flag: str, value: str, field: str) -> None:
    run = run_task("pipeline.run", flag, value)

    assert run.code == 2, run.stdout + run.stderr
    assert run.stderr.startswith(f"error: {field}: {value!r} is not allowed")
