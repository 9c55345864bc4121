"""Check 6: containers the kernel killed for memory (OOMKilled, exit code 137).

Read from the last termination state: an OOM-looping container shows `CrashLoopBackOff` now and
`OOMKilled` only in `lastState.terminated` (k8sgpt reads it there too:
https://github.com/k8sgpt-ai/k8sgpt/pull/792). The fix goes
into the tier values file the pipeline renders (Git), never `kubectl set resources`: Flux reverts it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from datadog_configure.footprint import AGENT_CONTAINERS
from ops.incident.doctor.common import (
    DOCS,
    controller_of,
    finding,
    is_datadog_namespace,
    kubectl,
    named,
    namespace_tier,
    owner_by_labels,
    subject,
    tier_values,
)
from ops.incident.doctor.finding import Finding, Severity
from ops.incident.doctor.registry import check
from ops.incident.snapshot import AGENT_PODS, PIPELINE_PODS, Snapshot, is_pipeline_pod
from ops.kube.fields import Json, container_statuses, name_of, namespace_of

if TYPE_CHECKING:
    from ops.incident.doctor.aws_keys import ApiKeysReader

VALUES_KEYS = {container: f"agents.containers.{key}" for container, key, _ in AGENT_CONTAINERS}
VALUES_KEYS["cluster-agent"] = "clusterAgent"


def _oom(status: Json) -> Json | None:
    for state in (status.get("state") or {}, status.get("lastState") or {}):
        terminated = state.get("terminated") or {}
        if terminated.get("reason") == "OOMKilled":  # 137 alone is any SIGKILL (a failed liveness probe too)
            return terminated
    return None


def _resources(pod: Json, container: str) -> tuple[str, str]:
    spec = (pod.get("spec") or {}).get("containers", []) + (pod.get("spec") or {}).get("initContainers", [])
    for c in spec:
        if c.get("name") == container:
            res = c.get("resources") or {}
            return str((res.get("limits") or {}).get("memory", "none")), str(
                (res.get("requests") or {}).get("memory", "none")
            )
    return "unknown", "unknown"


@check(
    "oom-killed",
    "Containers OOMKilled (last termination state)",
    {AGENT_PODS, PIPELINE_PODS, "namespaces", "datadogstacks"},
)
def oom_killed(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    groups: dict[tuple[str, str, str], list[tuple[Json, Json, Json]]] = {}
    for pod in snap.pods():
        pipeline = is_pipeline_pod(pod, snap.promise_name)
        if not pipeline and not is_datadog_namespace(snap, namespace_of(pod)):
            continue
        for _, status in container_statuses(pod):
            terminated = _oom(status)
            if terminated is not None:
                owner = controller_of(pod)
                key = (namespace_of(pod), str(owner) if owner else name_of(pod), str(status.get("name")))
                groups.setdefault(key, []).append((pod, status, terminated))
    found = []
    for (ns, _, container), hits in groups.items():
        pod, status, terminated = hits[0]
        pipeline = is_pipeline_pod(pod, snap.promise_name)
        limit, request = _resources(pod, container)
        restarts = sum(int(s.get("restartCount") or 0) for _, s, _ in hits)
        evidence = [
            f"container {container}: terminated {terminated.get('reason', 'OOMKilled')}, exit code "
            f"{terminated.get('exitCode', 137)}, {snap.age(terminated.get('finishedAt'))} ago",
            f"memory limit {limit}, request {request}",
            f"restarts: {restarts} across {len(hits)} pod(s): {named([name_of(p) for p, _, _ in hits])}",
        ]
        waiting = ((status.get("state") or {}).get("waiting") or {}).get("reason")
        if waiting:
            evidence.append(f"now: {waiting}")
        tier = namespace_tier(snap, ns)
        if pipeline:
            fixes = [
                f"set resources.limits.memory on the pipeline container in promises/promise.yaml (now {limit}; "
                "Kratix's default is 256Mi), commit, then `invoke promise.apply`"
            ]
        else:
            values_key = VALUES_KEYS.get(container, f"agents.containers.<{container}>")
            values = tier_values(snap, ns)
            fixes = [
                f"raise {values_key}.resources.limits.memory (now {limit}) in {values}",
                "commit; build and publish the pipeline image with it (`invoke pipeline.build`), set promise.image, "
                "then `invoke promise.apply`: Kratix re-runs every DatadogStack and Flux upgrades the release",
                "or move the stack to a bigger tier: change spec.tier in its manifest in Git",
                "not `kubectl set resources`: Flux puts the chart's values back",
            ]
        found.append(
            finding(
                snap,
                "oom-killed",
                Severity.ERROR,
                controller_of(pod) or subject(pod),
                owner=owner_by_labels(snap, pod),
                symptom=f"container {container} in {ns} is killed for exceeding its memory limit ({limit})",
                evidence=evidence,
                cause=f"{container} needs more memory than {limit}" + (f" (tier {tier})" if tier else ""),
                fix=[*fixes, kubectl("describe", "pod", name_of(pod), namespace=ns)],
                docs=DOCS["oom"],
            )
        )
    return found


CHECKS = (oom_killed,)
