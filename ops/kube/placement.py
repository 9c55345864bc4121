"""Where a pod may run: taints and tolerations, node selectors and required node affinity, as
Kubernetes decides them, and which nodes a DaemonSet leaves out.

    taint = Taint("node-type", "system", "NoSchedule")
    Toleration(operator="Exists").tolerates(taint)                   # True: tolerates everything
    left_out(nodes, daemonset["spec"]["template"]["spec"])           # the nodes it will not run on, and why

The rules follow the Kubernetes API (k8s.io/api core/v1 `Toleration.ToleratesTaint`,
https://github.com/kubernetes/api/blob/master/core/v1/toleration.go): a toleration with an effect
matches only that effect, one with a key only that key (an empty key with `Exists` matches every
taint), `Exists` ignores the value and `Equal` (or no operator) needs the same value; an operator
it does not know tolerates nothing. Only `NoSchedule` and `NoExecute` taints keep a pod off a node
(`PreferNoSchedule` is a preference). The DaemonSet controller adds tolerations of its own to every
pod it creates (https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/#taints-and-tolerations)
and places a pod where the node name, the required node affinity (nodeSelector included) and the
taints allow (pkg/controller/daemon `predicates`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ops.kube.fields import condition, labels_of, name_of

BLOCKING_EFFECTS = frozenset({"NoSchedule", "NoExecute"})


@dataclass(frozen=True)
class Taint:
    key: str
    value: str
    effect: str

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> Taint:
        return cls(str(raw.get("key") or ""), str(raw.get("value") or ""), str(raw.get("effect") or ""))

    @property
    def blocks_scheduling(self) -> bool:
        return self.effect in BLOCKING_EFFECTS

    def __str__(self) -> str:
        """As `kubectl taint` spells it: `key=value:Effect` (`key:Effect` without a value)."""
        return f"{self.key}={self.value}:{self.effect}" if self.value else f"{self.key}:{self.effect}"


@dataclass(frozen=True)
class Toleration:
    key: str = ""
    operator: str = "Equal"  # the API's default when none is given
    value: str = ""
    effect: str = ""  # empty: every effect

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> Toleration:
        return cls(
            str(raw.get("key") or ""),
            str(raw.get("operator") or "Equal"),
            str(raw.get("value") or ""),
            str(raw.get("effect") or ""),
        )

    def __str__(self) -> str:
        """`node-type=system:NoSchedule`, `node-type (any value):NoSchedule`, `every taint`."""
        if self.operator == "Exists" and not self.key:
            return f"every {self.effect} taint" if self.effect else "every taint"
        if self.operator == "Exists":
            what = f"{self.key} (any value)"
        elif self.operator == "Equal":
            what = f"{self.key}={self.value}" if self.value else self.key
        else:
            what = f"{self.key} {self.operator} {self.value}"
        return f"{what}:{self.effect}" if self.effect else f"{what} (any effect)"

    def tolerates(self, taint: Taint) -> bool:
        if self.effect and self.effect != taint.effect:
            return False
        if self.key and self.key != taint.key:
            return False
        if self.operator == "Exists":
            return True
        if self.operator == "Equal":
            return self.value == taint.value
        return False


# What the DaemonSet controller adds to each pod it creates (AddOrUpdateDaemonPodTolerations).
DAEMONSET_TOLERATIONS = (
    Toleration("node.kubernetes.io/not-ready", "Exists", effect="NoExecute"),
    Toleration("node.kubernetes.io/unreachable", "Exists", effect="NoExecute"),
    Toleration("node.kubernetes.io/disk-pressure", "Exists", effect="NoSchedule"),
    Toleration("node.kubernetes.io/memory-pressure", "Exists", effect="NoSchedule"),
    Toleration("node.kubernetes.io/pid-pressure", "Exists", effect="NoSchedule"),
    Toleration("node.kubernetes.io/unschedulable", "Exists", effect="NoSchedule"),
)
HOST_NETWORK_TOLERATION = Toleration("node.kubernetes.io/network-unavailable", "Exists", effect="NoSchedule")


def taints_of(node: Mapping[str, Any]) -> tuple[Taint, ...]:
    return tuple(Taint.of(t) for t in (node.get("spec") or {}).get("taints") or [])


def tolerations_of(pod_spec: Mapping[str, Any]) -> tuple[Toleration, ...]:
    return tuple(Toleration.of(t) for t in pod_spec.get("tolerations") or [])


def untolerated(taints: Iterable[Taint], tolerations: Iterable[Toleration]) -> tuple[Taint, ...]:
    """The taints that keep a pod with these tolerations off the node (NoSchedule, NoExecute)."""
    tolerations = tuple(tolerations)
    return tuple(t for t in taints if t.blocks_scheduling and not any(tol.tolerates(t) for tol in tolerations))


def schedulable(node: Mapping[str, Any]) -> bool:
    """A node new pods can go to: Ready and not cordoned."""
    ready = condition(node, "Ready")
    return ready is not None and ready.status == "True" and not (node.get("spec") or {}).get("unschedulable")


# node selection ----------------------------------------------------------------------------------
def _requirement_matches(requirement: Mapping[str, Any], values_of: Mapping[str, str]) -> bool:
    key, operator = str(requirement.get("key") or ""), str(requirement.get("operator") or "")
    wanted = [str(v) for v in requirement.get("values") or []]
    present = key in values_of
    if operator == "In":
        return present and values_of[key] in wanted
    if operator == "NotIn":
        return not present or values_of[key] not in wanted
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    if operator in ("Gt", "Lt") and present and len(wanted) == 1:
        try:
            have, bound = int(values_of[key]), int(wanted[0])
        except ValueError:
            return False
        return have > bound if operator == "Gt" else have < bound
    return False


def _term_matches(term: Mapping[str, Any], node: Mapping[str, Any]) -> bool:
    expressions = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not expressions and not fields:
        return False  # an empty term matches no node
    labels = labels_of(node)
    node_fields = {"metadata.name": name_of(node)}
    return all(_requirement_matches(r, labels) for r in expressions) and all(
        _requirement_matches(r, node_fields) for r in fields
    )


def selection_mismatch(node: Mapping[str, Any], pod_spec: Mapping[str, Any]) -> str | None:
    """Why the pod's nodeSelector or required node affinity rules this node out (None: it does not)."""
    labels = labels_of(node)
    for key, value in (pod_spec.get("nodeSelector") or {}).items():
        if labels.get(key) != str(value):
            have = f"{key}={labels[key]}" if key in labels else f"no label {key}"
            return f"nodeSelector {key}={value} ({have})"
    required = ((pod_spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    )
    if required is not None and not any(_term_matches(t, node) for t in required.get("nodeSelectorTerms") or []):
        return "required node affinity"
    return None


# DaemonSets --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LeftOut:
    """A node a DaemonSet's pods will not be placed on, and what keeps them off."""

    node: str
    taints: tuple[Taint, ...] = ()
    mismatch: str | None = None

    @property
    def reason(self) -> str:
        reasons = [f"taint {t}" for t in self.taints]
        if self.mismatch:
            reasons.append(self.mismatch)
        return ", ".join(reasons) or "unknown"

    def __str__(self) -> str:
        return f"{self.node} ({self.reason})"


def daemonset_tolerations(pod_spec: Mapping[str, Any]) -> tuple[Toleration, ...]:
    """The tolerations each pod of a DaemonSet with this template gets: its own and the controller's."""
    extra = (HOST_NETWORK_TOLERATION,) if pod_spec.get("hostNetwork") else ()
    return (*tolerations_of(pod_spec), *DAEMONSET_TOLERATIONS, *extra)


def left_out(nodes: Iterable[Mapping[str, Any]], pod_spec: Mapping[str, Any]) -> tuple[LeftOut, ...]:
    """The nodes (of those given) on which a DaemonSet with this pod template runs no pod, and why."""
    tolerations = daemonset_tolerations(pod_spec)
    found = []
    for node in nodes:
        taints = untolerated(taints_of(node), tolerations)
        mismatch = selection_mismatch(node, pod_spec)
        pinned = pod_spec.get("nodeName")
        if pinned and pinned != name_of(node):
            mismatch = f"nodeName {pinned}"
        if taints or mismatch:
            found.append(LeftOut(name_of(node), taints, mismatch))
    return tuple(found)
