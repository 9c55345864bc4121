"""`status` and `doctor`: what the platform looks like, and what is wrong with it, fast."""

from __future__ import annotations

from invoke.context import Context
from invoke.tasks import task

OUTPUTS = ("table", "json")


@task(
    help={
        "context": "kubeconfig context to read; repeat for several clusters, read at once (default: the current one)",
        "output": "table (default) or json (the same fields)",
        "watch": "refresh until Ctrl-C",
        "interval": "seconds between refreshes with --watch (default 5)",
        "fleet": "the platform (--context or the current one) and every workload cluster Argo CD knows, read at "
        "once; each DatadogStack followed from request to agents",
    },
    iterable=["context"],
    auto_shortflags=False,  # -h would be taken by a flag instead of meaning help
)
def status(
    c: Context,
    context: list[str] | None = None,
    output: str = "table",
    watch: bool = False,
    interval: float = 5.0,
    fleet: bool = False,
) -> None:
    """Show the platform: cluster, Argo CD, Kratix, DatadogStacks, Flux, External Secrets, Datadog agents.

    Every kind is listed once per context, all at once; a component whose CRDs are not installed
    shows "not installed". Exit 0 when every context could be read, else that failure's code
    (10 no kubeconfig, 11 unknown context, 12 API unreachable, 13 unauthorized).

    Examples:
      invoke status
      invoke status --context prod --context staging --output json
      invoke status --watch --interval 10
      invoke status --fleet
    """
    from ops.tasks.impl import incident as impl

    impl.status(c, context=context, output=output, watch=watch, interval=interval, fleet=fleet)


@task(
    help={
        "context": "kubeconfig context to check; repeat for several clusters (default: the current one)",
        "check": "run only this check id (repeatable); ids in the README and `invoke doctor --help`",
        "namespace": "only findings about objects in this namespace (or owned by a DatadogStack there)",
        "output": "table (default) or json (the same fields)",
        "fail_on": "exit 1 when a finding is at least this severe: error (default), warning, info or never",
        "fix": "apply the safe remedies (Argo CD hard refresh, Kratix pipeline re-run, ESO force-sync), "
        "each shown first; everything else is printed as a command",
        "dry_run": "with --fix: show the remedies, apply none",
        "fleet": "the platform (--context or the current one) and every workload cluster Argo CD knows, at once; "
        "a workload cluster that cannot be read is one finding (cluster-unreachable)",
    },
    iterable=["context", "check"],
    auto_shortflags=False,
)
def doctor(
    c: Context,
    context: list[str] | None = None,
    check: list[str] | None = None,
    namespace: str | None = None,
    output: str = "table",
    fail_on: str = "error",
    fix: bool = False,
    dry_run: bool = False,
    fleet: bool = False,
) -> None:
    """Diagnose the platform: each finding says what, the evidence, why, and the command to fix it.

    Checks (stable ids): pipeline-failed, pipeline-stuck, image-error, workplacement-write-failed,
    statestore-not-ready, statestore-credentials, destination-not-ready, argocd-out-of-sync,
    argocd-degraded, argocd-error, externalsecret-failed, secretstore-not-valid, aws-api-keys,
    oom-killed, agent-not-ready, flux-crds-missing, helm-ownership-conflict,
    helmrelease-values-missing, helmrelease-not-ready, helmrelease-timeout, helmrelease-blocked,
    helm-source-failed, promise-unavailable, kratix-controller-down, work-unscheduled,
    request-works-pending, kratix-paused, destination-not-synced, namespace-terminating,
    agent-unschedulable, agents-missing-nodes, node-not-ready, workload-stuck, snapshot-incomplete.
    Findings that share a cause are grouped into one incident under the object the cause sits on
    (JSON: "incidents").
    Exit 0 when no finding reaches --fail-on, 1 when one does, 2 when a cluster cannot be read or a
    flag is wrong.

    Examples:
      invoke doctor
      invoke doctor --check oom-killed --check image-error --namespace team-a
      invoke doctor --context prod --context staging --output json --fail-on warning
      invoke doctor --fix --dry-run
      invoke doctor --fleet
    """
    from ops.tasks.impl import incident as impl

    impl.doctor(
        c,
        context=context,
        check=check,
        namespace=namespace,
        output=output,
        fail_on=fail_on,
        fix=fix,
        dry_run=dry_run,
        fleet=fleet,
    )
