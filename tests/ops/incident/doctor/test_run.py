"""Running the checks: exit codes by --fail-on, --namespace, check selection, safe remedies once each."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ops.errors import BadInput, ExitCode
from ops.incident.doctor.finding import Severity
from ops.incident.doctor.registry import all_checks, select_checks
from ops.incident.doctor.run import apply_remedies, diagnose, remedies
from ops.incident.snapshot import ContextRead, Snapshot
from ops.kube import KubeTarget, connect
from ops.kube.errors import ApiUnreachable
from tests.kube.emulator import EmulatorThread
from tests.objects import (
    Stack,
    argocd_app,
    healthy_platform,
    replace,
)
from tests.snapshots import QUICK

OUT_OF_SYNC = argocd_app("kratix-config", sync="OutOfSync")
DEGRADED = argocd_app("flux", health="Degraded")


@pytest.fixture
def broken_apps(snapshot_of: Callable[..., Snapshot]) -> Snapshot:
    return snapshot_of(replace(replace(healthy_platform([Stack("p", "team-a")]), OUT_OF_SYNC), DEGRADED))


def test_the_exit_code_follows_fail_on(broken_apps: Snapshot) -> None:
    warning_only = diagnose([ContextRead("kind-a", broken_apps)], select_checks(["argocd-out-of-sync"]), None)
    both = diagnose([ContextRead("kind-a", broken_apps)], all_checks(), None)

    assert [f.severity for f in warning_only.findings] == [Severity.WARNING]
    assert (warning_only.exit_code("error"), warning_only.exit_code("warning")) == (0, 1)
    assert [f.check for f in both.findings] == ["argocd-degraded", "argocd-out-of-sync"]  # errors first
    assert (both.exit_code("error"), both.exit_code("info"), both.exit_code("never")) == (1, 1, 0)


def test_an_unreadable_context_makes_it_2_whatever_was_found(broken_apps: Snapshot) -> None:
    dead = ContextRead("dead", None, ApiUnreachable("http://127.0.0.1:1", "connection refused"))

    diagnosis = diagnose([ContextRead("kind-a", broken_apps), dead], all_checks(), None)

    assert diagnosis.exit_code("never") == ExitCode.BAD_INPUT
    assert [u.context for u in diagnosis.unreadable] == ["dead"]
    assert len(diagnosis.findings) == 2


def test_namespace_keeps_findings_about_objects_or_owners_there(broken_apps: Snapshot) -> None:
    assert [
        f.object.name for f in diagnose([ContextRead("a", broken_apps)], all_checks(), None, "argocd").findings
    ] == [
        "flux",
        "kratix-config",
    ]
    assert diagnose([ContextRead("a", broken_apps)], all_checks(), None, "team-a").findings == ()


def test_unknown_check_ids_are_bad_input_naming_the_known_ones() -> None:
    with pytest.raises(BadInput, match=r"^--check: 'oom' is not allowed; one of pipeline-failed, pipeline-stuck, "):
        select_checks(["oom"])
    assert [c.id for c in select_checks(["oom-killed", "image-error", "oom-killed"])] == ["image-error", "oom-killed"]


def test_check_ids_are_unique_and_stable() -> None:
    ids = [c.id for c in all_checks()]
    assert len(ids) == len(set(ids)) == 34
    assert ids[:3] == ["pipeline-failed", "pipeline-stuck", "image-error"]


def test_remedies_are_applied_once_each_and_dry_run_sends_nothing(
    broken_apps: Snapshot, kube: EmulatorThread, kubeconfig: object
) -> None:
    findings = diagnose([ContextRead("kind-a", broken_apps)], all_checks(), None).findings
    twice = findings + findings
    announced: list[str] = []

    with connect(KubeTarget(kubeconfig, "kind-a"), retry=QUICK) as client:  # type: ignore[arg-type]
        kube.forget_requests()
        dry = apply_remedies({"kind-a": client}, twice, dry_run=True, announce=lambda c, r: announced.append(str(r)))
        assert kube.writes() == []
        done = apply_remedies({"kind-a": client}, twice, dry_run=False, announce=lambda c, r: announced.append(str(r)))

    assert len(remedies(twice)) == 1
    assert [r.outcome for r in dry] == ["would apply"] and [r.outcome for r in done] == ["applied"]
    assert announced == ["hard-refresh Application argocd/kratix-config"] * 2
    assert kube.writes() == [("PATCH", "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/kratix-config")]


def test_the_readme_and_the_help_list_every_check_id() -> None:
    import re

    from ops.tasks.incident import doctor
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("`invoke doctor` runs these checks") : readme.index("Each finding (table")]
    documented = re.findall(r"^\| `([a-z0-9-]+)` \|", table, re.MULTILINE)
    ids = [c.id for c in all_checks()]
    assert documented == ids
    help_text = " ".join((doctor.__doc__ or "").split())
    assert all(id_ in help_text for id_ in ids)
