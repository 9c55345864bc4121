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

`True` keeps the value whole (`ALL` too, its strings and equal parts shared), a mapping keeps those
keys, a list of one shape applies it to each element of a list, and `Where(test, shape)` keeps only
the elements (or, for a whole listing, the items) for which `test` holds: the conditions a column
reads, the containers that restarted, the Works that are not Ready (`Listing.listed` still counts
every item the server sent).

`When(test, shape)` keeps only `shape` of the items for which `test` holds, and the others whole:
`doctor` keeps a settled object's skeleton and every field of the objects that are not, which are
the ones its checks look into (ops/incident/doctor/settled.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]
Shape = dict[str, Any]  # key -> True | ALL | Shape | [Shape] | Where
CONDITION: Shape = {"type": True, "status": True, "reason": True, "message": True, "lastTransitionTime": True}


class _All:
    """The value whole, its strings and equal parts shared like a shape's (`True` keeps it as sent)."""

    def __repr__(self) -> str:
        return "ALL"


ALL = _All()


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
    sent; under `When`, from the item trimmed), else `kept` (the item, trimmed)."""

    def __init__(self, shapes: Mapping[str, Shape | Where | When]) -> None:
        self._shapes = shapes
        self._shares = _Shares()  # the compiled projectors hold it, never the Keeper: no cycle to outlive a read
        self._projectors: dict[str, Callable[[Json], Json]] = {}

    def __call__(self, item: Json, key: str, kind: str, api_version: str) -> Json | None:
        shape = self._shapes.get(key)
        if shape is None:
            return kept(item, kind, api_version)
        if type(shape) is When:
            item = kept(item, kind, api_version)  # a skeleton holds no more than the whole item would
            if not shape.test(item):
                return item
        elif type(shape) is Where and not shape.test(item):
            return None
        self._shares.bound()
        project = self._projectors.get(key)
        if project is None:
            body = shape.shape if isinstance(shape, When | Where) else shape
            project = self._projectors[key] = self._fields(body)
        projected: Json = project(item)  # the item itself is never shared
        projected.setdefault("apiVersion", api_version)
        projected.setdefault("kind", kind)
        return projected

    # A shape is compiled once per listing into functions that project a value: no dispatch on the
    # shape's type per value, which is most of the cost on thousands of items.
    def _fields(self, shape: Shape) -> Callable[[Json], Json]:
        fields = tuple((key, self._projector(sub)) for key, sub in shape.items())

        def project(value: Json) -> Json:
            found: Json = {}
            for key, sub in fields:
                if key in value:
                    got = sub(value[key])
                    if got or type(got) not in _CONTAINERS:  # what comes out empty is left out
                        found[key] = got
            return found

        return project

    def _projector(self, shape: Any) -> Callable[[Any], Any]:
        strings, one = self._shares.strings, self._shares.one
        if shape is ALL:
            return self._shares.whole
        project: Callable[[Any], Any]
        if isinstance(shape, dict):
            inner = self._fields(shape)
            wanted: type = dict

            def project(value: Json) -> Any:
                return one(inner(value))

        elif isinstance(shape, list | Where):
            element = self._projector(shape.shape if isinstance(shape, Where) else shape[0])
            test = shape.test if isinstance(shape, Where) else None
            wanted = list

            def project(value: list[Any]) -> Any:
                return one([element(v) for v in value if test is None or type(v) is not dict or test(v)])

        else:  # True: the value as it came, a string interned

            def as_sent(value: Any) -> Any:
                return strings.setdefault(value, value) if type(value) is str else value

            return as_sent

        def projected(value: Any) -> Any:
            kind = type(value)
            if kind is str:
                return strings.setdefault(value, value)
            if kind is wanted:
                return project(value)
            return value  # a value of another type than the shape's: as it came

        return projected


# How many strings and projections a Keeper remembers to share. Past that it starts again: what repeats
# (a condition, an image, a label) is soon shared again, and what never repeats (a name, a timestamp)
# no longer holds a table entry and a key per object, which at 10,000 stacks was a third of the read.
SHARE_LIMIT = 1 << 16


class _Shares:
    """The strings and the equal projections one Keeper has made one object of (SHARE_LIMIT of each)."""

    __slots__ = ("shared", "strings")

    def __init__(self) -> None:
        self.strings: dict[str, str] = {}
        self.shared: dict[tuple[Any, ...], Any] = {}

    def bound(self) -> None:
        """Forget what is shared once past SHARE_LIMIT (the objects stay; only the tables are emptied)."""
        if len(self.strings) > SHARE_LIMIT:
            self.strings.clear()
        if len(self.shared) > SHARE_LIMIT:
            self.shared.clear()

    def whole(self, value: Any) -> Any:
        kind = type(value)
        if kind is str:
            return self.strings.setdefault(value, value)
        if kind is dict:
            strings = self.strings
            return self.one({strings.setdefault(k, k): self.whole(v) for k, v in value.items()})
        if kind is list:
            return self.one([self.whole(v) for v in value])
        return value

    def one(self, value: Json | list[Any]) -> Any:
        """One object for equal projections (the Ready condition of thousands of healthy pods): they are
        read, never changed. What is in them is told apart by identity: children are already shared,
        strings interned, and True, False, None and small ints are single objects (two equal large ints
        are not shared: that is all identity misses). Each id is of an object the shared value holds."""
        if type(value) is dict:
            key: tuple[Any, ...] = (dict, *value, *map(id, value.values()))
        else:
            key = (list, *map(id, value))
        return self.shared.setdefault(key, value)


_CONTAINERS = (dict, list)
