"""Scheduling by cluster: which Kratix Destination stands for which cluster.

Every Destination the toolkit registers carries the label `kratix-ops/cluster: <cluster>`
(`ops.names.CLUSTER_LABEL`); the pipeline writes the same label as the request's destination selector,
so Kratix schedules a DatadogStack to the Destination of the cluster its `spec.clusterName` names
(https://docs.kratix.io/main/reference/destinations/intro). Kratix cannot refuse a request whose
selectors match no Destination (its Work just stays unscheduled), so the toolkit checks first:

    destination = require_destination(kube, "payments")   # BadInput listing the clusters that exist
    place = destination_of("payments", settings)           # the name and path `cluster.add` gives it

The platform cluster (`cluster.name` in invoke.yaml) keeps the Destination `platform` at
`statestore.destination`; a workload cluster NAME gets the Destination NAME at `clusters/NAME`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ops.config import Settings
from ops.errors import BadInput
from ops.kube.fields import Condition, condition, labels_of, name_of
from ops.kube.objects import list_objects
from ops.names import CLUSTER_LABEL, KRATIX_API

if TYPE_CHECKING:
    from ops.kube.client import Kube

PLATFORM_DESTINATION = "platform"
WORKLOAD_PATH_PREFIX = "clusters"
DESTINATION_KIND = "Destination"


@dataclass(frozen=True)
class DestinationPlace:
    """A cluster's Destination: its name and `spec.path` (under the GitStateStore's path)."""

    name: str
    path: str


def destination_of(cluster: str, settings: Settings) -> DestinationPlace:
    """The Destination the toolkit gives a cluster: `platform` for the platform cluster, else NAME."""
    if cluster == settings.cluster_name:
        return DestinationPlace(PLATFORM_DESTINATION, settings.destination_path)
    return DestinationPlace(cluster, f"{WORKLOAD_PATH_PREFIX}/{cluster}")


@dataclass(frozen=True)
class ClusterDestination:
    """A Destination on the platform cluster that names a cluster through CLUSTER_LABEL."""

    cluster: str
    name: str
    path: str
    ready: Condition | None

    @property
    def is_ready(self) -> bool:
        return self.ready is not None and self.ready.is_true


def fleet_destinations(kube: Kube) -> dict[str, ClusterDestination]:
    """cluster -> its Destination, from one list of the Destinations (CrdMissing without Kratix)."""
    found: dict[str, ClusterDestination] = {}
    for obj in list_objects(kube, KRATIX_API, DESTINATION_KIND):
        cluster = labels_of(obj).get(CLUSTER_LABEL)
        if cluster:
            path = str((obj.get("spec") or {}).get("path") or "")
            found[cluster] = ClusterDestination(cluster, name_of(obj), path, condition(obj, "Ready"))
    return dict(sorted(found.items()))


def no_destination(cluster: str, known: dict[str, ClusterDestination]) -> BadInput:
    """The refusal of a request for a cluster that has no Destination, listing the clusters that have one."""
    clusters = ", ".join(known) or f"none (no Destination has the label {CLUSTER_LABEL}; run `invoke kratix.apply`)"
    return BadInput(
        "spec.clusterName",
        cluster,
        f"a cluster with a Kratix Destination: {clusters}; `invoke cluster.add {cluster}` registers it",
    )


def require_destination(kube: Kube, cluster: str) -> ClusterDestination:
    """The Destination a request for `cluster` is scheduled to; BadInput (exit 2) when there is none."""
    known = fleet_destinations(kube)
    found = known.get(cluster)
    if found is None:
        raise no_destination(cluster, known)
    return found
