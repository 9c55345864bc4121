"""The Kubernetes API endpoints fail closed: private access on, public access off unless CIDRs are
listed, and only the listed CIDRs (issue "Fail closed", IaC)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.iac.terraform_module import CLUSTER_MODULE, FLEET_CLUSTER_MODULE, expression, load_root_module


def eks_call() -> dict[str, Any]:
    return load_root_module(FLEET_CLUSTER_MODULE).modules["eks"]


def test_the_private_endpoint_is_always_on() -> None:
    assert eks_call()["endpoint_private_access"] is True


def test_the_public_endpoint_is_on_only_when_cidrs_are_listed_and_open_only_to_them() -> None:
    call = eks_call()
    assert expression(call["endpoint_public_access"]) == "length(var.endpoint_public_access_cidrs) > 0"
    assert expression(call["endpoint_public_access_cidrs"]) == "var.endpoint_public_access_cidrs"


def test_no_switch_or_default_opens_the_public_endpoint() -> None:
    root = load_root_module(CLUSTER_MODULE)
    assert "endpoint_public_access" not in root.variables
    assert root.variables["endpoint_public_access_cidrs"]["default"] == []
    assert root.variables["endpoint_private_access_cidrs"]["default"] == []
    child = load_root_module(FLEET_CLUSTER_MODULE).variables
    assert "default" not in child["endpoint_public_access_cidrs"]


@pytest.mark.parametrize("call", ["platform", "workload"])
def test_every_cluster_gets_the_endpoint_cidrs_of_the_root_variables_only(call: str) -> None:
    cluster = load_root_module(FLEET_CLUSTER_MODULE).instance(load_root_module(CLUSTER_MODULE), call)
    assert cluster.resolve("${var.endpoint_public_access_cidrs}") == []
    assert cluster.resolve("${var.endpoint_private_access_cidrs}") == []


def test_the_private_endpoint_is_opened_on_443_to_the_listed_networks_only() -> None:
    rules = expression(eks_call()["security_group_additional_rules"])
    assert rules.startswith("length(var.endpoint_private_access_cidrs) == 0 ? {} : {")
    assert "from_port = 443, to_port = 443, cidr_blocks = var.endpoint_private_access_cidrs" in rules
    assert rules.count("cidr_blocks") == 1


def test_the_variable_and_the_readme_say_the_tasks_need_network_reach_to_the_api() -> None:
    description = load_root_module(CLUSTER_MODULE).variables["endpoint_public_access_cidrs"]["description"]
    assert "invoke kubeconfig" in description and "invoke setup" in description
    assert "endpoint_private_access_cidrs" in description
    readme = " ".join((CLUSTER_MODULE / "README.md").read_text().split())
    for phrase in (
        "invoke kubeconfig",
        "invoke setup",
        "endpoint_public_access_cidrs",
        "endpoint_private_access_cidrs",
    ):
        assert phrase in readme, phrase
