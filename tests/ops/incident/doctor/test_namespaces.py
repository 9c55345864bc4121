"""namespace-terminating: a Datadog namespace whose deletion waits on finalizers."""

from __future__ import annotations

from collections.abc import Callable

from ops.incident.doctor.finding import Subject
from ops.incident.snapshot import Snapshot
from tests.objects import (
    Stack,
    healthy_platform,
    namespace,
    replace,
    terminating,
)
from tests.snapshots import run_check

GONE = Stack("old", "team-a", tier="minimal")


def test_a_namespace_terminating_for_long_names_the_finalizer_holding_it(snapshot_of: Callable[..., Snapshot]) -> None:
    objects = replace(healthy_platform([GONE]), terminating(namespace(GONE.target, GONE.labels), since=1800))
    snap = snapshot_of(objects)

    [finding] = run_check(snap, "namespace-terminating")

    assert finding.object == Subject("Namespace", GONE.target)
    assert finding.owner == Subject("DatadogStack", "old", "team-a")
    assert finding.symptom == f"namespace {GONE.target} has been Terminating for 30m"
    assert (
        "NamespaceFinalizersRemaining: Some content in the namespace has finalizers remaining: "
        "finalizers.fluxcd.io in 1 resource instances"
    ) in finding.evidence
    assert "HelmRelease datadog holds finalizers finalizers.fluxcd.io" in finding.evidence
    assert finding.cause == "a HelmRelease keeps finalizers.fluxcd.io and helm-controller is not running to remove it"
    assert finding.fix[-1].endswith(
        f"""kubectl -n {GONE.target} patch helmrelease datadog --type merge -p '{{"metadata":{{"finalizers":null}}}}'"""
    )


def test_a_namespace_deleted_a_minute_ago_is_not_stuck_yet(snapshot_of: Callable[..., Snapshot]) -> None:
    objects = replace(healthy_platform([GONE]), terminating(namespace(GONE.target, GONE.labels), since=60))

    assert run_check(snapshot_of(objects), "namespace-terminating") == []


def test_other_namespaces_are_not_ours_to_judge(snapshot_of: Callable[..., Snapshot]) -> None:
    objects = replace(healthy_platform(), terminating(namespace("team-a"), since=3600))

    assert run_check(snapshot_of(objects), "namespace-terminating") == []


def test_namespace_terminating_stays_quiet_on_a_healthy_platform(healthy: Snapshot) -> None:
    assert run_check(healthy, "namespace-terminating") == []
