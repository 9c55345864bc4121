"""HelmReleases that time out on a workload, that are suspended, or that wait on a dependency.

helm-controller's wait error names what did not become ready (kstatus, fluxcd/pkg/ssa):
`Helm upgrade failed for release ns/datadog with chart datadog@3.240.0: timeout waiting for:
[DaemonSet/ns/datadog status: 'InProgress']` (or `failed early due to stalled resources: [... status:
'Failed']`). Retrying (`flux reconcile --reset`) only waits again: the finding names the workload and,
through workloads.why_not_ready, why its pods are not ready, and the first fix is that cause's fix
(https://github.com/fluxcd/helm-controller/issues/701, the Flux FAQ's "install retries exhausted").

`spec.suspend: true`: Flux does not reconcile the release at all (`flux get hr` SUSPENDED True).
`Ready=False DependencyNotReady: dependency 'ns/name' is not ready`: the cause is the other release.
A `Ready=True` older than a newer Warning Event about the release (`UpgradeFailed`...) is not taken
at its word: the event's message is read as the release's state.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ops.incident.doctor.common import DOCS, finding, kubectl, owner_by_labels, subject
from ops.incident.doctor.events import event_line, newer_failure, one_line
from ops.incident.doctor.finding import Finding, Severity, Subject
from ops.incident.doctor.registry import check
from ops.incident.doctor.workloads import why_not_ready
from ops.incident.snapshot import AGENT_LOGS, Snapshot
from ops.kube.fields import NO_CONDITION, Json, condition, condition_line, name_of, namespace_of

if TYPE_CHECKING:
    from ops.incident.doctor.aws_keys import ApiKeysReader

WAIT_ERROR = re.compile(r"(?:timeout waiting for|failed early due to stalled resources): \[(?P<items>[^\]]*)\]")
WAIT_ITEM = re.compile(
    r"(?P<kind>[A-Za-z]+)/(?P<namespace>[^/\s,]*)/(?P<name>[^\s,]+) status: '?(?P<status>[A-Za-z]+)'?"
)
RELEASE_FAILURES = {"InstallFailed", "UpgradeFailed", "RollbackFailed", "TestFailed", "ReconcileError"}
DOCS_DEPENDS = "https://fluxcd.io/flux/components/helm/helmreleases/#dependencies"
DOCS_SUSPEND = "https://fluxcd.io/flux/components/helm/helmreleases/#suspend"


def _reconcile(release: Json, *flags: str) -> str:
    return " ".join(["flux", "reconcile", "helmrelease", name_of(release), "-n", namespace_of(release), *flags])


def failure_message(snap: Snapshot, release: Json) -> tuple[str, str] | None:
    """(message, where it was read) of the release's failure: its Ready/Released condition, or a Warning
    Event newer than a Ready=True condition."""
    ready = condition(release, "Ready")
    if ready is not None and ready.is_false:
        for c in (ready, condition(release, "Released") or NO_CONDITION):
            if WAIT_ERROR.search(c.message):
                return c.one_line_message, condition_line(c)
        return ready.one_line_message, condition_line(ready)
    if ready is not None and ready.is_true:
        ev = newer_failure(
            snap,
            "HelmRelease",
            namespace_of(release),
            name_of(release),
            since=ready.last_transition_time,
            reasons=RELEASE_FAILURES,
        )
        if ev is not None:
            line = f"{condition_line(ready)} is older than {event_line(snap, ev)}"
            return one_line(ev.get("message")), line
    return None


def waited_on(message: str) -> list[tuple[str, str, str, str]]:
    """(kind, namespace, name, status) of each resource the wait error lists."""
    match = WAIT_ERROR.search(message)
    if not match:
        return []
    return [(m["kind"], m["namespace"], m["name"], m["status"]) for m in WAIT_ITEM.finditer(match["items"])]


def timed_out(snap: Snapshot, release: Json) -> bool:
    failure = failure_message(snap, release)
    return failure is not None and bool(waited_on(failure[0]))


@check(
    "helmrelease-timeout",
    "HelmRelease timed out waiting for a workload: which one, and why its pods are not ready",
    {
        "helmreleases",
        "daemonsets",
        "deployments",
        "pods",
        "events",
        "namespaces",
        "datadogstacks",
        "externalsecrets",
        AGENT_LOGS,
    },
)
def helmrelease_timeout(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    found = []
    for release in snap.items("helmreleases"):
        failure = failure_message(snap, release)
        items = waited_on(failure[0]) if failure else []
        if not failure or not items:
            continue
        where = failure[1]
        ns = namespace_of(release)
        evidence = [where]
        states = [why_not_ready(snap, kind, item_ns or ns, name) for kind, item_ns, name, _ in items]
        for state in states:
            evidence += [f"{state.subject}: {line}" for line in state.evidence]
        cause_state = next((s for s in states if s.diagnosis is not None), None)
        root = cause_state.subject if cause_state is not None else None
        stalled = (condition(release, "Stalled") or NO_CONDITION).reason == "RetriesExceeded"
        retry = _reconcile(release, "--reset" if stalled else "--force")
        waited = ", ".join(f"{k} {n}/{name} ({status})" for k, n, name, status in items)
        if cause_state is not None and cause_state.diagnosis is not None:
            diagnosis = cause_state.diagnosis
            evidence += [line for line in diagnosis.evidence if line not in evidence]
            cause = f"{cause_state.subject} did not become ready: {diagnosis.cause}"
            fix = [*diagnosis.fix, f"then: {retry}"]
            remedy = diagnosis.remedy
        else:
            cause = f"Helm's wait gave up on {waited}, but they look ready now: they were slow (raise spec.timeout)"
            fix = [retry, kubectl("describe", "helmrelease", name_of(release), namespace=ns)]
            remedy = None
        found.append(
            finding(
                snap,
                "helmrelease-timeout",
                Severity.ERROR,
                subject(release),
                owner=owner_by_labels(snap, release),
                symptom=f"HelmRelease {ns}/{name_of(release)} timed out waiting for {waited}",
                evidence=evidence,
                cause=cause,
                fix=fix,
                docs=DOCS["flux-helmrelease"],
                remedy=remedy,
                root=root,  # the workload: its own finding (agent-not-ready, workload-stuck) is the same incident
            )
        )
    return found


@check("helmrelease-blocked", "HelmRelease suspended, or waiting on a dependency that is not ready", {"helmreleases"})
def helmrelease_blocked(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    releases = {(namespace_of(r), name_of(r)): r for r in snap.items("helmreleases")}
    found = []
    for release in releases.values():
        ns, name = namespace_of(release), name_of(release)
        spec = release.get("spec") or {}
        ready = condition(release, "Ready")
        if spec.get("suspend") is True:
            found.append(
                finding(
                    snap,
                    "helmrelease-blocked",
                    Severity.WARNING,
                    subject(release),
                    owner=owner_by_labels(snap, release),
                    symptom=f"HelmRelease {ns}/{name} is suspended: Flux does not reconcile it",
                    evidence=["spec.suspend: true", condition_line(ready)],
                    cause="someone ran `flux suspend` (or the manifest sets suspend): "
                    "changes in Git do not reach the cluster",
                    fix=[
                        f"flux resume helmrelease {name} -n {ns}",
                        "and drop spec.suspend from the manifest if Git sets it",
                    ],
                    docs=DOCS_SUSPEND,
                )
            )
            continue
        if ready is None or ready.reason != "DependencyNotReady":
            continue
        evidence = [condition_line(ready) + f" ({snap.age(ready.last_transition_time)} ago)"]
        blockers: list[str] = []
        fix: list[str] = []
        root = None
        for dep in spec.get("dependsOn") or []:
            dep_ns, dep_name = str(dep.get("namespace") or ns), str(dep.get("name"))
            other = releases.get((dep_ns, dep_name))
            if other is None:
                evidence.append(f"HelmRelease {dep_ns}/{dep_name} does not exist")
                blockers.append(f"HelmRelease {dep_ns}/{dep_name} it depends on does not exist")
                fix.append(f"correct spec.dependsOn of {ns}/{name} in Git, or create {dep_ns}/{dep_name}")
                continue
            dep_ready = condition(other, "Ready")
            if dep_ready is not None and dep_ready.is_true:
                continue
            evidence.append(f"HelmRelease {dep_ns}/{dep_name}: {condition_line(dep_ready)}")
            root = root or Subject("HelmRelease", dep_name, dep_ns)
            blockers.append(
                f"HelmRelease {dep_ns}/{dep_name} is not ready ({dep_ready.reason if dep_ready else 'no condition'})"
            )
            fix.append(
                f"fix HelmRelease {dep_ns}/{dep_name} first (its own finding); "
                f"then: flux reconcile helmrelease {name} -n {ns}"
            )
        found.append(
            finding(
                snap,
                "helmrelease-blocked",
                Severity.ERROR,
                subject(release),
                owner=owner_by_labels(snap, release),
                symptom=f"HelmRelease {ns}/{name} waits on a dependency: nothing is installed or upgraded",
                evidence=evidence,
                cause="; ".join(blockers) or "a dependency was not ready when Flux last looked",
                fix=fix or [f"flux reconcile helmrelease {name} -n {ns}"],
                docs=DOCS_DEPENDS,
                root=root,
            )
        )
    return found


def handled_elsewhere(snap: Snapshot, release: Json) -> bool:
    """True when helmrelease-timeout, helmrelease-blocked or helm-source-failed reports this release."""
    from ops.incident.doctor.helmsources import source_failure

    ready = condition(release, "Ready") or NO_CONDITION
    if (release.get("spec") or {}).get("suspend") is True or ready.reason == "DependencyNotReady":
        return True
    return timed_out(snap, release) or source_failure(snap, release) is not None


CHECKS = (helmrelease_timeout, helmrelease_blocked)
