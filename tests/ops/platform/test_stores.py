"""The platform wiring built in Python: the same objects as the kratix-config chart, valid, applied idempotently."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from ops.config import Settings
from ops.errors import ExitCode
from ops.kube import Kube
from ops.kube.errors import CrdMissing
from ops.platform import argocd
from ops.platform.stores import PlatformConfig, apply_all, eso_role_warning, kratix_objects, secret_store_objects
from ops.repository import ARGOCD_APPS
from tests.iac.argocd_applications import KRATIX_CONFIG_CHART, helm_values
from tests.iac.test_kratix_config_chart import application_values, merged, render
from tests.kube.emulator import INLINE_CRDS, EmulatorThread, crd_manifest
from tests.ops.kube.conftest import connect_to  # noqa: F401
from tests.support import crd_schema

ROLE = "arn:aws:iam::123456789012:role/kratix-demo-external-secrets"
PLATFORM_CRDS = (
    INLINE_CRDS["clustersecretstores.external-secrets.io"],
    INLINE_CRDS["externalsecrets.external-secrets.io"],
    INLINE_CRDS["destinations.platform.kratix.io"],
    crd_manifest("platform.kratix.io", "GitStateStore", scope="Cluster"),
)


def by_kind(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {obj["kind"]: obj for obj in objects}


@pytest.fixture
def config(settings: Settings) -> PlatformConfig:
    return PlatformConfig.of(settings, region="eu-central-1", git_secret="kratix/git-credentials")


def test_the_objects_equal_what_the_kratix_config_chart_renders(config: PlatformConfig) -> None:
    ours = secret_store_objects(config) + kratix_objects(config)

    assert by_kind(ours) == by_kind(render(application_values(region="eu-central-1")))


def test_they_still_equal_the_chart_once_argocd_apps_fills_in_other_settings(settings: Settings) -> None:
    custom = dataclasses.replace(
        settings,
        statestore_url="https://github.com/acme/platform.git",
        statestore_branch="release",
        statestore_path="state",
        destination_path="eu-1",
    )
    fill = argocd.AppSettings.of(custom, region="eu-west-3", git_secret="platform/git")
    app = next(a for a in argocd.applications(ARGOCD_APPS, fill) if a["metadata"]["name"] == "kratix-config")
    chart_defaults = yaml.safe_load((KRATIX_CONFIG_CHART / "values.yaml").read_text())
    rendered = render(merged(chart_defaults, helm_values(app)))

    ours = PlatformConfig.of(custom, region="eu-west-3", git_secret="platform/git")

    assert by_kind(secret_store_objects(ours) + kratix_objects(ours)) == by_kind(rendered)
    assert by_kind(rendered)["GitStateStore"]["spec"]["branch"] == "release"


def test_every_object_validates_against_its_real_crd(config: PlatformConfig) -> None:
    for obj in secret_store_objects(config) + kratix_objects(config):
        assert crd_schema.crd_errors(obj) == [], obj["kind"]


@pytest.fixture
def cluster(kube: EmulatorThread, connect_to: Callable[..., Kube]) -> Kube:  # noqa: F811
    """ESO and Kratix installed: their CRDs and the namespaces the objects live in."""
    kube.install_crd(*PLATFORM_CRDS)
    kube.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kratix-platform-system"}})
    return connect_to()


def test_applying_twice_creates_then_changes_nothing(
    config: PlatformConfig, cluster: Kube, kube: EmulatorThread
) -> None:
    objects = secret_store_objects(config) + kratix_objects(config)

    first = apply_all(cluster, objects)
    kube.forget_requests()
    second = apply_all(cluster, objects)

    assert [str(a) for a in first] == [
        "ClusterSecretStore aws-secrets-manager created",
        "ExternalSecret kratix-platform-system/git-credentials created",
        "GitStateStore default created",
        "Destination platform created",
    ]
    assert {a.action for a in second} == {"unchanged"}
    assert kube.writes() == []
    store = kube.get("external-secrets.io/v1", "ClusterSecretStore", "aws-secrets-manager")
    assert store is not None and store["spec"]["provider"]["aws"]["region"] == "eu-central-1"


def test_a_dry_run_writes_nothing(config: PlatformConfig, cluster: Kube, kube: EmulatorThread) -> None:
    kube.forget_requests()

    applied = apply_all(cluster, kratix_objects(config), dry_run=True)

    assert [str(a) for a in applied] == [
        "GitStateStore default would be created",
        "Destination platform would be created",
    ]
    assert kube.writes() == []


@pytest.mark.parametrize(
    ("objects", "message"),
    [
        (secret_store_objects, "the cluster does not serve ClusterSecretStore (external-secrets.io); install External"),
        (kratix_objects, "the cluster does not serve GitStateStore (platform.kratix.io); install Kratix"),
    ],
)
def test_a_missing_component_is_named(
    objects: Callable[[PlatformConfig], list[dict[str, Any]]],
    message: str,
    config: PlatformConfig,
    kube: EmulatorThread,
    connect_to: Callable[..., Kube],  # noqa: F811
) -> None:
    with pytest.raises(CrdMissing) as caught:
        apply_all(connect_to(), objects(config))

    assert caught.value.exit_code == ExitCode.CRD_MISSING
    assert str(caught.value).startswith(message)
    assert kube.writes() == []


def service_account(role: str | None) -> dict[str, Any]:
    annotations = {"eks.amazonaws.com/role-arn": role} if role else {}
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "external-secrets", "namespace": "external-secrets", "annotations": annotations},
    }


def test_the_eso_service_account_and_its_role_are_checked(
    config: PlatformConfig, cluster: Kube, kube: EmulatorThread
) -> None:
    missing = eso_role_warning(cluster, config, ROLE)
    kube.seed(service_account(None))
    unannotated = eso_role_warning(cluster, config, ROLE)
    kube.seed(service_account("arn:aws:iam::123456789012:role/old"))
    other = eso_role_warning(cluster, config, ROLE)
    kube.seed(service_account(ROLE))
    right = eso_role_warning(cluster, config, ROLE)

    assert missing == (
        "ServiceAccount external-secrets/external-secrets not found: `invoke argocd.apply` creates it; "
        "until then the store cannot read AWS"
    )
    assert unannotated == (
        "ServiceAccount external-secrets/external-secrets has no eks.amazonaws.com/role-arn annotation; "
        "run `invoke argocd.apply`"
    )
    assert other == (
        "ServiceAccount external-secrets/external-secrets uses role arn:aws:iam::123456789012:role/old, "
        f"but iac/ outputs say {ROLE}; run `invoke argocd.apply`"
    )
    assert right is None
