"""The External Secrets Operator's IAM role of every cluster: two read actions on the Datadog
secrets (and, on the platform cluster only, the Kratix git credentials), nothing else."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.iac.argocd_applications import APPS_DIR
from tests.iac.terraform_module import (
    CLUSTER_MODULE,
    FLEET_CLUSTER_MODULE,
    REPO,
    RootModule,
    expression,
    load_root_module,
)

ALLOWED_ACTIONS = {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}
SECRET_ARN = (
    "arn:${data.aws_partition.current.partition}:secretsmanager:${data.aws_region.current.region}"
    ":${data.aws_caller_identity.current.account_id}:secret:"
)
# A named secret's ARN ends in "-" and six random characters.
ALLOWED_RESOURCES = {SECRET_ARN + "datadog/*", SECRET_ARN + "kratix/git-credentials-??????"}
# module call -> what its ESO role may read: the platform cluster runs Kratix (git credentials),
# a workload cluster only Datadog stacks.
ALLOWED_PER_CLUSTER = {"platform": ALLOWED_RESOURCES, "workload": {SECRET_ARN + "datadog/*"}}
ACCOUNT_ID = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")


def statement_problems(statement: dict[str, Any], where: str, allowed_resources: set[str]) -> list[str]:
    problems = [
        f"{where}: uses {key}" for key in ("not_actions", "not_resources", "not_principals") if key in statement
    ]
    actions = set(statement.get("actions", []))
    if actions - ALLOWED_ACTIONS:
        problems.append(f"{where}: actions beyond the two reads: {sorted(actions - ALLOWED_ACTIONS)}")
    if not statement.get("resources"):
        problems.append(f"{where}: no resources")
    for resource in statement.get("resources", []):
        if resource == "*":
            problems.append(f"{where}: resource '*'")
        elif ACCOUNT_ID.search(resource):
            problems.append(f"{where}: literal account id in {resource}")
        elif resource not in allowed_resources:
            problems.append(f"{where}: resource not allowed: {resource}")
    return problems


def policy_problems(policy: dict[str, Any], allowed_resources: set[str]) -> list[str]:
    """What a policy document (aws_iam_policy_document body) grants beyond the allowed reads,
    or, if nothing, which allowed secret it fails to grant."""
    allows = [statement for statement in policy.get("statement", []) if statement.get("effect", "Allow") == "Allow"]
    if not allows:
        return ["no Allow statement"]
    problems = [
        problem
        for index, statement in enumerate(allows)
        for problem in statement_problems(statement, f"statement {statement.get('sid', index)}", allowed_resources)
    ]
    missing = allowed_resources - {resource for statement in allows for resource in statement.get("resources", [])}
    if missing and not problems:
        problems.append(f"missing resources: {sorted(missing)}")
    return problems


def cluster(call: str) -> RootModule:
    """The cluster module as the root module's `module "<call>"` block instantiates it."""
    return load_root_module(FLEET_CLUSTER_MODULE).instance(load_root_module(CLUSTER_MODULE), call)


def expanded_statements(module: RootModule, document: dict[str, Any]) -> list[dict[str, Any]]:
    """The statements of an aws_iam_policy_document body, `dynamic "statement"` blocks expanded
    over their (resolved) for_each list."""
    statements = list(module.resolve(document.get("statement", [])))
    for block in document.get("dynamic", []):
        dynamic = block["statement"]
        values = module.resolve(dynamic["for_each"])
        assert isinstance(values, list), f"for_each not resolvable: {values}"
        (content,) = dynamic["content"]
        statements += [replaced(module.resolve(content), "${statement.value}", str(value)) for value in values]
    return statements


def replaced(node: Any, old: str, new: str) -> Any:
    """`node` with `old` replaced by `new` in every string."""
    if isinstance(node, dict):
        return {key: replaced(value, old, new) for key, value in node.items()}
    if isinstance(node, list):
        return [replaced(value, old, new) for value in node]
    return node.replace(old, new) if isinstance(node, str) else node


def external_secrets_policy(call: str) -> dict[str, Any]:
    module = cluster(call)
    return {"statement": expanded_statements(module, module.data[("aws_iam_policy_document", "external_secrets")])}


@pytest.mark.parametrize("call", sorted(ALLOWED_PER_CLUSTER))
def test_each_clusters_external_secrets_policy_allows_only_reading_its_secrets(call: str) -> None:
    policy = external_secrets_policy(call)
    assert policy_problems(policy, ALLOWED_PER_CLUSTER[call]) == []
    assert {action for statement in policy["statement"] for action in statement["actions"]} == ALLOWED_ACTIONS
    granted = {resource for statement in policy["statement"] for resource in statement["resources"]}
    assert granted == ALLOWED_PER_CLUSTER[call]


def test_a_workload_clusters_role_may_not_read_the_git_credentials() -> None:
    problems = policy_problems(external_secrets_policy("platform"), ALLOWED_PER_CLUSTER["workload"])
    assert problems == [f"statement 1: resource not allowed: {SECRET_ARN}kratix/git-credentials-??????"]


