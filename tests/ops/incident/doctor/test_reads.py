"""snapshot-incomplete: what could not be read is said, and the other checks still run."""

from __future__ import annotations

from collections.abc import Callable

from ops.incident.doctor.finding import Severity, Subject
from ops.incident.snapshot import Snapshot
from tests.kube.emulator import EmulatorThread
from tests.objects import (
    Stack,
    healthy_platform,
    replace,
    stack_external_secret,
)
from tests.snapshots import run_check


def test_a_kind_rbac_hides_is_reported_and_the_rest_is_still_checked(
    snapshot_of: Callable[..., Snapshot], kube: EmulatorThread
) -> None:
    stack = Stack("production", "team-a", env="prod")
    kube.fail(403, path="^/api/v1/events$")
    snap = snapshot_of(replace(healthy_platform([stack]), stack_external_secret(stack, ready=False)))

    [finding] = run_check(snap, "snapshot-incomplete")

    assert (finding.severity, finding.object) == (Severity.WARNING, Subject("APIResource", "events"))
    assert finding.evidence == (
        'forbidden: user "system:serviceaccount:ops:reader" may not list events at the cluster scope',
    )
    assert finding.fix == ("kubectl auth can-i list events --all-namespaces",)
    [failed] = run_check(snap, "externalsecret-failed")
    assert "no UpdateFailed event left" in failed.evidence[1]


def test_snapshot_incomplete_stays_quiet_on_a_healthy_platform(healthy: Snapshot) -> None:
    assert run_check(healthy, "snapshot-incomplete") == []
