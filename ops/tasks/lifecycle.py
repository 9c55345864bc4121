"""`setup` and `teardown`: the whole platform up or down, step by step, resumable."""

from __future__ import annotations

from invoke.context import Context
from invoke.tasks import task

from ops.tasks.flag_help import KUBE_FLAGS

COMMON = {
    **KUBE_FLAGS,
    "timeout": "seconds each wait may take (Argo CD sync, Promise, deletions) before it gives up with exit 18",
    "profile": "AWS profile (default: aws.profile from invoke.yaml)",
    "dry_run": "print the steps it would run; run and change nothing",
}


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
    from ops.tasks.impl import lifecycle as impl

    impl.setup(c, yes=yes, dry_run=dry_run, kubeconfig=kubeconfig, context=context, timeout=timeout, profile=profile)


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
    from ops.tasks.impl import lifecycle as impl

    impl.teardown(c, yes=yes, dry_run=dry_run, kubeconfig=kubeconfig, context=context, timeout=timeout, profile=profile)
