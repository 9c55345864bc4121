"""Check 2: pipeline or agent containers that cannot start because of their image.

The kubelet's waiting reasons: `InvalidImageName` (the reference does not parse: most often
capitals, which image references may not contain), `ErrImagePull` and `ImagePullBackOff` (the
registry refused or has no such tag; the Warning event `Failed` says which).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ops.incident.doctor.common import (
    DOCS,
    controller_of,
    finding,
    is_datadog_namespace,
    kubectl,
    named,
    owner_by_labels,
    subject,
)
from ops.incident.doctor.finding import Finding, Severity
from ops.incident.doctor.registry import check
from ops.incident.snapshot import AGENT_PODS, PIPELINE_PODS, Snapshot, is_pipeline_pod
from ops.kube.fields import Json, container_statuses, name_of, namespace_of

if TYPE_CHECKING:
    from ops.incident.doctor.aws_keys import ApiKeysReader

IMAGE_REASONS = ("InvalidImageName", "ErrImagePull", "ImagePullBackOff")


def lowercase_reference(image: str) -> str:
    """The reference with its repository lowercased (the tag keeps its case: tags may have capitals)."""
    name, sep, tag = image.rpartition(":")
    if not sep or "/" in tag:
        return image.lower()
    return f"{name.lower()}:{tag}"


@check(
    "image-error",
    "Pipeline or agent image cannot be pulled",
    {AGENT_PODS, PIPELINE_PODS, "events", "namespaces", "datadogstacks"},
)
def image_error(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    groups: dict[tuple[str, str, str, str], list[Json]] = {}
    for pod in snap.pods():
        pipeline = is_pipeline_pod(pod, snap.promise_name)
        if not pipeline and not is_datadog_namespace(snap, namespace_of(pod)):
            continue
        for _, status in container_statuses(pod):
            waiting = (status.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") in IMAGE_REASONS:
                key = (namespace_of(pod), str(status.get("name")), str(status.get("image", "")), str(waiting["reason"]))
                groups.setdefault(key, []).append(pod)
    found = []
    for (ns, container, image, reason), pods in groups.items():
        first = pods[0]
        pipeline = is_pipeline_pod(first, snap.promise_name)
        waiting = next(
            (s.get("state") or {}).get("waiting") or {}
            for _, s in container_statuses(first)
            if s.get("name") == container
        )
        evidence = [f"container {container} waiting: {reason}: {' '.join(str(waiting.get('message', '')).split())}"]
        evidence.append(f"image {image}")
        evidence.append(f"pods: {named([name_of(p) for p in pods])}")
        event = _pull_event(snap, first)
        if event:
            evidence.append(event)
        cause, fixes = _cause(reason, image, event, pipeline)
        owner = owner_by_labels(snap, first)
        found.append(
            finding(
                snap,
                "image-error",
                Severity.ERROR,
                subject(first) if len(pods) == 1 else controller_of(first) or subject(first),
                owner=owner,
                symptom=f"{'pipeline' if pipeline else 'agent'} container {container} cannot start: {reason}",
                evidence=evidence,
                cause=cause,
                fix=[*fixes, kubectl("describe", "pod", name_of(first), namespace=ns)],
                docs=DOCS["images"],
            )
        )
    return found


def _pull_event(snap: Snapshot, pod: Json) -> str:
    for ev in snap.warning_events("Pod", namespace_of(pod), name_of(pod)):
        if ev.get("reason") in {"Failed", "InspectFailed", "ErrImageNeverPull"}:
            return f"event {ev.get('reason')}: {' '.join(str(ev.get('message', '')).split())}"
    return ""


def _cause(reason: str, image: str, event: str, pipeline: bool) -> tuple[str, list[str]]:
    where_pipeline = "set promise.image in invoke.yaml and the container image in promises/promise.yaml"
    redeploy = "commit, then `invoke promise.apply` (Kratix re-runs the requests' pipelines)"
    if reason == "InvalidImageName":
        lower = lowercase_reference(image)
        if lower != image:
            cause = f"the image reference has capitals, which references may not contain: use {lower}"
            fix = f"{where_pipeline} to {lower}, {redeploy}" if pipeline else f"use {lower} in the tier values files"
            return cause, [fix]
        return f"the image reference {image} does not parse", [f"{where_pipeline} to a valid reference, {redeploy}"]
    text = event.lower()
    if re.search(r"not found|manifest unknown|no such", text):
        cause = f"the registry has no image {image} (wrong tag, or not pushed yet)"
        fix = "push the image (`invoke pipeline.build`, CI) or " + where_pipeline if pipeline else "fix the image tag"
        return cause, [f"{fix}; {redeploy}" if pipeline else fix]
    if re.search(r"unauthorized|denied|forbidden|403|401", text):
        return (
            f"the registry refused to serve {image} to the node (private image without pull credentials)",
            ["make the image public, or add imagePullSecrets to the Pipeline in promises/promise.yaml; " + redeploy],
        )
    if re.search(r"timeout|dial tcp|i/o|no route|connection refused", text):
        return f"the node cannot reach the registry of {image} (egress, NAT or DNS)", ["check the node's egress"]
    return f"the image {image} cannot be pulled", ["read the pull error in the pod's events"]


CHECKS = (image_error,)
