"""One read of a cluster, shared by `status` and `doctor`: every kind listed once, concurrently.

    kube = connect(KubeTarget(context="prod"))
    snap = take_snapshot(kube, Reads.of(settings, STATUS_KINDS))
    snap.items("helmreleases")          # the HelmReleases, as the API server sent them
    snap.installed("externalsecrets")   # False when external-secrets.io is not served

Only what is shown is read: `status` and each doctor check declare the keys they need (`needs`),
and `--check ID` reads only what that check declares. Pods are never listed cluster-wide; they come
in three selector-based listings, each a key of its own:

    pods:agents     the Datadog chart's pods, any namespace (label `app` in AGENT_APPS)
    pods:pipelines  the Promise's pipeline pods (labels `kratix.io/promise-name=<promise>`,
                    `kratix.io/pipeline-name`)
    pods:kratix     the pods of the Kratix namespace (the controller's)
    pods            the pods of the namespaces in trouble, for the checks about any workload (a
                    HelmRelease's workloads, a stuck rollout, agents under another label);
                    `status` never reads it

A namespace is in trouble when a DaemonSet or Deployment there is not fully rolled out, a
DaemonSet there is wanted on fewer nodes than are schedulable, its HelmRelease is not Ready, or a
Warning Event names a Pod or workload there: what a diagnosis follows down to pods. Those are read
after the lists they are told from, one namespace at a time (at most MAX_NAMESPACE_READS), or, past
that, in one paged list of every pod that keeps only theirs. When one of those lists could not be
read, which namespaces are in trouble cannot be told: every pod is read and kept (fail closed).

`Snapshot.pods()` and `pods_in(namespace)` see the union of the pod listings that were read. A new
check that needs only some pods declares (or adds) a selector listing, not `pods`. Every list is
paged (`limit`/`continue`, ops/kube/reads.py) and trimmed page by page (ops/incident/keep.py), so
memory follows what is kept, not what the server sends.

Discovery (`GET /apis`) runs once, beside the core lists; the custom kinds are then listed
together, one request each, only for the groups the cluster serves. A kind whose group is absent
is recorded as not installed, which is not an error; a kind that could not be read (RBAC, a 5xx
that outlived the retries) keeps its one-line error so the checks know where they are blind.

The only per-object requests are the ones a diagnosis cannot do without, bounded: the last log
lines of failing pipeline containers and of failing Datadog agent containers (a few pods per
namespace), the credentials Secret each GitStateStore names, and the
`valuesFrom` Secrets of HelmReleases that Flux says it cannot resolve. Secrets are reduced to their
key names the moment they arrive: no value is kept, printed or logged.
"""

from __future__ import annotations

import functools
import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote
from weakref import WeakKeyDictionary

from ops.errors import OpsError
from ops.incident.agent_pods import log_targets as agent_log_targets
from ops.incident.keep import Keeper, Shape, When, Where
from ops.kube.discovery import installed_groups
from ops.kube.errors import ApiCall, CrdMissing, NotFound
from ops.kube.fields import (
    Json,
    age,
    condition,
    container_statuses,
    daemonset_rollout,
    deployment_rollout,
    event_time,
    failed_run,
    is_ready,
    labels_of,
    name_of,
    namespace_of,
    parse_time,
)
from ops.kube.placement import schedulable
from ops.kube.reads import get_json, list_json, log_tail
from ops.kube.threads import DaemonPool
from ops.names import (
    AGENT_DAEMONSET,
    ARGOCD_GROUP,
    CLUSTER_AGENT,
    ESO_GROUP,
    HELM_GROUP,
    KRATIX_GROUP,
    KRATIX_NAMESPACE,
    PIPELINE_NAME_LABEL,
    PROMISE_NAME_LABEL,
    SOURCE_GROUP,
    STACK_KIND,
    STACK_PLURAL,
    STACK_VERSION,
)

if TYPE_CHECKING:
    from ops.config import Settings
    from ops.kube.client import Kube

Clock = Callable[[], datetime]

