"""agent-not-ready, node-not-ready, workload-stuck, stale Ready conditions, Events on every finding, bounded logs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ops.config import Settings
from ops.incident.agent_pods import agent_flavour, log_targets
from ops.incident.doctor.finding import Finding, Subject
from ops.incident.snapshot import Snapshot
from tests.kube.emulator import EmulatorThread
from tests.objects import (
    NODES,
    Stack,
    agent_log,
    agent_pods,
    back_off,
    crash_looping,
    deployment,
    deployment_deadline,
    event,
    healthy_platform,
    log_line,
    node,
    node_condition,
    oom_killed,
    probe_failed,
    release_failed,
    replace,
    running_not_ready,
    timeout_error,
)
from tests.snapshots import read, run_check

PROD = Stack("production", "team-a", tier="full", env="prod")
CLUSTER_AGENT = Subject("Deployment", "datadog-cluster-agent", PROD.target)


@pytest.fixture
def snap_of(kube: EmulatorThread, kubeconfig: Path, settings: Settings) -> Callable[..., Snapshot]:
    def take(objects: list[dict[str, Any]], logs: dict[tuple[str, str], str] | None = None) -> Snapshot:
        for (pod, container), text in (logs or {}).items():
            kube.set_pod_log(PROD.target, pod, text, container=container)
        return read(kube, kubeconfig, settings, objects)

    return take


def one(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, [str(f.object) for f in findings]
    return findings[0]


# agent pods ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("image", "flavour"),
    [
        ("gcr.io/datadoghq/agent:7.81.1", "agent"),
        ("public.ecr.aws/datadog/agent:7", "agent"),
        ("datadog/cluster-agent@sha256:" + "0" * 64, "cluster-agent"),
        ("gcr.io/datadoghq/agent-like:1", None),
        ("ghcr.io/example/kratix-datadog-pipeline:0.1.0", None),
    ],
)
def test_agent_pods_are_known_by_their_image(image: str, flavour: str | None) -> None:
    assert agent_flavour({"spec": {"containers": [{"name": "c", "image": image}]}}) == flavour


def test_log_reads_are_bounded_per_namespace_and_read_the_previous_run_of_a_crash_loop(
    snap_of: Callable[..., Snapshot], kube: EmulatorThread
) -> None:
    nodes = [f"ip-10-0-{i}-1{i}.eu-central-1.compute.internal" for i in range(5)]
    objects = healthy_platform([PROD], nodes=nodes)
    pods = agent_pods(PROD, nodes=nodes)[:-1]
    for pod in pods:
        objects = replace(objects, crash_looping(pod, restarts=3))
    kube.forget_requests()

    snap_of(objects)

    log_reads = [path for method, path in kube.requests if path.endswith("/log")]
    assert len(log_reads) == 3  # 5 failing pods, 3 read
    targets = log_targets([crash_looping(p, restarts=3) for p in pods], datetime.now(UTC))
    assert len(targets) == 3 and all(t.previous for t in targets)


# agent-not-ready ----------------------------------------------------------------------------------
def test_an_unready_agent_without_a_known_log_line_says_which_probe_and_how_to_ask_it(
    snap_of: Callable[..., Snapshot],
) -> None:
    pod = agent_pods(PROD)[0]
    objects = [*replace(healthy_platform([PROD]), running_not_ready(pod)), probe_failed(pod)]

    f = one(run_check(snap_of(objects), "agent-not-ready"))

    assert f.object == Subject("DaemonSet", "datadog", PROD.target)
    assert "readiness probe fails (Readiness probe failed: HTTP probe failed with statuscode: 500)" in f.cause
    assert f.fix[0] == f"kubectl -n {PROD.target} exec pod/{pod['metadata']['name']} -c agent -- agent health"


def test_a_crash_with_an_unknown_error_quotes_the_exit_code_and_the_error_line(
    snap_of: Callable[..., Snapshot],
) -> None:
    pod = agent_pods(PROD)[0]
    name = pod["metadata"]["name"]
    error = log_line("ERROR", "Error: unable to set up system-probe: permission denied", flavour="SYS-PROBE")
    objects = replace(healthy_platform([PROD]), crash_looping(pod, "system-probe", exit_code=1))
    snap = snap_of(objects, {(name, "system-probe"): agent_log(error)})

    f = one(run_check(snap, "agent-not-ready"))

    assert f.cause.startswith("container system-probe exited 1 (Error) on start: ")
    assert f.cause.endswith("unable to set up system-probe: permission denied")
    assert f.fix[0] == f"kubectl -n {PROD.target} logs pod/{name} -c system-probe --previous"


def test_node_agents_refused_by_the_cluster_agent_are_restarted_to_take_its_token(
    snap_of: Callable[..., Snapshot],
) -> None:
    """https://github.com/DataDog/datadog-agent: clusterAgentClient `... is unavailable: 403 Forbidden`."""
    pod = agent_pods(PROD)[0]
    line = log_line(
        "ERROR",
        "Could not initialise the communication with the cluster agent: temporary failure in clusterAgentClient, "
        f'will retry later: "https://datadog-cluster-agent.{PROD.target}.svc.cluster.local:5005/version" is '
        "unavailable: 403 Forbidden",
    )
    objects = replace(healthy_platform([PROD]), running_not_ready(pod))
    f = one(run_check(snap_of(objects, {(pod["metadata"]["name"], "agent"): agent_log(line)}), "agent-not-ready"))

    assert "refuses the node agents' token (403)" in f.cause
    assert f.fix[0] == f"kubectl -n {PROD.target} rollout restart daemonset/datadog"


