"""The Argo CD Applications in gitops/argocd/apps/: valid, pinned, and consistent with the IaC."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from tests.iac.argocd_applications import (
    REGION_PLACEHOLDER,
    REPOSITORY_URL_PLACEHOLDER,
    application_files,
    helm_values,
    load_applications,
)
from tests.iac.terraform_module import ARGOCD_MODULE, CLUSTER_MODULE, REPO, load_root_module
from tests.support import crd_schema

EXPECTED = {
    "cert-manager",
    "external-secrets",
    "flux",
    "metrics-server",
    "kratix",
    "kratix-config",
    "kratix-platform-workloads",
}
EXACT_VERSION = re.compile(r"^v?[0-9]+\.[0-9]+\.[0-9]+$")


def test_the_platform_components_each_have_an_application() -> None:
    assert set(load_applications()) == EXPECTED


@pytest.mark.parametrize("path", application_files(), ids=lambda path: path.name)
def test_every_application_validates_against_the_argocd_crd(path: Path) -> None:
    for document in crd_schema.load_yaml_documents(path):
        assert crd_schema.crd_errors(document) == []


def test_the_crd_check_rejects_a_misspelt_field() -> None:
    broken = copy.deepcopy(load_applications()["kratix"])
    broken["spec"]["source"]["helm"]["valueObject"] = broken["spec"]["source"]["helm"].pop("valuesObject")
    assert any("valueObject" in error for error in crd_schema.crd_errors(broken))


def test_every_application_lives_in_the_argocd_namespace_and_carries_the_part_of_label() -> None:
    namespace = load_root_module(ARGOCD_MODULE).variables["argocd_namespace"]["default"]
    for name, application in load_applications().items():
        assert application["apiVersion"] == "argoproj.io/v1alpha1", name
        assert application["metadata"]["namespace"] == namespace, name
        assert application["metadata"]["labels"]["app.kubernetes.io/part-of"] == "kratix-ops", name
        assert application["spec"]["destination"]["server"] == "https://kubernetes.default.svc", name


def test_every_chart_is_pinned_to_an_exact_version() -> None:
    for name, application in load_applications().items():
        source = application["spec"]["source"]
        if "chart" in source:
            assert EXACT_VERSION.match(source["targetRevision"]), f"{name}: {source['targetRevision']}"
    assert EXACT_VERSION.match(load_root_module(ARGOCD_MODULE).variables["argocd_chart_version"]["default"])


def test_applications_from_this_repository_use_the_url_the_tasks_substitute() -> None:
    applications = load_applications()
    from_git = {name for name, app in applications.items() if "chart" not in app["spec"]["source"]}
    assert from_git == {"kratix-config", "kratix-platform-workloads"}
    for name in from_git:
        assert applications[name]["spec"]["source"]["repoURL"] == REPOSITORY_URL_PLACEHOLDER
    values = helm_values(applications["kratix-config"])
    assert values["stateStore"]["url"] == REPOSITORY_URL_PLACEHOLDER
    assert values["secretStore"]["region"] == REGION_PLACEHOLDER
    readme = (REPO / "iac" / "README.md").read_text()
    assert REPOSITORY_URL_PLACEHOLDER in readme and REGION_PLACEHOLDER in readme
    assert "invoke argocd.apps" in readme


def test_the_workloads_application_syncs_the_folder_kratix_writes_for_the_platform_destination() -> None:
    applications = load_applications()
    values = helm_values(applications["kratix-config"])
    source = applications["kratix-platform-workloads"]["spec"]["source"]
    assert source["path"] == f"{values['stateStore']['path']}/{values['destination']['path']}"
    assert source["targetRevision"] == values["stateStore"]["branch"]
    assert source["directory"]["recurse"] is True
    assert applications["kratix-config"]["spec"]["source"]["targetRevision"] == values["stateStore"]["branch"]


def test_the_external_secrets_identity_agrees_across_iam_bootstrap_and_applications() -> None:
    cluster = load_root_module(CLUSTER_MODULE).variables
    bootstrap = load_root_module(ARGOCD_MODULE).variables
    applications = load_applications()
    namespace = cluster["external_secrets_namespace"]["default"]
    account = cluster["external_secrets_service_account"]["default"]
    assert bootstrap["external_secrets_namespace"]["default"] == namespace
    assert bootstrap["external_secrets_service_account"]["default"] == account
    operator = applications["external-secrets"]
    assert operator["spec"]["destination"]["namespace"] == namespace
    assert helm_values(operator)["serviceAccount"] == {"create": False, "name": account}
    store = helm_values(applications["kratix-config"])["secretStore"]["serviceAccount"]
    assert store == {"name": account, "namespace": namespace}


def test_the_git_credentials_are_read_from_the_secret_the_iam_policy_allows() -> None:
    secret_name = load_root_module(CLUSTER_MODULE).variables["kratix_git_secret_name"]["default"]
    assert helm_values(load_applications()["kratix-config"])["gitCredentials"]["remoteKey"] == secret_name


def test_the_kratix_chart_installs_no_default_state_store() -> None:
    values = helm_values(load_applications()["kratix"])
    assert values["stateStores"] == [] and values["destinations"] == []


def test_flux_runs_only_the_source_and_helm_controllers() -> None:
    values = helm_values(load_applications()["flux"])
    created = {key for key, component in values.items() if isinstance(component, dict) and component.get("create")}
    disabled = {
        key for key, component in values.items() if isinstance(component, dict) and component.get("create") is False
    }
    assert created == {"helmController", "sourceController"}
    assert disabled == {
        "kustomizeController",
        "notificationController",
        "imageAutomationController",
        "imageReflectionController",
    }
