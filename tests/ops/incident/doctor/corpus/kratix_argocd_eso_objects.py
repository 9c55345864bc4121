"""Broken Kratix, Argo CD and External Secrets objects as their controllers write them, for the corpus.

Each builder is a small change to the healthy objects of tests/objects.py, with the
conditions, reasons, messages and events the controllers write:
- Kratix: https://github.com/syntasso/kratix/blob/main/internal/controller/scheduler.go (Work),
  lib/resourceutil/util.go (request), internal/controller/promise_controller.go (Promise).
- Argo CD: https://github.com/argoproj/argo-cd/blob/master/pkg/apis/application/v1alpha1/types.go
  (status.operationState, syncResult.resources with hookType/hookPhase).
- ESO: https://github.com/external-secrets/external-secrets/blob/main/pkg/controllers/secretstore/common.go
  (store Ready=False InvalidProviderConfig, event InvalidProviderConfig) and the UpdateFailed event
  of an ExternalSecret.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from tests.objects import (
    KEYS_SECRET,
    KRATIX_NS,
    PROMISE,
    STORE,
    Stack,
    app_condition,
    argocd_app,
    cluster_secret_store,
    cond,
    destination,
    event,
    external_secret,
    git_state_store,
    helm_release,
    meta,
    promise,
    replace,
    stack_external_secret,
    values_error,
    without,
    work,
)

Json = dict[str, Any]
GROUP_ID = "5058f1af8388633f609cadb75a75dc9d"
REPO = "https://github.com/example/kratix-ops.git"


def labelled(obj: Json, labels: Mapping[str, str]) -> Json:
    obj = copy.deepcopy(obj)
    obj["metadata"].setdefault("labels", {}).update(labels)
    return obj


# Kratix -----------------------------------------------------------------------------------------------
def request(s: Stack, conditions: Iterable[Json], labels: Mapping[str, str] | None = None) -> Json:
    """The DatadogStack with these conditions (the pipeline finished; what follows is Kratix's)."""
    body = s.manifest(with_status=False)
    body["metadata"]["labels"] = {"kratix.io/promise-name": PROMISE, **(labels or {})}
    body["status"] = {"message": "Resource requested", "observedGeneration": 1, "conditions": list(conditions)}
    return body


def waiting_on_works(s: Stack, work_name: str) -> Json:
    """A request whose Work is not ready: `Reconciled` still says WorkflowPending (kratix #903)."""
    return request(
        s,
        [
            cond("ConfigureWorkflowCompleted", "True", "PipelinesExecutedSuccessfully", "Pipelines completed"),
            cond(
                "WorksSucceeded",
                "Unknown",
                "WorksPending",
                f"Some works associated with this resource are not ready: [{work_name}]",
            ),
            cond("Reconciled", "Unknown", "WorkflowPending", "Pending"),
        ],
    )


def paused(s: Stack, *, own_label: bool) -> Json:
    """A request Kratix does not reconcile: its own label, or its Promise's."""
    return request(
        s,
        [
            cond("ConfigureWorkflowCompleted", "True", "PipelinesExecutedSuccessfully", "Pipelines completed"),
            cond("WorksSucceeded", "True", "WorksSucceeded", "All works associated with this resource are ready"),
            cond("Reconciled", "Unknown", "PausedReconciliation", "Paused", age=600),
        ],
        labels={"kratix.io/paused": "true"} if own_label else None,
    )


def unscheduled_work(s: Stack, selectors: Mapping[str, str], source: str = "promise") -> Json:
    """A Work whose only workload group no Destination matches."""
    body = work(s)
    body["spec"]["workloadGroups"][0].update(
        id=GROUP_ID, destinationSelectors=[{"matchLabels": dict(selectors), "source": source}]
    )
    body["status"] = {
        "workPlacements": 1,
        "conditions": [
            cond(
                "ScheduleSucceeded",
                "False",
                "UnscheduledWorkloads",
                f"No matching destination found for workloadGroups: [{GROUP_ID}]",
            ),
            cond("Ready", "False", "UnscheduledWorkloads", "Pending"),
        ],
    }
    return body


def promise_selecting(selectors: Mapping[str, str]) -> Json:
    body = promise()
    body["spec"]["destinationSelectors"] = [{"matchLabels": dict(selectors)}]
    return body


def paused_promise() -> Json:
    body = labelled(promise(), {"kratix.io/paused": "true"})
    body["status"]["status"] = "Unavailable"
    body["status"]["conditions"] = [
        cond("Available", "False", "PausedReconciliation", "Paused", age=600),
        cond("Reconciled", "Unknown", "PausedReconciliation", "Paused", age=600),
        cond("RequirementsFulfilled", "True", "RequirementsInstalled", "Requirements fulfilled"),
    ]
    return body


def promise_requiring(name: str, required: Iterable[tuple[str, str, str]]) -> Json:
    """A compound Promise whose required Promises are not all installed (kratix #465)."""
    body = promise()
    body["metadata"] = meta(name, labels={"kratix.io/promise-version": "v1.0.0"})
    body["status"] = {
        "status": "Unavailable",
        "kind": name,
        "apiVersion": "marketplace.kratix.io/v1",
        "requiredPromises": [{"name": n, "version": v, "state": state} for n, v, state in required],
        "conditions": [
            cond("Available", "False", "PromiseUnavailable", "Cannot fulfil resource requests"),
            cond("RequirementsFulfilled", "False", "RequirementsNotInstalled", "Requirements not fulfilled"),
        ],
    }
    return body


def worker_destination(name: str, labels: Mapping[str, str]) -> Json:
    body = destination()
    body["metadata"] = meta(name, labels=dict(labels))
    body["spec"] = {
        "path": name,
        "filepath": {"mode": "none"},
        "stateStoreRef": {"kind": "GitStateStore", "name": "default"},
    }
    return body


# Argo CD --------------------------------------------------------------------------------------------
def failed_sync(
    name: str, message: str, *, resources: Iterable[Json] = (), sync: str = "OutOfSync", error: bool = True
) -> Json:
    """An Application whose last sync failed with this message (auto-sync: SyncError condition)."""
    operation = {
        "operation": {"sync": {"revision": "3f9c2a1b"}},
        "phase": "Failed",
        "message": message,
        "syncResult": {"revision": "3f9c2a1b", "resources": list(resources)},
        "startedAt": "2026-11-29T09:00:00Z",
        "finishedAt": "2026-11-29T09:00:20Z",
    }
    conditions = [app_condition("SyncError", f"Failed sync attempt to 3f9c2a1b: {message} (retried 5 times).")]
    return argocd_app(name, sync=sync, operation=operation, conditions=conditions if error else ())


def comparison_error(name: str, message: str) -> Json:
    return argocd_app(name, sync="Unknown", conditions=[app_condition("ComparisonError", message)])


def sync_result(kind: str, name: str, namespace: str, message: str, **extra: str) -> Json:
    group, version = {"Job": ("batch", "v1"), "PodDisruptionBudget": ("policy", "v1beta1")}.get(kind, ("", "v1"))
    return {
        "group": group,
        "version": version,
        "kind": kind,
        "namespace": namespace,
        "name": name,
        "status": extra.pop("status", "SyncFailed"),
        "message": message,
        **extra,
    }


# External Secrets ---------------------------------------------------------------------------------------
def broken_store(message: str, **aws: Any) -> list[Json]:
    """The ClusterSecretStore ESO could not validate, and its InvalidProviderConfig event."""
    store = cluster_secret_store(ready=False)
    store["spec"]["provider"]["aws"].update(aws)
    return [store, event("ClusterSecretStore", None, STORE, "InvalidProviderConfig", message, count=12)]


def store_limited_to(namespaces: Iterable[str]) -> Json:
    store = cluster_secret_store()
    store["spec"]["conditions"] = [{"namespaces": list(namespaces)}]
    return store


def failing_stack_secret(objects: list[Json], s: Stack, error: str) -> list[Json]:
    """The stack's ExternalSecret fails with this UpdateFailed error; its Secret is gone; Flux cannot read it."""
    objects = replace(objects, stack_external_secret(s, ready=False))
    objects = without(objects, "Secret", KEYS_SECRET, s.target)
    objects = replace(objects, values_error(s))
    return [*objects, event("ExternalSecret", s.target, KEYS_SECRET, "UpdateFailed", error, count=5)]


def failing_git_credentials(error: str) -> list[Json]:
    es = external_secret(
        KRATIX_NS,
        "git-credentials",
        remote_key="kratix/git-credentials",
        properties=("username", "password"),
        ready=False,
    )
    return [es, event("ExternalSecret", KRATIX_NS, "git-credentials", "UpdateFailed", error, count=9)]


def stuck_store_chain(objects: list[Json]) -> list[Json]:
    """Without git-credentials: the GitStateStore has no Secret, the Destination no ready store."""
    objects = without(objects, "Secret", "git-credentials", KRATIX_NS)
    objects = replace(
        objects,
        git_state_store(
            ready=False, reason="SecretNotFound", message=f"Secret git-credentials not found in namespace {KRATIX_NS}"
        ),
    )
    return replace(objects, destination(ready=False, reason="StateStoreNotReady"))


# Flux ---------------------------------------------------------------------------------------------------
def chart_not_published(s: Stack, version: str) -> Json:
    """helm-controller's words when the chart version does not exist in the repository index."""
    message = (
        f"HelmChart '{s.target}/{s.target}-datadog' is not ready: invalid chart reference: failed to get chart "
        f"version for remote reference: no 'datadog' chart with version matching '{version}' found"
    )
    body = helm_release(s, ready=cond("Ready", "False", "SourceNotReady", message, age=900))
    body["spec"]["chart"]["spec"]["version"] = version
    return body
