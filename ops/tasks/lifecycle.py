"""`setup` and `teardown`: the whole platform up or down, step by step, resumable."""

from __future__ import annotations

from invoke.context import Context
from invoke.tasks import task

from ops.tasks.exits import reported_errors, settings_of
from ops.tasks.wiring import KUBE_FLAGS

COMMON = {
    **KUBE_FLAGS,
    "timeout": "seconds each wait may take (Argo CD sync, Promise, deletions) before it gives up with exit 18",
    "profile": "AWS profile (default: aws.profile from invoke.yaml)",
    "dry_run": "print the steps it would run; run and change nothing",
}


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


@task(
    help={
        **COMMON,
        "yes": "do not ask before applying the OpenTofu plans (needed without a terminal)",
    }
)
def setup(
    c: Context,
    yes: bool = False,
    dry_run: bool = False,
    kubeconfig: str | None = None,
    context: str | None = None,
    timeout: float = 900.0,
    profile: str | None = None,
) -> None:
    """Stand up the platform: EKS cluster, Argo CD and its Applications, Kratix wiring, the Promise.

    Preflight first (tofu or terraform and the aws CLI on PATH, region set, AWS identity via STS), then
    the Taskfile's sequence, waiting for the Argo CD Applications to be Synced and Healthy instead of
    sleeping. Re-running after a failure resumes: finished steps are detected and skipped.
    The kubeconfig context is named after the cluster unless --context says otherwise.

    Examples:
      invoke setup --dry-run
      invoke setup
      invoke setup --yes --timeout 1800
    """
    _run(c, "setup", yes=yes, dry_run=dry_run, kubeconfig=kubeconfig, context=context, timeout=timeout, profile=profile)


@task(
    help={
        **COMMON,
        "yes": "do not ask (needed without a terminal)",
    }
)
def teardown(
    c: Context,
    yes: bool = False,
    dry_run: bool = False,
    kubeconfig: str | None = None,
    context: str | None = None,
    timeout: float = 900.0,
    profile: str | None = None,
) -> None:
    """Remove everything: every DatadogStack first (waiting until gone), then the Promise, Argo CD, the cluster.

    Asks once (unless --yes). Re-running after a failure resumes; once the cluster is gone, the
    Kubernetes steps say so and are skipped.

    Examples:
      invoke teardown --dry-run
      invoke teardown --yes
    """
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
