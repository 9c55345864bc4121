"""pipeline-failed and pipeline-stuck: the request's condition, the pipeline pod, its container and log."""

from __future__ import annotations

from collections.abc import Callable

from ops.incident.doctor.finding import Severity, Subject
from ops.incident.snapshot import Snapshot
from tests.kube.emulator import EmulatorThread
from tests.objects import (
    REFUSED,
    Stack,
    failed_pipeline_pod,
    healthy_platform,
    pipeline_pod,
    waiting,
)
from tests.snapshots import run_check

REFUSED_LOG = f"reading /kratix/input/object.yaml\nERROR: {REFUSED}\n"


def test_a_failed_pipeline_names_the_failing_container_and_shows_its_last_log_lines(
    snapshot_of: Callable[..., Snapshot], kube: EmulatorThread
) -> None:
    stack = Stack("staging", "team-a", env="Prod", state="failed", since=600)
    kube.set_pod_log("team-a", stack.pipeline_pod, REFUSED_LOG, container="datadog-configure")
    snap = snapshot_of([*healthy_platform([stack]), failed_pipeline_pod(stack, REFUSED)])

    [finding] = run_check(snap, "pipeline-failed")

    assert (finding.severity, finding.object) == (Severity.ERROR, Subject("DatadogStack", "staging", "team-a"))
    assert finding.symptom.endswith("failed in container datadog-configure")
    assert finding.evidence[0].startswith(
        "ConfigureWorkflowCompleted=False ConfigureWorkflowFailed: A Configure Pipeline has failed: instance-configure"
    )
    assert "container datadog-configure exited 1 (Error) 20m ago, restarted 4 times" in finding.evidence
    assert f"termination message: {REFUSED}" in finding.evidence
    assert finding.evidence[-2:] == ("  reading /kratix/input/object.yaml", f"  ERROR: {REFUSED}")
    assert finding.cause == f"the pipeline refused the request: {REFUSED.removeprefix('ERROR: ')}"
    assert finding.fix[0] == f"kubectl -n team-a logs {stack.pipeline_pod} -c datadog-configure --previous"
    assert finding.remedy is not None and finding.remedy.action == "rerun-pipeline"
    assert finding.remedy.patch == {"metadata": {"labels": {"kratix.io/manual-reconciliation": "true"}}}
    assert kube.count("GET", f"/api/v1/namespaces/team-a/pods/{stack.pipeline_pod}/log") == 1


def test_a_failed_pipeline_whose_pods_are_gone_says_so(snapshot_of: Callable[..., Snapshot]) -> None:
    stack = Stack("staging", "team-a", state="failed")
    snap = snapshot_of(healthy_platform([stack]))

    [finding] = run_check(snap, "pipeline-failed")

    assert "no pipeline pod left (Kratix keeps the last 5 Jobs per pipeline)" in finding.evidence
    assert finding.fix[0] == "kubectl -n team-a logs -l kratix.io/resource-name=staging --all-containers --tail=50"


def test_a_pipeline_in_progress_past_the_threshold_is_stuck_and_says_why(snapshot_of: Callable[..., Snapshot]) -> None:
    stuck = Stack("production", "team-a", state="in-progress", since=40 * 60)
    recent = Stack("fresh", "team-a", state="in-progress", since=120)
    image = "ghcr.io/example/kratix-datadog-pipeline:0.2.0"
    pulling = waiting("datadog-configure", image, "ImagePullBackOff", f'Back-off pulling image "{image}"')
    snap = snapshot_of([*healthy_platform([stuck, recent]), pipeline_pod(stuck, user=pulling, phase="Pending")])

    [finding] = run_check(snap, "pipeline-stuck")

    assert finding.object == Subject("DatadogStack", "production", "team-a")
    assert finding.evidence[0] == (
        "ConfigureWorkflowCompleted=False PipelinesInProgress: Pipelines are still in progress for 40m"
    )
    assert (
        f'container datadog-configure waiting: ImagePullBackOff: Back-off pulling image "{image}"' in finding.evidence
    )
    assert finding.cause == "a pipeline container cannot start (ImagePullBackOff): see image-error"
    assert finding.remedy is None


def test_a_request_kratix_never_picked_up_is_stuck_too(snapshot_of: Callable[..., Snapshot]) -> None:
    stack = Stack("orphan", "team-a", state="pending")
    manifest = stack.manifest()
    manifest["metadata"]["creationTimestamp"] = "2020-01-01T00:00:00Z"
    snap = snapshot_of([*healthy_platform(), manifest])

    [finding] = run_check(snap, "pipeline-stuck")

    assert finding.evidence[0].startswith("no workflow conditions")
    assert "no pipeline pod found for it" in finding.evidence
    assert "kratix-controller-down" in finding.cause


def test_pipeline_checks_stay_quiet_on_a_healthy_platform(healthy: Snapshot) -> None:
    assert run_check(healthy, "pipeline-failed") == []
    assert run_check(healthy, "pipeline-stuck") == []
