"""work-unscheduled, request-works-pending, kratix-paused and destination-not-synced, check by check."""

from __future__ import annotations

from collections.abc import Callable

from ops.incident.doctor.finding import Severity, Subject
from ops.incident.doctor.works import destination_path
from ops.incident.snapshot import Snapshot
from tests.objects import (
    PROMISE,
    Stack,
    argocd_app,
    cond,
    git_state_store,
    healthy_platform,
    promise,
    replace,
)
from tests.ops.incident.doctor.corpus.kratix_argocd_eso_objects import (
    labelled,
    paused,
    unscheduled_work,
    waiting_on_works,
    worker_destination,
)
from tests.snapshots import run_check

PROD = Stack("production", "team-a")


def test_an_unscheduled_work_shows_its_selectors_beside_the_destinations_labels(
    snapshot_of: Callable[..., Snapshot],
) -> None:
    work = unscheduled_work(PROD, {"environment": "prod", "region": "eu"}, source="resource")
    snap = snapshot_of([*healthy_platform(), work])

    [finding] = run_check(snap, "work-unscheduled")

    assert (finding.severity, finding.object) == (Severity.ERROR, Subject("Work", PROD.work, "team-a"))
    assert finding.evidence[0].startswith(
        "ScheduleSucceeded=False UnscheduledWorkloads: No matching destination found for workloadGroups: ["
    )
    assert finding.evidence[1].endswith("destinationSelectors {environment=prod, region=eu} (from the resource)")
    assert finding.evidence[2] == "Destinations: platform {environment=platform}"
    assert finding.root is None  # the request chose the selectors: the Work is where it stops
    assert finding.owner == Subject("DatadogStack", "production", "team-a")


def test_a_misplaced_work_says_kratix_writes_no_update(snapshot_of: Callable[..., Snapshot]) -> None:
    work = unscheduled_work(PROD, {"environment": "platform"})
    work["status"]["conditions"] = [
        cond(
            "ScheduleSucceeded",
            "False",
            "DestinationSelectorMismatch",
            "Target destination no longer matches destinationSelectors for workloadGroups: [5058f1af]",
        ),
        cond("Ready", "False", "Misplaced", "Misplaced"),
    ]
    [finding] = run_check(snapshot_of([*healthy_platform(), work]), "work-unscheduled")

    assert finding.symptom == f"Work team-a/{PROD.work} is misplaced: its Destination no longer matches its selectors"
    assert finding.root == Subject("Promise", PROMISE)


def test_a_request_waiting_on_its_work_names_the_work_and_why(snapshot_of: Callable[..., Snapshot]) -> None:
    snap = snapshot_of([*healthy_platform(), waiting_on_works(PROD, PROD.work), unscheduled_work(PROD, {"a": "b"})])

    [finding] = run_check(snap, "request-works-pending")

    assert finding.evidence[:2] == (
        f"WorksSucceeded=Unknown WorksPending: Some works associated with this resource are not ready: [{PROD.work}]"
        " (1h ago)",
        "Reconciled=Unknown WorkflowPending: Pending",
    )
    assert finding.root == Subject("Work", PROD.work, "team-a")
    assert finding.cause == f"its Work {PROD.work} has no Destination to go to (see work-unscheduled)"
    assert finding.fix[0] == f"kubectl -n team-a describe work {PROD.work}"


def test_a_paused_request_is_not_also_reported_as_waiting(snapshot_of: Callable[..., Snapshot]) -> None:
    snap = snapshot_of(replace(healthy_platform([PROD]), paused(PROD, own_label=True)))

    [finding] = run_check(snap, "kratix-paused")

    assert finding.evidence[:2] == ("label kratix.io/paused=true", "Reconciled=Unknown PausedReconciliation: Paused")
    assert run_check(snap, "request-works-pending") == []


def test_a_promise_labelled_paused_before_kratix_says_so_is_reported(snapshot_of: Callable[..., Snapshot]) -> None:
    snap = snapshot_of(replace(healthy_platform(), labelled(promise(), {"kratix.io/paused": "true"})))

    [finding] = run_check(snap, "kratix-paused")

    assert finding.object == Subject("Promise", PROMISE)
    assert finding.fix[0] == f"kubectl label promise {PROMISE} kratix.io/paused-"


def test_a_destination_is_synced_whatever_the_url_spelling(snapshot_of: Callable[..., Snapshot]) -> None:
    app = argocd_app("workers")
    app["spec"]["source"] = {"repoURL": "git@github.com:Example/kratix-ops", "path": "gitops/worker-1/resources"}
    objects = [*healthy_platform(), worker_destination("worker-1", {"env": "dev"}), app]

    assert run_check(snapshot_of(objects), "destination-not-synced") == []


def test_a_destination_on_another_branch_is_not_synced(snapshot_of: Callable[..., Snapshot]) -> None:
    store = git_state_store()
    store["spec"]["branch"] = "kratix"
    [finding] = run_check(snapshot_of(replace(healthy_platform(), store)), "destination-not-synced")

    assert finding.evidence[0].startswith("Kratix writes to https://github.com/example/kratix-ops.git branch kratix,")
    assert "kratix-platform-workloads gitops/platform@main" in finding.evidence[1]


def test_destination_paths_join_the_store_path_and_default_to_the_name() -> None:
    store = git_state_store()
    unnamed = worker_destination("worker-2", {})
    unnamed["spec"].pop("path")
    root = worker_destination("worker-3", {})
    root["spec"]["path"] = "."

    assert [destination_path(d, store) for d in (unnamed, root)] == ["gitops/worker-2", "gitops"]


def test_the_new_kratix_checks_stay_quiet_on_a_healthy_platform(healthy: Snapshot) -> None:
    for check in ("work-unscheduled", "request-works-pending", "kratix-paused", "destination-not-synced"):
        assert run_check(healthy, check) == [], check
