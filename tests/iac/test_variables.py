"""Variables of both root modules: documented, typed, and validated where values have rules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.iac.terraform_module import ARGOCD_MODULE, CLUSTER_MODULE, ROOT_MODULES, load_root_module, load_tfvars
from tests.iac.tofu_cli import NO_BINARY, plan, tofu_binary, variables_only_copy

VALIDATED = {
    CLUSTER_MODULE: {
        "region",
        "cluster_name",
        "kubernetes_version",
        "vpc_cidr",
        "az_count",
        "log_retention_days",
        "endpoint_public_access_cidrs",
        "cluster_admin_principal_arns",
        "default_node_group",
        "system_node_group",
        "external_secrets_namespace",
        "external_secrets_service_account",
        "datadog_secret_prefix",
        "kratix_git_secret_name",
    },
    ARGOCD_MODULE: {
        "region",
        "cluster_name",
        "argocd_namespace",
        "argocd_release_name",
        "argocd_chart_version",
        "external_secrets_role_arn",
        "external_secrets_namespace",
        "external_secrets_service_account",
    },
}
REQUIRED_VALUES = {
    CLUSTER_MODULE: ["-var", "region=eu-central-1"],
    ARGOCD_MODULE: [
        "-var",
        "region=eu-central-1",
        "-var",
        "external_secrets_role_arn=arn:aws:iam::111122223333:role/kratix-demo-external-secrets",
    ],
}


def module_id(path: Path) -> str:
    return str(path.relative_to(CLUSTER_MODULE.parent))


@pytest.mark.parametrize("module", ROOT_MODULES, ids=module_id)
def test_every_variable_has_a_type_and_a_description(module: Path) -> None:
    variables = load_root_module(module).variables
    assert variables
    untyped = [name for name, body in variables.items() if not body.get("type")]
    undocumented = [name for name, body in variables.items() if not str(body.get("description", "")).strip()]
    assert untyped == [] and undocumented == [], f"untyped {untyped}, undocumented {undocumented}"


@pytest.mark.parametrize("module", ROOT_MODULES, ids=module_id)
def test_variables_whose_values_have_rules_are_validated(module: Path) -> None:
    variables = load_root_module(module).variables
    unvalidated = sorted(name for name in VALIDATED[module] if not variables.get(name, {}).get("validation"))
    assert unvalidated == []
    for name, body in variables.items():
        for rule in body.get("validation", []):
            assert f"var.{name}" in rule["condition"], f"{name}: the condition must test the variable"
            assert rule["error_message"].strip(), f"{name}: empty error message"


@pytest.mark.parametrize("module", ROOT_MODULES, ids=module_id)
def test_every_root_module_has_a_tfvars_example_that_sets_only_declared_variables(module: Path) -> None:
    example = module / "terraform.tfvars.example"
    assert example.is_file()
    declared = set(load_root_module(module).variables)
    assigned = set(load_tfvars(example))
    assert assigned, "the example sets no variable"
    assert assigned <= declared, f"undeclared: {sorted(assigned - declared)}"
    required = {name for name, body in load_root_module(module).variables.items() if "default" not in body}
    assert required <= assigned, f"the example leaves out required {sorted(required - assigned)}"


@pytest.fixture(scope="module")
def binary() -> str:
    found = tofu_binary()
    if found is None:
        pytest.skip(NO_BINARY)
    return found


@pytest.fixture(scope="module")
def cluster_variables(binary: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return variables_only_copy(binary, CLUSTER_MODULE, tmp_path_factory.mktemp("cluster-variables"))


@pytest.fixture(scope="module")
def argocd_variables(binary: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return variables_only_copy(binary, ARGOCD_MODULE, tmp_path_factory.mktemp("argocd-variables"))


def test_the_defaults_and_the_tfvars_examples_pass_validation(
    binary: str, cluster_variables: Path, argocd_variables: Path
) -> None:
    for module, workdir in ((CLUSTER_MODULE, cluster_variables), (ARGOCD_MODULE, argocd_variables)):
        defaults = plan(binary, workdir, *REQUIRED_VALUES[module])
        assert defaults.returncode == 0, defaults.stdout + defaults.stderr
        shutil.copy(module / "terraform.tfvars.example", workdir / "example.tfvars")
        example = plan(binary, workdir, "-var-file=example.tfvars")
        assert example.returncode == 0, example.stdout + example.stderr
        assert "undeclared variable" not in example.stdout + example.stderr


# case -> (the variable whose validation must fail, -var arguments)
CLUSTER_REJECTS = {
    "region": ("region", ["-var", "region=Frankfurt"]),
    "cluster name": ("cluster_name", ["-var", "cluster_name=1-cluster"]),
    "vpc cidr": ("vpc_cidr", ["-var", "vpc_cidr=10.0.0.0/8"]),
    "single az": ("az_count", ["-var", "az_count=1"]),
    "no instance types": (
        "default_node_group",
        ["-var", "default_node_group={instance_types=[],min_size=1,desired_size=1,max_size=2}"],
    ),
    "min above desired": (
        "default_node_group",
        ["-var", 'default_node_group={instance_types=["t3.large"],min_size=3,desired_size=2,max_size=4}'],
    ),
    "desired above max": (
        "system_node_group",
        ["-var", 'system_node_group={instance_types=["t3.large"],min_size=1,desired_size=5,max_size=2}'],
    ),
    "no system nodes": (
        "system_node_group",
        ["-var", 'system_node_group={instance_types=["t3.large"],min_size=0,desired_size=0,max_size=2}'],
    ),
    "wildcard datadog prefix": ("datadog_secret_prefix", ["-var", "datadog_secret_prefix=datadog/*"]),
    "wildcard git secret": ("kratix_git_secret_name", ["-var", "kratix_git_secret_name=kratix/*"]),
}


@pytest.mark.parametrize("case", sorted(CLUSTER_REJECTS))
def test_the_cluster_module_rejects_values_that_break_its_rules(
    binary: str, cluster_variables: Path, case: str
) -> None:
    variable, arguments = CLUSTER_REJECTS[case]
    result = plan(binary, cluster_variables, "-var", "region=eu-central-1", *arguments)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Invalid value for variable" in output and f'variable "{variable}"' in output, output


ARGOCD_REJECTS = {
    "chart version range": ("argocd_chart_version", ["-var", "argocd_chart_version=10.*"]),
    "role name instead of arn": ("external_secrets_role_arn", ["-var", "external_secrets_role_arn=eso"]),
    "namespace with capitals": ("argocd_namespace", ["-var", "argocd_namespace=Argo_CD"]),
}


@pytest.mark.parametrize("case", sorted(ARGOCD_REJECTS))
def test_the_argocd_module_rejects_values_that_break_its_rules(binary: str, argocd_variables: Path, case: str) -> None:
    variable, arguments = ARGOCD_REJECTS[case]
    result = plan(binary, argocd_variables, *REQUIRED_VALUES[ARGOCD_MODULE], *arguments)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Invalid value for variable" in output and f'variable "{variable}"' in output, output
