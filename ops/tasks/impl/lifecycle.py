"""What the `setup` and `teardown` tasks do (declared in ops/tasks/lifecycle.py)."""

from __future__ import annotations

from invoke.context import Context

from ops.tasks.exits import reported_errors, settings_of


def _run(
    c: Context,
    which: str,
    *,
    yes: bool,
    dry_run: bool,
    kubeconfig: str | None,
    context: str | None,
    timeout: float,
    profile: str | None,
) -> None:
    from pathlib import Path

    from ops.platform import lifecycle
    from ops.render.console import make_consoles
    from ops.render.steps import StepView, plan_lines
    from ops.render.wait import wait_view
    from ops.steps import StepFailed, run_steps
    from ops.tasks.wiring import make_confirmation, make_runner, say, show, with_overrides
    from ops.wait import check_timeout

    with reported_errors():
        settings = with_overrides(settings_of(c), aws_profile=profile)
        check_timeout(timeout)
        consoles = make_consoles()
        confirmation = make_confirmation(consoles, yes)
        platform = lifecycle.Platform(
            settings,
            make_runner(consoles, dry_run=False),
            confirmation,
            kubeconfig=Path(kubeconfig).expanduser() if kubeconfig else None,
            context=context,
            timeout=timeout,
        )
        steps = lifecycle.setup_steps(platform) if which == "setup" else lifecycle.teardown_steps(platform)
        if dry_run:
            for line in plan_lines(which, steps):
                show(consoles, line)
            say(consoles, "dry run: nothing was run or changed")
            return
        if which == "teardown":
            confirmation.require(
                f"Tear down {settings.cluster_name} in {settings.region}: delete every DatadogStack, the "
                f"{settings.promise_name} Promise, Argo CD and the cluster? This cannot be undone."
            )
            # agreed once for the whole teardown: the destroy plans are shown but not asked about again
            platform.confirmation = make_confirmation(consoles, True)
        view = StepView(consoles)
        try:
            with wait_view(consoles) as on_progress:
                platform.on_progress = on_progress
                run_steps(which, steps, on_event=view)
        except StepFailed:
            view.summary()
            raise
        finally:
            platform.close()
        view.summary()


def setup(
    c: Context,
    yes: bool,
    dry_run: bool,
    kubeconfig: str | None,
    context: str | None,
    timeout: float,
    profile: str | None,
) -> None:
    _run(c, "setup", yes=yes, dry_run=dry_run, kubeconfig=kubeconfig, context=context, timeout=timeout, profile=profile)


def teardown(
    c: Context,
    yes: bool,
    dry_run: bool,
    kubeconfig: str | None,
    context: str | None,
    timeout: float,
    profile: str | None,
) -> None:
    _run(
        c,
        "teardown",
        yes=yes,
        dry_run=dry_run,
        kubeconfig=kubeconfig,
        context=context,
        timeout=timeout,
        profile=profile,
    )
