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
