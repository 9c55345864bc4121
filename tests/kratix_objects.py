"""Objects shaped like what Kratix, the pipeline and the Kubernetes controllers write (https://docs.kratix.io/main/reference/resources/status-events).

The emulator runs no controllers: tests seed these states, and change them (re-seed) to play one.

    kube.install_crd(crd("promises.platform.kratix.io"), datadog_stack_crd())
    kube.seed(promise(available=True), stack("production", "team-a", status=configuring()))
"""

from __future__ import annotations

import copy
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, datadog_stack
from tests.kube.emulator import EmulatorThread

Json = dict[str, Any]
PROMISE_FILE = ROOT / "promises" / "promise.yaml"
STACK_API = "platform.srekubecraft.io/v1alpha1"
PIPELINE = "instance-configure"
PROMISE_NAME = "datadog-stack"
WHEN = "2026-11-24T10:00:00Z"


def datadog_stack_crd() -> Json:
    """The Promise's API as Kratix installs it: with a status subresource."""
    promise_doc = yaml.safe_load(PROMISE_FILE.read_text())
    crd: Json = copy.deepcopy(promise_doc["spec"]["api"])
    for version in crd["spec"]["versions"]:
        version["subresources"] = {"status": {}}
        version["schema"]["openAPIV3Schema"]["properties"]["status"] = {
            "type": "object",
            "x-kubernetes-preserve-unknown-fields": True,
        }
    return crd


def condition(type_: str, status: str, reason: str, message: str) -> Json:
    return {"type": type_, "status": status, "reason": reason, "message": message, "lastTransitionTime": WHEN}


# ------------------------------------------------------------------------------------------------
# Promise.
# ------------------------------------------------------------------------------------------------
def promise_manifest() -> Json:
    doc: Json = yaml.safe_load(PROMISE_FILE.read_text())
    return doc


def promise(available: bool | None = True, **meta: Any) -> Json:
    """The Promise from the repository, with the status Kratix writes (None: not reconciled yet)."""
    obj = promise_manifest()
    obj["metadata"].update(meta)
    if available is None:
        return obj
    if available:
        conditions = [
            condition("RequirementsFulfilled", "True", "RequirementsInstalled", "Requirements fulfilled"),
            condition("Available", "True", "PromiseAvailable", "Ready to fulfil resource requests"),
        ]
    else:
        conditions = [
            condition("RequirementsFulfilled", "False", "RequirementsNotInstalled", "Requirements not fulfilled"),
            condition("Available", "False", "PromiseUnavailable", "Cannot fulfil resource requests"),
        ]
    state = "Available" if available else "Unavailable"
    obj["status"] = {
        "status": state,
        "kind": "DatadogStack",
        "apiVersion": STACK_API,
        "version": "v0.2.0",
        "observedGeneration": 1,
        "conditions": conditions,
        "kratix": {"status": state},
    }
    return obj


# ------------------------------------------------------------------------------------------------
# DatadogStack requests and the statuses Kratix writes on them.
# ------------------------------------------------------------------------------------------------
def stack(name: str = "production", namespace: str = "team-a", status: Json | None = None, **spec: Any) -> Json:
    """A DatadogStack as a user applies it (all fields explicit, as the tasks write them), with a status."""
    spec = {"tier": "minimal", "environment": "dev", "site": "datadoghq.eu", "tags": [], **spec}
    obj = datadog_stack(name, namespace, **spec)
    obj["metadata"].pop("uid")
    if status is None:
        obj.pop("status")
    else:
        obj["status"] = status
    return obj


def _pipelines(phase: str, message: str = "") -> Json:
    entry = {"name": PIPELINE, "phase": phase, "lastTransitionTime": WHEN}
    if message:
        entry["message"] = message
    return {"workflows": {"pipelines": [entry]}}


def pending() -> Json:
    return {"message": "Pending"}


def configuring() -> Json:
    """A configure pipeline is running."""
    return {
        "message": "Pending",
        "conditions": [
            condition("ConfigureWorkflowCompleted", "False", "PipelinesInProgress", "Pipelines are still in progress"),
            condition("Reconciled", "Unknown", "WorkflowPending", "Pending"),
        ],
        "kratix": _pipelines("Running"),
    }


def pipeline_failed(
    message: str = "Invalid request: spec.tier: 'huge' is not allowed; one of minimal, standard, full",
) -> Json:
    """The configure pipeline failed; our pipeline published the reason in status.message first."""
    return {
        "message": message,
        "conditions": [
            condition(
                "ConfigureWorkflowCompleted",
                "False",
                "ConfigureWorkflowFailed",
                f"A Configure Pipeline has failed: {PIPELINE}",
            ),
            condition("Reconciled", "False", "ConfigureWorkflowFailed", "Failing"),
        ],
        "kratix": _pipelines("Failed"),
    }


