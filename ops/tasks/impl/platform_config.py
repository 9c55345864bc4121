"""What the `external-secrets.apply` and `kratix.apply` tasks do (declared in ops/tasks/platform_config.py)."""

from __future__ import annotations

from invoke.context import Context

from ops.tasks.exits import reported_errors, settings_of


def external_secrets_apply(
    c: Context, region: str | None, kubeconfig: str | None, context: str | None, dry_run: bool
) -> None:
    from ops.platform import stores
    from ops.render.console import make_consoles
    from ops.tasks.report import render_applied
    from ops.tasks.wiring import connect_kube, say, told_deployed_facts

    with reported_errors():
        settings = settings_of(c)
        consoles = make_consoles()
        facts = told_deployed_facts(consoles, settings, region, dry_run)
        config = stores.PlatformConfig.of(
            settings, region=facts.region.value, git_secret=facts.kratix_git_secret_name.value
        )
        with connect_kube(kubeconfig, context) as kube:
            applied = stores.apply_all(kube, stores.secret_store_objects(config), dry_run=dry_run)
            warning = stores.eso_role_warning(kube, config, facts.external_secrets_role_arn)
        render_applied(applied, consoles, dry_run=dry_run)
        if warning:
            say(consoles, f"warning: {warning}")


def kratix_apply(c: Context, kubeconfig: str | None, context: str | None, dry_run: bool) -> None:
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
