"""`datadog.*`: request DatadogStacks at a tier, follow them to running agents, delete and list them."""

from __future__ import annotations

from collections.abc import Callable

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import Task, task

from ops.tasks.flag_help import KUBE_FLAGS

REQUEST_HELP = {
    "name": "the DatadogStack's name (default: datadog)",
    "namespace": "the DatadogStack's namespace (default: default)",
    "env": "environment; selects the AWS secret datadog/<env>/api-keys and the env tag (default: dev)",
    "cluster": "the cluster's name as Datadog shows it (default: cluster.name from invoke.yaml)",
    "site": "Datadog site, e.g. datadoghq.com (default: datadog.site from invoke.yaml)",
    "tag": "extra Datadog tag key:value; repeat for more (the request's tags become exactly these)",
    **KUBE_FLAGS,
    "no_wait": "return once the request is written; do not follow it",
    "timeout": "seconds to wait for the request and its agents before giving up (exit 18; default 600)",
    "dry_run": "validate and say what would change (created, unchanged, upgrade ...); send no write",
}
TIER_SUMMARY = {
    "minimal": "metrics only",
    "standard": "metrics, APM, logs, service monitoring and external metrics",
    "full": "everything: logs of all containers, processes, network and runtime security, Prometheus scraping",
}


def _tier_task(tier: str) -> Task[Callable[..., None]]:
    def request(
        c: Context,
        name: str = "datadog",
        namespace: str = "default",
        env: str | None = None,
        cluster: str | None = None,
        site: str | None = None,
        tag: list[str] | None = None,
        kubeconfig: str | None = None,
        context: str | None = None,
        no_wait: bool = False,
        timeout: int = 600,
        dry_run: bool = False,
    ) -> None:
        from ops.tasks.impl import datadog as impl

        impl.request(
            c,
            tier=tier,
            name=name,
            namespace=namespace,
            env=env,
            cluster=cluster,
            site=site,
            tag=tag,
            kubeconfig=kubeconfig,
            context=context,
            no_wait=no_wait,
            timeout=timeout,
            dry_run=dry_run,
        )

    request.__doc__ = f"""Request a {tier} DatadogStack ({TIER_SUMMARY[tier]}), or move an existing one to {tier}.

    The request is checked with the pipeline's own rules before anything is written, then applied
    server-side. An existing stack at another tier says "upgrade ... -> {tier}"; the same request
    again says "unchanged" and writes nothing. Then it follows the request (Pending, Configuring,
    Scheduling, Deploying, Ready) until the agents in its namespace are ready; on failure or time-out
    it says what is stuck and why, with the failing pipeline container and its last log lines.

    Examples:
      invoke datadog.{tier} --name production --namespace team-a --env prod
      invoke datadog.{tier} --tag team:payments --tag cost-center:42 --no-wait
      invoke datadog.{tier} --dry-run
    """
    request.__name__ = request.__qualname__ = tier
    made: Task[Callable[..., None]] = task(help=REQUEST_HELP, iterable=["tag"], name=tier, auto_shortflags=False)(
        request
    )
    return made


minimal = _tier_task("minimal")
standard = _tier_task("standard")
full = _tier_task("full")


@task(
    help={
        "name": "the DatadogStack to delete",
        "namespace": "its namespace (default: default)",
        "all": "delete every DatadogStack in every namespace",
        **KUBE_FLAGS,
        "yes": "do not ask for confirmation",
        "dry_run": "say what would be deleted; delete nothing",
        "no_wait": "return after the delete requests; do not wait until the stacks and namespaces are gone",
        "timeout": "seconds to wait until they are gone (exit 18; default 600)",
    },
    auto_shortflags=False,
)
def delete(
    c: Context,
    name: str | None = None,
    namespace: str = "default",
    all: bool = False,  # the flag is --all
    kubeconfig: str | None = None,
    context: str | None = None,
    yes: bool = False,
    dry_run: bool = False,
    no_wait: bool = False,
    timeout: int = 600,
) -> None:
    """Delete one DatadogStack (--name) or all of them (--all) and wait until their namespaces are gone.

    Kratix removes what the request created (its HelmRelease, ExternalSecret and namespace) through its
    finalizers. Asks first (or --yes; without a terminal and without --yes it stops, exit 20).
    Deleting a stack that is not there says so and succeeds.

    Examples:
      invoke datadog.delete --name production --namespace team-a
      invoke datadog.delete --all --dry-run
      invoke datadog.delete --all --yes
    """
    from ops.tasks.impl import datadog as impl

    impl.delete(
        c,
        name=name,
        namespace=namespace,
        all=all,
        kubeconfig=kubeconfig,
        context=context,
        yes=yes,
        dry_run=dry_run,
        no_wait=no_wait,
        timeout=timeout,
    )


@task(
    help={
        "namespace": "only the DatadogStacks in this namespace (default: all namespaces)",
        **KUBE_FLAGS,
        "output": "table (default) or json",
    },
    auto_shortflags=False,
)
def status(
    c: Context,
    namespace: str | None = None,
    kubeconfig: str | None = None,
    context: str | None = None,
    output: str = "table",
) -> None:
    """List the DatadogStacks: tier, environment, phase, Kratix status, target namespace, age, and agents ready.

    AGENTS is the node agents' DaemonSet (ready/desired), CLUSTER the cluster agent (available/replicas).

    Examples:
      invoke datadog.status
      invoke datadog.status --namespace team-a --output json
    """
    from ops.tasks.impl import datadog as impl

    impl.status(c, namespace=namespace, kubeconfig=kubeconfig, context=context, output=output)


ns = Collection("datadog", minimal, standard, full, delete, status)
