"""Incidents rebuilt from public reports (Kratix, Argo CD, External Secrets, Flux charts).

Each case seeds the objects as the controllers write them in the report (its URL beside it), runs
every check the way `invoke doctor` does, and asserts the incidents: their root (the object the
cause sits on), a decisive detail in their evidence, and that the first fix offered is the right
one. Some cases have two faults at once; in several the symptom sits on another object than the
cause (a store -> ExternalSecrets -> HelmReleases: one incident, rooted at the store).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from ops.config import Settings
from ops.incident.doctor.finding import Subject
from ops.incident.doctor.incidents import Incident
from ops.incident.doctor.registry import all_checks
from ops.incident.doctor.run import Diagnosis, diagnose, remedies
from ops.incident.snapshot import ContextRead
from tests.conftest import invoke_yaml
from tests.kube.emulator import EmulatorThread, kubeconfig_text
from tests.objects import (
    ARGO_APPS,
    KEYS_SECRET,
    KRATIX_NS,
    PROMISE,
    STORE,
    Stack,
    argocd_app,
    event,
    healthy_platform,
    pipeline_pod,
    replace,
)
from tests.ops.incident.doctor.corpus.kratix_argocd_eso_objects import (
    REPO,
    broken_store,
    chart_not_published,
    comparison_error,
    failed_sync,
    failing_git_credentials,
    failing_stack_secret,
    paused,
    paused_promise,
    promise_requiring,
    promise_selecting,
    store_limited_to,
    stuck_store_chain,
    sync_result,
    unscheduled_work,
    waiting_on_works,
    worker_destination,
)
from tests.snapshots import read

Json = dict[str, Any]
PROD = Stack("production", "team-a", tier="full", env="prod")
SANDBOX = Stack("sandbox", "team-b")
STORE_NOT_READY = f'ClusterSecretStore "{STORE}" is not ready'
IRSA_DENIED = (
    "could not validate provider: failed to refresh cached credentials, failed to retrieve credentials, operation "
    "error STS: AssumeRoleWithWebIdentity, https response error StatusCode: 403, RequestID: "
    "4a8524d5-fc0e-46ff-9000-fd823d1b8661, api error AccessDenied: Not authorized to perform "
    "sts:AssumeRoleWithWebIdentity"
)
TOO_LONG = (
    'one or more objects failed to apply, reason: CustomResourceDefinition.apiextensions.k8s.io "promises.platform.'
    'kratix.io" is invalid: metadata.annotations: Too long: must have at most 262144 bytes'
)
KMS_DENIED = (
    "error processing spec.data[0] (key: datadog/dev/api-keys), err: AccessDeniedException: Access to KMS is not "
    "allowed"
)


@dataclass(frozen=True)
class Expected:
    root: Subject
    evidence: str  # a decisive detail, verbatim in one of the incident's evidence lines
    fix: str  # how the first fix offered starts


@dataclass(frozen=True)
class Case:
    id: str
    url: str  # the public report the incident is rebuilt from
    objects: Callable[[], list[Json]]
    expected: tuple[Expected, ...]


# the cases ------------------------------------------------------------------------------------------
def promise_selects_no_destination() -> list[Json]:
    objects = replace(healthy_platform(), promise_selecting({"target": "nowhere"}))
    return [
        *objects,
        waiting_on_works(PROD, PROD.work),
        pipeline_pod(PROD),
        unscheduled_work(PROD, {"target": "nowhere"}),
    ]


def promise_paused() -> list[Json]:
    objects = replace(healthy_platform([PROD, SANDBOX]), paused_promise())
    for s in (PROD, SANDBOX):
        objects = replace(objects, paused(s, own_label=False))
    return objects


def request_paused() -> list[Json]:
    objects = replace(healthy_platform([PROD]), paused(PROD, own_label=True))
    message = "'kratix.io/paused' label set to 'true' for this resource request; pausing reconciliation"
    return [*objects, event("DatadogStack", "team-a", "production", "PausedReconciliation", message, count=3)]


def requirements_missing() -> list[Json]:
    required = [
        ("postgresql", "v1.0.0-beta.1", "Requirement installed"),
        ("nginx-ingress", "v1.0.0-beta.1", "Requirement not installed"),
    ]
    return [*healthy_platform(), promise_requiring("app", required)]


def destination_nobody_syncs() -> list[Json]:
    reader = argocd_app("terraform-reader")
    reader["spec"]["source"]["path"] = "gitops"  # reads the top-level folder only (no directory.recurse)
    return [*healthy_platform(), worker_destination("terraform", {"env": "terraform"}), reader]


def git_credentials_behind_a_store_without_region() -> list[Json]:
    missing_region = (
        "could not validate provider: failed to refresh cached credentials, failed to retrieve credentials, "
        "operation error STS: AssumeRoleWithWebIdentity, failed to resolve service endpoint, endpoint rule error, "
        "Invalid Configuration: Missing Region"
    )
    objects = stuck_store_chain(healthy_platform())
    store, store_event = broken_store(missing_region)
    objects = replace(objects, store)
    es, es_event = failing_git_credentials(STORE_NOT_READY)
    return [*replace(objects, es), es_event, store_event]


def store_trust_policy_breaks_every_stack() -> list[Json]:
    objects = healthy_platform([PROD, SANDBOX])
    store, store_event = broken_store(IRSA_DENIED)
    objects = replace(objects, store)
    for s in (PROD, SANDBOX):
        objects = failing_stack_secret(objects, s, STORE_NOT_READY)
    es, es_event = failing_git_credentials(STORE_NOT_READY)
    return [*replace(objects, es), es_event, store_event]


def kms_key_denied() -> list[Json]:
    return failing_stack_secret(healthy_platform([SANDBOX]), SANDBOX, KMS_DENIED)


def store_conditions_exclude_the_namespace() -> list[Json]:
    objects = replace(healthy_platform([SANDBOX]), store_limited_to([KRATIX_NS]))
    error = f'using cluster store "{STORE}" is not allowed from namespace "{SANDBOX.target}": denied by spec.condition'
    return failing_stack_secret(objects, SANDBOX, error)


def iam_policy_denies_the_secret() -> list[Json]:
    error = (
        "error processing spec.data[0] (key: datadog/dev/api-keys), err: AccessDeniedException: User: "
        "arn:aws:sts::123456789012:assumed-role/kratix-demo-external-secrets/external-secrets-provider-aws is not "
        "authorized to perform: secretsmanager:GetSecretValue on resource: datadog/dev/api-keys because no "
        "identity-based policy allows the secretsmanager:GetSecretValue action"
    )
    return failing_stack_secret(healthy_platform([SANDBOX]), SANDBOX, error)


def crd_too_long() -> list[Json]:
    return replace(healthy_platform(), failed_sync("kratix", TOO_LONG))


def api_version_removed() -> list[Json]:
    message = (
        'one or more objects failed to apply, reason: resource mapping not found for name: "metrics-server" '
        'namespace: "kube-system" from "/dev/shm/3391786471": no matches for kind "PodDisruptionBudget" in version '
        '"policy/v1beta1"\nensure CRDs are installed first'
    )
    return replace(healthy_platform(), failed_sync("metrics-server", message))


def crd_not_installed() -> list[Json]:
    row = sync_result("GitStateStore", "default", "", "the server could not find the requested resource")
    return replace(
        healthy_platform(), failed_sync("kratix-config", "one or more objects failed to apply", resources=[row])
    )


def presync_hook_failed() -> list[Json]:
    hook = sync_result(
        "Job",
        "db-apply",
        "default",
        "Job has reached the specified backoff limit",
        status="Synced",
        hookType="PreSync",
        hookPhase="Failed",
        syncPhase="PreSync",
    )
    app = failed_sync("api", "one or more synchronization tasks completed unsuccessfully", resources=[hook])
    return [*healthy_platform(), app]


def repository_credentials_revoked() -> list[Json]:
    message = (
        "Failed to load target state: failed to generate manifest for source 1 of 1: rpc error: code = Unknown "
        "desc = authentication required"
    )
    objects = healthy_platform()
    for name in ARGO_APPS:
        objects = replace(objects, comparison_error(name, message))
    return objects


def chart_version_never_published() -> list[Json]:
    objects = healthy_platform([PROD, SANDBOX])
    for s in (PROD, SANDBOX):
        objects = replace(objects, chart_not_published(s, "3.999.0"))
    return objects


def store_broken_and_crd_too_long() -> list[Json]:
    return replace(store_trust_policy_breaks_every_stack(), failed_sync("kratix", TOO_LONG))


def promise_paused_and_kms_denied() -> list[Json]:
    objects = replace(healthy_platform([PROD, SANDBOX]), paused_promise())
    objects = replace(objects, paused(PROD, own_label=False))
    return failing_stack_secret(objects, SANDBOX, KMS_DENIED)


def destination_unsynced_and_chart_unpublished() -> list[Json]:
    reader = argocd_app("terraform-reader")
    reader["spec"]["source"]["path"] = "gitops"
    objects = replace(healthy_platform([PROD]), chart_not_published(PROD, "3.999.0"))
    return [*objects, worker_destination("terraform", {"env": "terraform"}), reader]


STORE_ROOT = Subject("ClusterSecretStore", STORE)
PROMISE_ROOT = Subject("Promise", PROMISE)
IRSA = Expected(
    STORE_ROOT,
    "Not authorized to perform sts:AssumeRoleWithWebIdentity",
    "fix the trust policy of the ESO role in iac/modules/cluster/iam.tf",
)
CRD_TOO_LONG = Expected(
    Subject("Application", "kratix", "argocd"),
    "metadata.annotations: Too long: must have at most 262144 bytes",
    "add ServerSideApply=true to spec.syncPolicy.syncOptions of Application kratix (gitops/argocd/apps/kratix.yaml)",
)
KMS = Expected(
    Subject("ExternalSecret", KEYS_SECRET, SANDBOX.target),
    "AccessDeniedException: Access to KMS is not allowed",
    "allow kms:Decrypt on the secret's KMS key for the ESO role",
)
PAUSED = Expected(
    PROMISE_ROOT, "Available=False PausedReconciliation: Paused", f"kubectl label promise {PROMISE} kratix.io/paused-"
)
UNSYNCED = Expected(
    Subject("Destination", "terraform"),
    "Kratix writes to https://github.com/example/kratix-ops.git branch main, folder gitops/terraform/",
    "point an Application at gitops/terraform on main",
)

CASES = (
    Case(
        "work-selects-no-destination",
        "https://github.com/syntasso/kratix/pull/903",
        promise_selects_no_destination,
        (
            Expected(
                PROMISE_ROOT,
                "Destinations: platform {environment=platform}",
                "give the Destination that should get it the labels target=nowhere",
            ),
        ),
    ),
    Case("promise-paused", "https://github.com/syntasso/kratix/pull/534", promise_paused, (PAUSED,)),
    Case(
        "request-paused",
        "https://github.com/syntasso/kratix/pull/600",
        request_paused,
        (
            Expected(
                Subject("DatadogStack", "production", "team-a"),
                "'kratix.io/paused' label set to 'true' for this resource request; pausing reconciliation",
                "kubectl -n team-a label datadogstack production kratix.io/paused-",
            ),
        ),
    ),
    Case(
        "promise-requirement-not-installed",
        "https://github.com/syntasso/kratix/pull/465",
        requirements_missing,
        (
            Expected(
                Subject("Promise", "app"),
                "required Promises not installed: nginx-ingress (Requirement not installed)",
                "install the required Promise(s) first: nginx-ingress v1.0.0-beta.1",
            ),
        ),
    ),
    Case(
        "destination-not-synced", "https://github.com/syntasso/kratix/issues/234", destination_nobody_syncs, (UNSYNCED,)
    ),
    Case(
        "git-credentials-behind-a-store-without-region",
        "https://github.com/external-secrets/external-secrets/issues/4934",
        git_credentials_behind_a_store_without_region,
        (
            Expected(
                STORE_ROOT,
                "Invalid Configuration: Missing Region",
                "set the env AWS_REGION=eu-central-1 on the external-secrets controller",
            ),
        ),
    ),
    Case(
        "store-trust-policy-breaks-every-stack",
        "https://github.com/external-secrets/external-secrets/issues/1860",
        store_trust_policy_breaks_every_stack,
        (IRSA,),
    ),
    Case("kms-key-denied", "https://github.com/external-secrets/external-secrets/issues/390", kms_key_denied, (KMS,)),
    Case(
        "store-conditions-exclude-the-namespace",
        "https://github.com/external-secrets/external-secrets/issues/2240",
        store_conditions_exclude_the_namespace,
        (
            Expected(
                STORE_ROOT,
                f"ClusterSecretStore {STORE} spec.conditions: namespaces [{KRATIX_NS}]",
                f"add {SANDBOX.target} to spec.conditions",
            ),
        ),
    ),
    Case(
        "iam-policy-denies-the-secret",
        "https://github.com/external-secrets/external-secrets/issues/1175",
        iam_policy_denies_the_secret,
        (
            Expected(
                Subject("ExternalSecret", KEYS_SECRET, SANDBOX.target),
                "is not authorized to perform: secretsmanager:GetSecretValue",
                "grant the ESO role secretsmanager:GetSecretValue on datadog/*",
            ),
        ),
    ),
    Case("crd-annotations-too-long", "https://github.com/argoproj/argo-cd/issues/8128", crd_too_long, (CRD_TOO_LONG,)),
    Case(
        "api-version-removed",
        "https://github.com/kubesphere/helm-charts/issues/443",
        api_version_removed,
        (
            Expected(
                Subject("Application", "metrics-server", "argocd"),
                'no matches for kind "PodDisruptionBudget" in version "policy/v1beta1"',
                "change the apiVersion of PodDisruptionBudget in gitops/metrics-server in Git",
            ),
        ),
    ),
    Case(
        "crd-not-installed",
        "https://github.com/argoproj/argo-cd/issues/6489",
        crd_not_installed,
        (
            Expected(
                Subject("Application", "kratix-config", "argocd"),
                "GitStateStore default SyncFailed: the server could not find the requested resource",
                "install the CRD of GitStateStore before it",
            ),
        ),
    ),
    Case(
        "presync-hook-failed",
        "https://github.com/argoproj/argo-cd/issues/5086",
        presync_hook_failed,
        (
            Expected(
                Subject("Application", "api", "argocd"),
                "PreSync hook Job default/db-apply: Job has reached the specified backoff limit",
                "kubectl -n default logs job/db-apply --all-containers --tail=50",
            ),
        ),
    ),
    Case(
        "repository-credentials-revoked",
        "https://github.com/argoproj/argo-cd/issues/13023",
        repository_credentials_revoked,
        (
            Expected(
                Subject("Application", "cert-manager", "argocd"),
                "rpc error: code = Unknown desc = authentication required",
                f"argocd repo get {REPO}",
            ),
        ),
    ),
    Case(
        "chart-version-never-published",
        "https://github.com/fluxcd/helm-controller/issues/1252",
        chart_version_never_published,
        (
            Expected(
                Subject("HelmRelease", "datadog", PROD.target),
                "no 'datadog' chart with version matching '3.999.0' found",
                "pin datadog.chart_version in invoke.yaml back to a published version",
            ),
        ),
    ),
    # two faults at once
    Case(
        "store-broken-and-crd-too-long",
        "https://github.com/external-secrets/external-secrets/issues/1860 + https://github.com/argoproj/argo-cd/issues/8128",
        store_broken_and_crd_too_long,
        (IRSA, CRD_TOO_LONG),
    ),
    Case(
        "promise-paused-and-kms-denied",
        "https://github.com/syntasso/kratix/pull/534 + https://github.com/external-secrets/external-secrets/issues/390",
        promise_paused_and_kms_denied,
        (PAUSED, KMS),
    ),
    Case(
        "destination-unsynced-and-chart-unpublished",
        "https://github.com/syntasso/kratix/issues/234 + https://github.com/fluxcd/helm-controller/issues/1252",
        destination_unsynced_and_chart_unpublished,
        (
            UNSYNCED,
            Expected(
                Subject("HelmRelease", "datadog", PROD.target),
                "no 'datadog' chart with version matching '3.999.0' found",
                "pin datadog.chart_version in invoke.yaml back to a published version",
            ),
        ),
    ),
)


# running them ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def doctor(tmp_path_factory: pytest.TempPathFactory) -> Callable[[list[Json]], Diagnosis]:
    """doctor(objects) -> what every check finds on a fresh API server seeded with them (each scenario once)."""
    settings = Settings.from_config(invoke_yaml())
    seen: dict[str, Diagnosis] = {}

    def run(objects: list[Json]) -> Diagnosis:
        key = json.dumps(objects, sort_keys=True, default=str)
        if key not in seen:
            path = tmp_path_factory.mktemp("corpus") / "kubeconfig.yaml"
            with EmulatorThread() as server:
                path.write_text(kubeconfig_text({"kind-a": server.url}, "kind-a"))
                snap = read(server, path, settings, objects)
            seen[key] = diagnose([ContextRead("kind-a", snap)], all_checks(), None)
        return seen[key]

    return run


def evidence_of(incident: Incident) -> list[str]:
    return [line for group in incident.groups for line in group.finding.evidence]


def describe(diagnosis: Diagnosis) -> str:
    return "\n".join(
        f"{i.root}: {[(g.finding.check, [str(o) for o in g.objects]) for g in i.groups]}" for i in diagnosis.incidents
    )


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_incident_names_its_root_the_decisive_detail_and_the_right_first_fix(
    case: Case, doctor: Callable[[list[Json]], Diagnosis]
) -> None:
    diagnosis = doctor(case.objects())

    assert case.url.startswith("https://github.com/")
    assert sorted(str(i.root) for i in diagnosis.incidents) == sorted(str(e.root) for e in case.expected), describe(
        diagnosis
    )
    for expected in case.expected:
        incident = next(i for i in diagnosis.incidents if i.root == expected.root)
        assert any(expected.evidence in line for line in evidence_of(incident)), evidence_of(incident)
        assert incident.fix[0].startswith(expected.fix), incident.fix


def test_a_broken_store_is_one_incident_over_the_secrets_and_releases_it_starves(
    doctor: Callable[[list[Json]], Diagnosis],
) -> None:
    diagnosis = doctor(store_trust_policy_breaks_every_stack())

    [incident] = diagnosis.incidents
    assert [g.finding.check for g in incident.causes] == ["secretstore-not-valid"]
    symptoms = {g.finding.check: sorted(str(o) for o in g.objects) for g in incident.symptoms}
    assert symptoms == {
        "externalsecret-failed": sorted(
            [f"ExternalSecret {KRATIX_NS}/git-credentials"]
            + [f"ExternalSecret {s.target}/{KEYS_SECRET}" for s in (PROD, SANDBOX)]
        ),
        "helmrelease-values-missing": sorted(f"HelmRelease {s.target}/datadog" for s in (PROD, SANDBOX)),
    }
    assert len(diagnosis.findings) == 6  # the flat list keeps every finding
    assert remedies(diagnosis.findings) == []  # no force-sync while the store behind them is broken


def test_a_chain_of_four_objects_ends_on_the_store(doctor: Callable[[list[Json]], Diagnosis]) -> None:
    diagnosis = doctor(git_credentials_behind_a_store_without_region())

    [incident] = diagnosis.incidents
    assert [str(o) for g in incident.symptoms for o in g.objects] == [
        f"ExternalSecret {KRATIX_NS}/git-credentials",
        "GitStateStore default",
        "Destination platform",
    ]


@pytest.mark.parametrize(
    "objects",
    [crd_too_long, api_version_removed, crd_not_installed, presync_hook_failed, repository_credentials_revoked],
)
def test_a_refresh_is_never_offered_for_what_a_refresh_cannot_change(
    objects: Callable[[], list[Json]], doctor: Callable[[list[Json]], Diagnosis]
) -> None:
    diagnosis = doctor(objects())

    assert diagnosis.findings and remedies(diagnosis.findings) == [], describe(diagnosis)
    assert not any("refresh=hard" in line for i in diagnosis.incidents for line in i.fix[:1])


def test_identical_findings_on_many_objects_are_one_finding_listing_them(
    doctor: Callable[[list[Json]], Diagnosis],
) -> None:
    diagnosis = doctor(repository_credentials_revoked())

    [incident] = diagnosis.incidents
    [group] = incident.causes
    assert sorted(o.name for o in group.objects) == sorted(ARGO_APPS)
    assert len(diagnosis.findings) == len(ARGO_APPS)


def test_a_paused_promise_explains_its_paused_requests(doctor: Callable[[list[Json]], Diagnosis]) -> None:
    [incident] = doctor(promise_paused()).incidents

    assert [g.finding.check for g in incident.causes] == ["promise-unavailable"]
    [group] = incident.symptoms
    assert group.finding.check == "kratix-paused"
    assert sorted(str(o) for o in group.objects) == ["DatadogStack team-a/production", "DatadogStack team-b/sandbox"]


def test_a_healthy_platform_still_gives_no_finding(doctor: Callable[[list[Json]], Diagnosis]) -> None:
    diagnosis = doctor(healthy_platform([PROD, SANDBOX]))

    assert (diagnosis.findings, diagnosis.incidents) == ((), ())


def test_the_corpus_holds_enough_incidents_of_each_shape() -> None:
    assert len(CASES) >= 13
    assert sum(len(c.expected) >= 2 for c in CASES) >= 2  # two faults at once
    assert len({c.url for c in CASES}) == len(CASES)
