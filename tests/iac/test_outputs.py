"""Outputs: the names the invoke tasks read with `tofu output -json`, and the fleet's."""

from __future__ import annotations

import dataclasses
import importlib
import re

import pytest

from tests.iac.terraform_module import (
    ARGOCD_MODULE,
    CLUSTER_MODULE,
    FLEET_CLUSTER_MODULE,
    expression,
    load_root_module,
)

# The platform cluster, under the names the tasks read (ClusterOutputs): they must not change.
PLATFORM_OUTPUTS = {
    "cluster_name",
    "region",
    "cluster_endpoint",
    "cluster_certificate_authority_data",
    "oidc_provider_arn",
    "external_secrets_role_arn",
    "account_id",
    "vpc_id",
    "kratix_git_secret_name",
    "datadog_secret_prefix",
}
CLUSTER_OUTPUTS = {*PLATFORM_OUTPUTS, "workload_clusters"}
ARGOCD_OUTPUTS = {"argocd_namespace", "argocd_server_service", "argocd_release_name"}
# What `invoke cluster.add` will read for each workload cluster.
WORKLOAD_CLUSTER_FIELDS = {
    "cluster_name",
    "region",
    "endpoint",
    "certificate_authority_data",
    "oidc_provider_arn",
    "eso_role_arn",
    "endpoint_public_access",
}


def test_the_cluster_module_has_exactly_the_outputs_the_tasks_read() -> None:
    assert set(load_root_module(CLUSTER_MODULE).outputs) == CLUSTER_OUTPUTS


def test_the_platform_outputs_are_the_ones_the_tasks_read() -> None:
    for name in ("ops.platform.infra", "ops.infra"):  # the module's path before and after the ops/ layout change
        try:
            infra = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        assert {field.name for field in dataclasses.fields(infra.ClusterOutputs)} == PLATFORM_OUTPUTS
        return
    pytest.fail("no ops module defines ClusterOutputs")


def test_the_argocd_module_has_exactly_the_outputs_the_tasks_read() -> None:
    assert set(load_root_module(ARGOCD_MODULE).outputs) == ARGOCD_OUTPUTS


@pytest.mark.parametrize(
    "module", [CLUSTER_MODULE, ARGOCD_MODULE, FLEET_CLUSTER_MODULE], ids=["iac", "iac/argocd", "iac/modules/cluster"]
)
def test_every_output_has_a_value_and_a_description(module) -> None:
    for name, body in load_root_module(module).outputs.items():
        assert expression(body.get("value", "")).strip(), name
        assert str(body.get("description", "")).strip(), name


def test_the_platform_outputs_come_from_the_platform_instance_and_the_resources() -> None:
    outputs = load_root_module(CLUSTER_MODULE).outputs
    child = load_root_module(FLEET_CLUSTER_MODULE).outputs
    for name in ("cluster_name", "cluster_endpoint", "cluster_certificate_authority_data", "oidc_provider_arn"):
        assert expression(outputs[name]["value"]) == f"module.platform.{name}"
        assert expression(child[name]["value"]) == f"module.eks.{name}"
    assert expression(outputs["external_secrets_role_arn"]["value"]) == "module.platform.external_secrets_role_arn"
    assert expression(child["external_secrets_role_arn"]["value"]) == "aws_iam_role.external_secrets.arn"
    assert expression(outputs["account_id"]["value"]) == "data.aws_caller_identity.current.account_id"
    assert expression(outputs["kratix_git_secret_name"]["value"]) == "var.kratix_git_secret_name"
    assert expression(outputs["datadog_secret_prefix"]["value"]) == "var.datadog_secret_prefix"


def workload_output_fields() -> dict[str, str]:
    """field -> expression of the per-cluster object in output `workload_clusters`."""
    value = expression(load_root_module(CLUSTER_MODULE).outputs["workload_clusters"]["value"])
    found = re.fullmatch(r"\{for name, cluster in module\.workload : name => \{(.*)\}\}", value)
    assert found, value
    return dict(pair.split(" = ", 1) for pair in found.group(1).split(", "))


def test_the_workload_clusters_output_describes_every_workload_instance() -> None:
    fields = workload_output_fields()
    assert set(fields) == WORKLOAD_CLUSTER_FIELDS
    child_outputs = set(load_root_module(FLEET_CLUSTER_MODULE).outputs)
    for field, source in fields.items():
        if source.startswith("cluster."):
            assert source.removeprefix("cluster.") in child_outputs, field
    assert fields["eso_role_arn"] == "cluster.external_secrets_role_arn"
    assert fields["region"] == "var.region"


def test_a_workload_cluster_cannot_take_the_platform_clusters_name() -> None:
    (rule,) = load_root_module(CLUSTER_MODULE).outputs["workload_clusters"]["precondition"]
    assert expression(rule["condition"]) == "!contains(keys(var.workload_clusters), var.cluster_name)"


def test_the_argocd_server_service_name_follows_the_chart_naming() -> None:
    module = load_root_module(ARGOCD_MODULE)
    assert module.variables["argocd_release_name"]["default"] == "argocd"
    assert module.outputs["argocd_server_service"]["value"] == "${local.argocd_fullname}-server"
    # release "argocd" -> fullname "argocd" -> Service "argocd-server" (argo-helm _common.tpl)
    assert 'regexall("argocd", var.argocd_release_name)' in module.locals["argocd_fullname"]
