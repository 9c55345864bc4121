"""What the `promise.*` tasks do (declared in ops/tasks/promise.py)."""

from __future__ import annotations

from pathlib import Path

from invoke.context import Context

from ops.repository import PROMISE_FILE
from ops.tasks.exits import reported_errors, settings_of, start_deadline


def apply(
    c: Context,
    file: str | None,
    kubeconfig: str | None,
    context: str | None,
    no_wait: bool,
    timeout: int,
    dry_run: bool,
) -> None:
    from ops.render.console import make_consoles
    from ops.render.wait import wait_view
    from ops.stacks.promise import apply_promise, load_promise, wait_for_promise
    from ops.tasks.wiring import connect_kube, show
    from ops.wait import check_timeout

    with reported_errors():
        check_timeout(timeout)
        settings = settings_of(c)
        start_deadline(timeout)  # --timeout bounds the whole task
        source = load_promise(Path(file) if file else PROMISE_FILE, settings)
        consoles = make_consoles()
        with connect_kube(kubeconfig, context) as kube:
            applied = apply_promise(kube, source, dry_run=dry_run)
            show(consoles, str(applied))
            if dry_run or no_wait:
                return
            with wait_view(consoles) as on_progress:
                progress = wait_for_promise(
                    kube, source.name, timeout=timeout, interval=settings.wait_interval, on_progress=on_progress
                )
            show(consoles, f"Promise {progress.name} is Available ({progress.detail})")


def delete(
    c: Context,
    kubeconfig: str | None,
    context: str | None,
    force: bool,
    yes: bool,
    dry_run: bool,
    no_wait: bool,
    timeout: int,
) -> None:
    from ops.render.console import make_consoles
    from ops.render.wait import wait_view
    from ops.stacks.promise import check_removal, delete_promise, plan_removal, wait_promise_gone
    from ops.tasks.wiring import connect_kube, make_confirmation, show
    from ops.wait import check_timeout

    with reported_errors():
        check_timeout(timeout)
        settings = settings_of(c)
        start_deadline(timeout)  # --timeout bounds the whole task
        consoles = make_consoles()
        confirmation = make_confirmation(consoles, yes)
        with connect_kube(kubeconfig, context) as kube:
            removal = plan_removal(kube, settings)
            if not removal.exists:
                show(consoles, f"Promise {removal.name} not found: nothing to delete")
                return
            check_removal(removal, force=force)
            also = f" and, with it, {len(removal.stacks)} DatadogStack(s)" if removal.stacks else ""
            if dry_run:
                show(consoles, f"Promise {removal.name} would be deleted{also}")
                return
            confirmation.require(f"Delete the Promise {removal.name}{also}?")
            start_deadline(timeout)  # the time spent answering does not count
            delete_promise(kube, removal.name)
            show(consoles, f"Promise {removal.name} deleted{also}")
            if no_wait:
                return
            with wait_view(consoles) as on_progress:
                wait_promise_gone(
                    kube, removal.name, timeout=timeout, interval=settings.wait_interval, on_progress=on_progress
                )
            show(consoles, f"Promise {removal.name} is gone")