def works_pending(target_namespace: str = "datadog-team-a-production-abc123") -> Json:
    """Pipelines done, works not ready; Reconciled still says WorkflowPending (kratix PR #903)."""
    return {
        "message": "Datadog minimal tier configured",
        "targetNamespace": target_namespace,
        "conditions": [
            condition("ConfigureWorkflowCompleted", "True", "PipelinesExecutedSuccessfully", "Pipelines completed"),
            condition(
                "WorksSucceeded",
                "Unknown",
                "WorksPending",
                "Some works associated with this resource are not ready: [production-instance-configure-5058f]",
            ),
            condition("Reconciled", "Unknown", "WorkflowPending", "Pending"),
        ],
        "kratix": _pipelines("Succeeded"),
    }


def reconciled(target_namespace: str = "datadog-team-a-production-abc123", tier: str = "minimal") -> Json:
    return {
        "message": f"Datadog {tier} tier configured",
        "tier": tier,
        "environment": "dev",
        "targetNamespace": target_namespace,
        "conditions": [
            condition("ConfigureWorkflowCompleted", "True", "PipelinesExecutedSuccessfully", "Pipelines completed"),
            condition("WorksSucceeded", "True", "WorksSucceeded", "All works associated with this resource are ready"),
            condition("Reconciled", "True", "Reconciled", "Reconciled"),
        ],
        "kratix": _pipelines("Succeeded"),
    }


# ------------------------------------------------------------------------------------------------
# Pods, DaemonSets, Deployments.
# ------------------------------------------------------------------------------------------------
def _terminated(exit_code: int, message: str = "") -> Json:
    reason = "Completed" if exit_code == 0 else "Error"
    state: Json = {"exitCode": exit_code, "reason": reason, "startedAt": WHEN, "finishedAt": WHEN}
    if message:
        state["message"] = message
    return {"terminated": state}


def _container(name: str, state: Json, ready: bool = False, last: Json | None = None) -> Json:
    status = {"name": name, "image": f"example/{name}", "ready": ready, "restartCount": 0, "state": state}
    if last is not None:
        status["lastState"] = last
        status["restartCount"] = 1
    return status


def pipeline_pod(
    stack_name: str = "production",
    namespace: str = "team-a",
    *,
    user_state: Json | None = None,
    user_last: Json | None = None,
    pod_name: str = "kratix-datadog-stack-production-instance-configure-7xk2p",
    created: str = WHEN,
    pipeline: str = PIPELINE,
) -> Json:
    """A configure pipeline pod as Kratix's Job creates it: reader, our container, work-writer; status-writer.

    By default our container `datadog-configure` exited 1 with the pipeline's termination message.
    """
    if user_state is None:
        user_state = _terminated(1, "Invalid request: spec.tier: 'huge' is not allowed; one of minimal, standard, full")
    waiting = {"waiting": {"reason": "PodInitializing"}}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": pod_name,
            "namespace": namespace,
            "creationTimestamp": created,
            "labels": {
                "kratix.io/promise-name": PROMISE_NAME,
                "kratix.io/resource-name": stack_name,
                "kratix.io/pipeline-name": pipeline,
                "kratix.io/workflow-type": "resource",
                "kratix.io/workflow-action": "configure",
                "app.kubernetes.io/managed-by": "Kratix",
            },
        },
        "spec": {
            "initContainers": [
                {"name": n, "image": f"example/{n}"} for n in ("reader", "datadog-configure", "work-writer")
            ],
            "containers": [{"name": "status-writer", "image": "example/status-writer"}],
            "restartPolicy": "OnFailure",
        },
        "status": {
            "phase": "Pending",
            "initContainerStatuses": [
                _container("reader", _terminated(0)),
                _container("datadog-configure", user_state, last=user_last),
                _container("work-writer", waiting),
            ],
            "containerStatuses": [_container("status-writer", waiting)],
        },
    }


def image_pull_backoff() -> Json:
    return {
        "waiting": {
            "reason": "ImagePullBackOff",
            "message": 'Back-off pulling image "ghcr.io/example/kratix-datadog-pipeline:0.1.0"',
        }
    }


