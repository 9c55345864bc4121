"""Which kubeconfig context reads which cluster of the fleet, for `status --fleet` and `doctor --fleet`.

The platform cluster is the context given (or the current one); each workload cluster is the server of
its Argo CD cluster Secret, matched with the contexts of the kubeconfig by server URL (a context named
after the cluster wins when several point at it). A cluster no context reaches is still listed, with
context None: it is reported, not skipped.

    clusters = fleet_clusters(platform_kube, settings, kubeconfig_path(KubeTarget()))
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ops.config import Settings
from ops.errors import ExitCode, OpsError
from ops.incident.fleet import FleetCluster
from ops.kube.contexts import context_entries, same_server
from ops.platform.argocd import STATE_STORE_APP
from ops.platform.fleet import registered_servers, workloads_app

if TYPE_CHECKING:
    from ops.kube.client import Kube


def context_for(cluster: str, server: str, kubeconfig: str) -> str | None:
    """The context that points at `server`: the one named after the cluster first, else the first listed."""
    matching = [e.name for e in context_entries(kubeconfig).values() if same_server(e.server, server)]
    return cluster if cluster in matching else next(iter(matching), None)


def fleet_clusters(platform: Kube, settings: Settings, kubeconfig: str) -> list[FleetCluster]:
    """The platform, then each registered workload cluster with the context that reads it.

    When the platform cannot be asked which clusters Argo CD knows, the fleet is the platform alone: its
    read fails again in the snapshot, and that is what gets reported.
    """
    clusters = [FleetCluster(settings.cluster_name, platform.context, platform.server, STATE_STORE_APP, True)]
    try:
        servers = registered_servers(platform)
    except OpsError:
        return clusters
    for name, server in sorted(servers.items()):
        clusters.append(FleetCluster(name, context_for(name, server, kubeconfig), server, workloads_app(name)))
    return clusters


class NoContextForStackCluster(OpsError):
    exit_code = ExitCode.UNKNOWN_CONTEXT


def workload_context(platform: Kube, cluster: str, settings: Settings, kubeconfig: str) -> str | None:
    """The context that reads the cluster a stack is scheduled to; None for the platform cluster itself.

    NoContextForStackCluster when the cluster is registered but no kubeconfig context points at its server.
    """
    if cluster == settings.cluster_name:
        return None
    server = registered_servers(platform).get(cluster)
    context = context_for(cluster, server, kubeconfig) if server else None
    if context is None:
        where = f"its server {server}" if server else "it (no Argo CD cluster Secret: `invoke cluster.add`)"
        raise NoContextForStackCluster(
            f"cannot follow the agents on cluster {cluster}: no kubeconfig context points at {where}; "
            "add a context for it, or pass --no-wait"
        )
    return context
