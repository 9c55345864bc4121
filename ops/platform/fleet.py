"""Workload clusters: register one with Kratix and Argo CD, remove it, list the fleet.

Kratix's model (a Destination per cluster, with a path in the state store) and Argo CD's hub model (the
platform's Argo CD deploys to registered clusters) do the work; `cluster.add NAME` only writes, on the
platform cluster, what wires them together:

- the Destination NAME (label `kratix-ops/cluster: NAME`, path `clusters/NAME`, `strictMatchLabels` so only
  Works that select it land there), on the existing GitStateStore;
- the Argo CD cluster Secret `cluster-NAME` (https://argo-cd.readthedocs.io/en/stable/operator-manual/declarative-setup/#clusters);
- the Applications NAME-flux and NAME-external-secrets (from gitops/argocd/apps/, aimed at NAME), NAME-secret-store
  (the ClusterSecretStore, chart gitops/argocd/charts/cluster-secret-store) and NAME-workloads, which syncs the
  Destination's folder of the state-store repository to NAME.

Every object carries `kratix-ops/cluster: NAME`. `remove_cluster` deletes them, refused while DatadogStacks name
the cluster or WorkPlacements target its Destination.
"""

from __future__ import annotations

import base64
import copy
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from datadog_configure.request import CLUSTER_NAME
from ops.config import Settings
from ops.errors import BadInput, OpsError
from ops.kube.errors import CrdMissing
from ops.kube.fields import Condition, labels_of, name_of, namespace_of
from ops.kube.objects import Applied, ObjectRef, apply_object, delete_object, get_object, list_objects, resource_for
from ops.names import ARGOCD_API, ARGOCD_NAMESPACE, CLUSTER_LABEL, KRATIX_API, StackRef
from ops.platform.argocd import CONFIG_APP, STATE_STORE_APP, AppSettings, ArgoCdMissing, applications
from ops.platform.fleet_access import ClusterAccess
from ops.platform.stores import ROLE_ANNOTATION, PlatformConfig
from ops.repository import ARGOCD_APPS
from ops.stacks.datadog import PromiseNotInstalled, list_stacks
from ops.stacks.destinations import DESTINATION_KIND, destination_of, fleet_destinations

if TYPE_CHECKING:
    from ops.kube.client import Kube

Json = dict[str, Any]
SECRET_TYPE_LABEL = "argocd.argoproj.io/secret-type"
IN_CLUSTER = "https://kubernetes.default.svc"
COMPONENT_APPS = ("flux", "external-secrets")  # the platform components a stack needs on its cluster
SECRET_STORE_CHART = "cluster-secret-store"  # sibling of the kratix-config chart
LABEL_VALUE_MAX = 63
STATESTORE = PlatformConfig.statestore_name  # the GitStateStore `kratix.apply` writes


@dataclass(frozen=True)
class WorkloadCluster:
    """A cluster to register: its name (what DatadogStacks put in spec.clusterName) and Argo CD's access."""

    name: str
    access: ClusterAccess
    eso_role_arn: str | None = None  # the IRSA role of External Secrets there (iac/ output workload_clusters)


def check_name(name: str, settings: Settings) -> str:
    """A name a DatadogStack's clusterName can hold and a label value can carry; not the platform's."""
    if not name or len(name) > LABEL_VALUE_MAX or not CLUSTER_NAME.match(name):
        raise BadInput(
            "NAME",
            name,
            f"dot-separated lowercase words that start with a letter, at most {LABEL_VALUE_MAX} characters "
            "(a DatadogStack's spec.clusterName names it)",
        )
    if name == settings.cluster_name:
        raise BadInput("NAME", name, "another name: this is the platform cluster (`invoke kratix.apply` registers it)")
    return name


def secret_name(cluster: str) -> str:
    return f"cluster-{cluster}"


def workloads_app(cluster: str) -> str:
    return f"{cluster}-workloads"


def _labels(cluster: str) -> dict[str, str]:
    return {"app.kubernetes.io/part-of": "kratix-ops", CLUSTER_LABEL: cluster}


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def cluster_secret(cluster: WorkloadCluster) -> Json:
    """Argo CD's cluster Secret (`data`, not `stringData`, so that a second apply can see it is unchanged)."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": secret_name(cluster.name),
            "namespace": ARGOCD_NAMESPACE,
            "labels": {**_labels(cluster.name), SECRET_TYPE_LABEL: "cluster"},
        },
        "type": "Opaque",
        "data": {
            "name": _b64(cluster.name),
            "server": _b64(cluster.access.server),
            "config": _b64(cluster.access.config_json()),
        },
    }


def destination(cluster: str, settings: Settings) -> Json:
    place = destination_of(cluster, settings)
    return {
        "apiVersion": KRATIX_API,
        "kind": DESTINATION_KIND,
        "metadata": {"name": place.name, "labels": {CLUSTER_LABEL: cluster}},
        "spec": {
            "path": place.path,
            "strictMatchLabels": True,
            "stateStoreRef": {"kind": "GitStateStore", "name": STATESTORE},
        },
    }


def _aimed_at(app: Json, cluster: WorkloadCluster, name: str) -> Json:
    """A platform Application renamed for the cluster, its labels added, deploying to the cluster's server."""
    aimed = copy.deepcopy(app)
    meta = aimed["metadata"]
    meta["name"] = name
    meta["labels"] = {**(meta.get("labels") or {}), **_labels(cluster.name)}
    aimed["spec"]["destination"]["server"] = cluster.access.server
    return aimed


