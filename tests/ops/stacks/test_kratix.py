"""Reading what Kratix writes: a request's phase and why, a Promise's availability."""

from __future__ import annotations

from typing import Any

from ops.stacks.kratix import PromisePhase, RequestPhase, promise_progress, request_progress
from tests.objects import (
    cond,
    configuring,
    pending,
    pipeline_failed,
    promise,
    reconciled,
    stack,
    works_pending,
)


def test_a_request_kratix_has_not_touched_is_pending() -> None:
    progress = request_progress(stack(status=None))

    assert progress.phase is RequestPhase.PENDING
    assert progress.detail == "waiting for Kratix to start the configure workflow"
    assert not progress.done and not progress.failed


def test_the_pending_message_alone_is_still_pending() -> None:
    assert request_progress(stack(status=pending())).phase is RequestPhase.PENDING


def test_a_running_pipeline_is_configuring_and_named() -> None:
    progress = request_progress(stack(status=configuring()))

    assert progress.phase is RequestPhase.CONFIGURING
    assert progress.detail == "pipeline instance-configure Running"
    assert [(p.name, p.phase) for p in progress.pipelines] == [("instance-configure", "Running")]


def test_a_failed_pipeline_names_the_condition_and_what_the_pipeline_published() -> None:
    progress = request_progress(stack(status=pipeline_failed()))

    assert progress.phase is RequestPhase.FAILED and progress.failed
    assert progress.failed_pipeline == "instance-configure"
    assert progress.detail == (
        "ConfigureWorkflowCompleted=False ConfigureWorkflowFailed: A Configure Pipeline has failed: "
        "instance-configure; status.message: Invalid request: spec.tier: 'huge' is not allowed; "
        "one of minimal, standard, full"
    )


def test_a_failed_pipeline_with_kratix_s_own_message_shows_only_the_condition() -> None:
    progress = request_progress(stack(status=pipeline_failed(message="Pending")))

    assert progress.detail == (
        "ConfigureWorkflowCompleted=False ConfigureWorkflowFailed: A Configure Pipeline has failed: instance-configure"
    )


def test_works_pending_is_scheduling_even_while_reconciled_still_says_workflow_pending() -> None:
    progress = request_progress(stack(status=works_pending()))

    assert progress.phase is RequestPhase.SCHEDULING
    assert progress.detail.startswith(
        "WorksSucceeded=Unknown WorksPending: Some works associated with this resource are not ready: "
        "[production-instance-configure-5058f]"
    )
    assert "Reconciled still says WorkflowPending: stale, see kratix PR #903" in progress.detail
    assert progress.target_namespace == "datadog-team-a-production-abc123"


def test_pipelines_and_works_done_is_ready_with_the_pipeline_s_message() -> None:
    progress = request_progress(stack(status=reconciled()))

    assert progress.phase is RequestPhase.READY and progress.done
    assert progress.detail == "Datadog minimal tier configured"


def test_failing_works_fail_the_request() -> None:
    status = reconciled()
    status["conditions"][1] = cond(
        "WorksSucceeded", "False", "WorksFailing", "Some works associated with this resource failed: [w1]"
    )

    progress = request_progress(stack(status=status))

    assert progress.phase is RequestPhase.FAILED
    assert progress.detail == "WorksSucceeded=False WorksFailing: Some works associated with this resource failed: [w1]"


def test_a_status_for_an_older_generation_is_not_taken_as_ready() -> None:
    obj = stack(status={**reconciled(), "observedGeneration": 1})
    obj["metadata"]["generation"] = 2

    progress = request_progress(obj)

    assert progress.phase is RequestPhase.PENDING
    assert progress.detail == "waiting for Kratix to act on generation 2 (status is for 1)"


def test_paused_and_suspended_requests_say_so() -> None:
    paused: dict[str, Any] = {"conditions": [cond("Reconciled", "Unknown", "PausedReconciliation", "Paused")]}
    suspended = configuring()
    suspended["conditions"][1] = cond("Reconciled", "Unknown", "WorkflowSuspended", "Suspended")
    suspended["kratix"]["workflows"]["pipelines"][0].update(phase="Suspended", message="waiting for approval")

    assert request_progress(stack(status=paused)).phase is RequestPhase.PAUSED
    assert "kratix.io/paused" in request_progress(stack(status=paused)).detail
    progress = request_progress(stack(status=suspended))
    assert (progress.phase, progress.detail) == (
        RequestPhase.SUSPENDED,
        "pipeline instance-configure suspended: waiting for approval",
    )


def test_a_promise_that_cannot_fulfil_requests_keeps_the_request_pending() -> None:
    status = {
        "message": "Pending",
        "conditions": [
            cond(
                "PromiseAvailable", "False", "PromiseRequirementsNotInstalled", "Promise Requirements are not installed"
            )
        ],
    }

    progress = request_progress(stack(status=status))

    assert progress.phase is RequestPhase.PENDING
    assert "PromiseAvailable=False PromiseRequirementsNotInstalled" in progress.detail


def test_the_observation_carries_phase_and_detail() -> None:
    observation = request_progress(stack(status=configuring())).observation()

    assert (observation.done, observation.failed, observation.phase) == (False, False, "Configuring")


# ------------------------------------------------------------------------------------------------
# Promise.
# ------------------------------------------------------------------------------------------------
def test_an_available_promise() -> None:
    progress = promise_progress(promise(available=True))

    assert progress.phase is PromisePhase.AVAILABLE and progress.done
    assert progress.detail == "Available=True PromiseAvailable: Ready to fulfil resource requests"


def test_an_unavailable_promise_says_which_requirement_is_missing() -> None:
    progress = promise_progress(promise(available=False))

    assert progress.phase is PromisePhase.UNAVAILABLE and not progress.done
    assert progress.detail == (
        "Available=False PromiseUnavailable: Cannot fulfil resource requests; "
        "RequirementsFulfilled=False RequirementsNotInstalled: Requirements not fulfilled"
    )


def test_a_promise_without_status_is_pending_and_one_with_only_status_status_is_read() -> None:
    assert promise_progress(promise(available=None)).phase is PromisePhase.PENDING
    legacy = promise(available=None)
    legacy["status"] = {"status": "Available"}
    assert promise_progress(legacy).phase is PromisePhase.AVAILABLE


def test_a_promise_whose_workflow_failed_has_failed() -> None:
    obj = promise(available=False)
    obj["status"]["conditions"].append(
        cond("ConfigureWorkflowCompleted", "False", "ConfigureWorkflowFailed", "A Configure Pipeline has failed: deps")
    )

    progress = promise_progress(obj)

    assert progress.phase is PromisePhase.FAILED and progress.failed
