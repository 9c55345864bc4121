"""`invoke datadog.*` when the agent DaemonSet leaves a node out: the wait does not say ready, and
`datadog.status` shows the nodes beside ready/desired."""

from __future__ import annotations

import pytest

from tests.kube.emulator import EmulatorThread
from tests.objects import (
    SYSTEM_TAINT,
    chart_daemonset,
    cluster_agent_deployment,
    datadog_stack_crd,
    eks_node,
    namespace,
    platform_destination_objects,
    reconciled,
    stack,
)
from tests.tasks.inprocess import TaskRunner

TARGET = "datadog-team-a-production-abc123"
SYSTEM_NODE = "ip-10-0-3-7.eu-central-1.compute.internal"


@pytest.fixture
def left_out(kube: EmulatorThread) -> None:
    """A Ready stack whose DaemonSet (no agents.tolerations) wants 2 pods on 3 nodes, both ready."""
    kube.install_crd(datadog_stack_crd())
    kube.seed(
        *platform_destination_objects(),  # the platform cluster's Destination: the stack is scheduled there
        namespace("team-a"),
        stack(status=reconciled()),
        namespace(TARGET),
        eks_node("ip-10-0-1-11.eu-central-1.compute.internal", "default"),
        eks_node("ip-10-0-2-12.eu-central-1.compute.internal", "default"),
        eks_node(SYSTEM_NODE, "system", taints=[SYSTEM_TAINT]),
        chart_daemonset(TARGET, desired=2),
        cluster_agent_deployment(TARGET),
    )


@pytest.mark.usefixtures("left_out")
def test_the_wait_times_out_naming_the_node_without_an_agent(kube_tasks: TaskRunner) -> None:
    run = kube_tasks("datadog.minimal", "--name", "production", "--namespace", "team-a", "--timeout", "1")

    assert run.code == 18, run.stderr
    assert f"2/3 nodes have an agent; not on {SYSTEM_NODE} (taint node-type=system:NoSchedule)" in run.stderr
    assert "is ready" not in run.stdout


@pytest.mark.usefixtures("left_out")
def test_status_shows_the_nodes_with_an_agent_beside_ready_over_desired(kube_tasks: TaskRunner) -> None:
    run = kube_tasks("datadog.status")

    assert run.code == 0, run.stderr
    [row] = [line for line in run.stdout.splitlines() if "team-a" in line]
    assert "2/2 (2/3 nodes)" in row
