"""`argocd.*`: install Argo CD (OpenTofu in `iac/argocd/`), apply its Applications, reach its UI."""

from __future__ import annotations

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task

from ops.tasks.flag_help import KUBE_FLAGS

DRY_RUN = {"dry_run": "print the commands with the values they would pass; run none of them"}
PROFILE = {"profile": "AWS profile, passed as -var aws_profile=... (default: aws.profile from invoke.yaml)"}


@task(help=DRY_RUN)
def init(c: Context, dry_run: bool = False) -> None:
    """Initialise iac/argocd/ (providers, backend): `tofu init -input=false`.

    Example: invoke argocd.init
    """
    from ops.tasks.impl import argocd as impl

    impl.init(c, dry_run=dry_run)


@task(help={**PROFILE, "yes": "do not ask before applying (needed when stdin is not a terminal)", **DRY_RUN})
def apply(c: Context, profile: str | None = None, yes: bool = False, dry_run: bool = False) -> None:
    """Install or update Argo CD and the External Secrets service account: plan, ask, apply.

    The variables region, cluster_name and external_secrets_role_arn come from `tofu output -json` in iac/.

    Examples:
      invoke argocd.apply
      invoke argocd.apply --dry-run       # the commands and the -var values read from iac/
    """
    from ops.tasks.impl import argocd as impl

    impl.apply(c, profile=profile, yes=yes, dry_run=dry_run)


@task(help={**PROFILE, "yes": "do not ask before destroying (needed when stdin is not a terminal)", **DRY_RUN})
def destroy(c: Context, profile: str | None = None, yes: bool = False, dry_run: bool = False) -> None:
    """Remove Argo CD (and with it what its Applications installed): plan the destruction, ask, apply.

    Example: invoke argocd.destroy
    """
    from ops.tasks.impl import argocd as impl

    impl.destroy(c, profile=profile, yes=yes, dry_run=dry_run)


@task(
    help={
        "region": "AWS region for the kratix-config values (default: iac/ outputs, else cluster.region)",
        **KUBE_FLAGS,
        "dry_run": "say what would be created or configured; write nothing",
    }
)
def apps(
    c: Context,
    region: str | None = None,
    kubeconfig: str | None = None,
    context: str | None = None,
    dry_run: bool = False,
) -> None:
    """Apply every Argo CD Application in gitops/argocd/apps/ by server-side apply.

    The repository URL placeholder becomes statestore.url, AWS_REGION_PLACEHOLDER the region, and the
    Applications that read this repository follow statestore.branch and the state-store paths.
    Each Application is reported created, configured or unchanged.

    Examples:
      invoke argocd.apps
      invoke argocd.apps --dry-run
    """
    from ops.tasks.impl import argocd as impl

    impl.apps(c, region=region, kubeconfig=kubeconfig, context=context, dry_run=dry_run)


@task(help=KUBE_FLAGS)
def password(c: Context, kubeconfig: str | None = None, context: str | None = None) -> None:
    """Print the initial admin password of Argo CD (user `admin`), and nothing else, on stdout.

    Read from Secret argocd/argocd-initial-admin-secret through the Kubernetes API. Once the password
    was changed that Secret is gone: use the changed password, or `argocd account update-password`.

    Example: invoke argocd.password | pbcopy
    """
    from ops.tasks.impl import argocd as impl

    impl.password(c, kubeconfig=kubeconfig, context=context)


@task(name="port-forward", help={"port": "local port for the UI (default: 8080)", **KUBE_FLAGS})
def port_forward(c: Context, port: int = 8080, kubeconfig: str | None = None, context: str | None = None) -> None:
    """Open the Argo CD UI on https://localhost:<port> until Ctrl-C (which stops it cleanly, exit 0).

    Checks first that svc/argocd-server exists and the local port is free, then runs
    `kubectl port-forward svc/argocd-server -n argocd <port>:443 --context <context>`.

    Examples:
      invoke argocd.port-forward
      invoke argocd.port-forward --port 8443
    """
    from ops.tasks.impl import argocd as impl

    impl.port_forward(c, port=port, kubeconfig=kubeconfig, context=context)


ns = Collection("argocd", init, apply, destroy, apps, password, port_forward)
