"""Flux: CRDs missing, Helm ownership conflicts (both fixes), valuesFrom Secret missing, other failures."""

from __future__ import annotations

from collections.abc import Callable

from ops.incident.doctor.finding import Subject
from ops.incident.snapshot import Snapshot
from tests.kube.emulator import EmulatorThread
from tests.objects import (
    KEYS_SECRET,
    Stack,
    argocd_app,
    flux_crds,
    healthy_platform,
    install_failed,
    ownership_error,
    platform_crds,
    replace,
    stack_external_secret,
    values_error,
    without,
)
from tests.snapshots import run_check

PROD = Stack("production", "team-a", tier="full", env="prod")
FLUX_KINDS = {"HelmRelease", "HelmRepository"}


def without_flux(objects: list[dict[str, object]]) -> list[dict[str, object]]:
    return [o for o in objects if o["kind"] not in FLUX_KINDS]


def test_missing_flux_crds_say_which_controllers_and_how_to_install_them(
    snapshot_of: Callable[..., Snapshot], kube: EmulatorThread
) -> None:
    flux = {c["metadata"]["name"] for c in flux_crds()}
    crds = [c for c in platform_crds() if c["metadata"]["name"] not in flux]
    objects = replace(without_flux(healthy_platform([PROD])), argocd_app("flux", sync="OutOfSync", health="Missing"))
    kube.forget_requests()
    snap = snapshot_of(objects, crds=crds)

    [finding] = run_check(snap, "flux-crds-missing")

    assert finding.symptom == (
        "Flux's helm-controller, source-controller CRDs are not installed: "
        "the HelmReleases Kratix writes cannot be applied"
    )
    assert finding.evidence == (
        "HelmRelease (helm.toolkit.fluxcd.io/v2): API group helm.toolkit.fluxcd.io not served (GET /apis)",
        "HelmRepository (source.toolkit.fluxcd.io/v1): API group source.toolkit.fluxcd.io not served (GET /apis)",
        "Application argocd/flux: sync OutOfSync, health Missing",
    )
    assert finding.fix[:2] == ("invoke argocd.apps", "argocd app sync flux")
    assert kube.count("GET", "/apis/helm.toolkit.fluxcd.io") == 0  # discovery said so: no request for it


def test_flux_crds_of_another_version_count_as_missing(snapshot_of: Callable[..., Snapshot]) -> None:
    from tests.kube.emulator import crd_manifest

    old = crd_manifest("helm.toolkit.fluxcd.io", "HelmRelease", versions=("v2beta1",))
    crds = [c for c in platform_crds() if c["metadata"]["name"] != "helmreleases.helm.toolkit.fluxcd.io"] + [old]
    snap = snapshot_of(without_flux(healthy_platform()), crds=crds)

    [finding] = run_check(snap, "flux-crds-missing")

    assert (
        finding.evidence[0]
        == "HelmRelease (helm.toolkit.fluxcd.io/v2): group helm.toolkit.fluxcd.io served, but not this version"
    )


def test_an_ownership_conflict_names_the_object_and_offers_adoption_or_deletion(
    snapshot_of: Callable[..., Snapshot],
) -> None:
    error = ownership_error("ClusterRole", "datadog", None, "datadog", PROD.target)
    snap = snapshot_of(replace(healthy_platform([PROD]), install_failed(PROD, error)))

    [finding] = run_check(snap, "helm-ownership-conflict")

    assert finding.object == Subject("HelmRelease", "datadog", PROD.target)
    assert finding.symptom.endswith("ClusterRole datadog already exists and Helm does not own it")
    assert finding.evidence[0].startswith(
        f"Ready=False InstallFailed: Helm install failed for release {PROD.target}/datadog"
    )
    assert finding.fix == (
        "either adopt it into the release:",
        "kubectl label clusterrole datadog app.kubernetes.io/managed-by=Helm --overwrite",
        "kubectl annotate clusterrole datadog meta.helm.sh/release-name=datadog "
        f"meta.helm.sh/release-namespace={PROD.target} --overwrite",
        "or delete the leftover:",
        "kubectl delete clusterrole datadog",
        f"then: flux reconcile helmrelease datadog -n {PROD.target} --force",
    )
    assert run_check(snap, "helmrelease-not-ready") == []  # reported once, by the specific check


