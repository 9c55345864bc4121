"""The names the platform's controllers and charts use, defined once: API groups, kinds, namespaces,
Kratix's labels, and the reference to one DatadogStack.

Sources: Kratix's labels and condition types (https://docs.kratix.io/main/reference/resource-requests/intro,
https://github.com/syntasso/kratix/blob/main/api/v1alpha1/work_types.go), the Datadog chart's object
names (https://github.com/DataDog/helm-charts/tree/main/charts/datadog).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# API groups -------------------------------------------------------------------------------------
KRATIX_GROUP = "platform.kratix.io"
KRATIX_API = f"{KRATIX_GROUP}/v1alpha1"
ARGOCD_GROUP = "argoproj.io"
ARGOCD_API = f"{ARGOCD_GROUP}/v1alpha1"
HELM_GROUP = "helm.toolkit.fluxcd.io"
SOURCE_GROUP = "source.toolkit.fluxcd.io"
ESO_GROUP = "external-secrets.io"
ESO_API = f"{ESO_GROUP}/v1"

# The DatadogStack API as promises/promise.yaml defines it (its group comes from Settings.api_group).
STACK_KIND = "DatadogStack"
STACK_PLURAL = "datadogstacks"
STACK_VERSION = "v1alpha1"
PROMISE_KIND = "Promise"

# Well-known namespaces --------------------------------------------------------------------------
KRATIX_NAMESPACE = "kratix-platform-system"
ARGOCD_NAMESPACE = "argocd"

# Kratix's labels on what it creates for a request -----------------------------------------------
PROMISE_NAME_LABEL = "kratix.io/promise-name"
RESOURCE_NAME_LABEL = "kratix.io/resource-name"
RESOURCE_NAMESPACE_LABEL = "kratix.io/resource-namespace"
PIPELINE_NAME_LABEL = "kratix.io/pipeline-name"
WORKFLOW_ACTION_LABEL = "kratix.io/workflow-action"
MANUAL_RECONCILIATION_LABEL = "kratix.io/manual-reconciliation"
PAUSED_LABEL = "kratix.io/paused"

# The Datadog chart names its workloads after the release (datadog_configure.manifests.RELEASE).
AGENT_DAEMONSET = "datadog"
CLUSTER_AGENT = "datadog-cluster-agent"


@dataclass(frozen=True, order=True)
class StackRef:
    """One DatadogStack request: its namespace and name."""

    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"

    @classmethod
    def of(cls, obj: Mapping[str, Any]) -> StackRef:
        meta = obj.get("metadata") or {}
        return cls(str(meta.get("namespace") or "default"), str(meta.get("name", "")))

    @classmethod
    def of_labels(cls, labels: Mapping[str, str], namespace: str) -> StackRef | None:
        """The request named by Kratix's labels (a pipeline pod's, a Work's, a namespace's)."""
        name = labels.get(RESOURCE_NAME_LABEL)
        return cls(labels.get(RESOURCE_NAMESPACE_LABEL) or namespace, name) if name else None


# Fleet: the label on a Kratix Destination that names the cluster it stands for; a DatadogStack's
# `spec.clusterName` selects it (the pipeline writes it as a destination selector).
CLUSTER_LABEL = "kratix-ops/cluster"
