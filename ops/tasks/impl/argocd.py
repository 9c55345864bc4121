"""What the `argocd.*` tasks do (declared in ops/tasks/argocd.py)."""

from __future__ import annotations

from invoke.context import Context

from ops.tasks.exits import reported_errors, settings_of


def init(c: Context, dry_run: bool) -> None:
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


def apply(c: Context, profile: str | None, yes: bool, dry_run: bool) -> None:
    _reviewed(c, profile, yes, dry_run, destroy=False)


def destroy(c: Context, profile: str | None, yes: bool, dry_run: bool) -> None:
    _reviewed(c, profile, yes, dry_run, destroy=True)


def apps(c: Context, region: str | None, kubeconfig: str | None, context: str | None, dry_run: bool) -> None:
    from ops.platform.argocd import AppSettings, applications, apply_applications
    from ops.render.console import make_consoles
    from ops.repository import ARGOCD_APPS
    from ops.tasks.report import render_applied
    from ops.tasks.wiring import connect_kube, told_deployed_facts

    with reported_errors():
        settings = settings_of(c)
        consoles = make_consoles()
        facts = told_deployed_facts(consoles, settings, region, dry_run)
        fill = AppSettings.of(settings, region=facts.region.value, git_secret=facts.kratix_git_secret_name.value)
        with connect_kube(kubeconfig, context) as kube:
            applied = apply_applications(kube, applications(ARGOCD_APPS, fill), dry_run=dry_run)
        render_applied(applied, consoles, dry_run=dry_run)


def password(c: Context, kubeconfig: str | None, context: str | None) -> None:
    from ops.platform.argocd import initial_admin_password
    from ops.tasks.wiring import connect_kube

    with reported_errors(), connect_kube(kubeconfig, context) as kube:
        secret = initial_admin_password(kube)
    print(secret)


def port_forward(c: Context, port: int, kubeconfig: str | None, context: str | None) -> None:
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