def test_a_cluster_agent_without_an_api_key_points_at_the_secret(snap_of: Callable[..., Snapshot]) -> None:
    cluster = agent_pods(PROD)[-1]
    objects = replace(healthy_platform([PROD]), crash_looping(cluster, "cluster-agent", exit_code=1))
    log = agent_log(log_line("CRITICAL", "no API key configured, exiting", flavour="CLUSTER"))

    f = one(run_check(snap_of(objects, {(cluster["metadata"]["name"], "cluster-agent"): log}), "agent-not-ready"))

    assert f.object == CLUSTER_AGENT
    assert f.cause.startswith("the agent has no API key: Secret datadog-api-key")
    assert f.fix[0] == "invoke secrets.create --env prod"


def test_a_ready_agent_that_restarted_days_ago_is_history(snap_of: Callable[..., Snapshot]) -> None:
    pod = crash_looping(agent_pods(PROD)[0], exit_code=255, restarts=1, age=3 * 86400)
    status = pod["status"]["containerStatuses"][0]
    status.update(
        ready=True, started=True, state={"running": {"startedAt": status["lastState"]["terminated"]["finishedAt"]}}
    )
    pod["status"]["conditions"] = agent_pods(PROD)[0]["status"]["conditions"]

    assert run_check(snap_of(replace(healthy_platform([PROD]), pod)), "agent-not-ready") == []


def test_oom_killed_agents_are_left_to_oom_killed(snap_of: Callable[..., Snapshot]) -> None:
    pod = agent_pods(PROD)[0]
    pod["status"]["containerStatuses"][0] = oom_killed(pod["status"]["containerStatuses"][0])
    snap = snap_of(replace(healthy_platform([PROD]), pod))

    assert run_check(snap, "agent-not-ready") == []
    assert len(run_check(snap, "oom-killed")) == 1


# Events on every finding --------------------------------------------------------------------------
def test_every_check_carries_the_warning_events_of_its_object_and_pods(snap_of: Callable[..., Snapshot]) -> None:
    pods = agent_pods(PROD)[:2]
    objects = healthy_platform([PROD])
    for pod in pods:
        pod["status"]["containerStatuses"][0] = oom_killed(pod["status"]["containerStatuses"][0])
        objects = replace(objects, pod)
    objects += [back_off(pod) for pod in pods]

    f = one(run_check(snap_of(objects), "oom-killed"))

    [line] = [e for e in f.evidence if e.startswith("event BackOff")]
    assert line.startswith(f"event BackOff on Pod {PROD.target}/{pods[0]['metadata']['name']} and 1 more (x30, ")
    assert "Back-off restarting failed container agent in pod" in line


# nodes --------------------------------------------------------------------------------------------
def test_a_node_not_ready_names_the_agents_on_it(snap_of: Callable[..., Snapshot]) -> None:
    objects = replace(healthy_platform([PROD]), node(NODES[1], ready=False))

    f = one(run_check(snap_of(objects), "node-not-ready"))

    assert f.object == Subject("Node", NODES[1])
    assert f.evidence[0].startswith("Ready=Unknown NodeStatusUnknown: Kubelet stopped posting node status.")
    assert any(e.startswith("Datadog pods on it: ") and "datadog-b1x9z" in e for e in f.evidence)
    assert f.fix[0] == f"kubectl describe node {NODES[1]}"


def test_disk_pressure_is_an_error_with_its_condition(snap_of: Callable[..., Snapshot]) -> None:
    pressed = node_condition(
        node(NODES[0]), "DiskPressure", "True", "KubeletHasDiskPressure", "kubelet has disk pressure"
    )

    f = one(run_check(snap_of(replace(healthy_platform([PROD]), pressed)), "node-not-ready"))

    assert "DiskPressure=True KubeletHasDiskPressure: kubelet has disk pressure" in f.evidence
    assert f.cause == f"node {NODES[0]} reports DiskPressure: the kubelet evicts pods and refuses new ones"


