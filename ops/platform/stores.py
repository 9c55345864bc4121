"""The platform's wiring objects, built in Python exactly as the `kratix-config` chart renders them.

`external-secrets.apply`: the ClusterSecretStore for AWS Secrets Manager (jwt auth through the ESO
service account, whose IRSA role `iac/argocd` annotates) and the ExternalSecret `git-credentials`.
`kratix.apply`: the GitStateStore `default` and the Destination `platform`, labelled with the platform
cluster's name (`kratix-ops/cluster: <cluster.name>`) so requests naming that cluster are scheduled to it.

    config = PlatformConfig.of(settings, region="eu-central-1", git_secret="kratix/git-credentials")
    applied = apply_all(kube, secret_store_objects(config))

tests/ops/test_platform_config.py holds these objects equal to the chart's rendering, so the two ways of
installing them (Argo CD's kratix-config Application, or these tasks) cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ops.config import Settings
from ops.kube.objects import Applied, apply_object, get_object
from ops.names import CLUSTER_LABEL

if TYPE_CHECKING:
    from ops.kube import Kube

Json = dict[str, Any]
ESO = "external-secrets.io/v1"
KRATIX = "platform.kratix.io/v1alpha1"
ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"


@dataclass(frozen=True)
class PlatformConfig:
    region: str
    statestore_url: str
    statestore_branch: str
    statestore_path: str
    destination_path: str
    git_remote_key: str  # Secrets Manager secret with "username" and "password"
    secret_store: str = "aws-secrets-manager"
    # The ESO controller's service account; iac/argocd creates it with the role annotation.
    eso_service_account: str = "external-secrets"
    eso_namespace: str = "external-secrets"
    git_secret: str = "git-credentials"
    git_namespace: str = "kratix-platform-system"
    git_refresh_interval: str = "1h"
    statestore_name: str = "default"
    destination_name: str = "platform"
    destination_environment: str = "platform"  # the label Promises select Destinations by
    cluster_name: str = ""  # the platform cluster's name: its Destination's CLUSTER_LABEL (scheduling by cluster)

    @classmethod
    def of(cls, settings: Settings, *, region: str, git_secret: str) -> PlatformConfig:
        return cls(
            region=region,
            statestore_url=settings.statestore_url,
            statestore_branch=settings.statestore_branch,
            statestore_path=settings.statestore_path,
            destination_path=settings.destination_path,
            git_remote_key=git_secret,
            secret_store=settings.secret_store,
            cluster_name=settings.cluster_name,
        )


def secret_store_objects(config: PlatformConfig) -> list[Json]:
    """ClusterSecretStore and the git-credentials ExternalSecret (templates cluster-secret-store, git-credentials)."""
    store = {
        "apiVersion": ESO,
        "kind": "ClusterSecretStore",
        "metadata": {"name": config.secret_store},
        "spec": {
            "provider": {
                "aws": {
                    "service": "SecretsManager",
                    "region": config.region,
                    "auth": {
                        "jwt": {
                            "serviceAccountRef": {"name": config.eso_service_account, "namespace": config.eso_namespace}
                        }
                    },
                }
            }
        },
    }
    credentials = {
        "apiVersion": ESO,
        "kind": "ExternalSecret",
        "metadata": {"name": config.git_secret, "namespace": config.git_namespace},
        "spec": {
            "refreshInterval": config.git_refresh_interval,
            "secretStoreRef": {"kind": "ClusterSecretStore", "name": config.secret_store},
            "target": {"name": config.git_secret, "creationPolicy": "Owner"},
            "data": [
                {"secretKey": key, "remoteRef": {"key": config.git_remote_key, "property": key}}
                for key in ("username", "password")
            ],
        },
    }
    return [store, credentials]


def kratix_objects(config: PlatformConfig) -> list[Json]:
    """GitStateStore and Destination (template state-store)."""
    state_store = {
        "apiVersion": KRATIX,
        "kind": "GitStateStore",
        "metadata": {"name": config.statestore_name},
        "spec": {
            "url": config.statestore_url,
            "branch": config.statestore_branch,
            "path": config.statestore_path,
            "authMethod": "basicAuth",
            "secretRef": {"name": config.git_secret, "namespace": config.git_namespace},
        },
    }
    destination = {
        "apiVersion": KRATIX,
        "kind": "Destination",
        "metadata": {
            "name": config.destination_name,
            "labels": {"environment": config.destination_environment, CLUSTER_LABEL: config.cluster_name},
        },
        "spec": {
            "path": config.destination_path,
            "stateStoreRef": {"kind": "GitStateStore", "name": config.statestore_name},
        },
    }
    return [state_store, destination]


def apply_all(kube: Kube, objects: list[Json], *, dry_run: bool = False) -> list[Applied]:
    """Server-side apply, in order; an object already as wanted is left alone ("unchanged")."""
    return [apply_object(kube, obj, dry_run=dry_run) for obj in objects]


def eso_role_warning(kube: Kube, config: PlatformConfig, expected_role: str | None) -> str | None:
    """Why the store could not authenticate yet, if that can be seen: the ESO service account or its role."""
    account = get_object(kube, "v1", "ServiceAccount", config.eso_service_account, config.eso_namespace)
    where = f"ServiceAccount {config.eso_namespace}/{config.eso_service_account}"
    if account is None:
        return f"{where} not found: `invoke argocd.apply` creates it; until then the store cannot read AWS"
    role = ((account.get("metadata") or {}).get("annotations") or {}).get(ROLE_ANNOTATION)
    if not role:
        return f"{where} has no {ROLE_ANNOTATION} annotation; run `invoke argocd.apply`"
    if expected_role and role != expected_role:
        return f"{where} uses role {role}, but iac/ outputs say {expected_role}; run `invoke argocd.apply`"
    return None
