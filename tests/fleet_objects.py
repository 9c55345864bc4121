"""Builders for the fleet: Destinations that name a cluster, Argo CD cluster Secrets, a kubeconfig with a
platform and workload clusters. The objects are what Kratix's and Argo CD's controllers (or `cluster.add`)
write, so tests seed them on the test API servers."""

from __future__ import annotations

from typing import Any

from ops.names import CLUSTER_LABEL
from tests.kube.emulator import INLINE_CRDS

Json = dict[str, Any]
PLATFORM_CLUSTER = "kratix-demo"  # cluster.name in invoke.yaml


def destination_crd() -> Json:
    return INLINE_CRDS["destinations.platform.kratix.io"]


def fleet_destination(
    cluster: str, name: str | None = None, path: str | None = None, *, ready: bool = True, **labels: str
) -> Json:
    """A Destination labelled with its cluster; the platform's (`platform`, path `platform`) by default."""
    platform = cluster == PLATFORM_CLUSTER
    name = name or ("platform" if platform else cluster)
    reason, message = (
        ("TestDocumentsWritten", "Test documents written to State Store")
        if ready
        else (
            "StateStoreWriteFailed",
            "GitStateStore/default: not ready",
        )
    )
    return {
        "apiVersion": "platform.kratix.io/v1alpha1",
        "kind": "Destination",
        "metadata": {"name": name, "labels": {CLUSTER_LABEL: cluster, **labels}},
        "spec": {
            "path": path or ("platform" if platform else f"clusters/{cluster}"),
            "stateStoreRef": {"kind": "GitStateStore", "name": "default"},
        },
        "status": {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True" if ready else "False",
                    "reason": reason,
                    "message": message,
                    "lastTransitionTime": "2026-11-01T00:00:00Z",
                }
            ]
        },
    }


def platform_destination_objects() -> list[Json]:
    """What `kratix.apply` leaves for the platform cluster: the Destination CRD and its Destination."""
    return [destination_crd(), fleet_destination(PLATFORM_CLUSTER)]


def kubeconfig_with(servers: dict[str, str], current: str, users: dict[str, Json] | None = None) -> str:
    """A kubeconfig with a context per server (user token `token-<name>`), some users replaced."""
    import yaml

    from tests.kube.emulator import kubeconfig_text

    doc = yaml.safe_load(kubeconfig_text(servers, current))
    for entry in doc["users"]:
        if users and entry["name"] in users:
            entry["user"] = users[entry["name"]]
    return str(yaml.safe_dump(doc, sort_keys=False))


def workplacement_to(
    destination: str, name: str = "production-instance-configure-5058f", namespace: str = "team-a"
) -> Json:
    """A WorkPlacement Kratix scheduled to a Destination."""
    return {
        "apiVersion": "platform.kratix.io/v1alpha1",
        "kind": "WorkPlacement",
        "metadata": {"name": name, "namespace": namespace, "labels": {"kratix.io/targetDestinationName": destination}},
        "spec": {"targetDestinationName": destination, "promiseName": "datadog-stack", "id": "5058f", "workloads": []},
    }


def argocd_application_crd() -> Json:
    return INLINE_CRDS["applications.argoproj.io"]


def workplacement_crd() -> Json:
    from tests.kube.emulator import crd_manifest

    return crd_manifest("platform.kratix.io", "WorkPlacement")


def registered_cluster(name: str, server: str) -> list[Json]:
    """What `cluster.add` leaves on the platform for the status: Argo CD's cluster Secret and the Destination."""
    from ops.platform.fleet import WorkloadCluster, cluster_secret
    from ops.platform.fleet_access import eks_access

    return [cluster_secret(WorkloadCluster(name, eks_access(server, name, None, ""))), fleet_destination(name)]


def workloads_application(cluster: str, server: str, sync: str = "Synced", health: str = "Healthy") -> Json:
    """The Application that syncs a Destination's folder, as Argo CD reports it."""
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": f"{cluster}-workloads", "namespace": "argocd", "labels": {CLUSTER_LABEL: cluster}},
        "spec": {
            "project": "default",
            "source": {"repoURL": "https://github.com/example/kratix-ops.git", "path": f"gitops/clusters/{cluster}"},
            "destination": {"server": server, "namespace": "default"},
        },
        "status": {"sync": {"status": sync}, "health": {"status": health}},
    }


def helm_release(namespace: str, *, ready: bool = True, message: str = "Helm install succeeded") -> Json:
    reason = "InstallSucceeded" if ready else "InstallFailed"
    return {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": "datadog", "namespace": namespace},
        "spec": {"chart": {"spec": {"chart": "datadog", "version": "3.240.0"}}},
        "status": {
            "conditions": [
                {"type": "Ready", "status": "True" if ready else "False", "reason": reason, "message": message}
            ]
        },
    }


def placement_of(stack_name: str, namespace: str, destination: str, *, ready: bool = True) -> Json:
    """The WorkPlacement of a stack's Work on a Destination, written to Git (or not)."""
    placement = workplacement_to(destination, f"{stack_name}-instance-configure-5058f", namespace)
    placement["spec"]["resourceName"] = stack_name
    status = "True" if ready else "False"
    placement["status"] = {
        "conditions": [{"type": "Ready", "status": status, "reason": "WorkloadsWrittenToTargetDestination"}]
    }
    return placement
