"""`argocd.*`: install Argo CD (OpenTofu in `iac/argocd/`), apply its Applications, reach its UI."""

from __future__ import annotations

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task

from ops.tasks.exits import reported_errors, settings_of
from ops.tasks.wiring import KUBE_FLAGS

DRY_RUN = {"dry_run": "print the commands with the values they would pass; run none of them"}
PROFILE = {"profile": "AWS profile, passed as -var aws_profile=... (default: aws.profile from invoke.yaml)"}


@task(help=DRY_RUN)
def init(c: Context, dry_run: bool = False) -> None:
    """Initialise iac/argocd/ (providers, backend): `tofu init -input=false`.

    Example: invoke argocd.init
    """
    from ops.platform import infra
    from ops.render.console import make_consoles
    from ops.tasks.report import render_tofu
    from ops.tasks.wiring import make_runner

    with reported_errors():
        consoles = make_consoles()
        render_tofu(infra.init(make_runner(consoles, dry_run), infra.ARGOCD), consoles)


def _reviewed(c: Context, profile: str | None, yes: bool, dry_run: bool, *, destroy: bool) -> None:
    from ops.platform import infra
    from ops.render.console import make_consoles
    from ops.tasks.report import render_tofu
    from ops.tasks.wiring import make_confirmation, make_runner, with_overrides

    with reported_errors():
        settings = with_overrides(settings_of(c), aws_profile=profile)
        consoles = make_consoles()
        runner = make_runner(consoles, dry_run)
        # region, cluster name and the ESO role come from the cluster's state, never typed in twice
        variables = infra.argocd_variables(infra.read_outputs(runner, infra.CLUSTER.path), settings)
        step = infra.destroy if destroy else infra.apply
        render_tofu(step(runner, infra.ARGOCD, variables, make_confirmation(consoles, yes)), consoles)


@task(help={**PROFILE, "yes": "do not ask before applying (needed when stdin is not a terminal)", **DRY_RUN})
def apply(c: Context, profile: str | None = None, yes: bool = False, dry_run: bool = False) -> None:
    """Install or update Argo CD and the External Secrets service account: plan, ask, apply.

    The variables region, cluster_name and external_secrets_role_arn come from `tofu output -json` in iac/.

    Examples:
      invoke argocd.apply
      invoke argocd.apply --dry-run       # the commands and the -var values read from iac/
    """
    _reviewed(c, profile, yes, dry_run, destroy=False)


@task(help={**PROFILE, "yes": "do not ask before destroying (needed when stdin is not a terminal)", **DRY_RUN})
def destroy(c: Context, profile: str | None = None, yes: bool = False, dry_run: bool = False) -> None:
    """Remove Argo CD (and with it what its Applications installed): plan the destruction, ask, apply.

    Example: invoke argocd.destroy
    """
    _reviewed(c, profile, yes, dry_run, destroy=True)


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
    from ops.platform import infra
    from ops.platform.argocd import AppSettings, applications, apply_applications
    from ops.render.console import make_consoles
    from ops.repository import ARGOCD_APPS
    from ops.tasks.report import render_applied
    from ops.tasks.wiring import connect_kube, make_runner, say

    with reported_errors():
        settings = settings_of(c)
        consoles = make_consoles()
        facts = infra.deployed_facts(make_runner(consoles, dry_run), settings, region)
        if facts.note:
            say(consoles, facts.note)
        say(consoles, f"region {facts.region.value} (from {facts.region.source})")
        fill = AppSettings.of(settings, region=facts.region.value, git_secret=facts.kratix_git_secret_name.value)
        with connect_kube(kubeconfig, context) as kube:
            applied = apply_applications(kube, applications(ARGOCD_APPS, fill), dry_run=dry_run)
        render_applied(applied, consoles, dry_run=dry_run)


@task(help=KUBE_FLAGS)
def password(c: Context, kubeconfig: str | None = None, context: str | None = None) -> None:
    """Print the initial admin password of Argo CD (user `admin`), and nothing else, on stdout.

    Read from Secret argocd/argocd-initial-admin-secret through the Kubernetes API. Once the password
    was changed that Secret is gone: use the changed password, or `argocd account update-password`.

    Example: invoke argocd.password | pbcopy
    """
    from ops.platform.argocd import initial_admin_password
    from ops.tasks.wiring import connect_kube

    with reported_errors(), connect_kube(kubeconfig, context) as kube:
        secret = initial_admin_password(kube)
    print(secret)


@task(name="port-forward", help={"port": "local port for the UI (default: 8080)", **KUBE_FLAGS})
def port_forward(c: Context, port: int = 8080, kubeconfig: str | None = None, context: str | None = None) -> None:
    """Open the Argo CD UI on https://localhost:<port> until Ctrl-C (which stops it cleanly, exit 0).

    Checks first that svc/argocd-server exists and the local port is free, then runs
    `kubectl port-forward svc/argocd-server -n argocd <port>:443 --context <context>`.

    Examples:
      invoke argocd.port-forward
      invoke argocd.port-forward --port 8443
    """
    from pathlib import Path

    from ops.platform.argocd import check_port_forward
    from ops.platform.argocd import port_forward as forward_to
    from ops.render.console import make_consoles
    from ops.tasks.wiring import connect_kube, make_runner, say, show

    with reported_errors():
        consoles = make_consoles()
        with connect_kube(kubeconfig, context) as kube:
            forward = check_port_forward(kube, port)
            used_context = kube.context
        show(consoles, f"Argo CD UI: {forward.url}  user: {forward.user}")
        say(consoles, "password: `invoke argocd.password`; Ctrl-C stops the port-forward")
        forward_to(
            make_runner(consoles, dry_run=False),
            forward,
            context=used_context,
            kubeconfig=Path(kubeconfig).expanduser() if kubeconfig else None,
        )
        say(consoles, "port-forward stopped")


ns = Collection("argocd", init, apply, destroy, apps, password, port_forward)
