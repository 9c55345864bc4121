"""The objects a request becomes: Namespace, Flux HelmRepository and HelmRelease, ESO ExternalSecret."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from datadog_configure.naming import labels
from datadog_configure.request import DatadogStackRequest
from datadog_configure.settings import PipelineSettings

KEYS_SECRET = "datadog-api-key"  # the Secret ESO writes and the HelmRelease reads
RELEASE = "datadog"


@dataclass(frozen=True)
class Manifest:
    """One file under /kratix/output."""

    filename: str
    body: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.body["kind"])

    @property
    def name(self) -> str:
        return str(self.body["metadata"]["name"])

    @property
    def namespace(self) -> str:
        return str(self.body["metadata"].get("namespace", ""))


def build_manifests(
    request: DatadogStackRequest, namespace: str, values: dict[str, Any], settings: PipelineSettings
) -> tuple[Manifest, ...]:
    common = labels(request, settings.promise_name)

    def meta(name: str, with_namespace: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name}
        if with_namespace:
            body["namespace"] = namespace
        body["labels"] = dict(common)
        return body

    return (
        Manifest("namespace.yaml", {"apiVersion": "v1", "kind": "Namespace", "metadata": meta(namespace, False)}),
        Manifest(
            "helm-repository.yaml",
            {
                "apiVersion": "source.toolkit.fluxcd.io/v1",
                "kind": "HelmRepository",
                "metadata": meta(RELEASE),
                "spec": {"interval": "1h", "url": settings.chart_repository},
            },
        ),
        Manifest(
            "external-secret.yaml",
            {
                "apiVersion": "external-secrets.io/v1",
                "kind": "ExternalSecret",
                "metadata": meta(KEYS_SECRET),
                "spec": {
                    "refreshInterval": "1h",
                    "secretStoreRef": {"name": settings.secret_store, "kind": "ClusterSecretStore"},
                    "target": {"name": KEYS_SECRET, "creationPolicy": "Owner", "deletionPolicy": "Retain"},
                    "data": [
                        {"secretKey": key, "remoteRef": {"key": request.secret_path, "property": key}}
                        for key in ("api-key", "app-key")
                    ],
                },
            },
        ),
        Manifest(
            "helm-release.yaml",
            {
                "apiVersion": "helm.toolkit.fluxcd.io/v2",
                "kind": "HelmRelease",
                "metadata": meta(RELEASE),
                "spec": {
                    "interval": "10m",
                    "releaseName": RELEASE,
                    "chart": {
                        "spec": {
                            "chart": "datadog",
                            "version": settings.chart_version,
                            "sourceRef": {"kind": "HelmRepository", "name": RELEASE, "namespace": namespace},
                            "interval": "1h",
                        }
                    },
                    "install": {"remediation": {"retries": 3}},
                    "upgrade": {"remediation": {"retries": 3, "remediateLastFailure": True}},
                    # Both keys are required: the metrics provider of standard and full needs the app key.
                    "valuesFrom": [
                        {
                            "kind": "Secret",
                            "name": KEYS_SECRET,
                            "valuesKey": "api-key",
                            "targetPath": "datadog.apiKey",
                        },
                        {
                            "kind": "Secret",
                            "name": KEYS_SECRET,
                            "valuesKey": "app-key",
                            "targetPath": "datadog.appKey",
                        },
                    ],
                    "values": values,
                },
            },
        ),
    )
