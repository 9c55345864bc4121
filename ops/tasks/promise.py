"""`promise.*`: install and remove the DatadogStack Promise."""

from __future__ import annotations

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task

from ops.tasks.flag_help import KUBE_FLAGS


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
    from ops.tasks.impl import promise as impl

    impl.apply(c, file=file, kubeconfig=kubeconfig, context=context, no_wait=no_wait, timeout=timeout, dry_run=dry_run)


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
    from ops.tasks.impl import promise as impl

    impl.delete(
        c,
        kubeconfig=kubeconfig,
        context=context,
        force=force,
        yes=yes,
        dry_run=dry_run,
        no_wait=no_wait,
        timeout=timeout,
    )


ns = Collection("promise", apply, delete)
