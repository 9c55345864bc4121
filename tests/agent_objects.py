"""Broken agents, nodes, workloads and Flux sources, shaped as the kubelet and the controllers write them.

Each builder changes one healthy object of tests/objects.py (or adds the Event a
controller would record); the words are the upstream ones: the kubelet's container states and
probe/back-off Events, the agent's log lines, helm-controller's and source-controller's conditions.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

from tests.objects import Json, Stack, ago, cond, event, helm_release, meta

AGENT_IMAGE = "gcr.io/datadoghq/agent:7.81.1"
READINESS_500 = "Readiness probe failed: HTTP probe failed with statuscode: 500"


def log_line(
    level: str, message: str, *, where: str = "pkg/util/log/log.go:618 in func1", flavour: str = "CORE"
) -> str:
    """One agent log line: `2026-11-29 21:40:12 UTC | CORE | ERROR | (file:line in func) | message`."""
    return f"2026-11-29 21:40:12 UTC | {flavour} | {level} | ({where}) | {message}"


def agent_log(*lines: str) -> str:
    """A log tail: a few INFO lines, then the given ones."""
    head = [
        log_line("INFO", "Starting Datadog Agent v7.81.1"),
        log_line("INFO", "Loading proxy settings"),
    ]
    return "\n".join([*head, *lines]) + "\n"


def _set_container(pod: Json, container: str, status: Json) -> Json:
    pod = copy.deepcopy(pod)
    statuses = pod["status"]["containerStatuses"]
    index = next(i for i, s in enumerate(statuses) if s["name"] == container)
    statuses[index] = status
    pod["status"]["conditions"] = [
        cond("PodScheduled", "True", ""),
        cond("Initialized", "True", ""),
        cond("ContainersReady", "False", "ContainersNotReady", f"containers with unready status: [{container}]"),
        cond("Ready", "False", "ContainersNotReady", f"containers with unready status: [{container}]"),
    ]
    return pod


def running_not_ready(pod: Json, container: str = "agent", *, since: float = 1800) -> Json:
    """Running, its readiness probe failing (an invalid API key keeps /live 200 and /ready 500)."""
    old = next(s for s in pod["status"]["containerStatuses"] if s["name"] == container)
    status = {**copy.deepcopy(old), "ready": False, "started": True, "state": {"running": {"startedAt": ago(since)}}}
    return _set_container(pod, container, status)


def crash_looping(
    pod: Json, container: str = "agent", *, exit_code: int = 255, restarts: int = 7, age: float = 90, message: str = ""
) -> Json:
    """CrashLoopBackOff now, the previous run terminated with an error exit code."""
    old = next(s for s in pod["status"]["containerStatuses"] if s["name"] == container)
    terminated: Json = {
        "exitCode": exit_code,
        "reason": "Error",
        "startedAt": ago(age + 5),
        "finishedAt": ago(age),
        "containerID": "containerd://" + "b" * 64,
    }
    if message:
        terminated["message"] = message
    status = {
        **copy.deepcopy(old),
        "ready": False,
        "started": False,
        "restartCount": restarts,
        "state": {
            "waiting": {
                "reason": "CrashLoopBackOff",
                "message": f"back-off 5m0s restarting failed container={container} "
                f"pod={pod['metadata']['name']}_{pod['metadata']['namespace']}(0f6b3c2e-7d1a-4c1e-9d5e-2b8c4a6f1e3d)",
            }
        },
        "lastState": {"terminated": terminated},
    }
    return _set_container(pod, container, status)


def config_error(pod: Json, container: str, message: str) -> Json:
    """CreateContainerConfigError: the kubelet cannot build the container's env (a Secret or key missing)."""
    old = next(s for s in pod["status"]["containerStatuses"] if s["name"] == container)
    status = {
        **copy.deepcopy(old),
        "ready": False,
        "started": False,
        "state": {"waiting": {"reason": "CreateContainerConfigError", "message": message}},
        "lastState": {},
    }
    return _set_container(pod, container, status)


def probe_failed(pod: Json, *, count: int = 40, age: float = 20) -> Json:
    return event(
        "Pod",
        pod["metadata"]["namespace"],
        pod["metadata"]["name"],
        "Unhealthy",
        READINESS_500,
        count=count,
        age=age,
        source="kubelet",
    )


def back_off(pod: Json, container: str = "agent", *, count: int = 30, age: float = 30) -> Json:
    name, ns = pod["metadata"]["name"], pod["metadata"]["namespace"]
    return event(
        "Pod",
        ns,
        name,
        "BackOff",
        f"Back-off restarting failed container {container} in pod {name}_{ns}(0f6b3c2e-7d1a-4c1e-9d5e-2b8c4a6f1e3d)",
        count=count,
        age=age,
        source="kubelet",
    )


def with_site(release: Json, site: str) -> Json:
    release = copy.deepcopy(release)
    release["spec"]["values"]["datadog"]["site"] = site
    return release


# nodes -------------------------------------------------------------------------------------------
def node_condition(node: Json, type_: str, status: str, reason: str, message: str, *, age: float = 600) -> Json:
    node = copy.deepcopy(node)
    conditions = [c for c in node["status"]["conditions"] if c["type"] != type_]
    node["status"]["conditions"] = [*conditions, cond(type_, status, reason, message, age=age)]
    return node


