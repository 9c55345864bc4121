"""What the `infra.*` tasks do (declared in ops/tasks/infra.py)."""

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
        render_tofu(infra.init(make_runner(consoles, dry_run), infra.CLUSTER), consoles)


def plan(
    c: Context, region: str | None, cluster: str | None, profile: str | None, out: str | None, dry_run: bool
) -> None:
    from pathlib import Path

    from ops.platform import infra
    from ops.render.console import make_consoles
    from ops.tasks.report import render_tofu
    from ops.tasks.wiring import make_runner, with_overrides

    with reported_errors():
        settings = with_overrides(settings_of(c), region=region, cluster_name=cluster, aws_profile=profile)
        consoles = make_consoles()
        runner = make_runner(consoles, dry_run)
        saved = Path(out).resolve() if out else None
        render_tofu(infra.plan(runner, infra.CLUSTER, infra.cluster_variables(settings), saved), consoles)


def apply(
    c: Context,
    region: str | None,
    cluster: str | None,
    profile: str | None,
    plan_file: str | None,
    yes: bool,
    dry_run: bool,
) -> None:
    from pathlib import Path

    from ops.platform import infra
    from ops.render.console import make_consoles
    from ops.tasks.report import render_tofu
    from ops.tasks.wiring import make_confirmation, make_runner, with_overrides

    with reported_errors():
        settings = with_overrides(settings_of(c), region=region, cluster_name=cluster, aws_profile=profile)
        consoles = make_consoles()
        result = infra.apply(
            make_runner(consoles, dry_run),
            infra.CLUSTER,
            infra.cluster_variables(settings),
            make_confirmation(consoles, yes),
            plan_file=Path(plan_file).resolve() if plan_file else None,
        )
        render_tofu(result, consoles)


def destroy(c: Context, region: str | None, cluster: str | None, profile: str | None, yes: bool, dry_run: bool) -> None:
    from ops.platform import infra
    from ops.render.console import make_consoles
    from ops.tasks.report import render_tofu
    from ops.tasks.wiring import make_confirmation, make_runner, with_overrides

    with reported_errors():
        settings = with_overrides(settings_of(c), region=region, cluster_name=cluster, aws_profile=profile)
        consoles = make_consoles()
        result = infra.destroy(
            make_runner(consoles, dry_run),
            infra.CLUSTER,
            infra.cluster_variables(settings),
            make_confirmation(consoles, yes),
        )
        render_tofu(result, consoles)