def crash_loop() -> Json:
    return {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s restarting failed container"}}


def terminated(exit_code: int, message: str = "") -> Json:
    return _terminated(exit_code, message)


def agents_daemonset(namespace: str, desired: int = 3, ready: int = 3, updated: int | None = None) -> Json:
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "datadog", "namespace": namespace, "generation": 1},
        "spec": {
            "selector": {"matchLabels": {"app": "datadog"}},
            "template": {"metadata": {"labels": {"app": "datadog"}}},
        },
        "status": {
            "currentNumberScheduled": desired,
            "desiredNumberScheduled": desired,
            "numberAvailable": ready,
            "numberReady": ready,
            "numberMisscheduled": 0,
            "updatedNumberScheduled": desired if updated is None else updated,
            "observedGeneration": 1,
        },
    }


def cluster_agent_deployment(namespace: str, replicas: int = 1, available: int = 1) -> Json:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "datadog-cluster-agent", "namespace": namespace, "generation": 1},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "datadog-cluster-agent"}}},
        "status": {
            "observedGeneration": 1,
            "replicas": replicas,
            "updatedReplicas": replicas,
            "readyReplicas": available,
            "availableReplicas": available,
        },
    }


def namespace(name: str, terminating: bool = False) -> Json:
    obj: Json = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}, "status": {"phase": "Active"}}
    if terminating:
        obj["metadata"]["deletionTimestamp"] = WHEN
        obj["status"] = {
            "phase": "Terminating",
            "conditions": [
                {
                    "type": "NamespaceContentRemaining",
                    "status": "True",
                    "reason": "SomeResourcesRemain",
                    "message": "Some resources are remaining: "
                    "helmreleases.helm.toolkit.fluxcd.io has 1 resource instances",
                }
            ],
        }
    return obj


# ------------------------------------------------------------------------------------------------
# Playing a controller: each sleep of the wait moves the cluster one step on.
# ------------------------------------------------------------------------------------------------
class Script:
    """An injected clock and sleep for wait_until: each sleep advances the clock and runs the next step.

    script = Script([lambda: kube.seed(...), lambda: kube.seed(...)])
    wait_for_stack(..., clock=script.clock, sleep=script.sleep)
    """

    def __init__(self, steps: list[Callable[[], Any]] | None = None) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self._steps: Iterator[Callable[[], Any]] = iter(steps or [])

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        step = next(self._steps, None)
        if step is not None:
            step()


@contextmanager
def controller(
    kube: EmulatorThread,
    path: str,
    states: list[Callable[[], Any]],
    written_by: str = "PATCH",
    polled: str | None = None,
) -> Iterator[threading.Thread]:
    """Play a controller while a task runs: once the task has sent `written_by` to `path`, each time it
    reads `polled` (default: `path`) again, a poll of its wait, the next state is seeded: it sees each in turn."""
    stop = threading.Event()

    def play() -> None:
        while not stop.is_set() and kube.count(written_by, path) == 0:
            time.sleep(0.005)
        read = polled or path
        seen = kube.count("GET", read)
        for state in states:
            while not stop.is_set() and kube.count("GET", read) <= seen:
                time.sleep(0.005)
            if stop.is_set():
                return
            state()
            seen = kube.count("GET", read)

    thread = threading.Thread(target=play, name="controller", daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(5)


# ------------------------------------------------------------------------------------------------
# Running a task in this process (kubernetes is imported once, so a run takes milliseconds, not a second).
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


class TaskRunner:
    """`invoke <args>` through invoke's own Program, in-process: the same parsing, config layers
    (invoke.yaml, INVOKE_* variables), error lines and exit codes as the command line; stdin is no terminal."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        self.capsys, self.monkeypatch = capsys, monkeypatch

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Run:
        from invoke import Program

        with self.monkeypatch.context() as patch:
            for key, value in (env or {}).items():
                patch.setenv(key, value)
            self.capsys.readouterr()
            try:
                Program().run(["invoke", "--search-root", str(ROOT), *args])
                code = 0
            except SystemExit as exit_:
                code = int(exit_.code or 0)
            out, err = self.capsys.readouterr()
        return Run(code, out, err)


@pytest.fixture
def run_task(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, kubeconfig: Path) -> TaskRunner:
    """run_task("datadog.status", "--output", "json") -> Run(code, stdout, stderr), against the `kube` server."""
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    monkeypatch.setenv("INVOKE_WAITS_INTERVAL", "0.05")
    for key in [k for k in os.environ if k.startswith("INVOKE_") and k != "INVOKE_WAITS_INTERVAL"]:
        monkeypatch.delenv(key)
    return TaskRunner(capsys, monkeypatch)
