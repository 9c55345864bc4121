"""The fleet in one view: which context reads which cluster, and each DatadogStack followed end to end.

A stack's way runs over two clusters: its request and pipeline, its Work's WorkPlacement and the Git
write on the platform; the Argo CD Application that syncs its Destination's folder (also on the platform,
the hub); then the HelmRelease and the Datadog agents on the workload cluster it names. `follow_stacks`
joins the snapshots of all of them (read at once by `take_snapshots`) into one row per stack, naming the
first stage that is not done.

`unreachable_findings` makes a workload cluster that could not be read one finding, so the rest of the
fleet is still diagnosed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ops.errors import ExitCode, OpsError
from ops.incident.doctor.finding import Finding, Severity, Subject
from ops.incident.doctor.incidents import build_incidents
from ops.incident.doctor.run import Diagnosis
from ops.incident.snapshot import ContextRead, Snapshot
from ops.incident.status import (
    ClusterStatus,
    Columns,
    PlatformStatus,
    Section,
    placement_destination,
    stack_status_word,
)
from ops.kube.fields import Json, condition, daemonset_rollout, is_ready, name_of, namespace_of
from ops.names import AGENT_DAEMONSET, StackRef

# What only the platform runs: on a workload cluster their absence is how it should be, not a finding.
PLATFORM_ONLY_CHECKS = frozenset(
    {
        "kratix-controller-down",
        "promise-unavailable",
        "statestore-not-ready",
        "statestore-credentials",
        "destination-not-ready",
        "workplacement-write-failed",
        "pipeline-failed",
        "pipeline-stuck",
    }
)
FLEET_DOCS = "https://argo-cd.readthedocs.io/en/stable/operator-manual/declarative-setup/#clusters"


@dataclass(frozen=True)
class FleetCluster:
    """A cluster of the fleet: the context that reads it (None: no kubeconfig context points at its server)."""

    cluster: str
    context: str | None
    server: str
    application: str  # the Argo CD Application that syncs its Destination's folder
    platform: bool = False


class NoContextForCluster(OpsError):
    exit_code = ExitCode.UNKNOWN_CONTEXT

    def __init__(self, cluster: FleetCluster) -> None:
        super().__init__(
            f"cluster {cluster.cluster}: no kubeconfig context points at {cluster.server} (Argo CD's server for it); "
            f"add one (for EKS: `aws eks update-kubeconfig --name {cluster.cluster} --alias {cluster.cluster}`)"
        )


def unread(cluster: FleetCluster) -> ContextRead:
    """The read of a cluster no context reaches: its own error row or finding."""
    return ContextRead(f"cluster/{cluster.cluster}", None, NoContextForCluster(cluster))


@dataclass(frozen=True)
class StackFollow:
    """One DatadogStack from request to agents; `stuck` names the first stage that is not done ("" when ready)."""

    stack: StackRef
    cluster: str
    context: str
    request: str  # the Reconciled condition's message (as `kubectl get datadogstacks` shows it)
    placement: str  # WorkPlacement Ready (Git write) and its Destination
    sync: str  # the Application's sync and health
    release: str  # HelmRelease Ready on the workload cluster
    agents: str  # node agents ready/desired on the workload cluster
    stuck: str

    def row(self) -> dict[str, str]:
        return {
            "cluster": self.cluster,
            "context": self.context,
            "namespace": self.stack.namespace,
            "name": self.stack.name,
            "request": self.request,
            "placement": self.placement,
            "sync": self.sync,
            "helmRelease": self.release,
            "agents": self.agents,
            "stuck": self.stuck,
        }


def _items(snap: Snapshot | None, key: str) -> tuple[Json, ...]:
    return snap.items(key) if snap is not None and snap.readable(key) else ()


def _placements(platform: Snapshot, stack: StackRef) -> list[Json]:
    return [
        p
        for p in _items(platform, "workplacements")
        if namespace_of(p) == stack.namespace and (p.get("spec") or {}).get("resourceName") == stack.name
    ]


def _follow(
    platform: Snapshot, stack: Json, clusters: Mapping[str, FleetCluster], snaps: Mapping[str, Snapshot | None]
) -> StackFollow:
    ref = StackRef.of(stack)
    cluster_name = str((stack.get("spec") or {}).get("clusterName") or "")
    cluster = clusters.get(cluster_name)
    reconciled = condition(stack, "Reconciled")
    request = stack_status_word(stack)
    stages: list[tuple[str, bool]] = [("request", reconciled is not None and reconciled.is_true)]  # pipeline done

    placements = _placements(platform, ref)
    ready_placements = [p for p in placements if is_ready(p)]
    destinations = sorted({placement_destination(p) for p in placements})
    if placements:
        placement = f"{len(ready_placements)}/{len(placements)} written to {', '.join(destinations)}"
    else:
        placement = "none"
    stages.append(("placement", bool(placements) and len(ready_placements) == len(placements)))

    app = next((a for a in _items(platform, "applications") if cluster and name_of(a) == cluster.application), None)
    status = (app or {}).get("status") or {}
    sync_word = str((status.get("sync") or {}).get("status") or "")
    health_word = str((status.get("health") or {}).get("status") or "")
    sync = f"{sync_word}/{health_word}" if app else "no Application"
    stages.append(("sync", sync_word == "Synced" and health_word == "Healthy"))

    target = str((stack.get("status") or {}).get("targetNamespace") or "")
    context = cluster.context if cluster and cluster.context else "-"
    workload = snaps.get(context) if cluster else None
    agents_done = False
    if cluster is None:
        release = agents = f"no cluster {cluster_name} in the fleet"
    elif workload is None:
        release = agents = "cluster not read"
    else:
        releases = [r for r in _items(workload, "helmreleases") if namespace_of(r) == target]
        ready = condition(releases[0], "Ready") if releases else None
        release = "none" if not releases else (f"{ready.status} ({ready.reason})" if ready else "Unknown")
        daemonset = next(
            (d for d in _items(workload, "daemonsets") if namespace_of(d) == target and name_of(d) == AGENT_DAEMONSET),
            None,
        )
        rollout = daemonset_rollout(daemonset) if daemonset else None
        agents = f"{rollout.ready}/{rollout.wanted}" if rollout else "none"
        agents_done = rollout is not None and rollout.complete and rollout.wanted > 0
    stages.append(("helmRelease", release.startswith("True")))
    stages.append(("agents", agents_done))
    stuck = next((name for name, done in stages if not done), "")
    return StackFollow(ref, cluster_name, context, request, placement, sync, release, agents, stuck)


def follow_stacks(reads: Iterable[ContextRead], clusters: Iterable[FleetCluster]) -> tuple[StackFollow, ...]:
    """Every DatadogStack on the platform, followed onto the cluster it names (none when the platform is unread)."""
    fleet = {c.cluster: c for c in clusters}
    snaps = {r.context: r.snapshot for r in reads}
    platform = next((c for c in fleet.values() if c.platform), None)
    platform_snap = snaps.get(platform.context) if platform and platform.context else None
    if platform_snap is None:
        return ()
    follows = [_follow(platform_snap, s, fleet, snaps) for s in _items(platform_snap, "datadogstacks")]
    return tuple(sorted(follows, key=lambda f: (f.cluster, f.stack)))


def unreachable_findings(reads: Iterable[ContextRead], clusters: Iterable[FleetCluster]) -> list[Finding]:
    """A workload cluster that could not be read: one finding (the platform's own failure stays exit 2)."""
    by_context = {c.context or f"cluster/{c.cluster}": c for c in clusters if not c.platform}
    found = []
    for read in reads:
        cluster = by_context.get(read.context)
        if cluster is None or read.snapshot is not None:
            continue
        error = read.error.message if read.error else "not read"
        found.append(
            Finding(
                check="cluster-unreachable",
                severity=Severity.ERROR,
                context=read.context,
                object=Subject("Cluster", cluster.cluster),
                owner=None,
                symptom=f"workload cluster {cluster.cluster} could not be read: its stacks cannot be followed there",
                evidence=(error,),
                cause="the cluster's API server does not answer, or no kubeconfig context reaches it",
                fix=(
                    f"kubectl --context {cluster.context or '<context>'} get --raw /readyz",
                    f"argocd cluster get {cluster.server}",
                ),
                docs=FLEET_DOCS,
            )
        )
    return found


FLEET_COLUMNS: Columns = (
    ("CLUSTER", "cluster"),
    ("NAMESPACE", "namespace"),
    ("NAME", "name"),
    ("REQUEST", "request"),
    ("PLACEMENT", "placement"),
    ("SYNC", "sync"),
    ("HELMRELEASE", "helmRelease"),
    ("AGENTS", "agents"),
    ("STUCK AT", "stuck"),
)


def with_fleet(
    status: PlatformStatus, follows: Iterable[StackFollow], clusters: Iterable[FleetCluster]
) -> PlatformStatus:
    """The status with a section `fleetStacks` (on the platform's context; empty on the others). The platform's
    "Datadog agents" leaves out the stacks of other clusters: their agents run there, and are listed there."""
    clusters = tuple(clusters)
    platform = next((c for c in clusters if c.platform), None)
    follows = tuple(follows)
    rows = tuple(f.row() for f in follows)
    elsewhere = {str(f.stack) for f in follows if platform is None or f.cluster != platform.cluster}

    def sections(cluster: ClusterStatus) -> tuple[Section, ...]:
        on_platform = platform is not None and cluster.context == platform.context
        kept = [
            dataclasses.replace(s, rows=tuple(r for r in s.rows if r.get("stack") not in elsewhere))
            if on_platform and s.key == "datadogAgents"
            else s
            for s in cluster.sections
        ]
        fleet_rows = rows if on_platform else ()
        title = "DatadogStacks across the fleet"
        return (*kept, Section("fleetStacks", title, "DatadogStack", "", FLEET_COLUMNS, fleet_rows))

    return PlatformStatus(
        tuple(dataclasses.replace(c, sections=sections(c)) if c.sections else c for c in status.clusters)
    )


def fleet_diagnosis(diagnosis: Diagnosis, reads: Iterable[ContextRead], clusters: Iterable[FleetCluster]) -> Diagnosis:
    """An unreadable workload cluster becomes one finding; only the platform unread stays "unreadable" (exit 2).
    A workload cluster is not asked for what only the platform runs (Kratix, its Promise and stores)."""
    clusters = tuple(clusters)
    extra = unreachable_findings(reads, clusters)
    turned = {f.context for f in extra}
    platform = {c.context for c in clusters if c.platform}
    kept = [f for f in diagnosis.findings if f.context in platform or f.check not in PLATFORM_ONLY_CHECKS]
    findings = sorted((*kept, *extra), key=lambda f: -f.severity.rank)  # stable: the checks keep their order
    return dataclasses.replace(
        diagnosis,
        findings=tuple(findings),
        unreadable=tuple(u for u in diagnosis.unreadable if u.context not in turned),
        incidents=build_incidents(findings),
    )
