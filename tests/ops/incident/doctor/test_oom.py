"""oom-killed: read from the last termination state, with the limit and the values file to change."""

from __future__ import annotations

import copy
from collections.abc import Callable

from ops.incident.doctor.finding import Subject
from ops.incident.snapshot import Snapshot
from tests.objects import (
    Stack,
    agent_pods,
    healthy_platform,
    oom_killed,
    replace,
)
from tests.snapshots import run_check

FULL = Stack("production", "team-a", tier="full", env="prod")


def test_an_oom_looping_agent_shows_exit_137_its_limit_and_the_tier_values_file(
    snapshot_of: Callable[..., Snapshot],
) -> None:
    objects = healthy_platform([FULL])
    pods = agent_pods(FULL)[:2]
    for pod in pods:
        pod["status"]["containerStatuses"][0] = oom_killed(pod["status"]["containerStatuses"][0], restarts=6, age=1200)
        objects = replace(objects, pod)
    snap = snapshot_of(objects)

    [finding] = run_check(snap, "oom-killed")

    assert finding.object == Subject("DaemonSet", "datadog", FULL.target)
    assert finding.owner == Subject("DatadogStack", "production", "team-a")
    assert finding.symptom == f"container agent in {FULL.target} is killed for exceeding its memory limit (2Gi)"
    assert finding.evidence[:4] == (
        "container agent: terminated OOMKilled, exit code 137, 20m ago",
        "memory limit 2Gi, request 128Mi",
        f"restarts: 12 across 2 pod(s): {pods[0]['metadata']['name']}, {pods[1]['metadata']['name']}",
        "now: CrashLoopBackOff",
    )
    assert finding.fix[0] == (
        "raise agents.containers.agent.resources.limits.memory (now 2Gi) in "
        "promises/pipelines/datadog-configure/values/values-full.yaml"
    )
    assert any("not `kubectl set resources`" in line for line in finding.fix)


def test_the_cluster_agent_maps_to_its_own_values_key(snapshot_of: Callable[..., Snapshot]) -> None:
    standard = Stack("staging", "team-a", tier="standard")
    cluster_agent = agent_pods(standard)[-1]
    cluster_agent["status"]["containerStatuses"][0] = oom_killed(cluster_agent["status"]["containerStatuses"][0])
    snap = snapshot_of(replace(healthy_platform([standard]), cluster_agent))

    [finding] = run_check(snap, "oom-killed")

    assert finding.fix[0].startswith("raise clusterAgent.resources.limits.memory (now 512Mi) in ")
    assert finding.fix[0].endswith("values-standard.yaml")


def test_exit_137_without_oomkilled_is_another_kill_and_not_reported(snapshot_of: Callable[..., Snapshot]) -> None:
    pod = agent_pods(FULL)[0]
    status = oom_killed(pod["status"]["containerStatuses"][0])
    status["lastState"]["terminated"]["reason"] = "Error"  # SIGKILL after a failed liveness probe
    pod["status"]["containerStatuses"][0] = status
    snap = snapshot_of(replace(healthy_platform([FULL]), copy.deepcopy(pod)))

    assert run_check(snap, "oom-killed") == []


def test_oom_killed_stays_quiet_on_a_healthy_platform(healthy: Snapshot) -> None:
    assert run_check(healthy, "oom-killed") == []
