"""`invoke status`: the platform at a glance, computed from snapshots (ops/incident/snapshot.py).

    status = platform_status(take_snapshots(kubes, status_reads(settings)))

Each section is a table with the column names SREs know (`argocd app list`, `flux get
helmreleases`, `kubectl get externalsecrets`, Kratix's printer columns); the JSON output has the
same fields under the keys given with each column. A section whose API group the cluster does not
serve says "not installed".

Also here, because `doctor` needs them too: which namespaces belong to which DatadogStack.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ops.errors import ExitCode, OpsError
from ops.incident.keep import CONDITION, Shape, Where, conditions
from ops.incident.snapshot import AGENT_PODS, ContextRead, Reads, Snapshot, per_snapshot
from ops.kube.fields import (
    NO_CONDITION,
    Condition,
    Json,
    condition,
    conditions_of,
    daemonset_rollout,
    deployment_rollout,
    is_ready,
    labels_of,
    name_of,
    namespace_of,
    owned_by,
    restarts,
)
from ops.names import (
    KRATIX_NAMESPACE,
    PROMISE_NAME_LABEL,
    RESOURCE_NAME_LABEL,
    RESOURCE_NAMESPACE_LABEL,
    StackRef,
)

if TYPE_CHECKING:
    from ops.config import Settings

STATUS_KINDS = frozenset(
    {
        "nodes",
        "namespaces",
        AGENT_PODS,
        "daemonsets",
        "deployments",
        "applications",
        "promises",
        "gitstatestores",
        "destinations",
        "works",
        "workplacements",
        "datadogstacks",
        "helmreleases",
        "externalsecrets",
    }
)
# What status (and `status --fleet`, ops/incident/fleet.py) reads of each listing: the rest is not kept
# (ops/incident/keep.py), so 10,000 stacks take at most twice the memory of 1000. A column that reads
# another field adds it here; the status tests read through a snapshot and fail until it does.
_NAMED: Shape = {"name": True, "namespace": True}
_WORDS: Shape = {"type": True, "status": True, "reason": True, "message": True}  # no column shows when


def _conditions(*types: str) -> Where:
    return conditions(*types, fields=_WORDS)


_PLACEMENT: Shape = {
    "metadata": {**_NAMED, "labels": {"kratix.io/targetDestinationName": True}},
    "spec": {"targetDestinationName": True, "resourceName": True},
    "status": {"conditions": _conditions("Ready", "WriteSucceeded")},
}
STATUS_SHAPES: Mapping[str, Shape | Where] = {
    "nodes": {"metadata": _NAMED, "spec": {"unschedulable": True}, "status": {"conditions": [CONDITION]}},
    "namespaces": {
        "metadata": {
            "name": True,
            "labels": {PROMISE_NAME_LABEL: True, RESOURCE_NAME_LABEL: True, RESOURCE_NAMESPACE_LABEL: True},
        }
    },
    AGENT_PODS: {  # the ready condition, a ReplicaSet owner (the cluster agent's) and the containers that restarted
        "metadata": {**_NAMED, "ownerReferences": Where(lambda r: r.get("kind") == "ReplicaSet", {"kind": True})},
        "status": {
            "conditions": _conditions("Ready"),
            "containerStatuses": Where(lambda c: bool(c.get("restartCount")), {"restartCount": True}),
            "initContainerStatuses": Where(lambda c: bool(c.get("restartCount")), {"restartCount": True}),
        },
    },
    "daemonsets": {
        "metadata": {**_NAMED, "generation": True},
        "status": {
            "desiredNumberScheduled": True,
            "updatedNumberScheduled": True,
            "numberReady": True,
            "observedGeneration": True,
        },
    },
    "deployments": {
        "metadata": {**_NAMED, "labels": {"control-plane": True}, "creationTimestamp": True, "generation": True},
        "spec": {"replicas": True},
        "status": {"availableReplicas": True, "updatedReplicas": True, "observedGeneration": True},
    },
    # only the Works and WorkPlacements that are not Ready are shown: the others are counted, not kept
    "works": Where(
        lambda w: not is_ready(w),
        {"metadata": _NAMED, "status": {"conditions": _conditions("Ready", "ScheduleSucceeded")}},
    ),
    "workplacements": Where(lambda p: not is_ready(p), _PLACEMENT),
    "datadogstacks": {
        "metadata": {**_NAMED, "creationTimestamp": True},
        "spec": {"tier": True, "environment": True, "clusterName": True},
        "status": {
            "conditions": _conditions("Reconciled"),
            "tier": True,
            "environment": True,
            "message": True,
            "targetNamespace": True,
        },
    },
    "helmreleases": {
        "metadata": _NAMED,
        "spec": {"suspend": True},
        "status": {
            "conditions": _conditions("Ready"),
            "history": [{"chartVersion": True}],
            "lastAttemptedRevision": True,
        },
    },
    "externalsecrets": {
        "metadata": _NAMED,
        "spec": {"secretStoreRef": {"name": True}, "refreshInterval": True},
        "status": {"conditions": _conditions("Ready")},
    },
}  # applications, promises, stores and destinations are few: kept whole
# `status --fleet` follows every stack through its WorkPlacements: all of them are kept
FLEET_SHAPES: Mapping[str, Shape | Where] = {**STATUS_SHAPES, "workplacements": _PLACEMENT}
Row = Mapping[str, Any]


def status_reads(settings: Settings, *, fleet: bool = False) -> Reads:
    """What `status` reads, and what it keeps of it."""
    return Reads.of(settings, STATUS_KINDS, FLEET_SHAPES if fleet else STATUS_SHAPES)


Columns = tuple[tuple[str, str], ...]  # (HEADER, json key)


@dataclass(frozen=True)
class Section:
    """One table of the status: rows keyed by the columns' JSON keys (every row also has `context`)."""

    key: str  # JSON key of the section
    title: str
    kind: str
    group: str
    columns: Columns
    rows: tuple[Row, ...] = ()
    installed: bool = True
    error: str | None = None
    total: int | None = None  # sections listing only what is not ready: how many there are in all


