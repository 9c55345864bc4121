"""`status --fleet` and `doctor --fleet`: the clients of every cluster of the fleet, and their reads at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ops.config import Settings
    from ops.incident.fleet import FleetCluster
    from ops.incident.snapshot import ContextRead, Reads
    from ops.kube import Kube


def fleet_clients(
    contexts: list[str] | None, settings: Settings, connect_one: Callable[[str | None], Kube]
) -> tuple[list[Kube], list[FleetCluster]]:
    """The platform's client (the one --context, else the current context), then one per workload cluster
    a kubeconfig context reaches; and the fleet's clusters (those with no context included)."""
    from ops.errors import BadInput
    from ops.kube import KubeTarget
    from ops.kube.client import kubeconfig_path
    from ops.platform.fleet_contexts import fleet_clusters

    named = list(dict.fromkeys(contexts or []))
    if len(named) > 1:
        raise BadInput("--context", ", ".join(named), "one context with --fleet: the platform cluster's")
    platform = connect_one(named[0] if named else None)
    clusters = fleet_clusters(platform, settings, kubeconfig_path(KubeTarget()))
    kubes = [platform]
    for cluster in clusters[1:]:
        if cluster.context and cluster.context not in {k.context for k in kubes}:
            kubes.append(connect_one(cluster.context))
    return kubes, clusters


def fleet_reads(kubes: list[Kube], clusters: list[FleetCluster], reads: Reads) -> tuple[ContextRead, ...]:
    """Every reachable cluster read at once (the slowest sets the pace), plus a failed read per cluster
    no context reaches."""
    from ops.incident.fleet import unread
    from ops.incident.snapshot import take_snapshots

    return take_snapshots(kubes, reads) + tuple(unread(c) for c in clusters if c.context is None)
