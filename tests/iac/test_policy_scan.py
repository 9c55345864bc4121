"""The `iac policy` gate: checkov on iac/, in its own venv, every accepted finding justified inline."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ops.tasks.dev import GATES
from tests.iac.terraform_module import REPO

# checkov honours these prefixes (checkov/common/comment/enum.py, COMMENT_REGEX).
SKIP_MARK = re.compile(r"(?:checkov|bridgecrew|cortex):skip=", re.IGNORECASE)
JUSTIFIED_SKIP = re.compile(r"checkov:skip=(?P<check>CKV2?_[A-Z0-9]+_[0-9]+):(?P<why>[^\n]*)")
MIN_JUSTIFICATION_WORDS = 5


def skip_problems(text: str, where: str) -> list[str]:
    """Skip comments in `text` that do not name exactly one check and say why it is accepted."""
    problems = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not SKIP_MARK.search(line):
            continue
        found = JUSTIFIED_SKIP.search(line)
        if found is None:
            problems.append(f"{where}:{line_number}: not `#checkov:skip=CKV_ID:justification`: {line.strip()}")
        elif len(found["why"].split()) < MIN_JUSTIFICATION_WORDS:
            problems.append(f"{where}:{line_number}: {found['check']} skipped without a justification")
    return problems


def iac_files() -> list[Path]:
    """The files checkov's terraform framework reads skip comments from."""
    return sorted(path for path in (REPO / "iac").rglob("*.tf") if ".terraform" not in path.parts)


def accepted_findings() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in iac_files():
        for match in JUSTIFIED_SKIP.finditer(path.read_text()):
            found.setdefault(match["check"], []).append(str(path.relative_to(REPO)))
    return found


def test_every_accepted_finding_is_justified_inline() -> None:
    problems = [
        problem for path in iac_files() for problem in skip_problems(path.read_text(), str(path.relative_to(REPO)))
    ]
    assert problems == []


def test_the_accepted_findings_are_the_known_ones() -> None:
    # A new skip is a decision: add it here, with its justification next to the code.
    assert accepted_findings() == {
        "CKV_TF_1": ["iac/modules/cluster/main.tf", "iac/network.tf"],
        "CKV_AWS_394": ["iac/main.tf"],
    }


def test_the_skip_check_refuses_a_bare_or_unexplained_skip() -> None:
    text = "\n".join(
        [
            "#checkov:skip=CKV_TF_1",
            "#checkov:skip=CKV_TF_1:",
            "#checkov:skip=CKV_TF_1: ok",
            "#checkov:skip=CKV_TF_1,CKV_TF_2:two checks behind one single justification here",
            "# bridgecrew:skip=CKV_AWS_1:an old prefix that still skips the check",
            "#checkov:skip=CKV_AWS_394:the subnets take the first zones and plan shows a change",
        ]
    )
    problems = skip_problems(text, "x.tf")
    assert [problem.split(":")[1] for problem in problems] == ["1", "2", "3", "4", "5"]


def test_the_gate_runs_checkov_with_the_config_and_no_config_level_skips() -> None:
    assert ("iac policy", "bash .ci/iac-policy") in GATES
    names = [name for name, _ in GATES]
    assert names.index("iac policy") < names.index("tests")
    script = (REPO / ".ci" / "iac-policy").read_text()
    assert "--config-file .checkov.yaml" in script
    config = yaml.safe_load((REPO / ".checkov.yaml").read_text())
    assert config["directory"] == ["iac"] and config["framework"] == ["terraform"]
    assert config["soft-fail"] is False
    assert config["skip-download"] is True
    assert not {"skip-check", "skip-path", "soft-fail-on", "hard-fail-on", "check"} & set(config)


def test_checkov_is_pinned_and_installed_by_the_gate_apart_from_the_project() -> None:
    (requirement,) = (REPO / ".ci" / "checkov-requirements.txt").read_text().split()
    assert re.fullmatch(r"checkov==[0-9]+\.[0-9]+\.[0-9]+", requirement)
    assert "checkov" not in (REPO / "pyproject.toml").read_text()
    script = (REPO / ".ci" / "iac-policy").read_text()
    # A fresh clone (and CI, whose .ci/run ends in `invoke check`) gets the pinned version on first use.
    assert "installed || install" in script
    assert '.venv-checkov/bin/pip install -q -r "$requirements"' in script
    assert "checkov-${pinned}.dist-info" in script
    assert (REPO / ".ci" / "run").read_text().rstrip().endswith("invoke check")
    assert ".venv-*/" in (REPO / ".gitignore").read_text().splitlines()  # checkov's venv among them
