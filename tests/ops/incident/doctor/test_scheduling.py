"""agent-unschedulable: Datadog pods Pending with PodScheduled=False Unschedulable."""

from __future__ import annotations

from collections.abc import Callable

from ops.incident.doctor.finding import Subject
from ops.incident.snapshot import Snapshot
from tests.objects import (
    Stack,
    agent_pods,
    event,
    healthy_platform,
    replace,
    unschedulable,
)
from tests.snapshots import run_check

FULL = Stack("production", "team-a", tier="full", env="prod")
NO_ROOM = (
    "0/2 nodes are available: 2 Insufficient memory. preemption: 0/2 nodes are available: "
    "2 No preemption victims found for incoming pod."
)


def test_pending_agents_quote_the_scheduler_and_point_at_the_tier(snapshot_of: Callable[..., Snapshot]) -> None:
    objects = healthy_platform([FULL])
    pods = [unschedulable(p, NO_ROOM) for p in agent_pods(FULL)[:2]]
    for pod in pods:
        objects = replace(objects, pod)
    objects.append(event("Pod", FULL.target, pods[0]["metadata"]["name"], "FailedScheduling", NO_ROOM, count=12))
    snap = snapshot_of(objects)

    [finding] = run_check(snap, "agent-unschedulable")

    assert finding.object == Subject("DaemonSet", "datadog", FULL.target)
    assert finding.owner == Subject("DatadogStack", "production", "team-a")
    assert finding.evidence[0] == f"PodScheduled=False Unschedulable: {NO_ROOM} (15m ago)"
    assert finding.evidence[1].startswith("2 pod(s) Pending: ")
    assert finding.evidence[2].startswith("event FailedScheduling (x12, ")
    assert finding.cause == "the nodes have too little free memory for the tier's requests"
    assert "promises/pipelines/datadog-configure/values/values-full.yaml" in finding.fix[2]


def test_agent_unschedulable_stays_quiet_on_a_healthy_platform(healthy: Snapshot) -> None:
    assert run_check(healthy, "agent-unschedulable") == []