def cluster_applications(cluster: WorkloadCluster, settings: Settings) -> list[Json]:
    """The Applications that put a stack's needs on the cluster, then sync its Destination's folder there."""
    fill = AppSettings.of(settings, region=settings.region, git_secret="")
    platform = {app["metadata"]["name"]: app for app in applications(ARGOCD_APPS, fill)}
    found = [_aimed_at(platform[name], cluster, f"{cluster.name}-{name}") for name in COMPONENT_APPS]
    eso_values = found[COMPONENT_APPS.index("external-secrets")]["spec"]["source"]["helm"]["valuesObject"]
    account = {**eso_values.get("serviceAccount", {}), "create": True}
    if cluster.eso_role_arn:
        account["annotations"] = {ROLE_ANNOTATION: cluster.eso_role_arn}
    eso_values["serviceAccount"] = account

    store = _aimed_at(platform[CONFIG_APP], cluster, f"{cluster.name}-secret-store")
    source = store["spec"]["source"]
    source["path"] = re.sub(r"[^/]+$", SECRET_STORE_CHART, source["path"])
    source["helm"]["valuesObject"] = {"secretStore": source["helm"]["valuesObject"]["secretStore"]}
    store["spec"]["destination"]["namespace"] = "external-secrets"
    found.append(store)

    workloads = _aimed_at(platform[STATE_STORE_APP], cluster, workloads_app(cluster.name))
    workloads["spec"]["source"]["path"] = f"{settings.statestore_path}/{destination_of(cluster.name, settings).path}"
    found.append(workloads)
    return found


def cluster_objects(cluster: WorkloadCluster, settings: Settings) -> list[Json]:
    """Everything `cluster.add` applies on the platform cluster, in order."""
    apps = cluster_applications(cluster, settings)
    return [cluster_secret(cluster), *apps[:-1], destination(cluster.name, settings), apps[-1]]


def _preflight(kube: Kube, objects: list[Json]) -> None:
    """Every kind served and Argo CD's namespace there, before anything is written (no half registration)."""
    for api_version, kind in dict.fromkeys((o["apiVersion"], o["kind"]) for o in objects):
        resource_for(kube, api_version, kind)
    if get_object(kube, "v1", "Namespace", ARGOCD_NAMESPACE) is None:
        raise ArgoCdMissing(f"Argo CD is not installed: no namespace {ARGOCD_NAMESPACE}; run `invoke argocd.apply`")


def add_cluster(kube: Kube, cluster: WorkloadCluster, settings: Settings, *, dry_run: bool = False) -> list[Applied]:
    """Server-side apply of the cluster's objects; a second run says "unchanged" and writes nothing."""
    objects = cluster_objects(cluster, settings)
    _preflight(kube, objects)
    return [apply_object(kube, obj, dry_run=dry_run) for obj in objects]


# ------------------------------------------------------------------------------------------------
# Removing a cluster.
# ------------------------------------------------------------------------------------------------
def registered_refs(cluster: str, settings: Settings) -> list[ObjectRef]:
    """What `cluster.add` created, in the order to delete it (the sync first, the registration last)."""
    apps = [workloads_app(cluster), f"{cluster}-secret-store", *(f"{cluster}-{n}" for n in reversed(COMPONENT_APPS))]
    return [
        ObjectRef(ARGOCD_API, "Application", apps[0], ARGOCD_NAMESPACE),
        ObjectRef(KRATIX_API, DESTINATION_KIND, destination_of(cluster, settings).name),
        *(ObjectRef(ARGOCD_API, "Application", name, ARGOCD_NAMESPACE) for name in apps[1:]),
        ObjectRef("v1", "Secret", secret_name(cluster), ARGOCD_NAMESPACE),
    ]


def stacks_on(kube: Kube, cluster: str, settings: Settings) -> list[StackRef]:
    """The DatadogStacks whose spec.clusterName names the cluster (none when the Promise is not installed)."""
    try:
        stacks = list_stacks(kube, settings)
    except PromiseNotInstalled:
        return []
    return sorted(StackRef.of(s) for s in stacks if (s.get("spec") or {}).get("clusterName") == cluster)


def placements_on(kube: Kube, destination_name: str) -> list[str]:
    """The WorkPlacements (namespace/name) Kratix scheduled to the Destination."""
    try:
        placements = list_objects(kube, KRATIX_API, "WorkPlacement")
    except CrdMissing:
        return []
    return sorted(f"{namespace_of(p)}/{name_of(p)}" for p in placements if placement_target(p) == destination_name)


def placement_target(placement: Json) -> str:
    target = (placement.get("spec") or {}).get("targetDestinationName")
    return str(target or labels_of(placement).get("kratix.io/targetDestinationName") or "")