LOG_TAIL_LINES = 10
AGENT_LOG_LINES = 40  # the agents log much at INFO: the error that matters is a few lines up
MAX_LOG_TAILS = 20  # pods to read logs from, newest first: enough to show the pattern in an incident
MAX_SECRET_READS = 50
WORKERS = 16  # concurrent requests per context (the client's connection pool holds as many)


@dataclass(frozen=True)
class KindSpec:
    """A kind to list, and how: REST coordinates plus the selectors that keep the answer small."""

    key: str  # stable name in `needs` and JSON: "pods", "helmreleases"
    group: str
    version: str
    plural: str
    kind: str
    field_selector: str | None = None
    label_selector: str | None = None
    namespace: str | None = None  # list one namespace only
    # label selectors whose union is the listing, listed side by side: the pages of one list come one
    # after the other, so thousands of agent pods read as three lists take a third of the round trips
    parts: tuple[str, ...] = ()

    @property
    def is_pod(self) -> bool:
        return self.kind == "Pod"

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def path(self) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        scope = f"/namespaces/{quote(self.namespace)}" if self.namespace else ""
        return f"{base}{scope}/{self.plural}"


# The chart labels its pods `app: <fullname>` (agents), `<fullname>-cluster-agent`, `<fullname>-clusterchecks`
# (https://github.com/DataDog/helm-charts/blob/main/charts/datadog/templates/daemonset.yaml).
AGENT_APPS = (AGENT_DAEMONSET, CLUSTER_AGENT, f"{AGENT_DAEMONSET}-clusterchecks")
AGENT_PODS = "pods:agents"
PIPELINE_PODS = "pods:pipelines"
KRATIX_PODS = "pods:kratix"
TROUBLED_PODS = "pods"
MAX_NAMESPACE_READS = 30  # namespaces in trouble read one by one; past that, one list of every pod
# What tells the namespaces in trouble apart (helmreleases may be absent: Flux not installed).
TROUBLE_SOURCES = frozenset({"nodes", "daemonsets", "deployments", "events", "helmreleases"})
_POD_LISTINGS = frozenset({AGENT_PODS, PIPELINE_PODS, KRATIX_PODS, TROUBLED_PODS})


def kind_specs(api_group: str, promise_name: str = "") -> dict[str, KindSpec]:
    """Every kind status and doctor read; the DatadogStack group is the Promise's (Settings.api_group)."""
    pipelines = f"{PROMISE_NAME_LABEL}={promise_name},{PIPELINE_NAME_LABEL}"
    specs = (
        KindSpec("nodes", "", "v1", "nodes", "Node"),
        KindSpec("namespaces", "", "v1", "namespaces", "Namespace"),
        KindSpec(
            AGENT_PODS,
            "",
            "v1",
            "pods",
            "Pod",
            label_selector=f"app in ({','.join(AGENT_APPS)})",
            parts=tuple(f"app={app}" for app in AGENT_APPS),
        ),
        KindSpec(PIPELINE_PODS, "", "v1", "pods", "Pod", label_selector=pipelines),
        KindSpec(KRATIX_PODS, "", "v1", "pods", "Pod", namespace=KRATIX_NAMESPACE),
        KindSpec(TROUBLED_PODS, "", "v1", "pods", "Pod"),  # the namespaces in trouble (module docstring)
        KindSpec("events", "", "v1", "events", "Event", field_selector="type=Warning"),
        KindSpec("daemonsets", "apps", "v1", "daemonsets", "DaemonSet"),
        KindSpec("deployments", "apps", "v1", "deployments", "Deployment"),
        KindSpec("applications", ARGOCD_GROUP, "v1alpha1", "applications", "Application"),
        KindSpec("promises", KRATIX_GROUP, "v1alpha1", "promises", "Promise"),
        KindSpec("gitstatestores", KRATIX_GROUP, "v1alpha1", "gitstatestores", "GitStateStore"),
        KindSpec("destinations", KRATIX_GROUP, "v1alpha1", "destinations", "Destination"),
        KindSpec("works", KRATIX_GROUP, "v1alpha1", "works", "Work"),
        KindSpec("workplacements", KRATIX_GROUP, "v1alpha1", "workplacements", "WorkPlacement"),
        KindSpec("datadogstacks", api_group, STACK_VERSION, STACK_PLURAL, STACK_KIND),
        KindSpec("helmreleases", HELM_GROUP, "v2", "helmreleases", "HelmRelease"),
        KindSpec("helmrepositories", SOURCE_GROUP, "v1", "helmrepositories", "HelmRepository"),
        KindSpec("helmcharts", SOURCE_GROUP, "v1", "helmcharts", "HelmChart"),
        KindSpec("externalsecrets", ESO_GROUP, "v1", "externalsecrets", "ExternalSecret"),
        KindSpec("clustersecretstores", ESO_GROUP, "v1", "clustersecretstores", "ClusterSecretStore"),
    )
    return {spec.key: spec for spec in specs}


