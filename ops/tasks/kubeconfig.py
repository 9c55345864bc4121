"""`kubeconfig`: a kubectl context for the EKS cluster, authenticated by `aws eks get-token`."""

from __future__ import annotations

from invoke.context import Context
from invoke.tasks import task

from ops.tasks.exits import reported_errors, settings_of


@task(
    name="kubeconfig",
    help={
        "cluster": "EKS cluster name (default: cluster.name from invoke.yaml)",
        "region": "AWS region (default: cluster.region from invoke.yaml)",
        "profile": "AWS profile for eks:DescribeCluster and the token (default: aws.profile; none: default chain)",
        "kubeconfig": "file to write (default: the first file of $KUBECONFIG, else ~/.kube/config)",
        "alias": "context name (default: the cluster ARN, as `aws eks update-kubeconfig` names it)",
        "dry_run": "say whether the context would be created, configured or left unchanged; write nothing",
    },
)
def kubeconfig(
    c: Context,
    cluster: str | None = None,
    region: str | None = None,
    profile: str | None = None,
    kubeconfig: str | None = None,
    alias: str | None = None,
    dry_run: bool = False,
) -> None:
    """Write or merge a kubeconfig context for the EKS cluster and make it current.

    Reads the endpoint and CA with eks:DescribeCluster; the user runs
    `aws eks get-token --cluster-name <cluster> --region <region> [--profile <profile>]`.
    Other contexts are left as they are; a second run says "unchanged".

    Examples:
      invoke kubeconfig
      invoke kubeconfig --profile ops --alias kratix-demo
    """
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
