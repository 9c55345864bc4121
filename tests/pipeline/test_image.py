"""The pipeline image's own package: self-contained, non-root, pinned (no Docker engine here to build it)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import PIPELINE_DIR, datadog_stack
from tests.pipeline.contract import promise_env

DOCKERFILE = (PIPELINE_DIR / "Dockerfile").read_text()


def test_the_base_image_is_pinned_and_slim() -> None:
    bases = re.findall(r"^FROM\s+(\S+)", DOCKERFILE, re.MULTILINE)

    assert bases
    for base in bases:
        name, _, tag = base.partition(":")
        assert name == "python" and re.fullmatch(r"3\.\d+\.\d+-slim-\w+", tag), base


def test_the_image_runs_as_non_root_the_pipeline_module() -> None:
    users = re.findall(r"^USER\s+(\S+)", DOCKERFILE, re.MULTILINE)

    assert users and not users[-1].startswith(("0", "root"))
    assert 'ENTRYPOINT ["python", "-m", "datadog_configure"]' in DOCKERFILE
    assert "DATADOG_VALUES_DIR=/app/values" in DOCKERFILE and "COPY values /app/values" in DOCKERFILE


def test_the_pipeline_package_installs_alone_and_configures_from_a_values_dir(tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(PIPELINE_DIR)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert not (target / "ops").exists()
    root = tmp_path / "root"
    for sub in ("input", "output", "metadata"):
        (root / "kratix" / sub).mkdir(parents=True)
    (root / "kratix" / "input" / "object.yaml").write_text(yaml.safe_dump(datadog_stack(tier="full")))
    env = {
        **promise_env(),
        "PATH": os.environ["PATH"],
        "KRATIX_ROOT": str(root),
        "PYTHONPATH": str(target),
        "DATADOG_VALUES_DIR": str(PIPELINE_DIR / "values"),
    }

    proc = subprocess.run(
        [sys.executable, "-m", "datadog_configure"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )

    assert proc.returncode == 0, proc.stderr
    assert "Datadog full tier configured" in proc.stdout
    assert len(list((root / "kratix" / "output").iterdir())) == 4
    probe = subprocess.run(
        [sys.executable, "-c", "import datadog_configure; print(datadog_configure.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    assert probe.stdout.startswith(str(target))  # the installed copy ran, not the checkout
