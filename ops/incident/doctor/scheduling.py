"""Datadog agent pods Pending because the scheduler cannot place them.

The scheduler's words are on the pod (`PodScheduled=False Unschedulable: 0/3 nodes are available:
3 Insufficient memory...`) and in the `FailedScheduling` Warning event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ops.incident.doctor.common import (
    DOCS,
    controller_of,
    finding,
    is_datadog_namespace,
    kubectl,
    latest_event_line,
    named,
    owner_in_namespace,
    subject,
    tier_values,
)
from ops.incident.doctor.finding import Finding, Severity
from ops.incident.doctor.registry import check
from ops.incident.snapshot import AGENT_PODS, Snapshot
from ops.kube.fields import NO_CONDITION, Json, condition, name_of, namespace_of

if TYPE_CHECKING:
    from ops.incident.doctor.aws_keys import ApiKeysReader

_CAUSES = (
    ("Insufficient memory", "the nodes have too little free memory for the tier's requests"),
    ("Insufficient cpu", "the nodes have too little free CPU for the tier's requests"),
    ("untolerated taint", "the nodes carry taints the Datadog pods do not tolerate"),
    ("node affinity/selector", "no node matches the pods' node selector or affinity"),
    ("Too many pods", "the nodes run as many pods as they may (the VPC CNI's per-node limit)"),
    ("didn't have free ports", "a host port the agent needs is taken on the node"),
)


@check(
    "agent-unschedulable",
    "Datadog agent pods Pending: cannot be scheduled",
    {AGENT_PODS, "events", "namespaces", "datadogstacks"},
)
def agent_unschedulable(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    groups: dict[tuple[str, str], list[Json]] = {}
    for pod in snap.pods():
        if (pod.get("status") or {}).get("phase") != "Pending" or not is_datadog_namespace(snap, namespace_of(pod)):
            continue
        scheduled = condition(pod, "PodScheduled")
        if scheduled and scheduled.status == "False" and scheduled.reason == "Unschedulable":
            owner = controller_of(pod)
            groups.setdefault((namespace_of(pod), str(owner) if owner else name_of(pod)), []).append(pod)
    found = []
    for (ns, _), pods in groups.items():
        first = pods[0]
        scheduled = condition(first, "PodScheduled") or NO_CONDITION
        message = " ".join(str(scheduled.message).split())
        evidence = [
            f"PodScheduled=False Unschedulable: {message} ({snap.age(scheduled.last_transition_time)} ago)",
            f"{len(pods)} pod(s) Pending: {named([name_of(p) for p in pods])}",
        ]
        event = latest_event_line(snap, "Pod", ns, name_of(first), {"FailedScheduling"})
        if event:
            evidence.append(event)
        causes = [text for needle, text in _CAUSES if needle in message]
        values = tier_values(snap, ns)
        found.append(
            finding(
                snap,
                "agent-unschedulable",
                Severity.ERROR,
                controller_of(first) or subject(first),
                owner=owner_in_namespace(snap, ns),
                symptom=f"{len(pods)} Datadog pod(s) in {ns} cannot be scheduled",
                evidence=evidence,
                cause="; ".join(causes) or "the scheduler finds no node for them",
                fix=[
                    kubectl("describe", "pod", name_of(first), namespace=ns),
                    "kubectl describe nodes | grep -A8 'Allocated resources'",
                    f"lower the requests in {values} or move the stack to a smaller tier in Git; or add nodes",
                    f"for taints: add tolerations under agents.tolerations in {values}",
                ],
                docs=DOCS["scheduling"],
            )
        )
    return found


CHECKS = (agent_unschedulable,)
