"""Outputs the invoke tasks read with `tofu output -json`."""

from __future__ import annotations

import pytest

from tests.iac.terraform_module import ARGOCD_MODULE, CLUSTER_MODULE, expression, load_root_module

CLUSTER_OUTPUTS = {
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
ARGOCD_OUTPUTS = {"argocd_namespace", "argocd_server_service", "argocd_release_name"}


def test_the_cluster_module_has_exactly_the_outputs_the_tasks_read() -> None:
    assert set(load_root_module(CLUSTER_MODULE).outputs) == CLUSTER_OUTPUTS


def test_the_argocd_module_has_exactly_the_outputs_the_tasks_read() -> None:
    assert set(load_root_module(ARGOCD_MODULE).outputs) == ARGOCD_OUTPUTS


@pytest.mark.parametrize("module", [CLUSTER_MODULE, ARGOCD_MODULE], ids=["iac", "iac/argocd"])
def test_every_output_has_a_value_and_a_description(module) -> None:
    for name, body in load_root_module(module).outputs.items():
        assert expression(body.get("value", "")).strip(), name
        assert str(body.get("description", "")).strip(), name


def test_outputs_come_from_the_resources_not_from_literals() -> None:
    outputs = load_root_module(CLUSTER_MODULE).outputs
    assert expression(outputs["account_id"]["value"]) == "data.aws_caller_identity.current.account_id"
    assert expression(outputs["external_secrets_role_arn"]["value"]) == "aws_iam_role.external_secrets.arn"
    assert expression(outputs["kratix_git_secret_name"]["value"]) == "var.kratix_git_secret_name"
    assert expression(outputs["datadog_secret_prefix"]["value"]) == "var.datadog_secret_prefix"


def test_the_argocd_server_service_name_follows_the_chart_naming() -> None:
    module = load_root_module(ARGOCD_MODULE)
    assert module.variables["argocd_release_name"]["default"] == "argocd"
    assert module.outputs["argocd_server_service"]["value"] == "${local.argocd_fullname}-server"
    # release "argocd" -> fullname "argocd" -> Service "argocd-server" (argo-helm _common.tpl)
    assert 'regexall("argocd", var.argocd_release_name)' in module.locals["argocd_fullname"]
