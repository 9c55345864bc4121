"""Nodes as EKS and the kubelet write them, and the agent DaemonSet as the datadog chart renders it.

nodes = [eks_node("ip-10-0-1-11", "default"), eks_node("ip-10-0-3-7", "system", taints=[SYSTEM_TAINT])]
ds = chart_daemonset("datadog-team-a-production-abc123", tolerations=[EVERYTHING], desired=2, ready=2)
"""

from __future__ import annotations

import copy
import zlib
from collections.abc import Iterable, Mapping
from typing import Any

from tests.objects import Stack, agent_pods, ago, cond, healthy_platform, meta

Json = dict[str, Any]

SYSTEM_TAINT: Json = {"key": "node-type", "value": "system", "effect": "NoSchedule"}
SYSTEM_TOLERATION: Json = {"key": "node-type", "operator": "Equal", "value": "system", "effect": "NoSchedule"}
EVERYTHING: Json = {"operator": "Exists"}
# What the node lifecycle controller puts on a node whose kubelet stopped posting status.
UNREACHABLE_TAINTS: tuple[Json, ...] = (
    {"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule", "timeAdded": ago(600)},
    {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute", "timeAdded": ago(600)},
)


def eks_node(
    name: str,
    group: str,
    *,
    taints: Iterable[Mapping[str, Any]] = (),
    ready: bool = True,
    cordoned: bool = False,
    zone: str = "eu-central-1a",
) -> Json:
    """A node of an EKS managed node group `group`, labelled `node-type=<group>` as iac/ labels them."""
    spec: Json = {"providerID": f"aws:///{zone}/i-0{zlib.crc32(name.encode()):016x}"}
    all_taints = [dict(t) for t in taints]
    if cordoned:
        spec["unschedulable"] = True
        all_taints.append({"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule", "timeAdded": ago(300)})
    if not ready:
        all_taints += [dict(t) for t in UNREACHABLE_TAINTS]
    if all_taints:
        spec["taints"] = all_taints
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "eks.amazonaws.com/capacityType": "ON_DEMAND",
        "eks.amazonaws.com/nodegroup": group,
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node-type": group,
        "node.kubernetes.io/instance-type": "t3.large",
        "topology.kubernetes.io/zone": zone,
    }
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": meta(name, labels=labels),
        "spec": spec,
        "status": {
            "conditions": [
                cond(
                    "MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"
                ),
                cond("Ready", "True", "KubeletReady", "kubelet is posting ready status")
                if ready
                else cond("Ready", "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status."),
            ],
            "allocatable": {"cpu": "1930m", "memory": "7155Mi", "pods": "35"},
        },
    }


def default_cluster() -> list[Json]:
    """The nodes of iac/'s default node groups: 2 `default`, 2 `system` (tainted)."""
    return [
        eks_node("ip-10-0-1-11.eu-central-1.compute.internal", "default"),
        eks_node("ip-10-0-2-12.eu-central-1.compute.internal", "default", zone="eu-central-1b"),
        eks_node("ip-10-0-3-7.eu-central-1.compute.internal", "system", taints=[SYSTEM_TAINT], zone="eu-central-1c"),
        eks_node("ip-10-0-1-8.eu-central-1.compute.internal", "system", taints=[SYSTEM_TAINT]),
    ]


def chart_daemonset(
    namespace: str,
    *,
    tolerations: Iterable[Mapping[str, Any]] = (),
    desired: int,
    ready: int | None = None,
    node_selector: Mapping[str, str] | None = None,
    affinity: Mapping[str, Any] | None = None,
    name: str = "datadog",
) -> Json:
    """The agent DaemonSet as chart 3.240.0 renders it (`agents.tolerations` copied into the pod spec,
    nodeSelector `kubernetes.io/os: linux` plus `agents.nodeSelector`), with the controller's status."""
    ready = desired if ready is None else ready
    pod_spec: Json = {
        "containers": [{"name": "agent", "image": "gcr.io/datadoghq/agent:7.81.1"}],
        "affinity": dict(affinity or {}),
        "nodeSelector": {"kubernetes.io/os": "linux", **(node_selector or {})},
        "serviceAccountName": name,
    }
    if tolerations:
        pod_spec["tolerations"] = [dict(t) for t in tolerations]
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {**meta(name, namespace, labels={"app.kubernetes.io/name": "datadog"}), "generation": 1},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": pod_spec},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "10%"}},
        },
        "status": {
            "currentNumberScheduled": desired,
            "desiredNumberScheduled": desired,
            "numberAvailable": ready,
            "numberReady": ready,
            "numberMisscheduled": 0,
            "updatedNumberScheduled": desired,
            "observedGeneration": 1,
        },
    }


def with_template(daemonset: Json, **pod_spec: Any) -> Json:
    """A copy of the DaemonSet whose pod template has these fields set."""
    copied = copy.deepcopy(daemonset)
    copied["spec"]["template"]["spec"].update(pod_spec)
    return copied


def platform_on(
    nodes: list[Json],
    stack: Stack,
    daemonset: Json,
    *,
    pods_on: Iterable[str] | None = None,
) -> list[Json]:
    """A healthy platform on these nodes whose one stack's agent DaemonSet is `daemonset`, with agent
    pods on the nodes `pods_on` (default: as many nodes as the DaemonSet wants, in order)."""
    if pods_on is None:
        pods_on = [n["metadata"]["name"] for n in nodes][: daemonset["status"]["desiredNumberScheduled"]]
    objects = [
        o
        for o in healthy_platform([stack], nodes=[])
        if o["kind"] != "Node"
        and not (o["kind"] in ("Pod", "DaemonSet") and o["metadata"].get("namespace") == stack.target)
    ]
    return [*nodes, *objects, daemonset, *agent_pods(stack, nodes=list(pods_on))]
