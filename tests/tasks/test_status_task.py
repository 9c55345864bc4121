"""`invoke status` as an SRE runs it: against the local API server over HTTP, table and JSON,
several contexts, exit codes, and --watch until Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.kube.emulator import EmulatorThread
from tests.objects import (
    Stack,
    healthy_platform,
    install_failed,
    platform_crds,
    replace,
)
from tests.tasks.cli import invoke

PROD = Stack("production", "team-a", tier="full", env="prod")


@pytest.fixture
def platform(kube: EmulatorThread, kubeconfig: Path) -> dict[str, str]:
    """The platform with one failing HelmRelease; the environment that points invoke at it."""
    kube.install_crd(*platform_crds())
    kube.seed(*replace(healthy_platform([PROD]), install_failed(PROD, "context deadline exceeded")))
    return {"KUBECONFIG": str(kubeconfig)}


def test_status_shows_every_section_with_the_columns_sres_know(platform: dict[str, str], kube: EmulatorThread) -> None:
    kube.forget_requests()
    result = invoke("status", env=platform)

    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    for title in ("Argo CD Applications", "Kratix Promises", "DatadogStacks", "Flux HelmReleases", "External Secrets"):
        assert title in lines
    assert any(line.split() == ["NAMESPACE", "NAME", "REVISION", "SUSPENDED", "READY", "MESSAGE"] for line in lines)
    assert any(
        line.split() == ["NAMESPACE", "NAME", "STORE", "REFRESH", "INTERVAL", "STATUS", "READY"] for line in lines
    )
    assert any(line.split()[:5] == [PROD.target, "datadog", "3.240.0", "False", "False"] for line in lines)
    assert "context deadline exceeded" in result.stdout
    assert "CONTEXT  " not in result.stdout.split("Argo CD Applications")[1]  # one context: no context column
    assert len(kube.requests) == 18  # discovery, version and 14 lists (the agents in 3 parts); nothing per object


def test_status_json_reads_several_contexts_and_names_the_context_on_every_row(platform: dict[str, str]) -> None:
    result = invoke("status", "--context", "kind-a", "--context", "kind-b", "--output", "json", env=platform)

    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [c["context"] for c in data["contexts"]] == ["kind-a", "kind-b"]
    for cluster in data["contexts"]:
        releases = cluster["sections"]["helmReleases"]["items"]
        assert {r["context"] for r in releases} == {cluster["context"]}
        assert releases[0]["ready"] == "False"


def test_status_exits_with_the_code_of_what_kept_it_from_reading(platform: dict[str, str]) -> None:
    dead = invoke("status", "--context", "kind-a", "--context", "dead", env=platform)
    unknown = invoke("status", "--context", "prod", env=platform)
    no_config = invoke("status", env={"KUBECONFIG": "/nonexistent/kubeconfig"})
    bad_flag = invoke("status", "--output", "yaml", env=platform)

    assert (
        dead.code == 12 and "error: context dead: cannot reach the Kubernetes API at http://127.0.0.1:" in dead.stderr
    )
    assert "Argo CD Applications" in dead.stdout  # what could be read is still shown
    assert unknown.code == 11 and "no context 'prod' in kubeconfig" in unknown.stderr
    assert no_config.code == 10 and "no kubeconfig at /nonexistent/kubeconfig" in no_config.stderr
    assert (bad_flag.code, bad_flag.stderr.strip()) == (2, "error: --output: 'yaml' is not allowed; one of table, json")
    assert "Traceback" not in dead.stderr + unknown.stderr + no_config.stderr + bad_flag.stderr


def test_status_watch_refreshes_until_ctrl_c(platform: dict[str, str]) -> None:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("INVOKE_")}, **platform}
    proc = subprocess.Popen(
        [sys.executable, "-m", "invoke", "status", "--watch", "--interval", "0.2", "--output", "json"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    documents = 0
    deadline = time.monotonic() + 30
    while documents < 2 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        documents += line.startswith('{"contexts"') or line == "{\n"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)

    assert documents >= 2
    assert proc.returncode == 0, err
    assert "Traceback" not in err
