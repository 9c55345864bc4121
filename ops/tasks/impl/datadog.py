"""What the `datadog.*` tasks do (declared in ops/tasks/datadog.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING

from invoke.context import Context

from ops.tasks.exits import reported_errors, settings_of, start_deadline

if TYPE_CHECKING:
    from ops.config import Settings
    from ops.kube import Kube
    from ops.stacks.datadog import StackChange, StackTarget


def request(
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


def delete(
    c: Context,
    name: str | None,
    namespace: str,
    all: bool,
    kubeconfig: str | None,
    context: str | None,
    yes: bool,
    dry_run: bool,
    no_wait: bool,
    timeout: int,
) -> None:
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


def status(c: Context, namespace: str | None, kubeconfig: str | None, context: str | None, output: str) -> None:
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
