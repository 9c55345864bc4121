"""Read what Kratix writes on a resource request and on a Promise: where it stands, in one word and one line.

    progress = request_progress(live_datadog_stack)   # RequestProgress: phase Configuring, detail ...
    promise = promise_progress(live_promise)          # PromiseProgress: Available / Unavailable / ...

A request goes Pending -> Configuring (pipelines run) -> Scheduling (works written and scheduled)
-> Ready, or Failed. The exact condition types, reasons and messages are Kratix's
(https://docs.kratix.io/main/reference/resources/status-events). `Reconciled` is read last: it can keep
saying `WorkflowPending`
after the pipelines succeeded while the request really waits on its works (kratix PR #903).
Pure functions over the objects' JSON: no client, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ops.kube.fields import Condition, conditions_of, find_condition
from ops.wait import Observation

CONFIGURE_COMPLETED = "ConfigureWorkflowCompleted"
WORKS_SUCCEEDED = "WorksSucceeded"
RECONCILED = "Reconciled"
PROMISE_AVAILABLE_ON_REQUEST = "PromiseAvailable"
AVAILABLE = "Available"
REQUIREMENTS = "RequirementsFulfilled"
PIPELINE_FAILED_PREFIX = "A Configure Pipeline has failed: "
# status.message values Kratix itself writes (anything else came from a pipeline).
KRATIX_MESSAGES = frozenset({"Pending", "Resource requested", "Promise configured", "Dry run executed"})


class RequestPhase(StrEnum):
    PENDING = "Pending"  # Kratix has not started (or not yet seen this generation)
    CONFIGURING = "Configuring"  # configure pipelines are running
    SCHEDULING = "Scheduling"  # pipelines done; works being scheduled and written to the state store
    READY = "Ready"
    FAILED = "Failed"
    SUSPENDED = "Suspended"  # a pipeline asked to suspend or retry later
    PAUSED = "Paused"  # kratix.io/paused: Kratix does nothing until the label goes


@dataclass(frozen=True)
class PipelineRun:
    """One entry of status.kratix.workflows.pipelines[]."""

    name: str
    phase: str  # Pending, Running, Succeeded, Failed, Suspended
    message: str = ""


@dataclass(frozen=True)
class RequestProgress:
    name: str
    namespace: str
    phase: RequestPhase
    detail: str  # one line: why it is in this phase
    message: str  # status.message as written (Kratix's or the pipeline's)
    generation: int | None
    observed_generation: int | None
    conditions: tuple[Condition, ...]
    pipelines: tuple[PipelineRun, ...]
    failed_pipeline: str | None  # from "A Configure Pipeline has failed: <pipeline>"
    target_namespace: str | None  # status.targetNamespace, written by our pipeline

    @property
    def done(self) -> bool:
        return self.phase is RequestPhase.READY

    @property
    def failed(self) -> bool:
        return self.phase is RequestPhase.FAILED

    def condition(self, type_: str) -> Condition | None:
        return find_condition(self.conditions, type_)

    def observation(self) -> Observation:
        return Observation(done=self.done, failed=self.failed, phase=self.phase.value, detail=self.detail)


def pipelines_of(obj: Mapping[str, Any]) -> tuple[PipelineRun, ...]:
    kratix = (obj.get("status") or {}).get("kratix") or {}
    raw = (kratix.get("workflows") or {}).get("pipelines") or []
    return tuple(
        PipelineRun(str(p.get("name", "")), str(p.get("phase", "")), str(p.get("message") or ""))
        for p in raw
        if isinstance(p, Mapping)
    )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def request_progress(obj: Mapping[str, Any]) -> RequestProgress:
    """Where a resource request stands, from its status as Kratix (and our pipeline) wrote it."""
    meta = obj.get("metadata") or {}
    status = obj.get("status") or {}
    conditions = conditions_of(obj)
    pipelines = pipelines_of(obj)
    message = " ".join(str(status.get("message") or "").split())
    configure = find_condition(conditions, CONFIGURE_COMPLETED)
    failed_pipeline = None
    if configure is not None and configure.message.startswith(PIPELINE_FAILED_PREFIX):
        failed_pipeline = configure.message.removeprefix(PIPELINE_FAILED_PREFIX).strip() or None
    phase, detail = _request_phase(conditions, pipelines, message)
    generation, observed = _int(meta.get("generation")), _int(status.get("observedGeneration"))
    if phase in {RequestPhase.READY, RequestPhase.FAILED} and None not in (generation, observed):
        assert generation is not None and observed is not None
        if observed < generation:  # the status describes an older spec: Kratix has not caught up yet
            phase = RequestPhase.PENDING
            detail = f"waiting for Kratix to act on generation {generation} (status is for {observed})"
    target = status.get("targetNamespace")
    return RequestProgress(
        name=str(meta.get("name", "")),
        namespace=str(meta.get("namespace", "")),
        phase=phase,
        detail=detail,
        message=message,
        generation=generation,
        observed_generation=observed,
        conditions=conditions,
        pipelines=pipelines,
        failed_pipeline=failed_pipeline,
        target_namespace=str(target) if target else None,
    )


def _pipeline_message(message: str) -> str:
    """status.message when a pipeline wrote it (e.g. "Invalid request: ..."), else ""."""
    return "" if not message or message in KRATIX_MESSAGES else message


def _request_phase(
    conditions: tuple[Condition, ...], pipelines: tuple[PipelineRun, ...], message: str
) -> tuple[RequestPhase, str]:
    configure = find_condition(conditions, CONFIGURE_COMPLETED)
    works = find_condition(conditions, WORKS_SUCCEEDED)
    reconciled = find_condition(conditions, RECONCILED)
    promise = find_condition(conditions, PROMISE_AVAILABLE_ON_REQUEST)
    said = _pipeline_message(message)

    if reconciled is not None and reconciled.reason == "PausedReconciliation":
        return RequestPhase.PAUSED, f"{reconciled}; remove the label kratix.io/paused to resume"
    if reconciled is not None and reconciled.reason == "WorkflowSuspended":
        suspended = next((p for p in pipelines if p.phase == "Suspended"), None)
        why = f"pipeline {suspended.name} suspended: {suspended.message}" if suspended else str(reconciled)
        return RequestPhase.SUSPENDED, why
    if promise is not None and promise.status == "False":
        return RequestPhase.PENDING, f"the Promise cannot fulfil requests yet ({promise})"
    if configure is not None and configure.status == "False" and configure.reason == "ConfigureWorkflowFailed":
        return RequestPhase.FAILED, "; ".join(p for p in (str(configure), said and f"status.message: {said}") if p)
    if configure is None or configure.status != "True":
        running = [p for p in pipelines if p.phase in {"Running", "Pending"}]
        if configure is None and not running:
            return RequestPhase.PENDING, "waiting for Kratix to start the configure workflow"
        steps = ", ".join(f"pipeline {p.name} {p.phase}" for p in pipelines) or str(configure)
        return RequestPhase.CONFIGURING, steps
    if works is not None and works.status == "True":
        return RequestPhase.READY, said or works.message
    if works is not None and works.status == "False":
        return RequestPhase.FAILED, str(works)
    waiting = str(works) if works is not None else "pipelines completed; waiting for Kratix to schedule the works"
    if reconciled is not None and reconciled.reason == "WorkflowPending":
        waiting += " (Reconciled still says WorkflowPending: stale, see kratix PR #903)"
    return RequestPhase.SCHEDULING, waiting


# ------------------------------------------------------------------------------------------------
# Promise.
# ------------------------------------------------------------------------------------------------
class PromisePhase(StrEnum):
    PENDING = "Pending"  # no status yet: Kratix has not reconciled it
    UNAVAILABLE = "Unavailable"
    AVAILABLE = "Available"
    FAILED = "Failed"  # its configure workflow failed


@dataclass(frozen=True)
class PromiseProgress:
    name: str
    phase: PromisePhase
    detail: str
    status: str  # status.status: Available, Unavailable or ""
    conditions: tuple[Condition, ...]

    @property
    def done(self) -> bool:
        return self.phase is PromisePhase.AVAILABLE

    @property
    def failed(self) -> bool:
        return self.phase is PromisePhase.FAILED

    def observation(self) -> Observation:
        return Observation(done=self.done, failed=self.failed, phase=self.phase.value, detail=self.detail)


def promise_progress(obj: Mapping[str, Any]) -> PromiseProgress:
    """Whether a Promise can fulfil requests: its `Available` condition, else status.status."""
    meta = obj.get("metadata") or {}
    status = obj.get("status") or {}
    conditions = conditions_of(obj)
    state = str(status.get("status") or "")
    available = find_condition(conditions, AVAILABLE)
    configure = find_condition(conditions, CONFIGURE_COMPLETED)
    requirements = find_condition(conditions, REQUIREMENTS)
    generation, observed = _int(meta.get("generation")), _int(status.get("observedGeneration"))
    stale = generation is not None and observed is not None and observed < generation

    if configure is not None and configure.reason == "ConfigureWorkflowFailed" and configure.status == "False":
        phase, detail = PromisePhase.FAILED, str(configure)
    elif stale:
        phase, detail = PromisePhase.PENDING, f"waiting for Kratix to act on generation {generation}"
    elif available is not None:
        is_up = available.status == "True"
        phase = PromisePhase.AVAILABLE if is_up else PromisePhase.UNAVAILABLE
        detail = str(available)
        if not is_up and requirements is not None and requirements.status != "True":
            detail += f"; {requirements}"
    elif state:
        phase = PromisePhase.AVAILABLE if state == "Available" else PromisePhase.UNAVAILABLE
        detail = f"status {state}"
    else:
        phase, detail = PromisePhase.PENDING, "waiting for Kratix to reconcile the Promise"
    return PromiseProgress(str(meta.get("name", "")), phase, detail, state, conditions)
