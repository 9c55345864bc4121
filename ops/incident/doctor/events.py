"""Warning Events as evidence: the ones about an object, about what it owns, and whether they are newer
than the condition that claims all is well.

The snapshot lists Warning Events once per run (`snap.warning_events(kind, ns, name)`). An Event
names the object the kubelet or a controller acted on: a Pod (`Unhealthy`, `BackOff`, `Failed`), a
ReplicaSet (`FailedCreate`), a DaemonSet (`FailedCreate`), a HelmRelease (`UpgradeFailed`). A finding
about a workload therefore also wants the Events of its pods and ReplicaSets, grouped: twelve pods
failing the same probe are one line with the count. `attach_events` adds those lines to any finding
(the registry calls it for every check); `newer_failure` says when a `Ready=True` condition is older
than the newest Warning about the same object, so that it is not taken at its word.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ops.incident.snapshot import per_snapshot
from ops.kube.fields import Json, event_time, name_of, namespace_of, parse_time

if TYPE_CHECKING:
    from ops.incident.doctor.finding import Finding
    from ops.incident.snapshot import Snapshot

MAX_EVENT_LINES = 4  # added to one finding: the newest distinct reasons
_POD_HASH = re.compile(r"^(?P<base>.+)-[a-z0-9]{5}$")  # the suffix the ReplicaSet/DaemonSet controller adds
_RS_HASH = re.compile(r"^(?P<base>.+)-[a-z0-9]{6,10}$")  # a ReplicaSet's pod-template-hash


def _controller(pod: Json) -> tuple[str, str] | None:
    for ref in (pod.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return str(ref.get("kind")), str(ref.get("name"))
    return None


def _deployment_of_replicaset(name: str) -> str | None:
    match = _RS_HASH.match(name)
    return match["base"] if match else None


def owned_pods(snap: Snapshot, kind: str, namespace: str, name: str) -> list[Json]:
    """The pods a DaemonSet, ReplicaSet, Job or Deployment (through its ReplicaSets) controls."""
    if not snap.readable("pods"):
        return []
    found = []
    for pod in snap.pods_in(namespace):
        owner = _controller(pod)
        if owner is None:
            continue
        if owner == (kind, name) or (
            kind == "Deployment" and owner[0] == "ReplicaSet" and _deployment_of_replicaset(owner[1]) == name
        ):
            found.append(pod)
    return found


@per_snapshot
def _replicaset_event_index(snap: Snapshot) -> dict[tuple[str, str], list[Json]]:
    """(namespace, Deployment) -> Warning Events of its ReplicaSets: one pass per snapshot."""
    index: dict[tuple[str, str], list[Json]] = defaultdict(list)
    for ev in snap.items("events"):
        involved = ev.get("involvedObject") or {}
        if involved.get("kind") == "ReplicaSet":
            owner = _deployment_of_replicaset(str(involved.get("name", "")))
            if owner:
                index[(str(involved.get("namespace") or ""), owner)].append(ev)
    return dict(index)


def _replicaset_events(snap: Snapshot, namespace: str, deployment: str) -> list[Json]:
    """Warning Events about the Deployment's ReplicaSets (FailedCreate lands there when no pod exists)."""
    if not snap.readable("events"):
        return []
    return _replicaset_event_index(snap).get((namespace, deployment), [])


def related_events(snap: Snapshot, kind: str, namespace: str | None, name: str) -> list[Json]:
    """Warning Events about the object, its ReplicaSets and its pods, newest first."""
    events = list(snap.warning_events(kind, namespace, name))
    if kind in ("DaemonSet", "Deployment", "ReplicaSet", "Job", "StatefulSet") and namespace:
        for pod in owned_pods(snap, kind, namespace, name):
            events += snap.warning_events("Pod", namespace, name_of(pod))
        if kind == "Deployment":
            events += _replicaset_events(snap, namespace, name)
    events.sort(key=event_time, reverse=True)
    return events


def one_line(text: object) -> str:
    return " ".join(str(text or "").split())


def event_line(snap: Snapshot, ev: Json, *, objects: int = 1) -> str:
    """`event Unhealthy on Pod ns/name (x12, 2m ago): Readiness probe failed: ...` (verbatim message)."""
    involved = ev.get("involvedObject") or {}
    ns = str(involved.get("namespace") or "")
    where = f"{involved.get('kind')} {ns + '/' if ns else ''}{involved.get('name', '')}"
    if objects > 1:
        where += f" and {objects - 1} more"
    count = int(ev.get("count") or (ev.get("series") or {}).get("count") or 1)
    times = f"x{count}, " if count > 1 else ""
    return f"event {ev.get('reason')} on {where} ({times}{snap.age(event_time(ev))} ago): {one_line(ev.get('message'))}"


def event_lines(snap: Snapshot, events: Iterable[Json], limit: int = MAX_EVENT_LINES) -> list[str]:
    """One line per distinct (reason, message), newest first; pods sharing one are counted, not repeated."""
    groups: dict[tuple[str, str], list[Json]] = {}
    for ev in events:
        name = str((ev.get("involvedObject") or {}).get("name") or "")
        message = _POD_NAMES.sub("<pod>", one_line(ev.get("message")))
        message = message.replace(name, "<name>") if name else message  # the same failure on each pod
        groups.setdefault((str(ev.get("reason")), message), []).append(ev)
    lines = []
    for evs in list(groups.values())[:limit]:
        names = {str((e.get("involvedObject") or {}).get("name")) for e in evs}
        lines.append(event_line(snap, evs[0], objects=len(names)))
    return lines


_POD_NAMES = re.compile(r'pods? "[^"]+"')  # FailedCreate quotes the pod's generated name: group regardless


def newer_failure(
    snap: Snapshot, kind: str, namespace: str | None, name: str, *, since: str | None, reasons: Iterable[str]
) -> Json | None:
    """The newest Warning Event with one of `reasons` about the object, when it is newer than `since`
    (the transition time of a condition that says all is well)."""
    when, wanted = parse_time(since), set(reasons)
    for ev in snap.warning_events(kind, namespace, name):  # newest first
        if ev.get("reason") not in wanted:
            continue
        happened = parse_time(event_time(ev))
        return ev if when is None or (happened is not None and happened > when) else None
    return None


def attach_events(snap: Snapshot, found: Finding) -> Finding:
    """The finding with the Warning Events about its object and owner that its evidence does not quote yet."""
    if not snap.readable("events"):
        return found
    events: list[Json] = []
    for subject in (found.object, found.owner):
        if subject is not None:
            events += related_events(snap, subject.kind, subject.namespace, subject.name)
    if not events:
        return found
    said = " ".join(found.evidence)
    fresh = [ev for ev in events if one_line(ev.get("message")) not in said]
    extra = [line for line in event_lines(snap, fresh) if line not in found.evidence]
    if not extra:
        return found
    return dataclasses.replace(found, evidence=(*found.evidence, *extra))


def pods_of(snap: Snapshot, obj: Json) -> list[Json]:
    return owned_pods(snap, str(obj.get("kind")), namespace_of(obj), name_of(obj))