@dataclass(frozen=True)
class ClusterStatus:
    context: str
    server: str
    version: str | None
    nodes_ready: int
    nodes_total: int
    sections: tuple[Section, ...]
    error: str | None = None
    exit_code: int = ExitCode.OK
    nodes_error: str | None = None  # the nodes could not be listed: ready/total mean nothing
    unread: tuple[str, ...] = ()  # "Kind: why" for each kind that could not be read (the picture is incomplete)


@dataclass(frozen=True)
class PlatformStatus:
    clusters: tuple[ClusterStatus, ...]

    @property
    def exit_code(self) -> int:
        """0 when every context could be read, else the first failure's code (README "Exit codes")."""
        return next((c.exit_code for c in self.clusters if c.exit_code != ExitCode.OK), ExitCode.OK)


# namespaces of DatadogStacks -------------------------------------------------------------------
@per_snapshot
def stack_namespaces(snap: Snapshot) -> dict[str, StackRef | None]:
    """Each Datadog target namespace -> the DatadogStack it belongs to (None when that is unknown).

    From the stacks' `status.targetNamespace` and from the labels the pipeline puts on the namespace.
    """
    found: dict[str, StackRef | None] = {}
    if snap.readable("namespaces"):
        for ns in snap.items("namespaces"):
            labels = labels_of(ns)
            if labels.get(PROMISE_NAME_LABEL) != snap.promise_name:
                continue
            found[name_of(ns)] = StackRef.of_labels(labels, "")
    if snap.readable("datadogstacks"):
        for stack in snap.items("datadogstacks"):
            target = (stack.get("status") or {}).get("targetNamespace")
            if target:
                found[str(target)] = StackRef(namespace_of(stack), name_of(stack))
    return found


# sections ---------------------------------------------------------------------------------------
def platform_status(reads: Iterable[ContextRead]) -> PlatformStatus:
    return PlatformStatus(tuple(cluster_status(read) for read in reads))


