"""Run the checks over snapshots, and apply the safe remedies `--fix` may apply.

checks = select_checks(["pipeline-failed"])            # all when none are named
reads = take_snapshots(kubes, reads_for(checks, settings))
diagnosis = diagnose(reads, checks, aws=None)
diagnosis.exit_code(Severity.ERROR)                    # 0, 1 (a finding reaches it) or 2 (unreadable)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ops.errors import ExitCode, OpsError
from ops.incident.doctor.finding import Finding, Remedy, Severity
from ops.incident.doctor.incidents import Incident, build_incidents
from ops.incident.doctor.registry import Check
from ops.incident.doctor.settled import DOCTOR_SHAPES
from ops.incident.snapshot import (
    STATESTORE_SECRETS,
    VALUES_SECRETS,
    ContextRead,
    Reads,
    Snapshot,
)
from ops.kube.objects import patch_object

if TYPE_CHECKING:
    from ops.config import Settings
    from ops.incident.doctor.aws_keys import ApiKeysReader
    from ops.kube.client import Kube

FAIL_ON = ("error", "warning", "info", "never")


@dataclass(frozen=True)
class Unreadable:
    context: str
    error: str


@dataclass(frozen=True)
class NotRun:
    """A check that could not run on a context: what it needed could not be read."""

    context: str
    check: str
    unread: tuple[str, ...]  # the kinds (or "the cluster") it could not read


@dataclass(frozen=True)
class Diagnosis:
    findings: tuple[Finding, ...]
    unreadable: tuple[Unreadable, ...]
    checks: tuple[str, ...]
    contexts: tuple[str, ...]
    incidents: tuple[Incident, ...] = ()  # the findings grouped by the object their cause sits on
    incomplete: tuple[Unreadable, ...] = ()  # kinds the checks needed that could not be read (RBAC)
    not_run: tuple[NotRun, ...] = ()

    @property
    def complete(self) -> bool:
        """Every check ran on every context with everything it needs: only then is "no problems" true."""
        return not self.unreadable and not self.incomplete and not self.not_run

    def exit_code(self, fail_on: str) -> int:
        """2 when a context could not be read, in whole or in part (a kind a check needs); else 1 when a
        finding reaches `fail_on`; else 0. A check blind to a kind cannot say "no finding"."""
        if not self.complete:
            return ExitCode.BAD_INPUT
        if fail_on != "never" and any(f.severity.reaches(Severity(fail_on)) for f in self.findings):
            return ExitCode.FAILED
        return ExitCode.OK

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)


def reads_for(checks: Iterable[Check], settings: Settings) -> Reads:
    """The union of what the checks need: nothing more is listed; of a settled object, its skeleton is kept."""
    return Reads.of(settings, set().union(*(c.needs for c in checks)), DOCTOR_SHAPES)


def diagnose(
    reads: Iterable[ContextRead],
    checks: Iterable[Check],
    aws: ApiKeysReader | None,
    namespace: str | None = None,
) -> Diagnosis:
    checks = tuple(checks)
    order = {c.id: index for index, c in enumerate(checks)}
    findings: list[Finding] = []
    unreadable: list[Unreadable] = []
    incomplete: list[Unreadable] = []
    contexts: list[str] = []
    not_run: list[NotRun] = []
    for read in reads:
        contexts.append(read.context)
        if read.snapshot is None:
            unreadable.append(Unreadable(read.context, read.error.message if read.error else "not read"))
            not_run += [NotRun(read.context, c.id, ("the cluster",)) for c in checks]
            continue
        incomplete += [
            Unreadable(read.context, f"{listing.spec.kind}: {listing.error}")
            for listing in read.snapshot.listings.values()
            if listing.error is not None
        ]
        if aws is not None:  # AWS answers while the other checks run; the checks that read them run last
            for c in checks:
                if c.asks is not None:
                    aws.start(c.asks(read.snapshot))
        for c in sorted(checks, key=lambda c: c.uses_aws):
            findings += c.run(read.snapshot, aws if c.uses_aws else None)
        for c in checks:
            unread = unread_needs(read.snapshot, c)
            if unread:
                not_run.append(NotRun(read.context, c.id, unread))
    if namespace is not None:
        findings = [f for f in findings if namespace in f.namespaces]
    findings.sort(key=lambda f: (-f.severity.rank, order[f.check], f.context, str(f.object)))
    return Diagnosis(
        tuple(findings),
        tuple(unreadable),
        tuple(order),
        tuple(contexts),
        build_incidents(findings),
        tuple(incomplete),
        tuple(not_run),
    )


def unread_needs(snapshot: Snapshot, c: Check) -> tuple[str, ...]:
    """The kinds (and Secrets) `c` needs that the snapshot could not read: `c` is blind to them."""
    unread = [
        listing.spec.kind
        for key, listing in snapshot.listings.items()
        if key in c.needs and listing.installed and listing.error is not None
    ]
    if c.needs & {STATESTORE_SECRETS, VALUES_SECRETS} and any(s.error for s in snapshot.secrets.values()):
        unread.append("Secret")
    return tuple(unread)


@dataclass(frozen=True)
class RemedyResult:
    context: str
    remedy: Remedy
    outcome: str  # applied, would apply, failed
    error: str | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "context": self.context,
            "action": self.remedy.action,
            "object": {
                "kind": self.remedy.ref.kind,
                "namespace": self.remedy.ref.namespace,
                "name": self.remedy.ref.name,
            },
            "patch": self.remedy.patch,
            "outcome": self.outcome,
            "error": self.error,
        }


def remedies(findings: Iterable[Finding]) -> list[tuple[str, Remedy]]:
    """(context, remedy) for each distinct safe remedy among the findings, in finding order.

    A finding whose cause sits on another object (`root`) gets none: a force-sync or a refresh of
    the symptom changes nothing while the store, the Secret or the Promise below it is broken.
    """
    seen: dict[tuple[str, str, str], tuple[str, Remedy]] = {}
    for f in findings:
        if f.remedy is not None and f.root is None:
            seen.setdefault((f.context, f.remedy.action, str(f.remedy.ref)), (f.context, f.remedy))
    return list(seen.values())


def apply_remedies(
    kubes: Mapping[str, Kube],
    findings: Iterable[Finding],
    *,
    dry_run: bool,
    announce: Callable[[str, Remedy], None],
) -> tuple[RemedyResult, ...]:
    """Apply each safe remedy once, announcing it first; under dry_run only announce (no request)."""
    results = []
    for context, remedy in remedies(findings):
        announce(context, remedy)
        if dry_run:
            results.append(RemedyResult(context, remedy, "would apply"))
            continue
        try:
            patch_object(kubes[context], remedy.ref, remedy.patch)
        except OpsError as err:
            results.append(RemedyResult(context, remedy, "failed", err.message))
            continue
        results.append(RemedyResult(context, remedy, "applied"))
    return tuple(results)
