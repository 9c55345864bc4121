"""The Argo CD Applications in gitops/argocd/apps/ and the facts the tests hold them to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.iac.terraform_module import REPO

APPS_DIR = REPO / "gitops" / "argocd" / "apps"
KRATIX_CONFIG_CHART = REPO / "gitops" / "argocd" / "charts" / "kratix-config"

# What `invoke argocd.apps` replaces before applying (documented in iac/README.md).
REPOSITORY_URL_PLACEHOLDER = "https://github.com/example/kratix-ops.git"
REGION_PLACEHOLDER = "AWS_REGION_PLACEHOLDER"

# For each chart, the values paths of the components that run pods (hook jobs included); each
# must tolerate the system taint and select the system nodes. "" is the chart's top level.
CHART_POD_COMPONENTS: dict[str, tuple[str, ...]] = {
    "cert-manager": ("", "webhook", "cainjector", "startupapicheck"),
    "external-secrets": ("", "webhook", "certController"),
    "flux2": ("helmController", "sourceController", "cli"),
    "kratix": ("",),
    "metrics-server": ("",),
}


def application_files() -> list[Path]:
    return sorted(APPS_DIR.glob("*.yaml"))


def load_applications() -> dict[str, dict[str, Any]]:
    """metadata.name -> Application, for every document in gitops/argocd/apps/."""
    applications: dict[str, dict[str, Any]] = {}
    for path in application_files():
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                applications[document["metadata"]["name"]] = document
    return applications


def helm_values(application: dict[str, Any]) -> dict[str, Any]:
    return application["spec"]["source"].get("helm", {}).get("valuesObject", {})


def at_path(values: dict[str, Any], dotted: str) -> dict[str, Any]:
    node: Any = values
    for key in filter(None, dotted.split(".")):
        node = node.get(key, {}) if isinstance(node, dict) else {}
    return node if isinstance(node, dict) else {}
