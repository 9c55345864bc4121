"""Every manifest the pipeline generates, for every tier, against the upstream CRDs and Kubernetes schemas."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest

from datadog_configure.pipeline import configure
from datadog_configure.settings import PipelineSettings
from tests.conftest import datadog_stack, invoke_yaml
from tests.support import crd_schema

CORE_KINDS = {("v1", "Namespace")}


def settings() -> PipelineSettings:
    config = invoke_yaml()["datadog"]
    return PipelineSettings(
        chart_version=config["chart_version"],
        chart_repository=config["chart_repository"],
        default_site=config["site"],
        promise_name="datadog-stack",
    )


def manifests(tier: str) -> list[dict[str, Any]]:
    obj = datadog_stack(tier=tier, environment="prod", tags=["team:payments"], site="us5.datadoghq.com")
    return [m.body for m in configure(obj, settings()).manifests]


@pytest.mark.parametrize("tier", ["minimal", "standard", "full"])
def test_custom_resources_are_valid_against_the_real_flux_and_eso_crds(tier: str) -> None:
    checked = 0
    for body in manifests(tier):
        if (body["apiVersion"], body["kind"]) in CORE_KINDS:
            continue
        assert (body["apiVersion"], body["kind"]) in crd_schema.served_kinds(), body["kind"]
        assert crd_schema.crd_errors(body) == [], body["kind"]
        checked += 1
    assert checked == 3


@pytest.mark.parametrize("tier", ["minimal", "standard", "full"])
def test_core_objects_are_valid_against_the_kubernetes_schemas(tier: str) -> None:
    core = [b for b in manifests(tier) if (b["apiVersion"], b["kind"]) in CORE_KINDS]

    assert len(core) == 1
    for body in core:
        kubernetes_validate.validate(body, "1.32", strict=True)


def test_the_checker_catches_a_manifest_the_api_server_would_refuse() -> None:
    release = next(b for b in manifests("minimal") if b["kind"] == "HelmRelease")
    broken = {**release, "spec": {**release["spec"], "valuesFrom": [{"kind": "Secret"}]}}  # name is required

    assert any("name" in e for e in crd_schema.crd_errors(broken))
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": 3}}, "1.32", strict=True
        )
