"""`external-secrets.apply` and `kratix.apply`: the platform wiring, without waiting for Argo CD to sync it."""

from __future__ import annotations

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task

from ops.tasks.flag_help import KUBE_FLAGS

KUBE_AND_DRY_RUN = {**KUBE_FLAGS, "dry_run": "say what would be created or configured; write nothing"}


@task(
    name="apply",
    help={"region": "AWS region of the secrets (default: iac/ outputs, else cluster.region)", **KUBE_AND_DRY_RUN},
)
def external_secrets_apply(
    c: Context,
    region: str | None = None,
    kubeconfig: str | None = None,
    context: str | None = None,
    dry_run: bool = False,
) -> None:
    """Apply the ClusterSecretStore `aws-secrets-manager` and the ExternalSecret `git-credentials`.

    The store reads AWS Secrets Manager in the cluster's region as the ESO service account's IRSA role;
    region, role and the git-credentials secret name come from iac/ outputs (invoke.yaml before they
    exist). Warns when the ESO service account or its role annotation is missing or different.

    Examples:
      invoke external-secrets.apply
      invoke external-secrets.apply --dry-run
    """
    from ops.tasks.impl import platform_config as impl

    impl.external_secrets_apply(c, region=region, kubeconfig=kubeconfig, context=context, dry_run=dry_run)


@task(name="apply", help=KUBE_AND_DRY_RUN)
def kratix_apply(c: Context, kubeconfig: str | None = None, context: str | None = None, dry_run: bool = False) -> None:
    """Apply the GitStateStore `default` and the Destination `platform` (URL, branch and paths from invoke.yaml).

    The GitStateStore reads Secret kratix-platform-system/git-credentials, which `external-secrets.apply`
    makes ESO write.

    Examples:
      invoke kratix.apply
      invoke kratix.apply --dry-run
    """
    from ops.tasks.impl import platform_config as impl

    impl.kratix_apply(c, kubeconfig=kubeconfig, context=context, dry_run=dry_run)


external_secrets_ns = Collection("external-secrets", external_secrets_apply)
kratix_ns = Collection("kratix", kratix_apply)