# workloads ---------------------------------------------------------------------------------------
def daemonset_stuck(ds: Json, *, desired: int, current: int = 0, ready: int = 0) -> Json:
    ds = copy.deepcopy(ds)
    ds["status"].update(
        currentNumberScheduled=current,
        desiredNumberScheduled=desired,
        numberReady=ready,
        numberAvailable=ready,
        updatedNumberScheduled=current,
    )
    if desired > ready:
        ds["status"]["numberUnavailable"] = desired - ready
    return ds


def deployment_deadline(deploy: Json, message: str, *, age: float = 1200) -> Json:
    """Progressing=False ProgressDeadlineExceeded: the rollout did not progress in 600s."""
    deploy = copy.deepcopy(deploy)
    deploy["status"]["conditions"] = [
        cond("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."),
        cond("Progressing", "False", "ProgressDeadlineExceeded", message, age=age),
    ]
    deploy["status"].pop("readyReplicas", None)
    deploy["status"].pop("availableReplicas", None)
    deploy["status"]["unavailableReplicas"] = deploy["spec"]["replicas"]
    return deploy


# Flux --------------------------------------------------------------------------------------------
def release_failed(
    s: Stack, error: str, *, action: str = "upgrade", stalled: bool = True, ready_age: float = 600
) -> Json:
    """Helm install/upgrade failed with helm-controller v2's words; retries exhausted when stalled."""
    verb = "install" if action == "install" else "upgrade"
    reason = "InstallFailed" if verb == "install" else "UpgradeFailed"
    message = f"Helm {verb} failed for release {s.target}/datadog with chart datadog@3.240.0: {error}"
    extra = [cond("Stalled", "True", "RetriesExceeded", f"Failed to {verb} after 4 attempt(s)", age=ready_age)]
    body = helm_release(
        s, ready=cond("Ready", "False", reason, message, age=ready_age), extra_conditions=extra if stalled else ()
    )
    body["status"]["conditions"][1] = cond("Released", "False", reason, message, age=ready_age)
    body["status"]["lastAttemptedReleaseAction"] = verb
    body["status"][f"{verb}Failures"] = 4
    return body


def timeout_error(*workloads: tuple[str, str, str]) -> str:
    """kstatus's wait error as helm-controller reports it: `timeout waiting for: [DaemonSet/ns/name status: ...]`."""
    items = ", ".join(f"{kind}/{ns}/{name} status: 'InProgress'" for kind, ns, name in workloads)
    return f"timeout waiting for: [{items}]"


def suspended(release: Json) -> Json:
    release = copy.deepcopy(release)
    release["spec"]["suspend"] = True
    return release


def depends_on(release: Json, name: str, namespace: str, *, age: float = 900) -> Json:
    release = copy.deepcopy(release)
    release["spec"]["dependsOn"] = [{"name": name, "namespace": namespace}]
    release["status"]["conditions"] = [
        cond("Ready", "False", "DependencyNotReady", f"dependency '{namespace}/{name}' is not ready", age=age),
        *[c for c in release["status"]["conditions"] if c["type"] != "Ready"],
    ]
    return release


def helm_repository_failed(s: Stack, reason: str, message: str, *, url: str = "https://helm.datadoghq.com") -> Json:
    """source-controller v1: Ready=False and FetchFailed=True with the same reason and message."""
    return {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "HelmRepository",
        "metadata": meta("datadog", s.target, labels=s.labels),
        "spec": {"interval": "1h", "url": url},
        "status": {
            "observedGeneration": 1,
            "conditions": [
                cond("Ready", "False", reason, message, age=1800),
                cond("FetchFailed", "True", reason, message, age=1800),
            ],
        },
    }


def helm_chart(s: Stack, *, version: str = "3.240.0", ready: Json | None = None, extra: Iterable[Json] = ()) -> Json:
    """The HelmChart helm-controller creates for the release: `<ns>-<name>` in the source's namespace."""
    ok = cond("Ready", "True", "ChartPullSucceeded", f"pulled 'datadog' chart with version '{version}'")
    return {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "HelmChart",
        "metadata": meta(f"{s.target}-datadog", s.target, labels=s.labels),
        "spec": {
            "chart": "datadog",
            "version": version,
            "sourceRef": {"kind": "HelmRepository", "name": "datadog"},
            "interval": "1h",
            "reconcileStrategy": "ChartVersion",
        },
        "status": {"observedGeneration": 1, "conditions": [ready or ok, *extra]},
    }


def chart_version_missing(s: Stack, version: str) -> Json:
    message = (
        "invalid chart reference: failed to get chart version for remote reference: "
        f"no 'datadog' chart with version matching '{version}' found"
    )
    return helm_chart(
        s,
        version=version,
        ready=cond("Ready", "False", "InvalidChartReference", message, age=1200),
        extra=[cond("FetchFailed", "True", "InvalidChartReference", message, age=1200)],
    )


def pinned(release: Json, version: str) -> Json:
    release = copy.deepcopy(release)
    release["spec"]["chart"]["spec"]["version"] = version
    return release


def source_not_ready(s: Stack, chart_message: str, *, pinned_version: str = "3.240.0") -> Json:
    """The HelmRelease waiting on its HelmChart (helm-controller v2: Ready=False SourceNotReady)."""
    message = f"HelmChart '{s.target}/{s.target}-datadog' is not ready: {chart_message}"
    release = helm_release(s, ready=cond("Ready", "False", "SourceNotReady", message, age=1200))
    return pinned(release, pinned_version)
