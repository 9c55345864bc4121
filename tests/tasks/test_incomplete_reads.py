"""What a real API server showed (tests/realapi/): a kind RBAC hides leaves `status` and `doctor` with
an incomplete picture, which they say and their exit code says; an object changed between the read
and the write of an apply is read and decided again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ops.kube import KubeTarget, connect
from ops.kube.objects import apply_object
from tests.aws import MotoServer
from tests.kube.emulator import EmulatorThread
from tests.objects import Stack, datadog_stack_crd, healthy_platform, platform_crds, stack
from tests.tasks.inprocess import TaskRunner

NODES_FORBIDDEN = 'forbidden: user "system:serviceaccount:ops:reader" may not list nodes at the cluster scope'


@pytest.fixture
def platform(kube: EmulatorThread) -> None:
    kube.install_crd(*platform_crds())
    kube.seed(*healthy_platform([Stack("production", "team-a")]))


def test_status_with_nodes_forbidden_says_so_instead_of_0_of_0_and_exits_13(
    platform: None, kube: EmulatorThread, kube_tasks: TaskRunner
) -> None:
    kube.fail(403, path="^/api/v1/nodes$")

    table = kube_tasks("status")
    data = kube_tasks("status", "--output", "json")

    assert (table.code, data.code) == (13, 13)
    assert f"unknown: {NODES_FORBIDDEN}" in table.stdout and "0/0" not in table.stdout
    assert json.loads(data.stdout)["contexts"][0]["nodes"] == {"ready": None, "total": None, "error": NODES_FORBIDDEN}
    assert table.stderr == f"error: context kind-a: incomplete: Node: {NODES_FORBIDDEN}\n"


def test_doctor_with_a_kind_forbidden_exits_2_even_with_nothing_else_found(
    platform: None, kube: EmulatorThread, kube_tasks: TaskRunner, moto_server: MotoServer
) -> None:
    kube.fail(403, path="^/api/v1/pods$")

    run = kube_tasks("doctor", "--check", "snapshot-incomplete", "--check", "oom-killed")

    assert run.code == 2
    assert "WARNING snapshot-incomplete" in run.stdout
    assert run.stderr.startswith("error: context kind-a: incomplete: Pod: forbidden: ")


def test_an_apply_refused_with_409_is_read_and_decided_again(kube: EmulatorThread, kubeconfig: Path) -> None:
    kube.install_crd(datadog_stack_crd())
    kube.seed(stack("production", "team-a"))
    kube.fail(409, method="PATCH", times=1, message="the object has been modified")
    kube.forget_requests()
    desired = stack("production", "team-a", tier="standard")

    with connect(KubeTarget(kubeconfig)) as client:
        applied = apply_object(client, desired)

    assert applied.action == "configured"
    assert [method for method, _ in kube.writes()] == ["PATCH", "PATCH"]
    live = kube.get("platform.srekubecraft.io/v1alpha1", "DatadogStack", "production", "team-a")
    assert live is not None and live["spec"]["tier"] == "standard"
