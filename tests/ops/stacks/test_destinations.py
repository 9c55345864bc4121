"""Scheduling by cluster on the toolkit's side: the Destination of each cluster, and the refusal of a
request for a cluster that has none (Kratix would leave its Work unscheduled without a word)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ops.config import Settings
from ops.errors import BadInput, ExitCode
from ops.kube import Kube, KubeTarget, connect
from ops.kube.errors import CrdMissing
from ops.names import CLUSTER_LABEL
from ops.platform.stores import PlatformConfig, kratix_objects
from ops.stacks.datadog import apply_stack, desired_stack
from ops.stacks.destinations import DestinationPlace, destination_of, fleet_destinations, require_destination
from ops.stacks.local_run import RequestFlags, request_from_flags, state_store_folder
from tests.kube.emulator import EmulatorThread
from tests.objects import datadog_stack_crd, destination_crd, fleet_destination, namespace, platform_destination_objects
from tests.ops.kube.conftest import QUICK

DESTINATIONS = "/apis/platform.kratix.io/v1alpha1/destinations"


@pytest.fixture
def client(kube: EmulatorThread, kubeconfig: Path) -> Iterator[Kube]:
    kube.install_crd(datadog_stack_crd())
    kube.seed(namespace("team-a"), *platform_destination_objects(), fleet_destination("payments"))
    kube.forget_requests()
    with connect(KubeTarget(kubeconfig), retry=QUICK) as connected:
        yield connected


def test_the_platform_cluster_keeps_its_destination_and_a_workload_cluster_gets_its_own(settings: Settings) -> None:
    assert destination_of("kratix-demo", settings) == DestinationPlace("platform", "platform")
    assert destination_of("payments.eu", settings) == DestinationPlace("payments.eu", "clusters/payments.eu")


def test_the_platform_destination_is_labelled_with_the_platform_cluster(settings: Settings) -> None:
    config = PlatformConfig.of(settings, region="eu-central-1", git_secret="kratix/git-credentials")
    destination = next(o for o in kratix_objects(config) if o["kind"] == "Destination")

    assert destination["metadata"]["labels"][CLUSTER_LABEL] == "kratix-demo"


def test_the_destinations_are_read_by_their_cluster_label(client: Kube, kube: EmulatorThread) -> None:
    kube.seed({**fleet_destination("x"), "metadata": {"name": "unlabelled"}})

    found = fleet_destinations(client)

    assert {c: (d.name, d.path, d.is_ready) for c, d in found.items()} == {
        "kratix-demo": ("platform", "platform", True),
        "payments": ("payments", "clusters/payments", True),
    }


def test_a_cluster_without_a_destination_is_refused_listing_those_that_have_one(client: Kube) -> None:
    with pytest.raises(BadInput) as caught:
        require_destination(client, "billing")

    assert caught.value.exit_code == ExitCode.BAD_INPUT
    assert str(caught.value) == (
        "spec.clusterName: 'billing' is not allowed; a cluster with a Kratix Destination: kratix-demo, payments; "
        "`invoke cluster.add billing` registers it"
    )


def test_no_labelled_destination_at_all_says_to_label_the_platform_s(kube: EmulatorThread, kubeconfig: Path) -> None:
    kube.install_crd(destination_crd())
    with connect(KubeTarget(kubeconfig), retry=QUICK) as bare, pytest.raises(BadInput) as caught:
        require_destination(bare, "kratix-demo")

    assert "none (no Destination has the label kratix-ops/cluster; run `invoke kratix.apply`)" in str(caught.value)


def test_without_kratix_the_check_fails_closed(kube: EmulatorThread, kubeconfig: Path) -> None:
    with connect(KubeTarget(kubeconfig), retry=QUICK) as bare, pytest.raises(CrdMissing):
        require_destination(bare, "kratix-demo")


def test_a_stack_for_an_unknown_cluster_is_refused_and_nothing_is_written(
    client: Kube, kube: EmulatorThread, settings: Settings
) -> None:
    manifest = desired_stack(RequestFlags("production", "team-a", "billing"), settings)

    with pytest.raises(BadInput, match="'billing' is not allowed; a cluster with a Kratix Destination"):
        apply_stack(client, manifest, settings)

    assert kube.writes() == []
    assert kube.count("GET", DESTINATIONS) == 1  # the Destinations are read once


def test_a_stack_for_a_workload_cluster_is_applied_and_knows_its_destination(
    client: Kube, kube: EmulatorThread, settings: Settings
) -> None:
    change = apply_stack(client, desired_stack(RequestFlags("production", "team-a", "payments"), settings), settings)

    assert str(change) == "DatadogStack team-a/production: created (tier minimal)"
    assert change.destination is not None and change.destination.name == "payments"
    assert kube.count("GET", DESTINATIONS) == 1


def test_the_local_layout_puts_a_request_under_the_path_of_its_cluster_s_destination(settings: Settings) -> None:
    def folder(cluster: str | None) -> str:
        request = request_from_flags(RequestFlags("production", "team-a", cluster), settings)
        return str(state_store_folder(request, settings))

    assert folder(None) == "gitops/platform/resources/team-a/datadog-stack/production/instance-configure/5058f"
    assert folder("payments") == (
        "gitops/clusters/payments/resources/team-a/datadog-stack/production/instance-configure/5058f"
    )
