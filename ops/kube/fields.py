"""Field readers: what an object's metadata and status say, read one way for waits, status and doctor.

Pure functions over objects as the API server sends them (dicts parsed from JSON): conditions
(typed), names and labels, ages, container runs, rollouts. No request is made here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

Json = dict[str, Any]


# names -------------------------------------------------------------------------------------------
def name_of(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))


def namespace_of(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("namespace") or "")


def labels_of(obj: Mapping[str, Any]) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("labels") or {})


def owned_by(obj: Mapping[str, Any], kind: str) -> bool:
    return any(ref.get("kind") == kind for ref in (obj.get("metadata") or {}).get("ownerReferences") or [])


# conditions --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Condition:
    """One entry of status.conditions, as the controller wrote it."""

    type: str
    status: str  # True, False, Unknown
    reason: str = ""
    message: str = ""
    last_transition_time: str | None = None

    @property
    def is_true(self) -> bool:
        return self.status == "True"

    @property
    def is_false(self) -> bool:
        return self.status == "False"

    @property
    def one_line_message(self) -> str:
        return " ".join(self.message.split())

    def __str__(self) -> str:
        """`Ready=False SecretSyncedError: could not get secret data from provider`, on one line."""
        head = f"{self.type}={self.status}" + (f" {self.reason}" if self.reason else "")
        return f"{head}: {self.one_line_message}" if self.message.strip() else head


NO_CONDITION = Condition("", "")  # stands in for an absent condition: neither True nor False, no reason


def _raw_conditions(obj: Mapping[str, Any]) -> list[Any]:
    raw = (obj.get("status") or {}).get("conditions") or []
    return raw if isinstance(raw, list) else []


def _condition(c: Mapping[str, Any]) -> Condition:
    return Condition(
        str(c.get("type", "")),
        str(c.get("status") or "Unknown"),
        str(c.get("reason") or ""),
        str(c.get("message") or ""),
        str(c["lastTransitionTime"]) if c.get("lastTransitionTime") else None,
    )


def conditions_of(obj: Mapping[str, Any]) -> tuple[Condition, ...]:
    return tuple(_condition(c) for c in _raw_conditions(obj) if isinstance(c, Mapping))


def find_condition(conditions: tuple[Condition, ...], type_: str) -> Condition | None:
    return next((c for c in conditions if c.type == type_), None)


def condition(obj: Mapping[str, Any], type_: str) -> Condition | None:
    """The status condition of this type, or None (the first, as `find_condition` of `conditions_of`)."""
    for c in _raw_conditions(obj):
        if isinstance(c, Mapping) and str(c.get("type", "")) == type_:
            return _condition(c)
    return None


def condition_line(cond: Condition | None) -> str:
    return "no condition" if cond is None else str(cond)


def reason_of(obj: Mapping[str, Any], type_: str) -> str:
    """The reason of a condition, "" when the condition is absent."""
    cond = condition(obj, type_)
    return cond.reason if cond else ""


# time --------------------------------------------------------------------------------------------
def parse_time(timestamp: str | None) -> datetime | None:
    if not timestamp:
        return None
    try:
        when = datetime.fromisoformat(str(timestamp).replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def seconds_since(timestamp: str | None, now: datetime) -> float | None:
    when = parse_time(timestamp)
    return None if when is None else (now - when).total_seconds()


def age(timestamp: str | None, now: datetime) -> str:
    """kubectl's way: 45s, 12m, 5h, 3d (two units while short: 2m30s, 3h5m)."""
    when = parse_time(timestamp)
    if when is None:
        return "-"
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 120:
        return f"{seconds}s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if hours < 3:
        return f"{hours}h{minutes % 60}m" if hours and minutes % 60 else f"{hours}h" if hours else f"{minutes}m"
    if days < 2:
        return f"{hours}h"
    return f"{days}d"


def event_time(event: Mapping[str, Any]) -> str:
    series = event.get("series") or {}
    return str(
        series.get("lastObservedTime")
        or event.get("lastTimestamp")
        or event.get("eventTime")
        or (event.get("metadata") or {}).get("creationTimestamp")
        or ""
    )


