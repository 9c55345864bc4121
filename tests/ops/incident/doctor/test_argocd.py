"""Argo CD: OutOfSync, Degraded/Missing, ComparisonError/SyncError or a failed sync; fix: hard refresh."""

from __future__ import annotations

from collections.abc import Callable

from ops.incident.doctor.finding import Severity, Subject
from ops.incident.snapshot import Snapshot
from tests.objects import (
    app_condition,
    argocd_app,
    healthy_platform,
    replace,
)
from tests.snapshots import run_check

COMPARISON = (
    "Failed to load target state: failed to generate manifest for source 1 of 1: rpc error: code = Unknown desc = "
    "Manifest generation error (cached): `helm template . --name-template kratix-config` failed exit status 1: "
    "Error: values don't meet the specifications of the schema(s)"
)


def test_an_out_of_sync_application_lists_its_drifted_resources_and_offers_a_hard_refresh(
    snapshot_of: Callable[..., Snapshot],
) -> None:
    drifted = [
        {"group": "apps", "version": "v1", "kind": "Deployment", "namespace": "flux-system", "name": "helm-controller",
         "status": "OutOfSync", "health": {"status": "Healthy"}},
        {"version": "v1", "kind": "Service", "namespace": "flux-system", "name": "source-controller",
         "status": "Synced", "health": {"status": "Healthy"}},
    ]  # fmt: skip
    snap = snapshot_of(replace(healthy_platform(), argocd_app("flux", sync="OutOfSync", resources=drifted)))

    [finding] = run_check(snap, "argocd-out-of-sync")

    assert (finding.severity, finding.object) == (Severity.WARNING, Subject("Application", "flux", "argocd"))
    assert "OutOfSync resources: Deployment flux-system/helm-controller" in finding.evidence
    assert "last operation Succeeded: successfully synced (all tasks run)" in finding.evidence
    assert "ignoreDifferences" in finding.cause
    assert finding.fix[0] == "kubectl -n argocd annotate application flux argocd.argoproj.io/refresh=hard --overwrite"
    assert finding.remedy is not None
    assert finding.remedy.patch == {"metadata": {"annotations": {"argocd.argoproj.io/refresh": "hard"}}}
    assert any("in Git" in line for line in finding.fix)


def test_a_degraded_application_names_its_unhealthy_resources(snapshot_of: Callable[..., Snapshot]) -> None:
    progress = 'Deployment "kratix-platform-controller-manager" exceeded its progress deadline'
    bad = [
        {
            "group": "apps",
            "version": "v1",
            "kind": "Deployment",
            "namespace": "kratix-platform-system",
            "name": "kratix-platform-controller-manager",
            "status": "Synced",
            "health": {"status": "Degraded", "message": progress},
        }
    ]
    app = argocd_app("kratix", health="Degraded", resources=bad)
    snap = snapshot_of(replace(healthy_platform(), app))

    [finding] = run_check(snap, "argocd-degraded")

    assert finding.symptom == "Application kratix is Degraded"
    assert finding.evidence[1].startswith(
        "unhealthy resources: Deployment kratix-platform-system/kratix-platform-controller-manager (Deployment"
    )


def test_a_cached_comparison_error_is_an_error_fixed_by_a_hard_refresh(snapshot_of: Callable[..., Snapshot]) -> None:
    app = argocd_app("kratix-config", sync="Unknown", conditions=[app_condition("ComparisonError", COMPARISON)])
    snap = snapshot_of(replace(healthy_platform(), app))

    [finding] = run_check(snap, "argocd-error")

    assert finding.severity is Severity.ERROR
    assert finding.evidence == (f"ComparisonError: {COMPARISON}",)
    assert finding.cause == "Argo CD keeps a cached manifest-generation error: a hard refresh drops the cache"
    assert finding.remedy is not None and finding.remedy.action == "hard-refresh"
    assert run_check(snap, "argocd-out-of-sync") == []  # Unknown is not OutOfSync


def test_a_failed_sync_shows_the_resource_that_failed(snapshot_of: Callable[..., Snapshot]) -> None:
    failed = {
        "kind": "GitStateStore",
        "name": "default",
        "namespace": "",
        "status": "SyncFailed",
        "message": "the server could not find the requested resource",
    }
    operation = {
        "phase": "Failed",
        "message": 'one or more objects failed to apply, reason: namespaces "kratix-platform-system" not found',
        "syncResult": {"resources": [failed]},
    }
    conditions = [
        app_condition("SyncError", "Failed last sync attempt to 3f9c2a1b: one or more objects failed to apply")
    ]
    app = argocd_app("kratix-config", sync="OutOfSync", conditions=conditions, operation=operation)
    snap = snapshot_of(replace(healthy_platform(), app))

    [finding] = run_check(snap, "argocd-error")

    assert finding.symptom == "Application kratix-config has SyncError"
    assert "GitStateStore default SyncFailed: the server could not find the requested resource" in finding.evidence
    assert finding.cause.startswith(
        "a manifest in gitops/kratix-config uses GitStateStore, which this cluster does not"
    )
    assert finding.fix[0].startswith("install the CRD of GitStateStore before it")
    assert finding.remedy is None  # a refresh cannot make the API server serve the kind


def test_argocd_checks_stay_quiet_on_a_healthy_platform(healthy: Snapshot) -> None:
    for check in ("argocd-out-of-sync", "argocd-degraded", "argocd-error"):
        assert run_check(healthy, check) == [], check
