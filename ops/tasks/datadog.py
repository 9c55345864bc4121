"""`datadog.*`: request DatadogStacks at a tier, follow them to running agents, delete and list them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import Task, task

from ops.tasks.exits import reported_errors, settings_of, start_deadline
from ops.tasks.wiring import KUBE_FLAGS

if TYPE_CHECKING:
    from ops.config import Settings
    from ops.kube import Kube
    from ops.stacks.datadog import StackChange, StackTarget

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


def _request(
    c: Context,
    tier: str,
    name: str,
    namespace: str,
    env: str | None,
    cluster: str | None,
    site: str | None,
    tag: list[str] | None,
    kubeconfig: str | None,
    context: str | None,
    no_wait: bool,
    timeout: float,
    dry_run: bool,
) -> None:
    from ops.render.console import make_consoles
    from ops.render.datadog import render_trouble
    from ops.render.wait import wait_view
    from ops.stacks.datadog import RequestFailed, apply_stack, desired_stack, validate_stack, wait_for_stack
    from ops.stacks.local_run import RequestFlags
    from ops.tasks.wiring import connect_kube, show
    from ops.wait import check_timeout

    with reported_errors():
        check_timeout(timeout)
        settings = settings_of(c)
        start_deadline(timeout)  # --timeout bounds the whole task
        flags = RequestFlags(name, namespace, cluster, tier, env, site, tuple(tag or ()))
        manifest = desired_stack(flags, settings)
        validate_stack(manifest)  # before connecting: a bad flag never needs a cluster
        consoles = make_consoles()
        with connect_kube(kubeconfig, context) as kube:
            change = apply_stack(kube, manifest, settings, dry_run=dry_run)
            show(consoles, str(change))
            if dry_run or no_wait:
                return
            with _agents_kube(kube, change, settings, kubeconfig) as agents_kube:
                try:
                    with wait_view(consoles) as on_progress:
                        ready = wait_for_stack(
                            kube,
                            change.ref,
                            settings,
                            agents_kube,
                            timeout=timeout,
                            interval=settings.wait_interval,
                            on_progress=on_progress,
                        )
                except RequestFailed as failed:
                    render_trouble(failed.trouble, consoles)
                    raise
            where = (
                f" on cluster {change.destination.cluster}" if agents_kube is not kube and change.destination else ""
            )
            show(consoles, f"DatadogStack {ready.ref} is ready{where}: {ready.agents}")


@contextmanager
def _agents_kube(kube: Kube, change: StackChange, settings: Settings, kubeconfig: str | None) -> Iterator[Kube]:
    """The client of the cluster the stack is scheduled to (its agents run there); the platform's own else."""
    from pathlib import Path

    from ops.kube import KubeTarget, connect
    from ops.kube.client import kubeconfig_path
    from ops.platform.fleet_contexts import workload_context

    if change.destination is None:
        yield kube
        return
    path = Path(kubeconfig).expanduser() if kubeconfig else None
    context = workload_context(kube, change.destination.cluster, settings, kubeconfig_path(KubeTarget(path)))
    if context is None or context == kube.context:
        yield kube
        return
    with connect(KubeTarget(path, context)) as workload:
        yield workload


def _cluster_kubes(
    opened: ExitStack, kube: Kube, targets: tuple[StackTarget, ...], settings: Settings, kubeconfig: str | None
) -> dict[str, Kube]:
    """cluster -> client, for the workload clusters the targets' agents run on."""
    from pathlib import Path

    from ops.kube import KubeTarget, connect
    from ops.kube.client import kubeconfig_path
    from ops.platform.fleet_contexts import workload_context

    path = Path(kubeconfig).expanduser() if kubeconfig else None
    found: dict[str, Kube] = {}
    for cluster in sorted({t.cluster for t in targets if t.cluster and t.cluster != settings.cluster_name}):
        context = workload_context(kube, cluster, settings, kubeconfig_path(KubeTarget(path)))
        if context and context != kube.context:
            found[cluster] = opened.enter_context(connect(KubeTarget(path, context)))
    return found


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
        _request(c, tier, name, namespace, env, cluster, site, tag, kubeconfig, context, no_wait, timeout, dry_run)

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
    from ops.errors import BadInput
    from ops.names import StackRef
    from ops.render.console import make_consoles
    from ops.render.wait import wait_view
    from ops.stacks.datadog import delete_stack, stacks_to_delete, wait_stacks_gone
    from ops.tasks.wiring import connect_kube, make_confirmation, show
    from ops.wait import check_timeout

    with reported_errors():
        check_timeout(timeout)
        if name and all:
            raise BadInput("--all", True, "not together with --name (one stack, or all of them)")
        if not name and not all:
            raise BadInput("--name", name, "the DatadogStack to delete, or --all for every one")
        settings = settings_of(c)
        start_deadline(timeout)  # --timeout bounds the whole task
        consoles = make_consoles()
        confirmation = make_confirmation(consoles, yes)
        ref = StackRef(namespace, name) if name else None
        with connect_kube(kubeconfig, context) as kube:
            targets = stacks_to_delete(kube, settings, ref)
            if not targets:
                gone = f"DatadogStack {ref} not found" if ref else "no DatadogStacks"
                show(consoles, f"{gone}: nothing to delete")
                return
            listed = ", ".join(str(t.ref) for t in targets)
            if dry_run:
                for target in targets:
                    where = f" (agents in namespace {target.target_namespace})" if target.target_namespace else ""
                    show(consoles, f"DatadogStack {target.ref} would be deleted{where}")
                return
            with ExitStack() as opened:
                # The clusters the agents run on are reached before anything is deleted: a wait that cannot
                # see a namespace would say it is gone.
                elsewhere = {} if no_wait else _cluster_kubes(opened, kube, targets, settings, kubeconfig)
                confirmation.require(f"Delete {len(targets)} DatadogStack(s) ({listed}) and their Datadog agents?")
                start_deadline(timeout)  # the time spent answering does not count
                for target in targets:
                    deleted = delete_stack(kube, target, settings)
                    said = "deleted" if deleted else "already gone"
                    show(consoles, f"DatadogStack {target.ref} {said}")
                if no_wait:
                    return
                with wait_view(consoles) as on_progress:
                    wait_stacks_gone(
                        kube,
                        targets,
                        settings,
                        elsewhere,
                        timeout=timeout,
                        interval=settings.wait_interval,
                        on_progress=on_progress,
                    )
            show(consoles, f"gone: {listed} and their namespaces")


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
    from ops.errors import one_of
    from ops.render.console import make_consoles
    from ops.render.datadog import STATUS_OUTPUTS, render_stack_statuses
    from ops.stacks.datadog import stack_statuses
    from ops.tasks.wiring import connect_kube

    with reported_errors():
        one_of("--output", output, STATUS_OUTPUTS)
        settings = settings_of(c)
        with connect_kube(kubeconfig, context) as kube:
            stacks = stack_statuses(kube, settings, namespace)
        render_stack_statuses(stacks, output, make_consoles())


ns = Collection("datadog", minimal, standard, full, delete, status)