def newest_first(objects: list[Json]) -> list[Json]:
    return sorted(objects, key=lambda o: str((o.get("metadata") or {}).get("creationTimestamp") or ""), reverse=True)


# pods --------------------------------------------------------------------------------------------
def container_statuses(pod: Mapping[str, Any]) -> list[tuple[bool, Json]]:
    """(is_init, status) for every container, init containers first."""
    status = pod.get("status") or {}
    return [(True, s) for s in status.get("initContainerStatuses") or []] + [
        (False, s) for s in status.get("containerStatuses") or []
    ]


def failed_run(status: Mapping[str, Any]) -> tuple[Json, bool] | None:
    """The container's failed run (terminated, exit code not 0) and whether it is the previous one.

    With restartPolicy OnFailure or Always the failed run may be the previous one.
    """
    state = status.get("state") or {}
    terminated = state.get("terminated")
    if terminated and terminated.get("exitCode", 0) != 0:
        return terminated, False
    last = (status.get("lastState") or {}).get("terminated")
    if last and last.get("exitCode", 0) != 0:
        return last, True
    return None


def exited(terminated: Mapping[str, Any]) -> str:
    """`exited 1 (Error)`."""
    reason = terminated.get("reason")
    return f"exited {terminated.get('exitCode')}" + (f" ({reason})" if reason else "")


def pod_template_spec(workload: Mapping[str, Any]) -> Json:
    """The pod spec of a DaemonSet's or Deployment's template ({} when it has none)."""
    return dict(((workload.get("spec") or {}).get("template") or {}).get("spec") or {})


def is_ready(obj: Mapping[str, Any]) -> bool:
    """Its Ready condition is True (a pod, a Work, a WorkPlacement, a HelmRelease...)."""
    cond = condition(obj, "Ready")
    return cond is not None and cond.is_true


def restarts(pod: Mapping[str, Any]) -> int:
    return sum(int(s.get("restartCount") or 0) for _, s in container_statuses(pod))


# rollouts ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rollout:
    """A workload's readiness: `ready` of `wanted` (DaemonSet pods ready, Deployment replicas available)."""

    kind: str
    name: str
    ready: int
    wanted: int
    up_to_date: bool  # the controller saw the latest spec and every pod runs it

    @property
    def complete(self) -> bool:
        return self.up_to_date and self.ready >= self.wanted

    def __str__(self) -> str:
        rolling = "" if self.up_to_date else ", rolling out"
        return f"{self.kind} {self.name} {self.ready}/{self.wanted} ready{rolling}"


def _observed(obj: Mapping[str, Any]) -> bool:
    generation = (obj.get("metadata") or {}).get("generation")
    observed = (obj.get("status") or {}).get("observedGeneration")
    return generation is None or observed is None or observed >= generation


def daemonset_rollout(obj: Mapping[str, Any]) -> Rollout:
    status = obj.get("status") or {}
    desired = int(status.get("desiredNumberScheduled") or 0)
    updated = int(status.get("updatedNumberScheduled", desired) or 0)
    return Rollout(
        "DaemonSet", name_of(obj), int(status.get("numberReady") or 0), desired, _observed(obj) and updated >= desired
    )


def deployment_rollout(obj: Mapping[str, Any]) -> Rollout:
    status = obj.get("status") or {}
    replicas = (obj.get("spec") or {}).get("replicas", 1)
    wanted = int(replicas if replicas is not None else 1)
    updated = int(status.get("updatedReplicas", wanted) or 0)
    return Rollout(
        "Deployment",
        name_of(obj),
        int(status.get("availableReplicas") or 0),
        wanted,
        _observed(obj) and updated >= wanted,
    )


def rollout(obj: Mapping[str, Any]) -> Rollout:
    return daemonset_rollout(obj) if obj.get("kind") == "DaemonSet" else deployment_rollout(obj)
