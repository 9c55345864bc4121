"""What the `kubeconfig` task does (declared in ops/tasks/kubeconfig.py)."""

from __future__ import annotations

from invoke.context import Context

from ops.tasks.exits import reported_errors, settings_of


def kubeconfig(
    c: Context,
    cluster: str | None,
    region: str | None,
    profile: str | None,
    kubeconfig: str | None,
    alias: str | None,
    dry_run: bool,
) -> None:
    from pathlib import Path

    from ops.aws import AwsTarget, session
    from ops.platform.kubeconfig import default_path, describe_cluster, merge_kubeconfig
    from ops.render.console import make_consoles
    from ops.tasks.wiring import say, show, with_overrides

    with reported_errors():
        settings = with_overrides(settings_of(c), region=region, cluster_name=cluster, aws_profile=profile)
        consoles = make_consoles()
        target = AwsTarget(settings.region, settings.aws_profile)
        found = describe_cluster(session(target), target, settings.cluster_name)
        path = Path(kubeconfig).expanduser() if kubeconfig else default_path()
        change = merge_kubeconfig(path, found, profile=settings.aws_profile, alias=alias, dry_run=dry_run)
        verb = {"created": "would be created", "configured": "would be configured"}.get(change.action, change.action)
        show(consoles, f"context {change.context} in {change.path}: {verb if dry_run else change.action}")
        if dry_run:
            say(consoles, "dry run: nothing was written")
        elif change.previous_context == change.context:
            say(consoles, f"current context: {change.context}")
        else:
            say(consoles, f"current context is now {change.context} (was {change.previous_context or 'none'})")
