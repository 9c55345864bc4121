"""The vendored upstream CRDs: every file is one the refresh task knows, and the task says what it would fetch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ops.tasks.dev import VENDORED_CRDS

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "vendor" / "crds"


def test_every_vendored_crd_is_one_the_refresh_task_fetches() -> None:
    on_disk = {p.name for p in VENDOR.rglob("*.yaml")}
    known = {name for _, _, files in VENDORED_CRDS.values() for name in files}
    assert on_disk == known


def test_every_vendored_project_is_in_the_readme_with_its_commit() -> None:
    readme = (VENDOR / "README.md").read_text()
    for repo, _, _ in VENDORED_CRDS.values():
        assert f"https://github.com/{repo}" in readme
    assert (VENDOR / "LICENSE-Apache-2.0").read_text().startswith("\n")  # the licence text itself, as Debian ships it


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args], check=False, cwd=ROOT, capture_output=True, text=True
    )


def test_a_dry_run_names_each_url_and_target_and_fetches_nothing() -> None:
    result = run("vendor-crds", "--project", "flux-source", "--ref", "v1.6.0", "--dry-run")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert lines[0] == (
        "would fetch: https://raw.githubusercontent.com/fluxcd/source-controller/v1.6.0/config/crd/bases/"
        f"source.toolkit.fluxcd.io_helmcharts.yaml -> {VENDOR / 'flux' / 'source.toolkit.fluxcd.io_helmcharts.yaml'}"
    )


def test_an_unknown_project_is_refused_naming_the_flag() -> None:
    result = run("vendor-crds", "--project", "istio", "--ref", "v1")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: --project: 'istio' is not allowed; one of kratix")
