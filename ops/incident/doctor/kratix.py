"""Kratix itself: the DatadogStack Promise not available, the Kratix controller not running.

A Promise's `Available` condition (`PromiseAvailable` / `PromiseUnavailable`,
https://docs.kratix.io/main/reference/promises/status-events) gates
every request; the controller Deployment `kratix-platform-controller-manager` runs in
`kratix-platform-system` (installed by the Argo CD Application `kratix`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ops.incident.doctor.common import DOCS, finding, kubectl
from ops.incident.doctor.finding import Finding, Severity, Subject
from ops.incident.doctor.registry import check
from ops.incident.snapshot import KRATIX_PODS, Snapshot
from ops.incident.status import kratix_controllers
from ops.kube.fields import (
    NO_CONDITION,
    condition,
    condition_line,
    container_statuses,
    deployment_rollout,
    labels_of,
    name_of,
    namespace_of,
)
from ops.names import KRATIX_GROUP, KRATIX_NAMESPACE

if TYPE_CHECKING:
    from ops.incident.doctor.aws_keys import ApiKeysReader

CONTROLLER_LOGS = kubectl(
    "logs", "deploy/kratix-platform-controller-manager", "-c", "manager", "--tail=50", namespace=KRATIX_NAMESPACE
)


@check("promise-unavailable", "Kratix Promise missing or not available", {"promises", "datadogstacks"})
def promise_unavailable(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    if not snap.installed("promises") or not snap.readable("promises"):
        return []  # kratix-controller-down reports a missing Kratix
    promises = {name_of(p): p for p in snap.items("promises")}
    found = []
    if snap.promise_name not in promises:
        evidence = [f"no Promise {snap.promise_name} (Promises here: {', '.join(promises) or 'none'})"]
        if not snap.installed("datadogstacks"):
            evidence.append(f"the DatadogStack API ({snap.api_group}) is not served")
        found.append(
            finding(
                snap,
                "promise-unavailable",
                Severity.ERROR,
                Subject("Promise", snap.promise_name),
                symptom=f"the Promise {snap.promise_name} is not installed: DatadogStack requests cannot be made",
                evidence=evidence,
                cause="the Promise was never applied, or was deleted",
                fix=["invoke promise.apply"],
                docs=DOCS["kratix-promise"],
            )
        )
    for name, promise in promises.items():
        available = condition(promise, "Available")
        word = (promise.get("status") or {}).get("status")
        if (available is None or available.status == "True") and word != "Unavailable":
            continue
        evidence = [condition_line(available)] if available else [f"status.status {word}"]
        for type_ in ("RequirementsFulfilled", "ConfigureWorkflowCompleted"):
            c = condition(promise, type_)
            if c is not None and c.status == "False":
                evidence.append(condition_line(c))
        reason = str((available or NO_CONDITION).reason)
        causes = {
            "PausedReconciliation": "the Promise is paused (label kratix.io/paused): Kratix reconciles none of its "
            "requests until the label is removed",
            "WorkflowSuspended": "the Promise's workflow suspended itself",
        }
        ours = name == snap.promise_name
        first: list[str] = []
        required = (promise.get("status") or {}).get("requiredPromises") or []
        unmet = [
            f"{r.get('name')} {r.get('version') or ''}".strip()
            for r in required
            if r.get("state") != "Requirement installed"
        ]
        if unmet:
            states = [
                f"{r.get('name')} ({r.get('state')})" for r in required if r.get("state") != "Requirement installed"
            ]
            evidence.append(f"required Promises not installed: {', '.join(states)}")
            causes[reason] = f"its required Promises are not available: {', '.join(unmet)}"
            first = [f"install the required Promise(s) first: {', '.join(unmet)} (kubectl apply -f <promise>)"]
        if reason == "PausedReconciliation":
            first = [kubectl("label", "promise", name, "kratix.io/paused-")]
        found.append(
            finding(
                snap,
                "promise-unavailable",
                Severity.ERROR if ours else Severity.WARNING,
                Subject("Promise", name),
                symptom=f"Promise {name} is not available: its requests wait (PromiseAvailable=False on them)",
                evidence=evidence,
                cause=causes.get(reason, "its requirements are not installed or its configure workflow failed"),
                fix=[
                    *first,
                    kubectl("describe", "promise", name),
                    CONTROLLER_LOGS,
                    "fix promises/promise.yaml, commit, then `invoke promise.apply`"
                    if ours
                    else "re-apply the Promise",
                ],
                docs=DOCS["kratix-promise"],
            )
        )
    return found


@check(
    "kratix-controller-down", "Kratix missing or its controller not running", {"promises", "deployments", KRATIX_PODS}
)
def kratix_controller_down(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    app_fix = ["argocd app get kratix", "argocd app sync kratix"]
    if not snap.installed("promises"):
        return [
            finding(
                snap,
                "kratix-controller-down",
                Severity.ERROR,
                Subject("CustomResourceDefinition", f"promises.{KRATIX_GROUP}"),
                symptom="Kratix is not installed: nothing turns DatadogStack requests into manifests",
                evidence=[f"API group {KRATIX_GROUP} not served (GET /apis)"],
                cause="the kratix Application (gitops/argocd/apps/kratix.yaml) has not been synced",
                fix=["invoke argocd.apps", *app_fix],
                docs=DOCS["kratix-install"],
            )
        ]
    if not snap.readable("deployments"):
        return []
    controllers = kratix_controllers(snap)
    if not controllers:
        return [
            finding(
                snap,
                "kratix-controller-down",
                Severity.ERROR,
                Subject("Deployment", "kratix-platform-controller-manager", KRATIX_NAMESPACE),
                symptom="the Kratix controller is not deployed: requests are not reconciled",
                evidence=[f"no controller-manager Deployment in {KRATIX_NAMESPACE} (the Kratix CRDs are installed)"],
                cause="the Kratix controller was deleted or never installed",
                fix=app_fix,
                docs=DOCS["kratix-install"],
            )
        ]
    found = []
    for deployment in controllers:
        rollout = deployment_rollout(deployment)
        ready, desired = rollout.ready, rollout.wanted
        if desired and ready >= desired:
            continue
        evidence = [f"Deployment {KRATIX_NAMESPACE}/{name_of(deployment)}: {ready}/{desired} ready"]
        available = condition(deployment, "Available")
        if available is not None:
            evidence.append(condition_line(available))
        selector = ((deployment.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
        pods = [
            p
            for p in snap.pods_in(namespace_of(deployment))
            if selector and all(labels_of(p).get(k) == v for k, v in selector.items())
        ]
        for pod in pods[:3]:
            for _, status in container_statuses(pod):
                state = status.get("state") or {}
                waiting = (state.get("waiting") or {}).get("reason")
                last = (status.get("lastState") or {}).get("terminated") or {}
                if waiting or last:
                    text = f"pod {name_of(pod)} container {status.get('name')}: {waiting or 'running'}"
                    if last:
                        text += f", last exit {last.get('exitCode')} ({last.get('reason', '')})"
                    evidence.append(text + f", restarts {status.get('restartCount', 0)}")
        found.append(
            finding(
                snap,
                "kratix-controller-down",
                Severity.ERROR,
                Subject("Deployment", name_of(deployment), KRATIX_NAMESPACE),
                symptom=f"the Kratix controller is not running ({ready}/{desired} ready): requests are not reconciled",
                evidence=evidence,
                cause="the controller pod does not become ready: read its log and events",
                fix=[
                    CONTROLLER_LOGS,
                    kubectl("describe", "deployment", name_of(deployment), namespace=KRATIX_NAMESPACE),
                    *app_fix,
                ],
                docs=DOCS["kratix-install"],
            )
        )
    return found


CHECKS = (promise_unavailable, kratix_controller_down)