class ClusterInUse(OpsError):
    """Stacks are still scheduled to the cluster: removing it would strand them."""


def check_removable(kube: Kube, cluster: str, settings: Settings) -> None:
    stacks = stacks_on(kube, cluster, settings)
    placements = placements_on(kube, destination_of(cluster, settings).name)
    if not stacks and not placements:
        return
    parts = []
    if stacks:
        parts.append(f"DatadogStacks {', '.join(map(str, stacks))} name it (spec.clusterName)")
    if placements:
        parts.append(f"WorkPlacements {', '.join(placements)} are scheduled to its Destination")
    raise ClusterInUse(f"cluster {cluster} is in use: {'; '.join(parts)}; delete them first (`invoke datadog.delete`)")


@dataclass(frozen=True)
class Registered:
    """One object of a cluster's registration; `deleting`: its finalizers (Argo CD cleaning up) still hold it."""

    ref: ObjectRef
    deleting: tuple[str, ...] = ()


@dataclass(frozen=True)
class Removed:
    ref: ObjectRef
    action: str  # deleted, already gone, being deleted (<finalizers>)
    dry_run: bool = False

    def __str__(self) -> str:
        return f"{self.ref} {'would be deleted' if self.dry_run and self.action == 'deleted' else self.action}"


def existing_refs(kube: Kube, cluster: str, settings: Settings) -> list[Registered]:
    """What of the cluster's registration exists (a kind that is not served: nothing of it)."""
    found = []
    for ref in registered_refs(cluster, settings):
        try:
            live = get_object(kube, ref.api_version, ref.kind, ref.name, ref.namespace)
        except CrdMissing:
            continue
        if live is not None:
            meta = live.get("metadata") or {}
            deleting = tuple(meta.get("finalizers") or ()) if meta.get("deletionTimestamp") else ()
            found.append(Registered(ref, deleting))
    return found


def remove_cluster(kube: Kube, registered: list[Registered], *, dry_run: bool = False) -> list[Removed]:
    """Delete each object; one already being deleted is left to its finalizers (Argo CD removes the apps)."""
    removed = []
    for item in registered:
        if item.deleting:
            removed.append(Removed(item.ref, f"being deleted (finalizers {', '.join(item.deleting)})", dry_run))
            continue
        gone = not delete_object(kube, item.ref, dry_run=dry_run)
        removed.append(Removed(item.ref, "already gone" if gone else "deleted", dry_run))
    return removed


# ------------------------------------------------------------------------------------------------
# The fleet at a glance.
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FleetMember:
    cluster: str
    destination: str
    path: str
    ready: str  # the Destination's Ready condition: True, False (reason) or Unknown
    server: str
    application: str
    sync: str
    health: str
    stacks: int | None  # None: the DatadogStack API is not served


def registered_servers(kube: Kube) -> dict[str, str]:
    """cluster -> server of the Argo CD cluster Secrets `cluster.add` wrote (the config is never read)."""
    secrets = list_objects(
        kube, "v1", "Secret", ARGOCD_NAMESPACE, label_selector=f"{SECRET_TYPE_LABEL}=cluster,{CLUSTER_LABEL}"
    )
    servers = {}
    for secret in secrets:
        encoded = (secret.get("data") or {}).get("server", "")
        servers[labels_of(secret)[CLUSTER_LABEL]] = base64.b64decode(encoded).decode() if encoded else ""
    return servers


def fleet(kube: Kube, settings: Settings) -> list[FleetMember]:
    """Every cluster with a Destination: its readiness, Argo CD's sync of its folder, its stacks."""
    destinations = fleet_destinations(kube)
    servers = registered_servers(kube)
    try:
        apps = {name_of(a): a for a in list_objects(kube, ARGOCD_API, "Application", ARGOCD_NAMESPACE)}
    except CrdMissing:
        apps = {}
    try:
        stacks: list[Json] | None = list_stacks(kube, settings)
    except PromiseNotInstalled:
        stacks = None
    members = []
    for cluster in sorted(set(destinations) | set(servers)):
        dest = destinations.get(cluster)
        platform = cluster == settings.cluster_name
        app_name = STATE_STORE_APP if platform else workloads_app(cluster)
        status = (apps.get(app_name) or {}).get("status") or {}
        members.append(
            FleetMember(
                cluster=cluster,
                destination=dest.name if dest else "-",
                path=dest.path if dest else "-",
                ready="missing" if dest is None else _ready_text(dest.ready),
                server=IN_CLUSTER if platform else servers.get(cluster, "-"),
                application=app_name if app_name in apps else "-",
                sync=str((status.get("sync") or {}).get("status") or "-"),
                health=str((status.get("health") or {}).get("status") or "-"),
                stacks=None
                if stacks is None
                else sum(1 for s in stacks if (s.get("spec") or {}).get("clusterName") == cluster),
            )
        )
    return members


def _ready_text(ready: Condition | None) -> str:
    if ready is None:
        return "Unknown"
    return "True" if ready.is_true else f"{ready.status} ({ready.reason})"
