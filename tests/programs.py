"""Recording stand-ins for the programs the tasks run (tofu, terraform, docker, gh, kubectl, aws).

The `programs` fixture writes one small executable per program into a temporary folder and puts that
folder first on PATH (for in-process code and for `invoke` subprocesses alike). Each stand-in appends
`{"program", "argv", "cwd", "env"}` to a log and answers as told:

    programs.when("tofu", "plan", exit=2, stdout="Plan: 3 to add")   # argv starting with "plan"
    programs.when("docker", "info", exit=1, stderr="Cannot connect to the Docker daemon")
    programs.remove("tofu", "terraform")                              # "not installed"
    assert programs.argvs("tofu") == [["init", "-input=false"]]

`tofu output -json` answers with `programs.outputs` (the iac/ outputs, editable), `aws eks get-token`
with an ExecCredential, `gh run list` with one run.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PROGRAMS = ("tofu", "terraform", "docker", "gh", "kubectl", "aws")
RECORDED_ENV = ("AWS_PROFILE", "KUBECONFIG", "DOCKER_HOST", "DD_API_KEY", "DD_APP_KEY", "GIT_TOKEN")
EXEC_TOKEN = "k8s-aws-v1.stand-in-token"

OUTPUTS: dict[str, str] = {
    "cluster_name": "kratix-demo",
    "region": "eu-central-1",
    "cluster_endpoint": "https://0123456789ABCDEF.gr7.eu-central-1.eks.amazonaws.com",
    "cluster_certificate_authority_data": "LS0tLS1CRUdJTi1DRVJUSUZJQ0FURS0tLS0t",
    "oidc_provider_arn": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/0123",
    "external_secrets_role_arn": "arn:aws:iam::123456789012:role/kratix-demo-external-secrets",
    "account_id": "123456789012",
    "vpc_id": "vpc-0abc123",
    "kratix_git_secret_name": "kratix/git-credentials",
    "datadog_secret_prefix": "datadog/",
}

_SCRIPT = """#!{python}
import json, os, sys, time
from pathlib import Path

here = Path(__file__).resolve().parent
name = Path(sys.argv[0]).name
argv = sys.argv[1:]
entry = {{"program": name, "argv": argv, "cwd": os.getcwd(),
         "env": {{k: os.environ[k] for k in {recorded!r} if k in os.environ}}}}
with open(here / "calls.jsonl", "a") as log:
    log.write(json.dumps(entry) + "\\n")
rules = json.loads((here / "rules.json").read_text())
for rule in reversed(rules.get(name, [])):
    if argv[: len(rule["argv"])] == rule["argv"]:
        sys.stdout.write(rule["stdout"])
        sys.stdout.flush()
        sys.stderr.write(rule["stderr"])
        sys.stderr.flush()
        time.sleep(rule["sleep"])
        sys.exit(rule["exit"])
"""


@dataclass(frozen=True)
class Call:
    program: str
    argv: list[str]
    cwd: str
    env: dict[str, str]


class Programs:
    def __init__(self, folder: Path) -> None:
        self.dir = folder
        self.outputs: dict[str, Any] = {name: value for name, value in OUTPUTS.items()}
        self._rules: dict[str, list[dict[str, Any]]] = {}
        for program in PROGRAMS:
            self.add(program)
        self.reset()

    def add(self, program: str) -> None:
        """A stand-in for one more program (e.g. git, to control what it answers)."""
        path = self.dir / program
        path.write_text(_SCRIPT.format(python=sys.executable, recorded=RECORDED_ENV))
        path.chmod(path.stat().st_mode | stat.S_IXUSR)

    def reset(self) -> None:
        """Forget the calls and the answers given with `when`; keep the defaults."""
        self._rules = {}
        self.when("aws", "eks", "get-token", stdout=json.dumps(exec_credential(EXEC_TOKEN)))
        self.when("gh", "run", "list", stdout=json.dumps([GH_RUN]))
        self.set_outputs(self.outputs)
        (self.dir / "calls.jsonl").write_text("")

    def set_outputs(self, outputs: dict[str, Any] | None) -> None:
        """What `tofu output -json` prints: these outputs, or `{}` (no state yet) for None."""
        self.outputs = outputs or {}
        printed = {name: {"sensitive": False, "type": "string", "value": value} for name, value in self.outputs.items()}
        for program in ("tofu", "terraform"):
            self.when(program, "output", "-json", stdout=json.dumps(printed) + "\n")

    def when(
        self, program: str, *argv: str, stdout: str = "", stderr: str = "", exit: int = 0, sleep: float = 0.0
    ) -> None:
        """Answer calls whose arguments start with `argv` like this (the latest matching rule wins)."""
        rule = {"argv": list(argv), "stdout": stdout, "stderr": stderr, "exit": exit, "sleep": sleep}
        self._rules.setdefault(program, []).append(rule)
        (self.dir / "rules.json").write_text(json.dumps(self._rules))

    def remove(self, *programs: str) -> None:
        for program in programs:
            (self.dir / program).unlink()

    def calls(self, program: str | None = None) -> list[Call]:
        lines = (self.dir / "calls.jsonl").read_text().splitlines()
        calls = [Call(**json.loads(line)) for line in lines if line]
        return [call for call in calls if program is None or call.program == program]

    def argvs(self, program: str | None = None) -> list[list[str]]:
        return [call.argv if program else [call.program, *call.argv] for call in self.calls(program)]

    def log_text(self) -> str:
        return (self.dir / "calls.jsonl").read_text()


GH_RUN = {
    "databaseId": 4242,
    "createdAt": "2099-01-01T00:00:00Z",
    "status": "queued",
    "url": "https://github.com/example/kratix-ops/actions/runs/4242",
}


def exec_credential(token: str) -> dict[str, Any]:
    return {
        "kind": "ExecCredential",
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "spec": {},
        "status": {"expirationTimestamp": "2099-01-01T00:00:00Z", "token": token},
    }


@pytest.fixture
def programs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Programs]:
    folder = tmp_path / "bin"
    folder.mkdir()
    stand_ins = Programs(folder)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    yield stand_ins


def only_stand_ins_on_path(programs: Programs, monkeypatch: pytest.MonkeyPatch) -> None:
    """PATH with nothing but the stand-ins (so a removed one is really missing)."""
    monkeypatch.setenv("PATH", str(programs.dir))