def cluster_status(read: ContextRead) -> ClusterStatus:
    snap = read.snapshot
    if snap is None:
        err: OpsError | None = read.error
        return ClusterStatus(
            read.context,
            "",
            None,
            0,
            0,
            (),
            error=err.message if err else "not read",
            exit_code=int(err.exit_code) if err else ExitCode.FAILED,
        )
    nodes = snap.items("nodes")
    ready = sum(1 for n in nodes if (condition(n, "Ready") or NO_CONDITION).status == "True")
    unread = [listing for listing in snap.listings.values() if listing.error is not None]
    sections = (
        applications(snap),
        kratix_controller(snap),
        promises(snap),
        gitstatestores(snap),
        destinations(snap),
        datadogstacks(snap),
        works_not_ready(snap),
        workplacements_not_ready(snap),
        helmreleases(snap),
        externalsecrets(snap),
        datadog_agents(snap),
    )
    return ClusterStatus(
        snap.context,
        snap.server,
        snap.version,
        ready,
        len(nodes),
        sections,
        # A kind that could not be read (RBAC, a failing server) leaves the picture incomplete: not OK.
        exit_code=next((int(u.error_code or ExitCode.FAILED) for u in unread), ExitCode.OK),
        nodes_error=snap.listing("nodes").error,
        unread=tuple(f"{u.spec.kind}: {u.error}" for u in unread),
    )


def _section(snap: Snapshot, heading: tuple[str, str, str], columns: Columns, rows: Iterable[Row]) -> Section:
    """heading: (JSON key of the section, snapshot key of the kind it lists, title)."""
    key, list_key, title = heading
    listing = snap.listing(list_key)
    spec = listing.spec
    if not listing.readable:
        return Section(key, title, spec.kind, spec.group, columns, (), listing.installed, listing.error)
    return Section(key, title, spec.kind, spec.group, columns, tuple({"context": snap.context, **r} for r in rows))


def _flat(text: str) -> str:
    """One line; the same string object when it already is one (a row per stack: thousands of rows)."""
    if "\n" in text or "  " in text or "\t" in text or text != text.strip():
        return " ".join(text.split())
    return text


def _ready_word(cond: Condition | None) -> str:
    return cond.status if cond else "Unknown"


def _message(cond: Condition | None) -> str:
    return cond.message if cond else ""


APPLICATION_COLUMNS: Columns = (
    ("NAMESPACE", "namespace"),
    ("NAME", "name"),
    ("PROJECT", "project"),
    ("STATUS", "sync"),
    ("HEALTH", "health"),
    ("SYNCPOLICY", "syncPolicy"),
    ("CONDITIONS", "conditions"),
    ("MESSAGE", "message"),
)


def applications(snap: Snapshot) -> Section:
    def row(app: Json) -> Row:
        spec, status = app.get("spec") or {}, app.get("status") or {}
        health = status.get("health") or {}
        operation = status.get("operationState") or {}
        conds = conditions_of(app)
        message = health.get("message") or ""
        if not message and operation.get("phase") in {"Failed", "Error"}:
            message = operation.get("message") or ""
        if not message and conds:
            message = conds[0].message or ""
        return {
            "namespace": namespace_of(app),
            "name": name_of(app),
            "project": spec.get("project") or "default",
            "sync": (status.get("sync") or {}).get("status") or "Unknown",
            "health": health.get("status") or "Unknown",
            "syncPolicy": sync_policy(spec),
            "conditions": conditions_summary(conds),
            "message": _flat(str(message)),
        }

    items = snap.items("applications") if snap.readable("applications") else ()
    return _section(
        snap, ("applications", "applications", "Argo CD Applications"), APPLICATION_COLUMNS, map(row, items)
    )


def sync_policy(spec: Mapping[str, Any]) -> str:
    """As `argocd app list` words it: Manual, Auto or Auto-Prune."""
    automated = (spec.get("syncPolicy") or {}).get("automated")
    if automated is None:
        return "Manual"
    return "Auto-Prune" if automated.get("prune") else "Auto"


def conditions_summary(conds: tuple[Condition, ...]) -> str:
    """`ComparisonError`, `SyncError(2)`, or `<none>`, as `argocd app list` prints them."""
    counts: dict[str, int] = {}
    for cond in conds:
        counts[cond.type] = counts.get(cond.type, 0) + 1
    if not counts:
        return "<none>"
    return ",".join(t if n == 1 else f"{t}({n})" for t, n in counts.items())