def test_the_policy_checker_catches_the_demo_projects_broad_policy() -> None:
    demo_like = {
        "statement": [
            {
                "actions": [
                    "secretsmanager:GetSecretValue",
                    "secretsmanager:DescribeSecret",
                    "secretsmanager:ListSecrets",
                ],
                "resources": [
                    "arn:aws:secretsmanager:eu-central-1:706171413658:secret:kratix/*",
                    SECRET_ARN + "kratix/*",
                ],
            },
            {"actions": ["ssm:GetParameter"], "resources": ["*"]},
        ]
    }
    problems = "\n".join(policy_problems(demo_like, ALLOWED_RESOURCES))
    assert "secretsmanager:ListSecrets" in problems
    assert "ssm:GetParameter" in problems
    assert "resource '*'" in problems
    assert "literal account id" in problems
    assert "resource not allowed" in problems


def test_the_policy_checker_reports_a_policy_that_grants_too_little() -> None:
    only_datadog = {
        "statement": [{"actions": ["secretsmanager:GetSecretValue"], "resources": [SECRET_ARN + "datadog/*"]}]
    }
    assert policy_problems(only_datadog, ALLOWED_RESOURCES) == [
        f"missing resources: ['{SECRET_ARN}kratix/git-credentials-??????']"
    ]


def test_the_secret_names_in_the_policy_come_from_the_variables_the_outputs_report() -> None:
    root = load_root_module(CLUSTER_MODULE)
    assert root.variables["datadog_secret_prefix"]["default"] == "datadog/"
    assert root.variables["kratix_git_secret_name"]["default"] == "kratix/git-credentials"
    assert root.modules["platform"]["external_secrets_secret_names"] == ["${var.kratix_git_secret_name}"]
    assert root.modules["workload"]["external_secrets_secret_names"] == []
    for call in ALLOWED_PER_CLUSTER:
        assert root.modules[call]["datadog_secret_prefix"] == "${var.datadog_secret_prefix}"
    document = load_root_module(FLEET_CLUSTER_MODULE).data[("aws_iam_policy_document", "external_secrets")]
    assert document["statement"][0]["resources"] == ["${local.secretsmanager_arn_prefix}${var.datadog_secret_prefix}*"]
    named = document["dynamic"][0]["statement"]
    assert named["for_each"] == "${var.external_secrets_secret_names}"
    assert named["content"][0]["resources"] == ["${local.secretsmanager_arn_prefix}${statement.value}-??????"]


def test_the_external_secrets_role_carries_no_other_policy() -> None:
    module = load_root_module(FLEET_CLUSTER_MODULE)
    role = module.resources[("aws_iam_role", "external_secrets")]
    assert not {"inline_policy", "managed_policy_arns"} & set(role)
    assert expression(role["name"]) == "${var.name}-external-secrets"
    attached = sorted(
        (kind, name)
        for (kind, name), body in module.resources.items()
        if kind.startswith("aws_iam_")
        and kind != "aws_iam_role"
        and "aws_iam_role.external_secrets" in str(body.get("role", "")) + str(body.get("roles", ""))
    )
    assert attached == [("aws_iam_role_policy", "external_secrets")]
    policy = module.resources[("aws_iam_role_policy", "external_secrets")]
    assert expression(policy["policy"]) == "data.aws_iam_policy_document.external_secrets.json"


@pytest.mark.parametrize("call", sorted(ALLOWED_PER_CLUSTER))
def test_only_the_external_secrets_service_account_may_assume_each_clusters_role(call: str) -> None:
    module = cluster(call)
    role = module.resources[("aws_iam_role", "external_secrets")]
    assert expression(role["assume_role_policy"]) == 'data.aws_iam_policy_document.irsa_trust["external_secrets"].json'
    trust = module.data[("aws_iam_policy_document", "irsa_trust")]
    assert trust["for_each"] == "${local.irsa_service_accounts}"
    (statement,) = trust["statement"]
    assert statement["actions"] == ["sts:AssumeRoleWithWebIdentity"]
    assert statement["principals"] == [{"type": "Federated", "identifiers": ["${module.eks.oidc_provider_arn}"]}]
    conditions = {condition["variable"]: condition for condition in statement["condition"]}
    assert conditions["${module.eks.oidc_provider}:sub"]["values"] == ["system:serviceaccount:${each.value}"]
    assert conditions["${module.eks.oidc_provider}:sub"]["test"] == "StringEquals"
    assert conditions["${module.eks.oidc_provider}:aud"]["values"] == ["sts.amazonaws.com"]
    accounts = module.resolve(module.locals["irsa_service_accounts"])
    assert accounts["external_secrets"] == "external-secrets:external-secrets"


def test_no_file_of_the_iac_or_the_applications_holds_a_literal_account_id() -> None:
    files = [*REPO.joinpath("iac").rglob("*.tf"), *APPS_DIR.glob("*.yaml")]
    assert any("modules" in path.parts for path in files)
    offenders = [str(path.relative_to(REPO)) for path in files if ACCOUNT_ID.search(Path(path).read_text())]
    assert offenders == []