def test_an_object_owned_by_another_release_says_which(snapshot_of: Callable[..., Snapshot]) -> None:
    error = (
        'Unable to continue with install: ServiceAccount "datadog-cluster-agent" in namespace "datadog" exists and '
        "cannot be imported into the current release: invalid ownership metadata; annotation validation error: "
        'key "meta.helm.sh/release-namespace" must equal "datadog-team-a": current value is "datadog"'
    )
    snap = snapshot_of(replace(healthy_platform([PROD]), install_failed(PROD, error)))

    [finding] = run_check(snap, "helm-ownership-conflict")

    assert "ServiceAccount datadog-cluster-agent belongs to a release in namespace datadog" in finding.evidence
    assert finding.fix[1] == (
        "kubectl -n datadog label serviceaccount datadog-cluster-agent app.kubernetes.io/managed-by=Helm --overwrite"
    )


def test_a_missing_values_secret_links_the_release_to_its_external_secret(
    snapshot_of: Callable[..., Snapshot], kube: EmulatorThread
) -> None:
    objects = without(healthy_platform([PROD]), "Secret", KEYS_SECRET, PROD.target)
    objects = replace(objects, values_error(PROD))
    objects = replace(objects, stack_external_secret(PROD, ready=False))
    snap = snapshot_of(objects)

    [finding] = run_check(snap, "helmrelease-values-missing")

    assert finding.evidence[0].startswith(
        f"Ready=False ValuesError: could not resolve Secret chart values reference '{PROD.target}/{KEYS_SECRET}' "
        f"with key 'api-key': secrets \"{KEYS_SECRET}\" not found ("
    )
    assert f"Secret {PROD.target}/{KEYS_SECRET} not found" in finding.evidence
    assert finding.cause == (
        f"Secret {KEYS_SECRET} does not exist; ExternalSecret {KEYS_SECRET} cannot write it (see externalsecret-failed)"
    )
    assert finding.remedy is not None and finding.remedy.action == "force-sync"
    assert kube.count("GET", f"/api/v1/namespaces/{PROD.target}/secrets/{KEYS_SECRET}") == 1


def test_a_values_secret_without_the_key_is_named(snapshot_of: Callable[..., Snapshot]) -> None:
    from tests.objects import secret

    objects = replace(healthy_platform([PROD]), secret(PROD.target, KEYS_SECRET, {"api-key": "x" * 32}, PROD.labels))
    objects = replace(objects, values_error(PROD, key="app-key", reason="key not found"))
    [finding] = run_check(snapshot_of(objects), "helmrelease-values-missing")

    assert f"Secret {PROD.target}/{KEYS_SECRET} has keys api-key" in finding.evidence
    assert finding.cause.startswith(f"Secret {KEYS_SECRET} lacks app-key")


def test_a_release_out_of_retries_needs_a_reset(snapshot_of: Callable[..., Snapshot]) -> None:
    error = "context deadline exceeded"
    snap = snapshot_of(replace(healthy_platform([PROD]), install_failed(PROD, error)))

    [finding] = run_check(snap, "helmrelease-not-ready")

    assert finding.symptom == f"HelmRelease {PROD.target}/datadog is not ready: InstallFailed"
    assert "Stalled=True RetriesExceeded: Failed to install after 4 attempt(s)" in finding.evidence
    assert "installFailures 4" in finding.evidence
    assert finding.cause.endswith("its retries are exhausted, so Flux will not try again by itself")
    assert finding.fix[-1] == f"flux reconcile helmrelease datadog -n {PROD.target} --reset"


def test_flux_checks_stay_quiet_on_a_healthy_platform(healthy: Snapshot) -> None:
    for check in (
        "flux-crds-missing",
        "helm-ownership-conflict",
        "helmrelease-values-missing",
        "helmrelease-not-ready",
    ):
        assert run_check(healthy, check) == [], check