CONTROLLER_COLUMNS: Columns = (("NAMESPACE", "namespace"), ("NAME", "name"), ("READY", "ready"), ("AGE", "age"))


def kratix_controllers(snap: Snapshot) -> list[Json]:
    """The Kratix controller Deployments (in kratix-platform-system, named or labelled as the chart does)."""
    if not snap.readable("deployments"):
        return []
    return [
        d
        for d in snap.items("deployments")
        if namespace_of(d) == KRATIX_NAMESPACE
        and ("controller-manager" in name_of(d) or labels_of(d).get("control-plane") == "controller-manager")
    ]


def kratix_controller(snap: Snapshot) -> Section:
    def row(d: Json) -> Row:
        rollout = deployment_rollout(d)
        ready, desired = rollout.ready, rollout.wanted
        return {
            "namespace": namespace_of(d),
            "name": name_of(d),
            "ready": f"{ready}/{desired}",
            "age": snap.age((d.get("metadata") or {}).get("creationTimestamp")),
        }

    section = _section(
        snap,
        ("kratixController", "deployments", "Kratix controller"),
        CONTROLLER_COLUMNS,
        map(row, kratix_controllers(snap)),
    )
    if "promises" in snap.listings and not snap.installed("promises"):
        return Section(section.key, section.title, "Deployment", "platform.kratix.io", section.columns, installed=False)
    return section


PROMISE_COLUMNS: Columns = (("NAME", "name"), ("STATUS", "status"), ("VERSION", "version"), ("MESSAGE", "message"))


def promises(snap: Snapshot) -> Section:
    def row(promise: Json) -> Row:
        status = promise.get("status") or {}
        available = condition(promise, "Available")
        word = status.get("status") or ("Available" if _ready_word(available) == "True" else "Unavailable")
        message = _message(available) if _ready_word(available) != "True" else status.get("message") or ""
        return {
            "name": name_of(promise),
            "status": word,
            "version": status.get("version") or labels_of(promise).get("kratix.io/promise-version", ""),
            "message": message,
        }

    items = snap.items("promises") if snap.readable("promises") else ()
    return _section(snap, ("promises", "promises", "Kratix Promises"), PROMISE_COLUMNS, map(row, items))


STATESTORE_COLUMNS: Columns = (
    ("NAME", "name"),
    ("URL", "url"),
    ("BRANCH", "branch"),
    ("READY", "ready"),
    ("MESSAGE", "message"),
)


def gitstatestores(snap: Snapshot) -> Section:
    def row(store: Json) -> Row:
        spec, ready = store.get("spec") or {}, condition(store, "Ready")
        return {
            "name": name_of(store),
            "url": spec.get("url", ""),
            "branch": spec.get("branch") or "main",
            "ready": _ready_word(ready),
            "message": _message(ready),
        }

    items = snap.items("gitstatestores") if snap.readable("gitstatestores") else ()
    return _section(
        snap, ("gitStateStores", "gitstatestores", "Kratix GitStateStores"), STATESTORE_COLUMNS, map(row, items)
    )


DESTINATION_COLUMNS: Columns = (
    ("NAME", "name"),
    ("STATESTORE", "stateStore"),
    ("READY", "ready"),
    ("MESSAGE", "message"),
)


def destinations(snap: Snapshot) -> Section:
    def row(dest: Json) -> Row:
        ref, ready = (dest.get("spec") or {}).get("stateStoreRef") or {}, condition(dest, "Ready")
        return {
            "name": name_of(dest),
            "stateStore": f"{ref.get('kind', '')}/{ref.get('name', '')}",
            "ready": _ready_word(ready),
            "message": _message(ready),
        }

    items = snap.items("destinations") if snap.readable("destinations") else ()
    return _section(snap, ("destinations", "destinations", "Kratix Destinations"), DESTINATION_COLUMNS, map(row, items))


