"""Which pods are Datadog agents, which of their containers fail, and whose logs are worth a request.

An agent pod is one running the node agent image (`gcr.io/datadoghq/agent`, `public.ecr.aws/datadog/agent`,
`datadog/agent`...) or the cluster agent image (`.../cluster-agent`): the image says it whatever
the chart's fullname, labels or namespace. A container "fails" when it is not ready, or when it has
restarted and its last run ended badly; the log worth reading is the one of the run that ended (the
kubelet keeps it as `--previous`) when the container is waiting to restart, else the current one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ops.kube.fields import Json, container_statuses, namespace_of, restarts, seconds_since

_AGENT_IMAGE = re.compile(r"(?:^|/)(?:datadoghq|datadog)/(?P<flavour>agent|cluster-agent)(?:[:@]|$)")
MAX_AGENT_LOG_PODS = 3  # per namespace: enough to show the pattern
MAX_AGENT_LOG_PODS_TOTAL = 30  # in all: bounded whatever the number of failing stacks
RECENT_RESTART = 3600.0  # seconds: a ready container that restarted within this is still "restarting"


@dataclass(frozen=True)
class FailingContainer:
    """One agent container that is not ready or restarts, and which of its logs tells why."""

    pod: Json
    status: Json
    previous: bool  # the run that ended (CrashLoopBackOff) rather than the one running now

    @property
    def name(self) -> str:
        return str(self.status.get("name", ""))


def agent_flavour(pod: Json) -> str | None:
    """ "cluster-agent", "agent" (a node agent pod), or None when the pod runs no Datadog agent image."""
    flavours = set()
    for container in (pod.get("spec") or {}).get("containers") or []:
        match = _AGENT_IMAGE.search(str(container.get("image", "")).split("@")[0])
        if match:
            flavours.add(match["flavour"])
    if "cluster-agent" in flavours:
        return "cluster-agent"
    return "agent" if flavours else None


def is_agent_pod(pod: Json) -> bool:
    return agent_flavour(pod) is not None


def failing_containers(pod: Json, now: datetime) -> list[FailingContainer]:
    """The pod's containers (not init) that are not ready, or that restarted after a failed run that ended
    less than RECENT_RESTART ago (a restart days ago, after a node reboot, is history, not an incident)."""
    if (pod.get("status") or {}).get("phase") in ("Pending", "Succeeded") and not any(
        s.get("lastState") for _, s in container_statuses(pod)
    ):
        return []  # not started yet: scheduling and image checks say why, there is no log
    found = []
    for is_init, status in container_statuses(pod):
        if is_init:
            continue
        state = status.get("state") or {}
        last = (status.get("lastState") or {}).get("terminated") or {}
        ended = seconds_since(last.get("finishedAt"), now)
        restarted = int(status.get("restartCount") or 0) > 0 and ended is not None and ended < RECENT_RESTART
        if status.get("ready") and not (restarted and last.get("exitCode", 0) != 0):
            continue
        if "waiting" in state and not last:
            continue  # never ran (ContainerCreating, image pull): no log to read
        found.append(FailingContainer(pod, status, previous="waiting" in state and bool(last)))
    return found


def oom_killed(status: Json) -> bool:
    """The container's current or last run ended OOMKilled (oom-killed reports it)."""
    reasons = {((status.get(k) or {}).get("terminated") or {}).get("reason") for k in ("state", "lastState")}
    return "OOMKilled" in reasons


def log_targets(
    pods: Iterable[Json], now: datetime, per_namespace: int = MAX_AGENT_LOG_PODS, total: int = MAX_AGENT_LOG_PODS_TOTAL
) -> list[FailingContainer]:
    """The failing containers of at most `per_namespace` agent pods per namespace (`total` in all), worst first.

    Worst: not ready before ready, then most restarts, then the newest pod. Containers killed for
    memory are left out: their cause is in their state, not in their log.
    """
    candidates = [
        (pod, [f for f in failing_containers(pod, now) if not oom_killed(f.status)])
        for pod in pods
        if is_agent_pod(pod)
    ]
    candidates = [(pod, failing) for pod, failing in candidates if failing]
    candidates.sort(key=lambda c: str((c[0].get("metadata") or {}).get("creationTimestamp") or ""), reverse=True)
    candidates.sort(key=lambda c: (all(bool(f.status.get("ready")) for f in c[1]), -restarts(c[0])))
    taken: dict[str, int] = {}
    chosen: list[FailingContainer] = []
    for pod, failing in candidates:
        ns = namespace_of(pod)
        if taken.get(ns, 0) >= per_namespace or sum(taken.values()) >= total:
            continue
        taken[ns] = taken.get(ns, 0) + 1
        chosen += failing
    return chosen