# Reads beyond the lists, each bounded (see the module docstring).
PIPELINE_LOGS = "logs:pipeline"
AGENT_LOGS = "logs:agents"  # failing Datadog agent containers, a few pods per namespace (ops/incident/agent_pods.py)
STATESTORE_SECRETS = "secrets:statestore"
VALUES_SECRETS = "secrets:values"
EXTRA_READS = frozenset({PIPELINE_LOGS, AGENT_LOGS, STATESTORE_SECRETS, VALUES_SECRETS})
# What each extra read is computed from.
_EXTRA_SOURCES = {
    PIPELINE_LOGS: PIPELINE_PODS,
    AGENT_LOGS: TROUBLED_PODS,
    STATESTORE_SECRETS: "gitstatestores",
    VALUES_SECRETS: "helmreleases",
}


@dataclass(frozen=True)
class Reads:
    """What to read: kinds by key, extra reads, and the names the platform is configured with."""

    kinds: tuple[KindSpec, ...]
    extras: frozenset[str]
    promise_name: str
    api_group: str
    shapes: Mapping[str, Shape | Where | When] = field(
        default_factory=dict
    )  # what to keep of each (ops/incident/keep.py)

    @classmethod
    def of(
        cls, settings: Settings, needs: Iterable[str], shapes: Mapping[str, Shape | Where | When] | None = None
    ) -> Reads:
        wanted = set(needs)
        known = kind_specs(settings.api_group, settings.promise_name)
        unknown = wanted - set(known) - EXTRA_READS
        if unknown:
            raise ValueError(f"unknown reads: {sorted(unknown)}")
        wanted |= {_EXTRA_SOURCES[extra] for extra in wanted & EXTRA_READS}
        if TROUBLED_PODS in wanted:
            wanted |= TROUBLE_SOURCES | {AGENT_PODS}
        specs = tuple(spec for key, spec in known.items() if key in wanted)
        return cls(specs, frozenset(wanted & EXTRA_READS), settings.promise_name, settings.api_group, shapes or {})


@dataclass(frozen=True)
class Listing:
    """One kind as listed: its items, or "not installed", or the error that kept it unread."""

    spec: KindSpec
    items: tuple[Json, ...] = ()
    installed: bool = True
    error: str | None = None
    error_code: int | None = None  # the exit code of what kept it unread (13: forbidden)
    listed: int | None = None  # items the server sent, when the reads kept only some (Reads.shapes)

    @property
    def total(self) -> int:
        return len(self.items) if self.listed is None else self.listed

    @property
    def readable(self) -> bool:
        return self.installed and self.error is None


@dataclass(frozen=True)
class SecretKeys:
    """A Secret as the checks see it: whether it exists and its key names, never its values."""

    namespace: str
    name: str
    found: bool
    keys: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class LogTail:
    """The last lines of one container's log (`previous`: of the run that ended, before a restart)."""

    namespace: str
    pod: str
    container: str
    lines: tuple[str, ...]
    previous: bool = False
    error: str | None = None


