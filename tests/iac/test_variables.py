"""Variables of the root modules and of the cluster module: documented, typed, and validated where
values have rules; the rules are run offline, through the module calls, on the values they refuse."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.iac.terraform_module import (
    ARGOCD_MODULE,
    CLUSTER_MODULE,
    FLEET_CLUSTER_MODULE,
    ROOT_MODULES,
    load_root_module,
    load_tfvars,
)
from tests.iac.tofu_cli import NO_BINARY, fleet_variables_copy, plan, tofu_binary, variables_only_copy

VALIDATED = {
    # What only the root module uses; every per-cluster value is validated by the cluster module.
    CLUSTER_MODULE: {"region", "vpc_cidr", "az_count", "log_retention_days"},
    FLEET_CLUSTER_MODULE: {
        "name",
        "kubernetes_version",
        "subnet_ids",
        "endpoint_public_access_cidrs",
        "endpoint_private_access_cidrs",
        "cluster_admin_principal_arns",
        "default_node_group",
        "system_node_group",
        "external_secrets_namespace",
        "external_secrets_service_account",
        "datadog_secret_prefix",
        "external_secrets_secret_names",
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
# Root variable -> the cluster module variable that validates it, in every cluster module call.
VALIDATED_BY_THE_CLUSTER_MODULE = {
    "kubernetes_version": "kubernetes_version",
    "endpoint_public_access_cidrs": "endpoint_public_access_cidrs",
    "endpoint_private_access_cidrs": "endpoint_private_access_cidrs",
    "cluster_admin_principal_arns": "cluster_admin_principal_arns",
    "default_node_group": "default_node_group",
    "system_node_group": "system_node_group",
    "external_secrets_namespace": "external_secrets_namespace",
    "external_secrets_service_account": "external_secrets_service_account",
    "datadog_secret_prefix": "datadog_secret_prefix",
}
MODULES = (*ROOT_MODULES, FLEET_CLUSTER_MODULE)
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


@pytest.mark.parametrize("module", MODULES, ids=module_id)
def test_every_variable_has_a_type_and_a_description(module: Path) -> None:
    variables = load_root_module(module).variables
    assert variables
    untyped = [name for name, body in variables.items() if not body.get("type")]
    undocumented = [name for name, body in variables.items() if not str(body.get("description", "")).strip()]
    assert untyped == [] and undocumented == [], f"untyped {untyped}, undocumented {undocumented}"


@pytest.mark.parametrize("module", MODULES, ids=module_id)
def test_variables_whose_values_have_rules_are_validated(module: Path) -> None:
    variables = load_root_module(module).variables
    unvalidated = sorted(name for name in VALIDATED[module] if not variables.get(name, {}).get("validation"))
    assert unvalidated == []
    for name, body in variables.items():
        for rule in body.get("validation", []):
            assert f"var.{name}" in rule["condition"], f"{name}: the condition must test the variable"
            assert rule["error_message"].strip(), f"{name}: empty error message"


@pytest.mark.parametrize("call", ["platform", "workload"])
def test_every_cluster_module_call_hands_the_root_values_to_the_rules_of_the_cluster_module(call: str) -> None:
    root = load_root_module(CLUSTER_MODULE)
    arguments = root.modules[call]
    child = load_root_module(FLEET_CLUSTER_MODULE).variables
    assert arguments["source"] == "./modules/cluster"
    # No defaults in the cluster module: every call says every value, none is taken by accident.
    assert [name for name, body in child.items() if "default" in body] == []
    assert set(child) <= set(arguments), f"not passed: {sorted(set(child) - set(arguments))}"
    for root_name, child_name in VALIDATED_BY_THE_CLUSTER_MODULE.items():
        assert f"var.{root_name}" in str(arguments[child_name]), (call, child_name)
        assert child[child_name].get("validation"), child_name
    assert f"var.{'cluster_name' if call == 'platform' else 'workload_clusters'}" in str(
        arguments["name"] if call == "platform" else arguments["for_each"]
    )


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
def fleet_variables(binary: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fleet_variables_copy(binary, CLUSTER_MODULE, FLEET_CLUSTER_MODULE, tmp_path_factory.mktemp("fleet"))


@pytest.fixture(scope="module")
def argocd_variables(binary: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return variables_only_copy(binary, ARGOCD_MODULE, tmp_path_factory.mktemp("argocd-variables"))


def commented_workload_clusters_example() -> str:
    """The `workload_clusters` block that iac/terraform.tfvars.example shows commented out."""
    lines = (CLUSTER_MODULE / "terraform.tfvars.example").read_text().splitlines()
    start = lines.index("# workload_clusters = {")
    end = lines.index("# }", start)
    return "\n".join(line.removeprefix("#").removeprefix(" ") for line in lines[start : end + 1]) + "\n"


def test_the_defaults_and_the_tfvars_examples_pass_validation(
    binary: str, fleet_variables: Path, argocd_variables: Path
) -> None:
    for module, workdir in ((CLUSTER_MODULE, fleet_variables), (ARGOCD_MODULE, argocd_variables)):
        defaults = plan(binary, workdir, *REQUIRED_VALUES[module])
        assert defaults.returncode == 0, defaults.stdout + defaults.stderr
        shutil.copy(module / "terraform.tfvars.example", workdir / "example.tfvars")
        example = plan(binary, workdir, "-var-file=example.tfvars")
        assert example.returncode == 0, example.stdout + example.stderr
        assert "undeclared variable" not in example.stdout + example.stderr


def test_the_commented_workload_clusters_example_passes_validation(binary: str, fleet_variables: Path) -> None:
    (fleet_variables / "workloads.tfvars").write_text(commented_workload_clusters_example())
    result = plan(binary, fleet_variables, *REQUIRED_VALUES[CLUSTER_MODULE], "-var-file=workloads.tfvars")
    assert result.returncode == 0, result.stdout + result.stderr


def refusal(module: Path, variable: str, rule_index: int = 0) -> str:
    """The error message of a validation rule, as it appears (unwrapped) in tofu's output."""
    return " ".join(load_root_module(module).variables[variable]["validation"][rule_index]["error_message"].split())


