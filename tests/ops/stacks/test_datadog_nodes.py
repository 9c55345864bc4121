"""datadog.* waits count the node agents against the nodes they should run on, not only against the
DaemonSet's own desired count: a DaemonSet that does not tolerate a node's taint wants fewer pods,
has them all ready, and would otherwise look done while that node goes unmonitored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from datadog_configure.placement import agent_pod_placement
from datadog_configure.request import Tier
from datadog_configure.values import load_tier_values
from ops.config import Settings
from ops.kube import Kube, KubeTarget, RetryPolicy, connect
from ops.names import StackRef
from ops.stacks.datadog import stack_statuses, wait_for_stack
from ops.wait import WaitTimeout
from tests.conftest import VALUES_DIR
from tests.kube.emulator import EmulatorThread
from tests.objects import (
    SYSTEM_TAINT,
    Script,
    chart_daemonset,
    cluster_agent_deployment,
    datadog_stack_crd,
    eks_node,
    namespace,
    reconciled,
    stack,
)

QUICK = RetryPolicy(attempts=2, max_seconds=2.0, first_wait=0.01, max_wait=0.02, jitter=0.0)
TARGET = "datadog-team-a-production-abc123"
REF = StackRef("team-a", "production")
SYSTEM_NODE = "ip-10-0-3-7.eu-central-1.compute.internal"
NODES = (
    eks_node("ip-10-0-1-11.eu-central-1.compute.internal", "default"),
    eks_node("ip-10-0-2-12.eu-central-1.compute.internal", "default"),
    eks_node(SYSTEM_NODE, "system", taints=[SYSTEM_TAINT]),
)


@pytest.fixture
def client(kube: EmulatorThread, kubeconfig: Path) -> Iterator[Kube]:
    kube.install_crd(datadog_stack_crd())
    kube.seed(namespace("team-a"), stack(status=reconciled()), namespace(TARGET), cluster_agent_deployment(TARGET))
    with connect(KubeTarget(kubeconfig), retry=QUICK) as connected:
        yield connected


def instantly() -> dict[str, Any]:
    script = Script()
    return {"clock": script.clock, "sleep": script.sleep}


def test_agents_all_ready_but_not_on_a_tainted_node_are_not_ready_and_the_wait_names_the_node_and_taint(
    client: Kube, kube: EmulatorThread, settings: Settings
) -> None:
    kube.seed(*NODES, chart_daemonset(TARGET, desired=2))  # no agents.tolerations: the system node is left out

    with pytest.raises(WaitTimeout) as caught:
        wait_for_stack(client, REF, settings, timeout=30, **instantly())

    assert str(caught.value).startswith(
        "gave up waiting for DatadogStack team-a/production after 30 s: still Deploying: "
        f"namespace {TARGET}: DaemonSet datadog 2/2 ready, Deployment datadog-cluster-agent 1/1 ready; "
        f"2/3 nodes have an agent; not on {SYSTEM_NODE} (taint node-type=system:NoSchedule)"
    )


def test_the_tier_values_daemonset_covers_every_node_and_the_wait_ends_ready(
    client: Kube, kube: EmulatorThread, settings: Settings
) -> None:
    tolerations = agent_pod_placement(load_tier_values(VALUES_DIR, Tier.MINIMAL))["tolerations"]
    kube.seed(*NODES, eks_node("ip-10-0-2-13", "default", cordoned=True))
    kube.seed(chart_daemonset(TARGET, tolerations=tolerations, desired=4))  # the cordoned node counts, too
    kube.forget_requests()

    ready = wait_for_stack(client, REF, settings, timeout=30, **instantly())

    assert str(ready.agents) == (
        f"namespace {TARGET}: DaemonSet datadog 4/4 ready, Deployment datadog-cluster-agent 1/1 ready"
    )
    assert ready.agents.coverage is not None and (ready.agents.coverage.with_agent, ready.agents.coverage.nodes) == (
        3,
        3,
    )
    assert [path for _, path in kube.requests].count("/api/v1/nodes") == 1  # one list per look


def test_nodes_that_cannot_be_listed_are_never_taken_for_covered(
    client: Kube, kube: EmulatorThread, settings: Settings
) -> None:
    kube.seed(*NODES, chart_daemonset(TARGET, tolerations=[{"operator": "Exists"}], desired=3))
    kube.fail(403, path="/api/v1/nodes")

    with pytest.raises(WaitTimeout) as caught:
        wait_for_stack(client, REF, settings, timeout=30, **instantly())

    message = str(caught.value)
    assert "DaemonSet datadog 3/3 ready, Deployment datadog-cluster-agent 1/1 ready; nodes not readable (" in message
    assert "forbidden" in message and "cannot tell whether every node has an agent" in message


def test_the_status_counts_agents_against_the_nodes_too(client: Kube, kube: EmulatorThread, settings: Settings) -> None:
    kube.seed(*NODES, chart_daemonset(TARGET, desired=2))

    [status] = stack_statuses(client, settings)

    assert status.agents is not None and not status.agents.ready
    assert str(status.agents).endswith(
        f"; 2/3 nodes have an agent; not on {SYSTEM_NODE} (taint node-type=system:NoSchedule)"
    )