@dataclass(frozen=True, eq=False)  # identity: derived views are cached per snapshot
class Snapshot:
    """Everything read from one context at `taken_at`; checks and status rows are computed from it."""

    context: str
    server: str
    version: str | None
    taken_at: datetime
    groups: frozenset[str]
    listings: Mapping[str, Listing]
    promise_name: str
    api_group: str
    secrets: Mapping[tuple[str, str], SecretKeys] = field(default_factory=dict)
    logs: Mapping[tuple[str, str, str], LogTail] = field(default_factory=dict)

    def listing(self, key: str) -> Listing:
        if key not in self.listings:
            raise KeyError(f"{key} was not read in this snapshot (add it to the reads)")
        return self.listings[key]

    def items(self, key: str) -> tuple[Json, ...]:
        return self.listing(key).items

    def installed(self, key: str) -> bool:
        return self.listing(key).installed

    def readable(self, key: str) -> bool:
        return key in self.listings and self.listings[key].readable

    def secret(self, namespace: str, name: str) -> SecretKeys | None:
        return self.secrets.get((namespace, name))

    def log(self, namespace: str, pod: str, container: str) -> LogTail | None:
        return self.logs.get((namespace, pod, container))

    # indexes, built on first use -----------------------------------------------------------------
    @cached_property
    def _pods(self) -> tuple[Json, ...]:
        return _all_pods(self.listings)

    def pods(self) -> tuple[Json, ...]:
        """Every pod of the pod listings that were read (module docstring), each once."""
        return self._pods

    @cached_property
    def _pods_by_namespace(self) -> dict[str, list[Json]]:
        index: dict[str, list[Json]] = defaultdict(list)
        for pod in self._pods:
            index[namespace_of(pod)].append(pod)
        return index

    def pods_in(self, namespace: str) -> list[Json]:
        return self._pods_by_namespace.get(namespace, [])

    @cached_property
    def _events_by_object(self) -> dict[tuple[str, str, str], list[Json]]:
        index: dict[tuple[str, str, str], list[Json]] = defaultdict(list)
        for event in self.items("events"):
            involved = event.get("involvedObject") or {}
            key = (str(involved.get("kind", "")), str(involved.get("namespace") or ""), str(involved.get("name", "")))
            index[key].append(event)
        for events in index.values():
            events.sort(key=event_time, reverse=True)
        return index

    def warning_events(self, kind: str, namespace: str | None, name: str) -> list[Json]:
        """Warning events about one object, newest first ([] when events were not read)."""
        if not self.readable("events"):
            return []
        return self._events_by_object.get((kind, namespace or "", name), [])

    @cached_property
    def _namespaces_by_name(self) -> dict[str, Json]:
        return {name_of(ns): ns for ns in self.items("namespaces")}

    def namespace(self, name: str) -> Json | None:
        return self._namespaces_by_name.get(name)

    def age(self, timestamp: str | None) -> str:
        return age(timestamp, self.taken_at)

    def seconds_since(self, timestamp: str | None) -> float | None:
        when = parse_time(timestamp)
        return None if when is None else (self.taken_at - when).total_seconds()


def _all_pods(listings: Mapping[str, Listing]) -> tuple[Json, ...]:
    """Every pod of the pod listings, each once."""
    seen: dict[tuple[str, str], Json] = {}
    for listing in listings.values():
        if listing.spec.is_pod:
            for pod in listing.items:
                seen.setdefault((namespace_of(pod), name_of(pod)), pod)
    return tuple(seen.values())


T = TypeVar("T")


def per_snapshot(derive: Callable[[Snapshot], T]) -> Callable[[Snapshot], T]:
    """`derive(snap)` computed once per snapshot (an index the checks share), and let go with it."""
    memo: WeakKeyDictionary[Snapshot, T] = WeakKeyDictionary()

    @functools.wraps(derive)
    def once(snap: Snapshot) -> T:
        if snap not in memo:
            memo[snap] = derive(snap)
        return memo[snap]

    return once


# reading objects ---------------------------------------------------------------------------------
def is_pipeline_pod(pod: Mapping[str, Any], promise_name: str) -> bool:
    labels = labels_of(pod)
    return labels.get("kratix.io/promise-name") == promise_name and "kratix.io/pipeline-name" in labels


# taking a snapshot -------------------------------------------------------------------------------
def _now() -> datetime:
    return datetime.now(UTC)


