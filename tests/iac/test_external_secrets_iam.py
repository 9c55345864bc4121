"""The External Secrets Operator's IAM role: two read actions on two secret ARNs, nothing else."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.iac.argocd_applications import APPS_DIR
from tests.iac.terraform_module import CLUSTER_MODULE, REPO, expression, load_root_module

ALLOWED_ACTIONS = {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}
SECRET_ARN = (
    "arn:${data.aws_partition.current.partition}:secretsmanager:${var.region}"
    ":${data.aws_caller_identity.current.account_id}:secret:"
)
# A named secret's ARN ends in "-" and six random characters.
ALLOWED_RESOURCES = {SECRET_ARN + "datadog/*", SECRET_ARN + "kratix/git-credentials-??????"}
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


def external_secrets_policy() -> dict[str, Any]:
    module = load_root_module(CLUSTER_MODULE)
    return module.resolve(module.data[("aws_iam_policy_document", "external_secrets")])


def test_the_external_secrets_policy_allows_only_reading_the_datadog_and_git_secrets() -> None:
    policy = external_secrets_policy()
    assert policy_problems(policy, ALLOWED_RESOURCES) == []
    assert {action for statement in policy["statement"] for action in statement["actions"]} == ALLOWED_ACTIONS


def test_the_policy_checker_catches_the_seed_projects_broad_policy() -> None:
    seed_like = {
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
    problems = "\n".join(policy_problems(seed_like, ALLOWED_RESOURCES))
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
    module = load_root_module(CLUSTER_MODULE)
    assert module.variables["datadog_secret_prefix"]["default"] == "datadog/"
    assert module.variables["kratix_git_secret_name"]["default"] == "kratix/git-credentials"
    raw = module.data[("aws_iam_policy_document", "external_secrets")]["statement"][0]["resources"]
    assert raw == [
        "${local.secretsmanager_arn_prefix}${var.datadog_secret_prefix}*",
        "${local.secretsmanager_arn_prefix}${var.kratix_git_secret_name}-??????",
    ]


def test_the_external_secrets_role_carries_no_other_policy() -> None:
    module = load_root_module(CLUSTER_MODULE)
    role = module.resources[("aws_iam_role", "external_secrets")]
    assert not {"inline_policy", "managed_policy_arns"} & set(role)
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


def test_only_the_external_secrets_service_account_may_assume_the_role() -> None:
    module = load_root_module(CLUSTER_MODULE)
    role = module.resources[("aws_iam_role", "external_secrets")]
    assert expression(role["assume_role_policy"]) == 'data.aws_iam_policy_document.irsa_trust["external_secrets"].json'
    trust = module.data[("aws_iam_policy_document", "irsa_trust")]["statement"][0]
    assert trust["actions"] == ["sts:AssumeRoleWithWebIdentity"]
    conditions = {condition["variable"]: condition for condition in trust["condition"]}
    assert conditions["${module.eks.oidc_provider}:sub"]["values"] == ["system:serviceaccount:${each.value}"]
    assert conditions["${module.eks.oidc_provider}:aud"]["values"] == ["sts.amazonaws.com"]
    accounts = module.resolve(module.locals["irsa_service_accounts"])
    assert accounts["external_secrets"] == "external-secrets:external-secrets"


def test_no_file_of_the_iac_or_the_applications_holds_a_literal_account_id() -> None:
    files = [*REPO.joinpath("iac").rglob("*.tf"), *APPS_DIR.glob("*.yaml")]
    offenders = [str(path.relative_to(REPO)) for path in files if ACCOUNT_ID.search(Path(path).read_text())]
    assert offenders == []
