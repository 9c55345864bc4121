"""work-unscheduled when a request names a cluster with no Destination: the fix registers the cluster."""

from __future__ import annotations

from collections.abc import Callable

from ops.incident.snapshot import Snapshot
from tests.objects import Stack, fleet_destination, healthy_platform
from tests.ops.incident.doctor.corpus.kratix_argocd_eso_objects import unscheduled_work
from tests.snapshots import run_check

PROD = Stack("production", "team-a")


def test_a_request_for_a_cluster_with_no_destination_is_told_to_register_it(
    snapshot_of: Callable[..., Snapshot],
) -> None:
    work = unscheduled_work(PROD, {"kratix-ops/cluster": "billing"}, source="resource")
    snap = snapshot_of([*healthy_platform(), fleet_destination("payments"), work])

    [finding] = run_check(snap, "work-unscheduled")

    assert finding.fix[0].startswith(
        "the request names cluster billing (spec.clusterName), which has no Destination: "
        "`invoke cluster.add billing` registers it, or set spec.clusterName to one of: payments;"
    )
