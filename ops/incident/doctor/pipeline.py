"""Check 1: a DatadogStack whose configure pipeline failed, or has been running for too long.

Kratix says so on the request (`ConfigureWorkflowCompleted`,
https://docs.kratix.io/main/reference/resources/status-events) but names only the
pipeline; the failing container and its last log lines are on the pipeline pod, found by Kratix's
labels (`kratix.io/promise-name`, `kratix.io/resource-name`, `kratix.io/pipeline-name`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ops.incident.doctor.common import DOCS, finding, kubectl, rerun_remedy
from ops.incident.doctor.finding import Finding, Severity, Subject
from ops.incident.doctor.registry import check
from ops.incident.snapshot import PIPELINE_LOGS, PIPELINE_PODS, Snapshot
from ops.kube.fields import (
    Json,
    condition,
    condition_line,
    container_statuses,
    failed_run,
    labels_of,
    name_of,
    namespace_of,
)

if TYPE_CHECKING:
    from ops.incident.doctor.aws_keys import ApiKeysReader

STUCK_AFTER_SECONDS = 15 * 60
NEEDS = {"datadogstacks", PIPELINE_PODS, PIPELINE_LOGS}
CONTROLLER_LOGS = kubectl(
    "logs",
    "deploy/kratix-platform-controller-manager",
    "-c",
    "manager",
    "--tail=50",
    namespace="kratix-platform-system",
)


def pipeline_pods(snap: Snapshot, stack: Json) -> list[Json]:
    """The stack's configure pipeline pods, newest first."""
    name = name_of(stack)
    pods = [
        p
        for p in snap.pods_in(namespace_of(stack))
        if (labels := labels_of(p)).get("kratix.io/promise-name") == snap.promise_name
        and labels.get("kratix.io/resource-name") == name
        and labels.get("kratix.io/workflow-action", "configure") == "configure"
    ]
    return sorted(pods, key=lambda p: str((p.get("metadata") or {}).get("creationTimestamp", "")), reverse=True)


def _subject(stack: Json) -> Subject:
    return Subject("DatadogStack", name_of(stack), namespace_of(stack))


