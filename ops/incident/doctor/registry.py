"""The checks: a stable id, what each reads, and the function `check(snapshot, aws) -> list[Finding]`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ops.errors import one_of

if TYPE_CHECKING:
    from ops.incident.doctor.aws_keys import ApiKeysReader
    from ops.incident.doctor.finding import Finding
    from ops.incident.snapshot import Snapshot

CheckFn = Callable[["Snapshot", "ApiKeysReader | None"], list["Finding"]]
AsksFn = Callable[["Snapshot"], Iterable[str]]


@dataclass(frozen=True)
class Check:
    id: str  # stable: README "invoke doctor" lists them; never rename one
    title: str
    needs: frozenset[str]  # snapshot reads (kind keys and extra reads, ops/incident/snapshot.py)
    run: CheckFn
    uses_aws: bool = False
    # the AWS secrets it will look up, told from the snapshot alone: asked for in the background
    # while the other checks run (ops/incident/doctor/run.py `diagnose`)
    asks: AsksFn | None = None


def check(
    id_: str, title: str, needs: Iterable[str], *, uses_aws: bool = False, asks: AsksFn | None = None
) -> Callable[[CheckFn], Check]:
    """Declare a check: `@check("oom-killed", "OOMKilled containers", {"pods"})`."""

    def wrap(fn: CheckFn) -> Check:
        return Check(id_, title, frozenset(needs), _with_events(fn), uses_aws, asks)

    return wrap


def _with_events(fn: CheckFn) -> CheckFn:
    """Every check's findings carry the Warning Events about their objects (ops/incident/doctor/events.py)."""
    from ops.incident.doctor.events import attach_events

    def run(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
        return [attach_events(snap, f) for f in fn(snap, aws)]

    run.__doc__, run.__name__ = fn.__doc__, fn.__name__
    return run


def all_checks() -> tuple[Check, ...]:
    """Every check, in the order the troubleshooting table of github.com/NoNickeD/kratix-demo lists them,
    then the rest."""
    from ops.incident.doctor import (
        agents,
        argocd,
        coverage,
        externalsecrets,
        flux,
        helmreleases,
        helmsources,
        images,
        kratix,
        namespaces,
        oom,
        pipeline,
        reads,
        scheduling,
        statestore,
        workloads,
        works,
    )

    return (
        *pipeline.CHECKS,
        *images.CHECKS,
        *statestore.CHECKS,
        *argocd.CHECKS,
        *externalsecrets.CHECKS,
        *oom.CHECKS,
        *agents.CHECKS,
        *flux.CHECKS,
        *helmreleases.CHECKS,
        *helmsources.CHECKS,
        *kratix.CHECKS,
        *works.CHECKS,
        *namespaces.CHECKS,
        *scheduling.CHECKS,
        *coverage.CHECKS,
        *workloads.CHECKS,
        *reads.CHECKS,
    )


def select_checks(ids: Iterable[str] = ()) -> tuple[Check, ...]:
    """The checks with these ids (all when none); an unknown id is a bad flag."""
    checks = all_checks()
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return checks
    known = {c.id: c for c in checks}
    for id_ in wanted:
        one_of("--check", id_, known)
    return tuple(c for c in checks if c.id in wanted)
