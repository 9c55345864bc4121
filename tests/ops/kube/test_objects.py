"""Generic objects over HTTP: discovery once per group-version, apply that is idempotent and honest."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ops.kube import Kube
from ops.kube.errors import CrdMissing
from ops.kube.objects import (
    ObjectRef,
    apply_object,
    contains,
    delete_object,
    get_object,
    list_objects,
    patch_object,
    resource_for,
)
from tests.kube.emulator import EmulatorThread, crd

RELEASE = {
    "apiVersion": "helm.toolkit.fluxcd.io/v2",
    "kind": "HelmRelease",
    "metadata": {"name": "datadog", "namespace": "team-a", "labels": {"tier": "minimal"}},
    "spec": {
        "interval": "10m",
        "chart": {
            "spec": {
                "chart": "datadog",
                "version": "3.240.0",
                "sourceRef": {"kind": "HelmRepository", "name": "datadog"},
            }
        },
    },
}


@pytest.fixture
def client(connect_to: Callable[..., Kube], kube: EmulatorThread) -> Kube:
    kube.install_crd(crd("helmreleases.helm.toolkit.fluxcd.io"))
    kube.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}})
    return connect_to()


def test_apply_creates_then_leaves_an_unchanged_object_alone(client: Kube, kube: EmulatorThread) -> None:
    first = apply_object(client, RELEASE)
    kube.forget_requests()
    second = apply_object(client, RELEASE)

    assert (first.action, second.action) == ("created", "unchanged")
    assert kube.writes() == []
    assert str(second) == "HelmRelease team-a/datadog unchanged"
    live = get_object(client, "helm.toolkit.fluxcd.io/v2", "HelmRelease", "datadog", "team-a")
    assert live is not None and live["spec"]["chart"]["spec"]["version"] == "3.240.0"


def test_apply_configures_a_changed_object_with_server_side_apply(client: Kube, kube: EmulatorThread) -> None:
    apply_object(client, RELEASE)
    kube.forget_requests()
    changed = {**RELEASE, "metadata": {**RELEASE["metadata"], "labels": {"tier": "full"}}}

    result = apply_object(client, changed)

    assert result.action == "configured"
    assert kube.writes() == [("PATCH", "/apis/helm.toolkit.fluxcd.io/v2/namespaces/team-a/helmreleases/datadog")]
    live = get_object(client, "helm.toolkit.fluxcd.io/v2", "HelmRelease", "datadog", "team-a")
    assert live is not None and live["metadata"]["labels"]["tier"] == "full"


def test_a_dry_run_apply_reads_and_writes_nothing(client: Kube, kube: EmulatorThread) -> None:
    result = apply_object(client, RELEASE, dry_run=True)

    assert str(result) == "HelmRelease team-a/datadog would be created"
    assert kube.writes() == []
    assert get_object(client, "helm.toolkit.fluxcd.io/v2", "HelmRelease", "datadog", "team-a") is None


def test_discovery_is_asked_once_per_group_version(client: Kube, kube: EmulatorThread) -> None:
    for _ in range(3):
        get_object(client, "helm.toolkit.fluxcd.io/v2", "HelmRelease", "datadog", "team-a")

    assert kube.count("GET", "/apis/helm.toolkit.fluxcd.io/v2") - 3 == 1
    assert resource_for(client, "v1", "Namespace").namespaced is False


def test_a_kind_whose_crd_is_not_installed_names_the_component(client: Kube) -> None:
    with pytest.raises(
        CrdMissing,
        match=r"does not serve ExternalSecret \(external-secrets.io\); install External "
        r"Secrets Operator",
    ):
        list_objects(client, "external-secrets.io/v1", "ExternalSecret")


def test_list_filters_by_label_and_fills_in_kind(client: Kube) -> None:
    apply_object(client, RELEASE)
    apply_object(client, {**RELEASE, "metadata": {"name": "other", "namespace": "team-a", "labels": {"tier": "full"}}})

    found = list_objects(client, "helm.toolkit.fluxcd.io/v2", "HelmRelease", label_selector="tier=full")

    assert [(o["kind"], o["metadata"]["name"]) for o in found] == [("HelmRelease", "other")]


def test_patch_status_and_delete(client: Kube, kube: EmulatorThread) -> None:
    apply_object(client, RELEASE)
    ref = ObjectRef.of(RELEASE)

    patch_object(client, ref, {"status": {"conditions": [{"type": "Ready", "status": "True"}]}}, subresource="status")
    live = get_object(client, ref.api_version, ref.kind, ref.name, ref.namespace)

    assert live is not None and live["status"]["conditions"][0]["type"] == "Ready"
    assert delete_object(client, ref) is True
    assert delete_object(client, ref) is False
    assert get_object(client, ref.api_version, ref.kind, ref.name, ref.namespace) is None


def test_contains_tolerates_server_defaults_but_not_differences() -> None:
    assert contains({"a": 1, "b": {"c": 2, "d": 3}}, {"b": {"c": 2}})
    assert not contains({"a": 1}, {"a": 2})
    assert contains([{"x": 1, "default": True}], [{"x": 1}])
    assert not contains([{"x": 1}, {"x": 2}], [{"x": 1}])