def _pod_evidence(snap: Snapshot, pod: Json) -> tuple[list[str], str | None, str]:
    """Evidence lines, the failing container's name (or None), and a one-line failure text."""
    ns, pod_name = namespace_of(pod), name_of(pod)
    phase = (pod.get("status") or {}).get("phase", "Unknown")
    evidence = [
        f"pipeline pod {ns}/{pod_name}: phase {phase}, created {snap.age(pod['metadata'].get('creationTimestamp'))} ago"
    ]
    for _, status in container_statuses(pod):
        container = str(status.get("name"))
        run = failed_run(status)
        if run is None:
            waiting = (status.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") not in (None, "PodInitializing"):
                evidence.append(
                    f"container {container} waiting: {waiting.get('reason')}: {waiting.get('message', '')}".rstrip(": ")
                )
            continue
        terminated, previous = run
        code, reason = terminated.get("exitCode"), terminated.get("reason", "")
        when = snap.age(terminated.get("finishedAt"))
        restarts = int(status.get("restartCount") or 0)
        line = f"container {container} exited {code} ({reason}) {when} ago"
        evidence.append(line + (f", restarted {restarts} times" if restarts else ""))
        message = " ".join(str(terminated.get("message") or "").split())
        if message:
            evidence.append(f"termination message: {message}")
        tail = snap.log(ns, pod_name, container)
        if tail is not None and tail.lines:
            evidence.append(f"last log lines of {container}{' (previous run)' if previous else ''}:")
            evidence += [f"  {line}" for line in tail.lines]
        elif tail is not None and tail.error:
            evidence.append(f"log of {container} could not be read: {tail.error}")
        failure = message or (tail.lines[-1] if tail and tail.lines else f"exit code {code}")
        return evidence, container, failure
    return evidence, None, ""


@check("pipeline-failed", "DatadogStack configure pipeline failed", NEEDS)
def pipeline_failed(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    found = []
    for stack in snap.items("datadogstacks"):
        completed = condition(stack, "ConfigureWorkflowCompleted")
        if not completed or completed.reason != "ConfigureWorkflowFailed":
            continue
        subject, ns = _subject(stack), namespace_of(stack)
        evidence = [condition_line(completed) + f" ({snap.age(completed.last_transition_time)} ago)"]
        message = (stack.get("status") or {}).get("message")
        if message:
            evidence.append(f"status.message: {message}")
        pods = pipeline_pods(snap, stack)
        container, failure = None, ""
        if pods:
            lines, container, failure = _pod_evidence(snap, pods[0])
            evidence += lines
        else:
            evidence.append("no pipeline pod left (Kratix keeps the last 5 Jobs per pipeline)")
        cause, fixes = _failure_cause(container, failure, str(message or ""), stack)
        logs = (
            kubectl("logs", name_of(pods[0]), "-c", container, "--previous", namespace=ns)
            if pods and container
            else kubectl(
                "logs", "-l", f"kratix.io/resource-name={name_of(stack)}", "--all-containers", "--tail=50", namespace=ns
            )
        )
        remedy = rerun_remedy(subject, snap.api_group)
        found.append(
            finding(
                snap,
                "pipeline-failed",
                Severity.ERROR,
                subject,
                symptom=f"the configure pipeline of DatadogStack {ns}/{name_of(stack)} failed"
                + (f" in container {container}" if container else ""),
                evidence=evidence,
                cause=cause,
                fix=[logs, *fixes, f"then re-run the pipeline: {remedy.command}"],
                docs=DOCS["kratix-rerun"],
                remedy=remedy,
            )
        )
    return found


def _failure_cause(container: str | None, failure: str, message: str, stack: Json) -> tuple[str, list[str]]:
    text = f"{failure} {message}"
    if "Invalid request" in text or "is not allowed" in text:
        reason = failure if "is not allowed" in failure else message
        return (
            f"the pipeline refused the request: {reason.removeprefix('ERROR: ')}",
            [f"correct the field in DatadogStack {name_of(stack)}'s manifest in Git and apply it (that re-runs it)"],
        )
    if "environment variable" in text:
        return (
            f"the Promise does not give the pipeline container what it needs: {failure}",
            ["fix the container env in promises/promise.yaml, commit, then `invoke promise.apply`"],
        )
    if container in {"reader", "work-writer", "status-writer"}:
        return (
            f"Kratix's own {container} container failed: {failure}",
            ["read the Kratix controller's log: " + CONTROLLER_LOGS],
        )
    where = f"container {container}" if container else "the pipeline"
    return f"{where} failed: {failure}" if failure else f"{where} failed", []


@check("pipeline-stuck", "DatadogStack configure pipeline running too long", NEEDS)
def pipeline_stuck(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    found = []
    for stack in snap.items("datadogstacks"):
        completed = condition(stack, "ConfigureWorkflowCompleted")
        ns, name = namespace_of(stack), name_of(stack)
        if completed is not None:
            if completed.reason != "PipelinesInProgress":
                continue
            seconds = snap.seconds_since(completed.last_transition_time)
            head = condition_line(completed) + f" for {snap.age(completed.last_transition_time)}"
        else:  # Kratix never started: no condition at all
            created = (stack.get("metadata") or {}).get("creationTimestamp")
            seconds = snap.seconds_since(created)
            head = f"no workflow conditions {snap.age(created)} after creation"
        if seconds is None or seconds < STUCK_AFTER_SECONDS:
            continue
        evidence = [head]
        pods = pipeline_pods(snap, stack)
        if pods:
            lines, _, _ = _pod_evidence(snap, pods[0])
            evidence += lines
            cause = _stuck_cause(lines)
            first = kubectl("describe", "pod", name_of(pods[0]), namespace=ns)
        else:
            evidence.append("no pipeline pod found for it")
            cause = (
                "Kratix has not started the pipeline: is the Kratix controller running (see kratix-controller-down)?"
            )
            first = CONTROLLER_LOGS
        found.append(
            finding(
                snap,
                "pipeline-stuck",
                Severity.ERROR,
                _subject(stack),
                symptom=f"the configure pipeline of DatadogStack {ns}/{name} has not finished after "
                f"{int(seconds // 60)} minutes",
                evidence=evidence,
                cause=cause,
                fix=[
                    first,
                    kubectl(
                        "logs", "-l", f"kratix.io/resource-name={name}", "--all-containers", "--tail=50", namespace=ns
                    ),
                    CONTROLLER_LOGS,
                ],
                docs=DOCS["kratix-workflows"],
            )
        )
    return found


def _stuck_cause(evidence: list[str]) -> str:
    text = " ".join(evidence)
    for reason in ("InvalidImageName", "ImagePullBackOff", "ErrImagePull"):
        if reason in text:
            return f"a pipeline container cannot start ({reason}): see image-error"
    if "CrashLoopBackOff" in text or " exited " in text:
        return "a pipeline container keeps failing and is restarted (restartPolicy OnFailure)"
    if "phase Pending" in text:
        return "the pipeline pod is Pending: it cannot be scheduled or its containers cannot start"
    return "the pipeline pod is still running: read its logs"


CHECKS = (pipeline_failed, pipeline_stuck)
