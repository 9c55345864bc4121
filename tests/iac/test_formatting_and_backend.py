"""`tofu fmt`, and the state backend: local by default, S3 documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.iac.terraform_module import CLUSTER_MODULE, REPO, ROOT_MODULES
from tests.iac.tofu_cli import NO_BINARY, run, tofu_binary


def binary_or_skip() -> str:
    found = tofu_binary()
    if found is None:
        pytest.skip(NO_BINARY)
    return found


def test_the_iac_is_formatted_as_tofu_fmt_writes_it() -> None:
    result = run(binary_or_skip(), "fmt", "-check", "-recursive", "-diff", "-no-color", "iac", cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_format_check_fails_on_a_badly_formatted_file(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('variable "x" {\ntype=string\n}\n')
    result = run(binary_or_skip(), "fmt", "-check", "-recursive", str(tmp_path), cwd=tmp_path)
    assert result.returncode != 0


@pytest.mark.parametrize("module", ROOT_MODULES, ids=lambda module: str(module.relative_to(REPO)))
def test_state_is_local_unless_the_s3_backend_example_is_copied(module: Path) -> None:
    assert not any("backend" in path.read_text() for path in module.glob("*.tf") if path.name != "versions.tf")
    versions = (module / "versions.tf").read_text()
    assert 'backend "' not in versions
    assert 'backend "s3" {}' in (module / "backend.tf.example").read_text()
    settings = (module / "backend-s3.hcl.example").read_text()
    assert "use_lockfile = true" in settings and "dynamodb_table" in settings


def test_the_readme_explains_the_backend_choice() -> None:
    readme = (CLUSTER_MODULE / "README.md").read_text()
    for phrase in ("Local by default", "-backend-config=backend-s3.hcl", "use_lockfile", "dynamodb_table"):
        assert phrase in readme, phrase
