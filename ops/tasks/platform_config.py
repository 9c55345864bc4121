"""`external-secrets.apply` and `kratix.apply`: the platform wiring, without waiting for Argo CD to sync it."""

from __future__ import annotations

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task

from ops.tasks.exits import reported_errors, settings_of
from ops.tasks.wiring import KUBE_FLAGS

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
    from ops.platform import infra, stores
    from ops.render.console import make_consoles
    from ops.tasks.report import render_applied
    from ops.tasks.wiring import connect_kube, make_runner, say

    with reported_errors():
        settings = settings_of(c)
        consoles = make_consoles()
        facts = infra.deployed_facts(make_runner(consoles, dry_run), settings, region)
        if facts.note:
            say(consoles, facts.note)
        say(consoles, f"region {facts.region.value} (from {facts.region.source})")
        config = stores.PlatformConfig.of(
            settings, region=facts.region.value, git_secret=facts.kratix_git_secret_name.value
        )
        with connect_kube(kubeconfig, context) as kube:
            applied = stores.apply_all(kube, stores.secret_store_objects(config), dry_run=dry_run)
            warning = stores.eso_role_warning(kube, config, facts.external_secrets_role_arn)
        render_applied(applied, consoles, dry_run=dry_run)
        if warning:
            say(consoles, f"warning: {warning}")


@task(name="apply", help=KUBE_AND_DRY_RUN)
def kratix_apply(c: Context, kubeconfig: str | None = None, context: str | None = None, dry_run: bool = False) -> None:
    """Apply the GitStateStore `default` and the Destination `platform` (URL, branch and paths from invoke.yaml).

    The GitStateStore reads Secret kratix-platform-system/git-credentials, which `external-secrets.apply`
    makes ESO write.

    Examples:
      invoke kratix.apply
      invoke kratix.apply --dry-run
    """
    from ops.platform import stores
    from ops.render.console import make_consoles
    from ops.tasks.report import render_applied
    from ops.tasks.wiring import connect_kube

    with reported_errors():
        settings = settings_of(c)
        config = stores.PlatformConfig.of(settings, region=settings.region, git_secret="")
        with connect_kube(kubeconfig, context) as kube:
            applied = stores.apply_all(kube, stores.kratix_objects(config), dry_run=dry_run)
        render_applied(applied, make_consoles(), dry_run=dry_run)


external_secrets_ns = Collection("external-secrets", external_secrets_apply)
kratix_ns = Collection("kratix", kratix_apply)