STACK_COLUMNS: Columns = (
    ("NAMESPACE", "namespace"),
    ("NAME", "name"),
    ("TIER", "tier"),
    ("ENV", "environment"),
    ("STATUS", "status"),
    ("MESSAGE", "message"),
    ("AGE", "age"),
)


def stack_status_word(stack: Json) -> str:
    """The DatadogStack STATUS printer column: the Reconciled condition's message (Pending, Failing...)."""
    reconciled = condition(stack, "Reconciled")
    if reconciled and reconciled.message:
        return reconciled.message
    return "Pending"


def datadogstacks(snap: Snapshot) -> Section:
    def row(stack: Json) -> Row:
        spec, status = stack.get("spec") or {}, stack.get("status") or {}
        return {
            "namespace": namespace_of(stack),
            "name": name_of(stack),
            "tier": spec.get("tier") or status.get("tier") or "minimal",
            "environment": spec.get("environment") or status.get("environment") or "dev",
            "status": stack_status_word(stack),
            "message": _flat(str(status.get("message") or "")),
            "age": sys.intern(snap.age((stack.get("metadata") or {}).get("creationTimestamp"))),
        }

    items = snap.items("datadogstacks") if snap.readable("datadogstacks") else ()
    return _section(snap, ("datadogStacks", "datadogstacks", "DatadogStacks"), STACK_COLUMNS, map(row, items))


WORK_COLUMNS: Columns = (("NAMESPACE", "namespace"), ("NAME", "name"), ("STATUS", "status"), ("MESSAGE", "message"))


def _not_ready(snap: Snapshot, key: str) -> tuple[list[Json], int]:
    if not snap.readable(key):
        return [], 0
    return [i for i in snap.items(key) if not is_ready(i)], snap.listing(key).total


def works_not_ready(snap: Snapshot) -> Section:
    failing, total = _not_ready(snap, "works")

    def row(work: Json) -> Row:
        ready, scheduled = condition(work, "Ready"), condition(work, "ScheduleSucceeded")
        detail = scheduled if _ready_word(scheduled) == "False" else ready
        return {
            "namespace": namespace_of(work),
            "name": name_of(work),
            "status": _message(ready) or "Pending",
            "message": _message(detail),
        }

    section = _section(snap, ("worksNotReady", "works", "Kratix Works not ready"), WORK_COLUMNS, map(row, failing))
    return _with_total(section, total)


PLACEMENT_COLUMNS: Columns = (
    ("NAMESPACE", "namespace"),
    ("NAME", "name"),
    ("DESTINATION", "destination"),
    ("STATUS", "status"),
    ("MESSAGE", "message"),
)


def placement_destination(placement: Json) -> str:
    spec = placement.get("spec") or {}
    return str(spec.get("targetDestinationName") or labels_of(placement).get("kratix.io/targetDestinationName", ""))


def workplacements_not_ready(snap: Snapshot) -> Section:
    failing, total = _not_ready(snap, "workplacements")

    def row(placement: Json) -> Row:
        ready, written = condition(placement, "Ready"), condition(placement, "WriteSucceeded")
        detail = written if _ready_word(written) == "False" else ready
        return {
            "namespace": namespace_of(placement),
            "name": name_of(placement),
            "destination": placement_destination(placement),
            "status": _message(ready) or "Pending",
            "message": _flat(_message(detail)),
        }

    section = _section(
        snap,
        ("workPlacementsNotReady", "workplacements", "Kratix WorkPlacements not ready"),
        PLACEMENT_COLUMNS,
        map(row, failing),
    )
    return _with_total(section, total)


def _with_total(section: Section, total: int) -> Section:
    return Section(
        section.key,
        section.title,
        section.kind,
        section.group,
        section.columns,
        section.rows,
        section.installed,
        section.error,
        total if section.installed and section.error is None else None,
    )


HELMRELEASE_COLUMNS: Columns = (
    ("NAMESPACE", "namespace"),
    ("NAME", "name"),
    ("REVISION", "revision"),
    ("SUSPENDED", "suspended"),
    ("READY", "ready"),
    ("MESSAGE", "message"),
)


