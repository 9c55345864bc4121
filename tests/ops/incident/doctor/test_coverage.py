"""agents-missing-nodes: an agent DaemonSet that wants fewer pods than there are schedulable nodes."""

from __future__ import annotations

from collections.abc import Callable

from ops.incident.doctor.finding import Severity, Subject
from ops.incident.snapshot import Snapshot
from tests.objects import EVERYTHING, SYSTEM_TAINT, Stack, chart_daemonset, default_cluster, eks_node, platform_on
from tests.snapshots import run_check

FULL = Stack("production", "team-a", tier="full", env="prod")
SYSTEM_NODES = ["ip-10-0-1-8.eu-central-1.compute.internal", "ip-10-0-3-7.eu-central-1.compute.internal"]  # as listed


def test_agents_without_a_toleration_leave_the_system_nodes_out_and_doctor_names_them_and_the_taint(
    snapshot_of: Callable[..., Snapshot],
) -> None:
    # What the chart renders from values without agents.tolerations; the DaemonSet controller then
    # wants 2 pods on a 4-node cluster, and both are ready.
    ds = chart_daemonset(FULL.target, desired=2)
    snap = snapshot_of(platform_on(default_cluster(), FULL, ds))

    [finding] = run_check(snap, "agents-missing-nodes")

    assert finding.severity is Severity.ERROR
    assert finding.object == Subject("DaemonSet", "datadog", FULL.target)
    assert finding.owner == Subject("DatadogStack", "production", "team-a")
    assert finding.symptom == (
        f"2 of 4 schedulable node(s) have no Datadog agent and are not monitored: {', '.join(SYSTEM_NODES)}"
    )
    assert finding.evidence == (
        "desiredNumberScheduled=2, numberReady=2; 4 node(s) Ready and schedulable",
        f"node {SYSTEM_NODES[0]}: taint node-type=system:NoSchedule",
        f"node {SYSTEM_NODES[1]}: taint node-type=system:NoSchedule",
        "pod template tolerations: none",
    )
    assert finding.cause == "the agents' pod template does not tolerate the taint node-type=system:NoSchedule"
    assert "agents.tolerations: [{operator: Exists}]" in finding.fix[0]
    assert "promises/pipelines/datadog-configure/values/values-full.yaml" in finding.fix[0]
    assert "invoke promise.apply" in finding.fix[1]
    assert finding.fix[4] == (
        f"kubectl -n {FULL.target} get daemonset datadog -o 'jsonpath={{.spec.template.spec.tolerations}}'"
    )
    assert finding.docs == "https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/"


def test_agents_tolerating_every_taint_on_every_node_give_no_finding(snapshot_of: Callable[..., Snapshot]) -> None:
    ds = chart_daemonset(FULL.target, tolerations=[EVERYTHING], desired=4)

    assert run_check(snapshot_of(platform_on(default_cluster(), FULL, ds)), "agents-missing-nodes") == []


def test_cordoned_and_unreachable_nodes_are_not_owed_an_agent(snapshot_of: Callable[..., Snapshot]) -> None:
    nodes = [
        eks_node("ip-10-0-1-11", "default"),
        eks_node("ip-10-0-2-12", "default", cordoned=True),  # the controller still counts it
        eks_node("ip-10-0-2-13", "default", ready=False),  # it does not count this one
    ]
    ds = chart_daemonset(FULL.target, tolerations=[EVERYTHING], desired=2)

    assert run_check(snapshot_of(platform_on(nodes, FULL, ds)), "agents-missing-nodes") == []


def test_a_node_selector_that_rules_out_the_system_nodes_is_named(snapshot_of: Callable[..., Snapshot]) -> None:
    ds = chart_daemonset(FULL.target, tolerations=[EVERYTHING], node_selector={"node-type": "default"}, desired=2)

    [finding] = run_check(snapshot_of(platform_on(default_cluster(), FULL, ds)), "agents-missing-nodes")

    assert finding.evidence[1] == f"node {SYSTEM_NODES[0]}: nodeSelector node-type=default (node-type=system)"
    assert finding.evidence[3] == "pod template tolerations: every taint"
    assert finding.cause == "its nodeSelector node-type=default (node-type=system) rules the nodes out"


def test_a_shortfall_the_template_does_not_explain_names_the_nodes_without_an_agent_pod(
    snapshot_of: Callable[..., Snapshot],
) -> None:
    nodes = default_cluster()
    names = [n["metadata"]["name"] for n in nodes]
    ds = chart_daemonset(FULL.target, tolerations=[EVERYTHING], desired=3)

    [finding] = run_check(snapshot_of(platform_on(nodes, FULL, ds, pods_on=names[:3])), "agents-missing-nodes")

    assert finding.evidence[1] == f"node {names[3]}: unknown"
    assert finding.cause.endswith("yet the DaemonSet controller does not count them")


def test_a_tainted_node_in_a_cluster_without_datadog_stacks_is_no_finding(
    snapshot_of: Callable[..., Snapshot],
) -> None:
    snap = snapshot_of([eks_node("ip-10-0-3-7", "system", taints=[SYSTEM_TAINT])])

    assert run_check(snap, "agents-missing-nodes") == []


def test_agents_missing_nodes_stays_quiet_on_a_healthy_platform(healthy: Snapshot) -> None:
    assert run_check(healthy, "agents-missing-nodes") == []