def take_snapshot(kube: Kube, reads: Reads, *, clock: Clock = _now) -> Snapshot:
    """Read one context: discovery and core lists at once, then custom kinds; the Secrets and the pods of
    the namespaces in trouble as soon as the kinds they are told from are in, the log tails last.

    Raises the OpsError of the discovery request when the cluster cannot be read at all.
    """
    taken_at = clock()
    keeper = Keeper(reads.shapes)
    with DaemonPool(WORKERS, f"snapshot-{kube.context}") as pool:  # Ctrl-C never waits for reads in flight
        groups_f = pool.submit(installed_groups, kube)
        version_f = pool.submit(_server_version, kube)
        core = {
            s.key: _submit_list(pool, kube, s, keeper)
            for s in reads.kinds
            if (not s.group or s.group == "apps") and s.key != TROUBLED_PODS
        }
        groups = groups_f.result()  # unreadable cluster: raise here, before anything else is decided
        custom: dict[str, Callable[[], Listing]] = {}
        for spec in reads.kinds:
            if spec.key in core:
                continue
            if spec.group in groups:
                custom[spec.key] = _submit_list(pool, kube, spec, keeper)
        pending = {**core, **custom}
        # the kinds besides pods first: the Secrets and the namespaces in trouble are told from them, and
        # are read while the pod listings, the longest, are still coming in
        listings: dict[str, Listing] = {key: listed() for key, listed in pending.items() if key not in _POD_LISTINGS}
        for spec in reads.kinds:
            if spec.key not in _POD_LISTINGS:
                listings.setdefault(spec.key, Listing(spec, installed=False))
        secret_fs = {key: pool.submit(_secret_keys, kube, *key) for key in _wanted_secrets(listings, reads)}
        for spec in reads.kinds:
            if spec.key == TROUBLED_PODS:
                listings[spec.key] = _troubled_pods(kube, pool, (spec, keeper), troubled_namespaces(listings))
        listings |= {key: listed() for key, listed in pending.items() if key in _POD_LISTINGS}
        log_fs = [
            pool.submit(_log_tail, kube, namespace_of(pod), name_of(pod), str(status.get("name")), previous)
            for pod, status, previous in _wanted_logs(listings, reads)
        ] + [
            pool.submit(_log_tail, kube, namespace_of(f.pod), name_of(f.pod), f.name, f.previous, lines=AGENT_LOG_LINES)
            for f in (agent_log_targets(_all_pods(listings), taken_at) if AGENT_LOGS in reads.extras else [])
        ]
        version = version_f.result()
        secrets = {key: f.result() for key, f in secret_fs.items()}
        logs = {(t.namespace, t.pod, t.container): t for t in (f.result() for f in log_fs)}
    ordered = {spec.key: listings[spec.key] for spec in reads.kinds}
    return Snapshot(
        context=kube.context,
        server=kube.server,
        version=version,
        taken_at=taken_at,
        groups=groups,
        listings=ordered,
        promise_name=reads.promise_name,
        api_group=reads.api_group,
        secrets=secrets,
        logs=logs,
    )


@dataclass(frozen=True)
class ContextRead:
    """The snapshot of one context, or the error that kept it from being read."""

    context: str
    snapshot: Snapshot | None
    error: OpsError | None = None


@contextmanager
def _no_collector_pauses() -> Iterator[None]:
    """Keep Python's cycle collector out of a read: the answers parse into tens of thousands of dicts
    and lists, none in a cycle, and each full collection would walk all of them again (a third of
    a large read's time). What was loaded before the read, and what it read, are frozen out of its
    sight (refcounting still frees them when they are dropped); the collector runs again afterwards,
    for what the checks and the rendering make.
    """
    gc.freeze()
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def take_snapshots(kubes: Iterable[Kube], reads: Reads, *, clock: Clock = _now) -> tuple[ContextRead, ...]:
    """Several contexts at once, in the order given; one unreadable context does not stop the others."""
    with _no_collector_pauses():
        return _take_snapshots(list(kubes), reads, clock)