def refused_by(output: str, module: Path, variable: str) -> bool:
    said = " ".join(output.split())
    rules = load_root_module(module).variables[variable]["validation"]
    return "Invalid value for variable" in said and any(refusal(module, variable, i) in said for i in range(len(rules)))


CLUSTER = FLEET_CLUSTER_MODULE
ONE_WORKLOAD = 'workload_clusters={{"team-a"={{{}}}}}'
# case -> (module and variable whose rule must refuse it, the module call it comes through, -var arguments)
CLUSTER_REJECTS: dict[str, tuple[Path, str, str, list[str]]] = {
    "region": (CLUSTER_MODULE, "region", "", ["-var", "region=Frankfurt"]),
    "vpc cidr": (CLUSTER_MODULE, "vpc_cidr", "", ["-var", "vpc_cidr=10.0.0.0/8"]),
    "single az": (CLUSTER_MODULE, "az_count", "", ["-var", "az_count=1"]),
    "cluster name": (CLUSTER, "name", "platform", ["-var", "cluster_name=1-cluster"]),
    "workload cluster name": (
        CLUSTER,
        "name",
        "workload",
        ["-var", ONE_WORKLOAD.format("").replace("team-a", "team-a-")],
    ),
    "kubernetes version": (CLUSTER, "kubernetes_version", "platform", ["-var", "kubernetes_version=1.34.2"]),
    "workload kubernetes version": (
        CLUSTER,
        "kubernetes_version",
        "workload",
        ["-var", ONE_WORKLOAD.format('kubernetes_version="latest"')],
    ),
    "no instance types": (
        CLUSTER,
        "default_node_group",
        "platform",
        ["-var", "default_node_group={instance_types=[],min_size=1,desired_size=1,max_size=2}"],
    ),
    "min above desired": (
        CLUSTER,
        "default_node_group",
        "platform",
        ["-var", 'default_node_group={instance_types=["t3.large"],min_size=3,desired_size=2,max_size=4}'],
    ),
    "workload min above desired": (
        CLUSTER,
        "default_node_group",
        "workload",
        [
            "-var",
            ONE_WORKLOAD.format(
                'default_node_group={instance_types=["t3.large"],min_size=3,desired_size=2,max_size=4}'
            ),
        ],
    ),
    "desired above max": (
        CLUSTER,
        "system_node_group",
        "platform",
        ["-var", 'system_node_group={instance_types=["t3.large"],min_size=1,desired_size=5,max_size=2}'],
    ),
    "no system nodes": (
        CLUSTER,
        "system_node_group",
        "platform",
        ["-var", 'system_node_group={instance_types=["t3.large"],min_size=0,desired_size=0,max_size=2}'],
    ),
    "workload system nodes on spot": (
        CLUSTER,
        "system_node_group",
        "workload",
        [
            "-var",
            ONE_WORKLOAD.format(
                'system_node_group={instance_types=["t3.large"],min_size=1,desired_size=1,max_size=2,'
                'capacity_type="SPOT"}'
            ),
        ],
    ),
    "wildcard datadog prefix": (
        CLUSTER,
        "datadog_secret_prefix",
        "platform",
        ["-var", "datadog_secret_prefix=datadog/*"],
    ),
    "wildcard git secret": (
        CLUSTER,
        "external_secrets_secret_names",
        "platform",
        ["-var", "kratix_git_secret_name=kratix/*"],
    ),
    "public cidr not a cidr": (
        CLUSTER,
        "endpoint_public_access_cidrs",
        "platform",
        ["-var", 'endpoint_public_access_cidrs=["203.0.113.7"]'],
    ),
    "public cidr with host bits": (
        CLUSTER,
        "endpoint_public_access_cidrs",
        "platform",
        ["-var", 'endpoint_public_access_cidrs=["203.0.113.7/24"]'],
    ),
    "public cidr ipv6": (
        CLUSTER,
        "endpoint_public_access_cidrs",
        "platform",
        ["-var", 'endpoint_public_access_cidrs=["2001:db8::/32"]'],
    ),
    "public cidr anywhere": (
        CLUSTER,
        "endpoint_public_access_cidrs",
        "platform",
        ["-var", 'endpoint_public_access_cidrs=["203.0.113.0/24","0.0.0.0/0"]'],
    ),
    "private cidr anywhere": (
        CLUSTER,
        "endpoint_private_access_cidrs",
        "platform",
        ["-var", 'endpoint_private_access_cidrs=["0.0.0.0/0"]'],
    ),
}


@pytest.mark.parametrize("case", sorted(CLUSTER_REJECTS))
def test_the_cluster_module_rejects_values_that_break_its_rules(binary: str, fleet_variables: Path, case: str) -> None:
    module, variable, call, arguments = CLUSTER_REJECTS[case]
    result = plan(binary, fleet_variables, "-var", "region=eu-central-1", *arguments)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert refused_by(output, module, variable), output
    if call:
        assert f'in module "{call}"' in output, output
    else:
        assert f'variable "{variable}"' in output, output


def test_the_endpoint_rules_accept_listed_networks(binary: str, fleet_variables: Path) -> None:
    result = plan(
        binary,
        fleet_variables,
        *REQUIRED_VALUES[CLUSTER_MODULE],
        "-var",
        'endpoint_public_access_cidrs=["203.0.113.7/32","198.51.100.0/24"]',
        "-var",
        'endpoint_private_access_cidrs=["10.8.0.0/16"]',
    )
    assert result.returncode == 0, result.stdout + result.stderr


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
