"""Every task that reads or writes the cluster, through each fault: it ends in time, with its
documented exit code, one error line and no traceback, and writes nothing it should not."""

from __future__ import annotations

import time

import pytest

from tests.faults.proxy import FaultProxy
from tests.kube.emulator import EmulatorThread
from tests.objects import Stack, healthy_platform, platform_crds, secret
from tests.tasks.inprocess import TaskRunner

PROD = Stack("production", "team-a", tier="full", env="prod")

TASKS: dict[str, tuple[str, ...]] = {
    "status": ("status",),
    "status-json": ("status", "--output", "json"),
    "doctor": ("doctor", "--check", "pipeline-failed", "--check", "argocd-degraded"),
    "datadog.status": ("datadog.status",),
    "datadog.minimal": ("datadog.minimal", "--name", "sandbox", "--namespace", "team-a", "--no-wait"),
    "datadog.delete": ("datadog.delete", "--name", "production", "--namespace", "team-a", "--yes", "--no-wait"),
    "datadog.delete-all": ("datadog.delete", "--all", "--yes", "--no-wait"),
    "promise.apply": ("promise.apply", "--no-wait"),
    "promise.delete": ("promise.delete", "--yes", "--force", "--no-wait"),
    "argocd.password": ("argocd.password",),
    "kratix.apply": ("kratix.apply",),
}
# What a task exits with when the API server's answers cannot be used (README "Exit codes").
UNREADABLE = {"doctor": 2}
FAULTS: dict[str, dict[str, object]] = {
    "garble": {},
    "html": {},
    "wrong-shape": {"body": {"kind": "Status", "apiVersion": "v1"}},
}


@pytest.fixture
def platform(kube: EmulatorThread) -> None:
    kube.install_crd(*platform_crds())
    kube.seed(*healthy_platform([PROD]), secret("argocd", "argocd-initial-admin-secret", {"password": "s3cret-pw"}))


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("task", TASKS)
def test_every_task_fails_closed_on_an_answer_that_is_not_json(
    platform: None, kube: EmulatorThread, *, proxy: FaultProxy, faulty: TaskRunner, task: str, fault: str
) -> None:
    proxy.add("json" if fault == "wrong-shape" else fault, method="GET", **FAULTS[fault])
    kube.forget_requests()

    started = time.monotonic()
    run = faulty(*TASKS[task])

    assert time.monotonic() - started < 5
    assert run.code == UNREADABLE.get(task, 12), run.stdout + run.stderr
    assert "the API server answered with something that is not JSON" in run.stderr
    assert "Traceback" not in run.stderr
    assert kube.writes() == []
