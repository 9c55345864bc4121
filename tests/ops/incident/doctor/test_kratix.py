"""promise-unavailable and kratix-controller-down."""

from __future__ import annotations

from collections.abc import Callable

from ops.incident.doctor.finding import Severity, Subject
from ops.incident.snapshot import Snapshot
from tests.objects import (
    KRATIX_NS,
    PROMISE,
    healthy_platform,
    kratix_controller,
    oom_killed,
    platform_crds,
    promise,
    replace,
    running,
    without,
)
from tests.snapshots import run_check


def test_an_unavailable_promise_quotes_its_condition(snapshot_of: Callable[..., Snapshot]) -> None:
    snap = snapshot_of(replace(healthy_platform(), promise(available=False, requirements_met=True)))

    [finding] = run_check(snap, "promise-unavailable")

    assert (finding.severity, finding.object) == (Severity.ERROR, Subject("Promise", PROMISE))
    assert finding.evidence == ("Available=False PromiseUnavailable: Cannot fulfil resource requests",)
    assert finding.fix[-1] == "fix promises/promise.yaml, commit, then `invoke promise.apply`"


def test_a_missing_promise_says_to_apply_it(snapshot_of: Callable[..., Snapshot]) -> None:
    snap = snapshot_of(without(healthy_platform(), "Promise", PROMISE))

    [finding] = run_check(snap, "promise-unavailable")

    assert finding.symptom == f"the Promise {PROMISE} is not installed: DatadogStack requests cannot be made"
    assert finding.evidence[0] == f"no Promise {PROMISE} (Promises here: none)"
    assert finding.fix == ("invoke promise.apply",)


def test_a_crash_looping_controller_shows_its_pods_state(snapshot_of: Callable[..., Snapshot]) -> None:
    manager = oom_killed(running("manager", "syntasso/kratix-platform:v0.130.0"), restarts=9)
    objects = healthy_platform()
    for obj in kratix_controller(ready=0, pod_status=manager):
        objects = replace(objects, obj)
    snap = snapshot_of(objects)

    [finding] = run_check(snap, "kratix-controller-down")

    assert finding.object == Subject("Deployment", "kratix-platform-controller-manager", KRATIX_NS)
    assert finding.evidence[:2] == (
        f"Deployment {KRATIX_NS}/kratix-platform-controller-manager: 0/1 ready",
        "Available=False MinimumReplicasUnavailable: Deployment does not have minimum availability.",
    )
    assert finding.evidence[2].endswith("container manager: CrashLoopBackOff, last exit 137 (OOMKilled), restarts 9")
    assert (
        finding.fix[0]
        == "kubectl -n kratix-platform-system logs deploy/kratix-platform-controller-manager -c manager --tail=50"
    )


def test_kratix_not_installed_at_all_is_one_finding(snapshot_of: Callable[..., Snapshot]) -> None:
    kratix_kinds = {"Promise", "GitStateStore", "Destination", "Work", "WorkPlacement", "DatadogStack"}
    objects = [o for o in healthy_platform() if o["kind"] not in kratix_kinds]
    crds = [c for c in platform_crds() if c["spec"]["group"] not in {"platform.kratix.io", "platform.srekubecraft.io"}]
    snap = snapshot_of(objects, crds=crds)

    [finding] = run_check(snap, "kratix-controller-down")

    assert finding.evidence == ("API group platform.kratix.io not served (GET /apis)",)
    assert run_check(snap, "promise-unavailable") == []


def test_kratix_checks_stay_quiet_on_a_healthy_platform(healthy: Snapshot) -> None:
    assert run_check(healthy, "promise-unavailable") == []
    assert run_check(healthy, "kratix-controller-down") == []
