"""What a snapshot keeps of each object it lists: what `status` and the checks read, not what is big.

Real objects carry much that no reader here looks at: `managedFields`, annotations (kubectl's
last-applied copy, Helm's and Argo CD's bookkeeping), the env, mounts, probes and commands of every
container, pod volumes, a Kratix Work's rendered documents, a HelmRelease's and an Application's
history. `kept(item, kind)` drops them as each page arrives (ops/kube/reads.py `list_json`), so a
snapshot's memory follows the number of objects, not their size.

What stays, by kind (every reader in ops/incident reads only these; a new reader of another field
adds it here, and the tests that read through a snapshot fail until it does):

    every object   metadata: name, namespace, labels, creationTimestamp, deletionTimestamp,
                   finalizers, ownerReferences, generation; all of spec and status, except:
    Pod            spec: containers and initContainers (name, image, resources), nodeName,
                   nodeSelector, affinity, tolerations, hostNetwork; status without pod/host IPs,
                   container statuses without image and container ids
    DaemonSet,     spec.template as a Pod's spec (and its labels)
    Deployment
    Work           spec.workloadGroups[].workloads without their contents
    HelmRelease    status.history: the newest entry only
    Application    status without history and summary

A reader that needs far less (`status`: a few columns of thousands of objects) also gives a `Shape`
per listing: `Keeper` then keeps only the paths it names, and makes each repeated string (a
condition's status, reason and message, an image, a label) one object. That is what keeps
`invoke status` on 10,000 stacks within twice its memory on 1000.

    {"metadata": {"name": True}, "status": {"conditions": [CONDITION]}}

`True` keeps the value whole, a mapping keeps those keys, a list of one shape applies it to each
element of a list, and `Where(test, shape)` keeps only the elements (or, for a whole listing, the
items) for which `test` holds: the conditions a column reads, the containers that restarted, the
Works that are not Ready. `Keeper.listed` still counts every item the server sent.

`When(test, shape)` keeps only `shape` of the items for which `test` holds, and the others whole:
`doctor` keeps a healthy pod's skeleton (HEALTHY_POD) and every field of the pods that are not,
which are the ones its checks look into.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from ops.kube.fields import container_statuses, is_ready, labels_of
from ops.names import PIPELINE_NAME_LABEL

Json = dict[str, Any]
Shape = dict[str, Any]  # key -> True | Shape | [Shape] | Where
CONDITION: Shape = {"type": True, "status": True, "reason": True, "message": True, "lastTransitionTime": True}


@dataclass(frozen=True)
class Where:
    """Keep a list's elements, or a listing's items, for which `test` holds, each to `shape`."""

    test: Callable[[Json], bool]
    shape: Shape


@dataclass(frozen=True)
class When:
    """Keep only `shape` of the items for which `test` holds, the others whole."""

    test: Callable[[Json], bool]
    shape: Shape


def conditions(*types: str, fields: Shape = CONDITION) -> Where:
    """The conditions of these types, with these fields."""
    wanted = frozenset(types)
    return Where(lambda c: c.get("type") in wanted, fields)


META_KEPT = (
    "name",
    "namespace",
    "labels",
    "creationTimestamp",
    "deletionTimestamp",
    "finalizers",
    "ownerReferences",
    "generation",
)
POD_SPEC_KEPT = ("containers", "initContainers", "nodeName", "nodeSelector", "affinity", "tolerations", "hostNetwork")
CONTAINER_KEPT = ("name", "image", "resources")
POD_STATUS_DROPPED = ("podIP", "podIPs", "hostIP", "hostIPs")
CONTAINER_STATUS_DROPPED = ("imageID", "containerID")


def kept(item: Json, kind: str, api_version: str) -> Json:
    """The item with only what is read (module docstring); it is changed in place and returned."""
    item.setdefault("apiVersion", api_version)
    item.setdefault("kind", kind)
    meta = item.get("metadata")
    if isinstance(meta, dict):
        item["metadata"] = _only(meta, META_KEPT)
    trim = _BY_KIND.get(kind)
    if trim is not None:
        trim(item)
    return item


def _only(obj: Json, keys: tuple[str, ...]) -> Json:
    return {key: obj[key] for key in keys if key in obj}


def _dicts(value: Any) -> list[Json]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _pod_spec(spec: Json) -> Json:
    kept_spec = _only(spec, POD_SPEC_KEPT)
    for key in ("containers", "initContainers"):
        if key in kept_spec:
            kept_spec[key] = [_only(c, CONTAINER_KEPT) for c in _dicts(kept_spec[key])]
    return kept_spec


def _pod(pod: Json) -> None:
    spec, status = pod.get("spec"), pod.get("status")
    if isinstance(spec, dict):
        pod["spec"] = _pod_spec(spec)
    if isinstance(status, dict):
        for key in POD_STATUS_DROPPED:
            status.pop(key, None)
        for key in ("containerStatuses", "initContainerStatuses"):
            for container in _dicts(status.get(key)):
                for dropped in CONTAINER_STATUS_DROPPED:
                    container.pop(dropped, None)


def _workload(obj: Json) -> None:
    template = (obj.get("spec") or {}).get("template")
    if isinstance(template, dict):
        meta = template.get("metadata")
        template["metadata"] = {"labels": meta.get("labels")} if isinstance(meta, dict) and "labels" in meta else {}
        if isinstance(template.get("spec"), dict):
            template["spec"] = _pod_spec(template["spec"])


def _work(work: Json) -> None:
    for group in _dicts((work.get("spec") or {}).get("workloadGroups")):
        group["workloads"] = [{k: v for k, v in w.items() if k != "content"} for w in _dicts(group.get("workloads"))]


def _helmrelease(release: Json) -> None:
    status = release.get("status")
    if isinstance(status, dict) and isinstance(status.get("history"), list):
        status["history"] = status["history"][:1]


def _application(app: Json) -> None:
    status = app.get("status")
    if isinstance(status, dict):
        status.pop("history", None)
        status.pop("summary", None)


_BY_KIND = {
    "Pod": _pod,
    "DaemonSet": _workload,
    "Deployment": _workload,
    "Work": _work,
    "HelmRelease": _helmrelease,
    "Application": _application,
}


class Keeper:
    """What to keep of each listed item: the listing's shape when it has one (projected from the item as
    sent), else `kept` (the item, trimmed)."""

    def __init__(self, shapes: Mapping[str, Shape | Where | When]) -> None:
        self._shapes = shapes
        self._strings: dict[str, str] = {}
        self._shared: dict[tuple[Any, ...], Any] = {}
        self.listed: Counter[str] = Counter()  # items the server sent, by listing key, kept or not

    def __call__(self, item: Json, key: str, kind: str, api_version: str) -> Json | None:
        self.listed[key] += 1
        shape = self._shapes.get(key)
        if shape is None:
            return kept(item, kind, api_version)
        if type(shape) is When:
            if not shape.test(item):
                return kept(item, kind, api_version)
            shape = shape.shape
        elif type(shape) is Where:
            if not shape.test(item):
                return None
            shape = shape.shape
        projected: Json = self._fields(item, cast("Shape", shape))  # the item itself is never shared
        projected.setdefault("apiVersion", api_version)
        projected.setdefault("kind", kind)
        return projected

    def _fields(self, value: Json, shape: Shape) -> Json:
        found: Json = {}
        for key, sub in shape.items():
            if key in value:
                got = self._project(value[key], sub)
                if got or type(got) not in _CONTAINERS:  # what comes out empty is left out
                    found[key] = got
        return found

    def _project(self, value: Any, shape: Any) -> Any:
        kind = type(value)
        if kind is str:
            return self._strings.setdefault(value, value)
        if shape is True:
            return value
        if kind is dict and type(shape) is dict:
            return self._one(self._fields(value, shape))
        if kind is list and type(shape) is list:
            return self._one([self._project(v, shape[0]) for v in value])
        if kind is list and type(shape) is Where:
            return self._one([self._project(v, shape.shape) for v in value if type(v) is not dict or shape.test(v)])
        return value  # a value of another type than the shape's: as it came

    def _one(self, value: Json | list[Any]) -> Any:
        """One object for equal projections (the Ready condition of thousands of healthy pods): they are
        read, never changed. Children are already shared, so they are told apart by identity; scalars by
        type and value (True is not 1)."""
        key: list[Any] = [type(value)]
        for k, v in value.items() if type(value) is dict else enumerate(value):
            kind = type(v)
            key += (k, kind, v if kind in _SCALARS else id(v))
        return self._shared.setdefault(tuple(key), value)


_CONTAINERS = (dict, list)
_SCALARS = frozenset({str, int, float, bool, type(None)})


# doctor: healthy pods ------------------------------------------------------------------------------
_STATUSES: Shape = {"name": True, "image": True, "ready": True, "restartCount": True}
HEALTHY_POD: Shape = {
    "metadata": {
        "name": True,
        "namespace": True,
        "labels": True,
        "creationTimestamp": True,
        "ownerReferences": True,
    },
    "spec": {
        "nodeName": True,
        "containers": [{"name": True, "image": True}],
        "initContainers": [{"name": True, "image": True}],
    },
    "status": {
        "phase": True,
        "startTime": True,
        "conditions": [CONDITION],
        "containerStatuses": [_STATUSES],
        "initContainerStatuses": [_STATUSES],
    },
}


def healthy_pod(pod: Json) -> bool:
    """Nothing to diagnose: Succeeded with every container done at exit 0, or (not a pipeline pod) Running
    and Ready with every container ready; never restarted, not being deleted."""
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        return False
    statuses = [(init, s) for init, s in container_statuses(pod) if isinstance(s, dict)]
    if any(s.get("restartCount") or (s.get("lastState") or {}).get("terminated") for _, s in statuses):
        return False
    phase = (pod.get("status") or {}).get("phase")
    if phase == "Succeeded":
        return all(((s.get("state") or {}).get("terminated") or {}).get("exitCode") == 0 for _, s in statuses)
    if phase != "Running" or PIPELINE_NAME_LABEL in labels_of(pod):
        return False
    containers = [s for init, s in statuses if not init]
    return is_ready(pod) and bool(containers) and all(s.get("ready") for s in containers)