def test_a_ready_condition_older_than_a_failure_event_is_not_taken_at_its_word(
    snap_of: Callable[..., Snapshot],
) -> None:
    message = "System OOM encountered, victim process: agent, pid: 41250"
    objects = [*healthy_platform([PROD]), event("Node", None, NODES[0], "SystemOOM", message, age=30, source="kubelet")]

    f = one(run_check(snap_of(objects), "node-not-ready"))

    assert f.severity.value == "warning"
    assert any(e.startswith("Ready=True is older than this Warning: event SystemOOM") for e in f.evidence)
    assert f.cause.endswith(message)


def test_a_helmrelease_ready_older_than_its_failure_event_is_read_from_the_event(
    snap_of: Callable[..., Snapshot],
) -> None:
    error = timeout_error(("Deployment", PROD.target, "datadog-cluster-agent"))
    message = f"Helm upgrade failed for release {PROD.target}/datadog with chart datadog@3.240.0: {error}"
    cluster = agent_pods(PROD)[-1]
    objects = replace(healthy_platform([PROD]), running_not_ready(cluster, "cluster-agent"))
    objects += [
        event("HelmRelease", PROD.target, "datadog", "UpgradeFailed", message, age=60, source="helm-controller"),
        probe_failed(cluster),
    ]

    f = one(run_check(snap_of(objects), "helmrelease-timeout"))

    assert f.evidence[0].startswith("Ready=True UpgradeSucceeded: Helm upgrade succeeded")
    assert "is older than event UpgradeFailed" in f.evidence[0]
    assert f.cause.startswith(f"Deployment {PROD.target}/datadog-cluster-agent did not become ready")
    assert (
        f.fix[0] == f"kubectl -n {PROD.target} exec pod/{cluster['metadata']['name']} -c cluster-agent -- agent health"
    )


# workloads ----------------------------------------------------------------------------------------
def test_a_rollout_out_of_time_because_a_quota_refuses_the_pods(snap_of: Callable[..., Snapshot]) -> None:
    deadline = deployment_deadline(
        deployment(PROD.target, "datadog-cluster-agent"),
        'ReplicaSet "datadog-cluster-agent-5c7f9d8b6" has timed out progressing.',
    )
    quota = (
        'Error creating: pods "datadog-cluster-agent-5c7f9d8b6-x2x4k" is forbidden: exceeded quota: '
        "compute, requested: limits.memory=2Gi, used: limits.memory=7Gi, limited: limits.memory=8Gi"
    )
    objects = [o for o in healthy_platform([PROD]) if o not in agent_pods(PROD)[-1:]]
    objects = replace(objects, deadline)
    objects.append(event("ReplicaSet", PROD.target, "datadog-cluster-agent-5c7f9d8b6", "FailedCreate", quota, count=14))

    f = one(run_check(snap_of(objects), "workload-stuck"))

    assert f.object == CLUSTER_AGENT
    assert (
        "Progressing=False ProgressDeadlineExceeded: "
        'ReplicaSet "datadog-cluster-agent-5c7f9d8b6" has timed out progressing.' in f.evidence
    )
    assert f.cause == (
        f"ResourceQuota compute in {PROD.target} refuses the pods: requested limits.memory=2Gi, "
        "used limits.memory=7Gi, limited limits.memory=8Gi"
    )
    assert f.fix[0].startswith(
        "lower the requests and limits in promises/pipelines/datadog-configure/values/values-full.yaml"
    )
    assert f.fix[1] == f"kubectl -n {PROD.target} describe resourcequota compute"


def test_a_release_failed_without_a_wait_error_stays_with_helmrelease_not_ready(
    snap_of: Callable[..., Snapshot],
) -> None:
    snap = snap_of(replace(healthy_platform([PROD]), release_failed(PROD, "context deadline exceeded")))

    assert run_check(snap, "helmrelease-timeout") == []
    assert len(run_check(snap, "helmrelease-not-ready")) == 1


def test_the_new_checks_stay_quiet_on_a_healthy_platform(healthy_snapshot: Snapshot) -> None:
    for check in (
        "agent-not-ready",
        "node-not-ready",
        "workload-stuck",
        "helmrelease-timeout",
        "helmrelease-blocked",
        "helm-source-failed",
    ):
        assert run_check(healthy_snapshot, check) == [], check


@pytest.fixture
def healthy_snapshot(snap_of: Callable[..., Snapshot]) -> Snapshot:
    return snap_of(healthy_platform([PROD, Stack("staging", "team-b")]))