def _take_snapshots(kubes: list[Kube], reads: Reads, clock: Clock) -> tuple[ContextRead, ...]:

    def one(kube: Kube) -> ContextRead:
        try:
            return ContextRead(kube.context, take_snapshot(kube, reads, clock=clock))
        except OpsError as err:
            return ContextRead(kube.context, None, err)

    if len(kubes) == 1:
        return (one(kubes[0]),)
    with DaemonPool(len(kubes), "contexts") as pool:
        futures = [pool.submit(one, kube) for kube in kubes]
    return tuple(f.result() for f in futures)


def _server_version(kube: Kube) -> str | None:
    try:
        return str(get_json(kube, ApiCall("get", "", "Version"), "/version").get("gitVersion") or "") or None
    except OpsError:
        return None  # the lists say whether the cluster can be read; a missing version is no reason to stop


def _submit_list(pool: DaemonPool, kube: Kube, spec: KindSpec, keeper: Keeper) -> Callable[[], Listing]:
    """Start listing `spec` (each of its parts at once); what is returned waits for the listing."""
    if not spec.parts:
        return pool.submit(_list, kube, spec, keeper).result
    parts = [pool.submit(_list, kube, replace(spec, label_selector=part, parts=()), keeper) for part in spec.parts]
    return lambda: _union(spec, [f.result() for f in parts])


def _union(spec: KindSpec, parts: list[Listing]) -> Listing:
    """One listing of its parts' items, in the API server's order (namespace, name); an error in any is its."""
    failed = next((part for part in parts if part.error is not None), None)
    if failed is not None:
        return Listing(spec, error=failed.error, error_code=failed.error_code)
    items = sorted((item for part in parts for item in part.items), key=lambda i: (namespace_of(i), name_of(i)))
    return Listing(spec, tuple(items), listed=sum(part.total for part in parts))


def _list(kube: Kube, spec: KindSpec, keeper: Keeper, keep: Callable[[Json], bool] | None = None) -> Listing:
    """One kind, every page; `keep` says which items to keep at all, `keeper` what of each."""
    query = [("fieldSelector", spec.field_selector)] if spec.field_selector else []
    if spec.label_selector:
        query.append(("labelSelector", spec.label_selector))
    listed = 0  # items of the listing the server sent (kept or not), counted here: parts run side by side

    def each(item: Json) -> Json | None:
        nonlocal listed
        if keep is not None and not keep(item):
            return None
        listed += 1
        return keeper(item, spec.key, spec.kind, spec.api_version)

    try:
        items = list_json(kube, ApiCall("list", spec.group, spec.kind), spec.path, query, each=each)
    except CrdMissing:
        return Listing(spec, installed=False)  # group served, but not this version or kind
    except OpsError as err:
        return Listing(spec, error=err.message, error_code=int(err.exit_code))
    return Listing(spec, tuple(items), listed=listed)


# the pods of the namespaces in trouble -----------------------------------------------------------
_WORKLOAD_KINDS = frozenset({"Pod", "ReplicaSet", "DaemonSet", "Deployment", "StatefulSet", "Job"})


def troubled_namespaces(listings: Mapping[str, Listing]) -> frozenset[str] | None:
    """The namespaces whose pods a diagnosis may follow (module docstring); None when that cannot be told."""
    if not all(listings[key].readable for key in ("nodes", "daemonsets", "deployments", "events")):
        return None
    releases = listings["helmreleases"]
    if releases.installed and releases.error is not None:
        return None
    found: set[str] = set()
    schedulable_nodes = sum(1 for node in listings["nodes"].items if schedulable(node))
    for ds in listings["daemonsets"].items:
        state = daemonset_rollout(ds)
        if not state.complete or state.wanted < schedulable_nodes:
            found.add(namespace_of(ds))
    found |= {namespace_of(d) for d in listings["deployments"].items if not deployment_rollout(d).complete}
    found |= {namespace_of(release) for release in releases.items if not is_ready(release)}
    for event in listings["events"].items:
        involved = event.get("involvedObject") or {}
        if involved.get("kind") in _WORKLOAD_KINDS and involved.get("namespace"):
            found.add(str(involved["namespace"]))
    return frozenset(found)


