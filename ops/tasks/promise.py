"""`promise.*`: install and remove the DatadogStack Promise."""

from __future__ import annotations

from pathlib import Path

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task

from ops.tasks.exits import reported_errors, settings_of, start_deadline
from ops.tasks.wiring import KUBE_FLAGS

PROMISE_FILE = Path(__file__).resolve().parents[2] / "promises" / "promise.yaml"


@task(
    help={
        "file": "the Promise file (default: promises/promise.yaml)",
        **KUBE_FLAGS,
        "no_wait": "return after applying; do not wait for the Promise to be Available",
        "timeout": "seconds to wait for Available before giving up (exit 18; default 300)",
        "dry_run": "say whether the Promise would be created, configured or left unchanged; send no write",
    },
    auto_shortflags=False,
)
def apply(
    c: Context,
    file: str | None = None,
    kubeconfig: str | None = None,
    context: str | None = None,
    no_wait: bool = False,
    timeout: int = 300,
    dry_run: bool = False,
) -> None:
    """Install or update the DatadogStack Promise (server-side apply), then wait until Kratix says Available.

    The file must agree with invoke.yaml (promise.name, group, pipeline, image): a mismatch is refused
    before anything is sent. Running it again changes nothing and says "unchanged".

    Examples:
      invoke promise.apply
      invoke promise.apply --dry-run
      invoke promise.apply --timeout 600 --context kratix-demo
    """
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


@task(
    help={
        **KUBE_FLAGS,
        "force": "delete even while DatadogStacks exist (Kratix then deletes them and their agents)",
        "yes": "do not ask for confirmation",
        "dry_run": "say what would be deleted; delete nothing",
        "no_wait": "return after the delete request; do not wait until the Promise is gone",
        "timeout": "seconds to wait until the Promise is gone (exit 18; default 300)",
    },
    auto_shortflags=False,
)
def delete(
    c: Context,
    kubeconfig: str | None = None,
    context: str | None = None,
    force: bool = False,
    yes: bool = False,
    dry_run: bool = False,
    no_wait: bool = False,
    timeout: int = 300,
) -> None:
    """Remove the DatadogStack Promise; refused while DatadogStacks exist, unless --force.

    Asks first (or --yes; without a terminal and without --yes it stops, exit 20). Deleting a Promise
    that is not there says so and succeeds.

    Examples:
      invoke promise.delete
      invoke promise.delete --dry-run
      invoke promise.delete --force --yes
    """
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


ns = Collection("promise", apply, delete)