def helmrelease_revision(release: Json) -> str:
    status = release.get("status") or {}
    history = status.get("history") or []
    if history and history[0].get("chartVersion"):
        return str(history[0]["chartVersion"])
    return str(status.get("lastAttemptedRevision") or "")


def helmreleases(snap: Snapshot) -> Section:
    def row(release: Json) -> Row:
        ready = condition(release, "Ready")
        return {
            "namespace": namespace_of(release),
            "name": name_of(release),
            "revision": helmrelease_revision(release),
            "suspended": "True" if (release.get("spec") or {}).get("suspend") else "False",
            "ready": _ready_word(ready),
            "message": _flat(_message(ready)),
        }

    items = snap.items("helmreleases") if snap.readable("helmreleases") else ()
    return _section(snap, ("helmReleases", "helmreleases", "Flux HelmReleases"), HELMRELEASE_COLUMNS, map(row, items))


EXTERNALSECRET_COLUMNS: Columns = (
    ("NAMESPACE", "namespace"),
    ("NAME", "name"),
    ("STORE", "store"),
    ("REFRESH INTERVAL", "refreshInterval"),
    ("STATUS", "status"),
    ("READY", "ready"),
)


def externalsecrets(snap: Snapshot) -> Section:
    def row(es: Json) -> Row:
        spec, ready = es.get("spec") or {}, condition(es, "Ready")
        return {
            "namespace": namespace_of(es),
            "name": name_of(es),
            "store": (spec.get("secretStoreRef") or {}).get("name", ""),
            "refreshInterval": spec.get("refreshInterval") or "1h0m0s",
            "status": str(ready.reason or "") if ready else "",
            "ready": _ready_word(ready),
        }

    items = snap.items("externalsecrets") if snap.readable("externalsecrets") else ()
    title = "External Secrets"
    return _section(snap, ("externalSecrets", "externalsecrets", title), EXTERNALSECRET_COLUMNS, map(row, items))


AGENT_COLUMNS: Columns = (
    ("NAMESPACE", "namespace"),
    ("STACK", "stack"),
    ("AGENTS READY", "agents"),
    ("CLUSTER AGENT READY", "clusterAgent"),
    ("RESTARTS", "restarts"),
)


def datadog_agents(snap: Snapshot) -> Section:
    """Agent pods per Datadog namespace: DaemonSet ready/desired, cluster agent ready/desired, restarts."""
    readable = all(snap.readable(k) for k in (AGENT_PODS, "daemonsets", "deployments"))
    daemonsets: dict[str, list[Json]] = {}
    deployments: dict[str, list[Json]] = {}
    if readable:
        for ds in snap.items("daemonsets"):
            daemonsets.setdefault(namespace_of(ds), []).append(ds)
        for d in snap.items("deployments"):
            deployments.setdefault(namespace_of(d), []).append(d)

    def row(namespace: str, stack: StackRef | None) -> Row:
        pods = snap.pods_in(namespace)
        if namespace in daemonsets:
            rollouts = [daemonset_rollout(ds) for ds in daemonsets[namespace]]
            ready, desired = sum(r.ready for r in rollouts), sum(r.wanted for r in rollouts)
        else:
            agents = [p for p in pods if not owned_by(p, "ReplicaSet")]
            ready, desired = sum(map(is_ready, agents)), len(agents)
        cluster = [(r.ready, r.wanted) for r in map(deployment_rollout, deployments.get(namespace, []))]
        restart_count = sum(restarts(p) for p in pods)
        return {
            "namespace": namespace,
            "stack": str(stack) if stack else "",
            "agents": sys.intern(f"{ready}/{desired}"),
            "clusterAgent": f"{sum(r for r, _ in cluster)}/{sum(d for _, d in cluster)}" if cluster else "-",
            "restarts": restart_count,
        }

    rows = [row(ns, stack) for ns, stack in sorted(stack_namespaces(snap).items())] if readable else []
    section = _section(snap, ("datadogAgents", AGENT_PODS, "Datadog agents"), AGENT_COLUMNS, rows)
    return Section(
        section.key, section.title, "Pod", "", section.columns, section.rows, section.installed, section.error
    )