def _troubled_pods(
    kube: Kube, pool: DaemonPool, how: tuple[KindSpec, Keeper], namespaces: frozenset[str] | None
) -> Listing:
    spec, keeper = how
    if namespaces is not None and len(namespaces) <= MAX_NAMESPACE_READS:
        scoped = [replace(spec, namespace=ns) for ns in sorted(namespaces)]
        return _union(spec, [f.result() for f in [pool.submit(_list, kube, s, keeper) for s in scoped]])
    if namespaces is None:
        return _list(kube, spec, keeper)
    return _list(kube, spec, keeper, keep=lambda pod: namespace_of(pod) in namespaces)


# extra reads -------------------------------------------------------------------------------------
def _wanted_secrets(listings: Mapping[str, Listing], reads: Reads) -> list[tuple[str, str]]:
    wanted: list[tuple[str, str]] = []
    if STATESTORE_SECRETS in reads.extras:
        for store in listings["gitstatestores"].items:
            ref = (store.get("spec") or {}).get("secretRef") or {}
            if ref.get("name"):
                wanted.append((str(ref.get("namespace") or "default"), str(ref["name"])))
    if VALUES_SECRETS in reads.extras:
        for release in listings["helmreleases"].items:
            ready = condition(release, "Ready")
            if not ready or ready.reason != "ValuesError":
                continue
            for ref in (release.get("spec") or {}).get("valuesFrom") or []:
                if ref.get("kind") == "Secret" and ref.get("name"):
                    wanted.append((namespace_of(release), str(ref["name"])))
    return list(dict.fromkeys(wanted))[:MAX_SECRET_READS]


def _secret_keys(kube: Kube, namespace: str, name: str) -> SecretKeys:
    path = f"/api/v1/namespaces/{quote(namespace)}/secrets/{quote(name)}"
    try:
        body = get_json(kube, ApiCall("get", "", "Secret", namespace, name), path)
    except NotFound:
        return SecretKeys(namespace, name, found=False)
    except OpsError as err:
        return SecretKeys(namespace, name, found=False, error=err.message)
    keys = tuple(sorted({*(body.get("data") or {}), *(body.get("stringData") or {})}))
    del body  # the values go with it
    return SecretKeys(namespace, name, found=True, keys=keys)


def failing_pipeline_containers(pods: Iterable[Json], promise_name: str) -> list[tuple[Json, Json, bool]]:
    """(pod, container status, previous) for each failed container of this Promise's pipeline pods."""
    found: list[tuple[Json, Json, bool]] = []
    pipeline_pods = [p for p in pods if is_pipeline_pod(p, promise_name)]
    pipeline_pods.sort(key=lambda p: str((p.get("metadata") or {}).get("creationTimestamp", "")), reverse=True)
    for pod in pipeline_pods:
        for _, status in container_statuses(pod):
            run = failed_run(status)
            if run is not None:
                found.append((pod, status, run[1]))
    return found


def _wanted_logs(listings: Mapping[str, Listing], reads: Reads) -> list[tuple[Json, Json, bool]]:
    """Failed pipeline containers of at most MAX_LOG_TAILS pods, newest pods first."""
    if PIPELINE_LOGS not in reads.extras:
        return []
    pods_seen: list[str] = []
    chosen: list[tuple[Json, Json, bool]] = []
    for pod, status, previous in failing_pipeline_containers(listings[PIPELINE_PODS].items, reads.promise_name):
        key = f"{namespace_of(pod)}/{name_of(pod)}"
        if key not in pods_seen:
            if len(pods_seen) == MAX_LOG_TAILS:
                continue
            pods_seen.append(key)
        chosen.append((pod, status, previous))
    return chosen


def _log_tail(
    kube: Kube, namespace: str, pod: str, container: str, previous: bool, *, lines: int = LOG_TAIL_LINES
) -> LogTail:
    try:
        lines_kept = log_tail(kube, namespace, pod, container, lines, previous=previous)
    except OpsError as err:
        return LogTail(namespace, pod, container, (), previous, err.message)
    return LogTail(namespace, pod, container, lines_kept, previous)
