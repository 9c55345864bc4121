"""Datadog agent DaemonSets that leave schedulable nodes without an agent.

A DaemonSet whose pod template does not tolerate a node's taint (or whose node selector or
required affinity rules the node out) simply does not count that node: `desiredNumberScheduled`
is smaller, every pod it wants is ready, and the rollout looks complete while the node goes
unmonitored. This check compares the desired count with the nodes that are Ready and not
cordoned, and names each node left out with the taint the pod template does not tolerate
(ops/kube/placement.py holds Kubernetes' rules).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ops.incident.doctor.common import (
    DOCS,
    finding,
    is_datadog_namespace,
    kubectl,
    named,
    owner_in_namespace,
    subject,
    tier_values,
)
from ops.incident.doctor.finding import Finding, Severity
from ops.incident.doctor.registry import check
from ops.incident.snapshot import AGENT_PODS, Snapshot
from ops.kube.fields import Json, daemonset_rollout, name_of, namespace_of, pod_template_spec
from ops.kube.placement import LeftOut, left_out, schedulable, tolerations_of

if TYPE_CHECKING:
    from ops.incident.doctor.aws_keys import ApiKeysReader

TAINTS_DOCS = "https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/"


def _nodes_with_a_pod(snap: Snapshot, daemonset: Json) -> set[str]:
    """The nodes that run a pod of this DaemonSet (by its controller reference)."""
    found = set()
    for pod in snap.pods_in(namespace_of(daemonset)):
        for ref in (pod.get("metadata") or {}).get("ownerReferences") or []:
            if ref.get("controller") and ref.get("kind") == "DaemonSet" and ref.get("name") == name_of(daemonset):
                node = (pod.get("spec") or {}).get("nodeName")
                if node:
                    found.add(str(node))
    return found


def _cause(missing: tuple[LeftOut, ...]) -> str:
    taints = sorted({str(t) for node in missing for t in node.taints})
    mismatches = sorted({node.mismatch for node in missing if node.mismatch})
    parts = []
    if taints:
        parts.append(f"the agents' pod template does not tolerate the taint {', '.join(taints)}")
    if mismatches:
        parts.append(f"its {', '.join(mismatches)} rules the nodes out")
    return "; ".join(parts) or "the pod template admits these nodes, yet the DaemonSet controller does not count them"


@check(
    "agents-missing-nodes",
    "Datadog agents not on every schedulable node",
    {"nodes", "daemonsets", AGENT_PODS, "pods", "namespaces", "datadogstacks"},
)
def agents_missing_nodes(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    if not (snap.readable("nodes") and snap.readable("daemonsets")):
        return []  # snapshot-incomplete says what could not be read
    nodes = [n for n in snap.items("nodes") if schedulable(n)]
    found = []
    for ds in snap.items("daemonsets"):
        ns = namespace_of(ds)
        if not is_datadog_namespace(snap, ns):
            continue
        rollout = daemonset_rollout(ds)
        desired = rollout.wanted
        if desired >= len(nodes):
            continue
        pod_spec = pod_template_spec(ds)
        missing = left_out(nodes, pod_spec)
        if not missing:
            have = _nodes_with_a_pod(snap, ds)
            missing = tuple(LeftOut(name_of(n)) for n in nodes if name_of(n) not in have)
        tolerations = ", ".join(map(str, tolerations_of(pod_spec))) or "none"
        evidence = [
            f"desiredNumberScheduled={desired}, numberReady={rollout.ready}; "
            f"{len(nodes)} node(s) Ready and schedulable",
            *(f"node {node.node}: {node.reason}" for node in missing[:5]),
            f"pod template tolerations: {tolerations}",
        ]
        values = tier_values(snap, ns)
        found.append(
            finding(
                snap,
                "agents-missing-nodes",
                Severity.ERROR,
                subject(ds),
                owner=owner_in_namespace(snap, ns),
                symptom=f"{len(nodes) - desired} of {len(nodes)} schedulable node(s) have no Datadog agent "
                f"and are not monitored: {named([n.node for n in missing])}",
                evidence=evidence,
                cause=_cause(missing),
                fix=[
                    f"set agents.tolerations: [{{operator: Exists}}] in {values} (every taint: every node)",
                    "commit; build and publish the pipeline image with it (`invoke pipeline.build`), set "
                    "promise.image, then `invoke promise.apply`: Kratix re-runs every DatadogStack and Flux "
                    "upgrades the release",
                    "not `kubectl patch daemonset`: Flux puts the chart's values back",
                    "kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints",
                    kubectl(
                        "get",
                        "daemonset",
                        name_of(ds),
                        "-o",
                        "jsonpath={.spec.template.spec.tolerations}",
                        namespace=ns,
                    ),
                ],
                docs=TAINTS_DOCS if any(n.taints for n in missing) else DOCS["scheduling"],
            )
        )
    return found


CHECKS = (agents_missing_nodes,)
