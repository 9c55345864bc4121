"""The test objects, one module: shaped like the real controllers write them, healthy and broken.

For `status`, `doctor`, the waits and the benchmark. The emulator runs no controllers: tests seed
these states, and change them (re-seed, or `controller()` while a task runs) to play one.

Conditions, reasons, messages, labels and names follow what the controllers write
(https://docs.kratix.io/main/reference/resources/status-events, https://external-secrets.io/latest/api/externalsecret/,
https://fluxcd.io/flux/components/helm/helmreleases/, the Datadog chart): a healthy platform is `healthy_platform()`;
each broken state a check must find is a small change to one of these objects.

    kube.install_crd(*platform_crds())
    kube.seed(*healthy_platform(stacks=[stack("production", "team-a", tier="full", env="prod")]))
"""

from __future__ import annotations

import copy
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import yaml

from datadog_configure.naming import target_namespace
from datadog_configure.request import InvalidRequest, parse_request
from ops.names import CLUSTER_LABEL
from tests.conftest import ROOT, datadog_stack
from tests.kube.emulator import INLINE_CRDS, EmulatorThread, crd_manifest

Json = dict[str, Any]
PROMISE = "datadog-stack"
PROMISE_NAME = PROMISE
PROMISE_FILE = ROOT / "promises" / "promise.yaml"
WHEN = "2026-11-24T10:00:00Z"  # a fixed time, for states whose age does not matter
GROUP = "platform.srekubecraft.io"
STACK_API = f"{GROUP}/v1alpha1"
PIPELINE = "instance-configure"
KRATIX_NS = "kratix-platform-system"
STORE = "aws-secrets-manager"
KEYS_SECRET = "datadog-api-key"
DESTINATION = "platform"
NODES = ("ip-10-0-1-11.eu-central-1.compute.internal", "ip-10-0-2-12.eu-central-1.compute.internal")
ARGO_APPS = (
    "cert-manager",
    "external-secrets",
    "flux",
    "kratix",
    "kratix-config",
    "kratix-platform-workloads",
    "metrics-server",
)
TIER_CONTAINERS = {
    "minimal": ("agent", "trace-agent", "system-probe"),
    "standard": ("agent", "trace-agent", "process-agent", "system-probe"),
    "full": ("agent", "trace-agent", "process-agent", "system-probe", "security-agent"),
}


def refusal(**spec: Any) -> str:
    """The status message the pipeline publishes when it refuses a request with this spec."""
    body = {"apiVersion": f"{GROUP}/v1alpha1", "kind": "DatadogStack", "metadata": {"name": "x", "namespace": "y"}}
    try:
        parse_request({**body, "spec": {"clusterName": "kratix-demo", **spec}})
    except InvalidRequest as err:
        return f"Invalid request: {err}"
    raise AssertionError(f"the pipeline accepts {spec}")


REFUSED = refusal(environment="Prod")
AGENT_MEMORY_LIMIT = {"minimal": "512Mi", "standard": "1Gi", "full": "2Gi"}


def ago(seconds: float = 0) -> str:
    """An RFC 3339 timestamp `seconds` before now, as the API server writes them."""
    return (datetime.now(UTC) - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def meta(name: str, namespace: str | None = None, *, age: float = 86400, **extra: Any) -> Json:
    body: Json = {"name": name, "creationTimestamp": ago(age)}
    if namespace is not None:
        body["namespace"] = namespace
    body.update(extra)
    return body


def cond(type_: str, status: str, reason: str, message: str = "", *, age: float = 3600, at: str | None = None) -> Json:
    """A status condition; `at` fixes lastTransitionTime (default: `age` seconds ago)."""
    return {"type": type_, "status": status, "reason": reason, "message": message, "lastTransitionTime": at or ago(age)}


# CRDs ------------------------------------------------------------------------------------------
def platform_crds() -> list[Json]:
    """Minimal CRDs (any schema) for every custom kind the platform uses: fast to install."""
    return [
        crd_manifest("argoproj.io", "Application"),
        crd_manifest("platform.kratix.io", "Promise", scope="Cluster"),
        crd_manifest("platform.kratix.io", "GitStateStore", scope="Cluster"),
        crd_manifest("platform.kratix.io", "Destination", scope="Cluster"),
        crd_manifest("platform.kratix.io", "Work"),
        crd_manifest("platform.kratix.io", "WorkPlacement"),
        crd_manifest(GROUP, "DatadogStack"),
        *flux_crds(),
        *eso_crds(),
    ]


def flux_crds() -> list[Json]:
    return [
        crd_manifest("helm.toolkit.fluxcd.io", "HelmRelease", versions=("v2",)),
        crd_manifest("source.toolkit.fluxcd.io", "HelmRepository", plural="helmrepositories", versions=("v1",)),
        crd_manifest("source.toolkit.fluxcd.io", "HelmChart", versions=("v1",)),
    ]


def eso_crds() -> list[Json]:
    return [
        crd_manifest("external-secrets.io", "ExternalSecret", versions=("v1",)),
        crd_manifest("external-secrets.io", "ClusterSecretStore", versions=("v1",), scope="Cluster"),
    ]


# core ------------------------------------------------------------------------------------------
def node(name: str, ready: bool = True, *, labels: Mapping[str, str] | None = None, pods: int = 29) -> Json:
    """A node as the kubelet reports it (Ready, or Unknown once it stopped posting status)."""
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": meta(name, labels=dict(labels or {"kubernetes.io/hostname": name, "node-type": "workload"})),
        "status": {
            "conditions": [
                cond(
                    "MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"
                ),
                cond("Ready", "True", "KubeletReady", "kubelet is posting ready status")
                if ready
                else cond("Ready", "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status."),
            ],
            "allocatable": {"cpu": "1930m", "memory": "7155Mi", "pods": str(pods)},
        },
    }


def namespace(name: str, labels: Mapping[str, str] | None = None, *, terminating_since: float | None = None) -> Json:
    ns = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": meta(name, labels={"kubernetes.io/metadata.name": name, **(labels or {})}),
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }
    return ns if terminating_since is None else terminating(ns, since=terminating_since)


def terminating(ns: Json, *, since: float, remaining: str = "finalizers.fluxcd.io in 1 resource instances") -> Json:
    """A namespace being deleted whose content still has finalizers (the namespace controller's words)."""
    ns = copy.deepcopy(ns)
    ns["metadata"]["deletionTimestamp"] = ago(since)
    ns["status"] = {
        "phase": "Terminating",
        "conditions": [
            cond(
                "NamespaceDeletionDiscoveryFailure",
                "False",
                "ResourcesDiscovered",
                "All resources successfully discovered",
            ),
            cond(
                "NamespaceContentRemaining",
                "True",
                "SomeResourcesRemain",
                "Some resources are remaining: helmreleases.helm.toolkit.fluxcd.io has 1 resource instances",
            ),
            cond(
                "NamespaceFinalizersRemaining",
                "True",
                "SomeFinalizersRemain",
                f"Some content in the namespace has finalizers remaining: {remaining}",
            ),
        ],
    }
    return ns


def event(
    kind: str,
    namespace: str | None,
    name: str,
    reason: str,
    message: str,
    *,
    type_: str = "Warning",
    age: float = 60,
    count: int = 1,
    source: str = "",
) -> Json:
    """A core/v1 Event about an object, as a controller's recorder writes it."""
    when = ago(age)
    ns = namespace or "default"
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": meta(f"{name}.{abs(hash((kind, name, reason, message))) % 10**12:x}", ns, age=age),
        "involvedObject": {"kind": kind, "namespace": namespace or "", "name": name},
        "reason": reason,
        "message": message,
        "type": type_,
        "count": count,
        "firstTimestamp": when,
        "lastTimestamp": when,
        "source": {"component": source},
    }


def secret(namespace: str, name: str, values: Mapping[str, str], labels: Mapping[str, str] | None = None) -> Json:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": meta(name, namespace, labels=dict(labels or {})),
        "type": "Opaque",
        "stringData": dict(values),
    }


# pods ------------------------------------------------------------------------------------------
def running(name: str, image: str, restarts: int = 0, *, since: float = 3600) -> Json:
    return {
        "name": name,
        "image": image,
        "imageID": f"{image.split(':', maxsplit=1)[0]}@sha256:{'0' * 64}",
        "ready": True,
        "started": True,
        "restartCount": restarts,
        "state": {"running": {"startedAt": ago(since)}},
        "lastState": {},
    }


def oom_killed(status: Json, *, restarts: int = 6, age: float = 120) -> Json:
    """The container as the kubelet reports it after the kernel killed it for memory: CrashLoopBackOff."""
    status = copy.deepcopy(status)
    status.update(ready=False, started=False, restartCount=restarts)
    status["state"] = {
        "waiting": {
            "reason": "CrashLoopBackOff",
            "message": f"back-off 5m0s restarting failed container={status['name']} pod=agent",
        }
    }
    status["lastState"] = {
        "terminated": {
            "exitCode": 137,
            "reason": "OOMKilled",
            "startedAt": ago(age + 60),
            "finishedAt": ago(age),
            "containerID": "containerd://" + "a" * 64,
        }
    }
    return status


def waiting(name: str, image: str, reason: str, message: str) -> Json:
    return {
        "name": name,
        "image": image,
        "imageID": "",
        "ready": False,
        "started": False,
        "restartCount": 0,
        "state": {"waiting": {"reason": reason, "message": message}},
        "lastState": {},
    }


def terminated_state(exit_code: int, message: str = "", *, reason: str | None = None, age: float = 60) -> Json:
    """A container's `state` (or `lastState`) after it exited."""
    reason = reason or ("Completed" if exit_code == 0 else "Error")
    body: Json = {"exitCode": exit_code, "reason": reason, "startedAt": ago(age + 5), "finishedAt": ago(age)}
    if message:
        body["message"] = message
    return {"terminated": body}


def terminated(
    name: str, image: str, exit_code: int, reason: str = "Error", *, message: str = "", age: float = 60
) -> Json:
    return {
        "name": name,
        "image": image,
        "imageID": f"{image.split(':', maxsplit=1)[0]}@sha256:{'1' * 64}",
        "ready": False,
        "started": False,
        "restartCount": 0,
        "state": terminated_state(exit_code, message, reason=reason, age=age),
        "lastState": {},
    }


def pod(
    name: str,
    namespace: str,
    containers: Iterable[Json],
    *,
    spec_containers: Iterable[Json] | None = None,
    init: Iterable[Json] = (),
    spec_init: Iterable[Json] | None = None,
    labels: Mapping[str, str] | None = None,
    owner: tuple[str, str] | None = None,
    phase: str = "Running",
    node_name: str | None = NODES[0],
    conditions: Iterable[Json] | None = None,
    age: float = 3600,
) -> Json:
    containers, init = list(containers), list(init)
    all_ready = phase == "Running" and all(c.get("ready") for c in containers)
    metadata = meta(name, namespace, age=age, labels=dict(labels or {}))
    if owner:
        metadata["ownerReferences"] = [
            {"apiVersion": "apps/v1", "kind": owner[0], "name": owner[1], "uid": "0", "controller": True}
        ]
    spec: Json = {
        "containers": list(spec_containers) if spec_containers is not None else [_spec(c) for c in containers],
        "restartPolicy": "Always",
    }
    if init or spec_init:
        spec["initContainers"] = list(spec_init) if spec_init is not None else [_spec(c) for c in init]
    if node_name:
        spec["nodeName"] = node_name
    status: Json = {
        "phase": phase,
        "conditions": list(conditions)
        if conditions is not None
        else [
            cond("PodScheduled", "True", "", age=age),
            cond("Ready", "True" if all_ready else "False", "" if all_ready else "ContainersNotReady", age=age),
        ],
        "containerStatuses": containers,
        "startTime": ago(age),
    }
    if init:
        status["initContainerStatuses"] = init
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec, "status": status}


def _spec(status: Json, memory_limit: str = "256Mi") -> Json:
    return {
        "name": status["name"],
        "image": status["image"],
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "200m", "memory": memory_limit},
        },
    }


# Datadog ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Stack:
    """One DatadogStack request and the names everything it creates gets."""

    name: str
    namespace: str = "default"
    tier: str = "minimal"
    env: str = "dev"
    state: str = "ready"  # ready, in-progress, failed, pending
    since: float = 3600  # seconds since the configure workflow last changed state
    failure: str = REFUSED  # status.message of a failed request (the pipeline publishes it)
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def target(self) -> str:
        return target_namespace(parse_request(self.manifest(with_status=False)))

    @property
    def work(self) -> str:
        return f"{PROMISE}-{self.name}-{PIPELINE}-{abs(hash((self.namespace, self.name))) % 10**5:05d}"

    @property
    def placement(self) -> str:
        return f"{self.work}.{DESTINATION}-5058f"

    @property
    def pipeline_pod(self) -> str:
        return f"kratix-{PROMISE}-{self.name}-{PIPELINE}-x7k2p-8fq4n"[:63]

    @property
    def labels(self) -> dict[str, str]:
        """The labels the pipeline puts on every object it generates."""
        return {
            "app.kubernetes.io/managed-by": "kratix",
            "kratix.io/promise-name": PROMISE,
            "kratix.io/resource-name": self.name,
            "kratix.io/resource-namespace": self.namespace,
            f"{GROUP}/tier": self.tier,
            f"{GROUP}/environment": self.env,
        }

    def manifest(self, with_status: bool = True) -> Json:
        body: Json = {
            "apiVersion": f"{GROUP}/v1alpha1",
            "kind": "DatadogStack",
            "metadata": meta(self.name, self.namespace, labels={"kratix.io/promise-name": PROMISE}),
            "spec": {"tier": self.tier, "environment": self.env, "clusterName": "kratix-demo", **self.extra},
        }
        if with_status:
            body["status"] = self.status()
        return body

    def status(self) -> Json:
        """What Kratix and the pipeline's status.yaml leave on the request, per workflow state."""
        t = self.since
        if self.state == "pending":
            return {"message": "Pending"}
        if self.state == "in-progress":
            return {
                "message": "Pending",
                "observedGeneration": 1,
                "conditions": [
                    cond(
                        "ConfigureWorkflowCompleted",
                        "False",
                        "PipelinesInProgress",
                        "Pipelines are still in progress",
                        age=t,
                    ),
                    cond("Reconciled", "Unknown", "WorkflowPending", "Pending", age=t),
                ],
                "kratix": {
                    "workflows": {"pipelines": [{"name": PIPELINE, "phase": "Running", "lastTransitionTime": ago(t)}]}
                },
            }
        if self.state == "failed":
            return {
                "message": self.failure,
                "observedGeneration": 1,
                "workflows": 1,
                "workflowsFailed": 1,
                "workflowsSucceeded": 0,
                "conditions": [
                    cond(
                        "ConfigureWorkflowCompleted",
                        "False",
                        "ConfigureWorkflowFailed",
                        f"A Configure Pipeline has failed: {PIPELINE}",
                        age=t,
                    ),
                    cond("Reconciled", "False", "ConfigureWorkflowFailed", "Failing", age=t),
                ],
                "kratix": {
                    "workflows": {"pipelines": [{"name": PIPELINE, "phase": "Failed", "lastTransitionTime": ago(t)}]}
                },
            }
        return {
            "message": f"Datadog {self.tier} tier configured",
            "tier": self.tier,
            "environment": self.env,
            "targetNamespace": self.target,
            "clusterName": "kratix-demo",
            "chartVersion": "3.240.0",
            "secretPath": f"datadog/{self.env}/api-keys",
            "observedGeneration": 1,
            "workflows": 1,
            "workflowsFailed": 0,
            "workflowsSucceeded": 1,
            "conditions": [
                cond(
                    "ConfigureWorkflowCompleted", "True", "PipelinesExecutedSuccessfully", "Pipelines completed", age=t
                ),
                cond(
                    "WorksSucceeded",
                    "True",
                    "WorksSucceeded",
                    "All works associated with this resource are ready",
                    age=t,
                ),
                cond("Reconciled", "True", "Reconciled", "Reconciled", age=t),
            ],
            "kratix": {
                "workflows": {
                    "pipelines": [{"name": PIPELINE, "phase": "Succeeded", "lastTransitionTime": ago(t)}],
                    "lastSuccessfulConfigureWorkflowTime": ago(t),
                }
            },
        }


def pipeline_pod(s: Stack, *, user: Json | None = None, phase: str = "Succeeded", age: float = 3000) -> Json:
    """The configure Job's pod: reader, the Promise's container, work-writer (init), status-writer."""
    image = "ghcr.io/example/kratix-datadog-pipeline:0.1.0"
    adapter = "ghcr.io/syntasso/kratix-platform-pipeline-adapter:v0.1.0"
    done = {"exitCode": 0, "reason": "Completed", "startedAt": ago(age), "finishedAt": ago(age - 5)}

    def completed(name: str, img: str) -> Json:
        return {**terminated(name, img, 0, "Completed", age=age - 5), "state": {"terminated": done}}

    user = user if user is not None else completed("datadog-configure", image)
    init = [completed("reader", adapter), user]
    main = [completed("status-writer", adapter)]
    if user["state"].get("terminated", {}).get("exitCode", 0) == 0 and "terminated" in user["state"]:
        init.append(completed("work-writer", adapter))
    else:
        main = [waiting("status-writer", adapter, "PodInitializing", "")]
        init.append(waiting("work-writer", adapter, "PodInitializing", ""))
    labels = {
        "kratix.io/promise-name": PROMISE,
        "kratix.io/workflow-type": "resource",
        "kratix.io/workflow-action": "configure",
        "kratix.io/pipeline-name": PIPELINE,
        "app.kubernetes.io/managed-by": "Kratix",
        "kratix.io/resource-name": s.name,
        "kratix.io/hash": "9f2c1e0b7d",
        "batch.kubernetes.io/job-name": s.pipeline_pod[:-6],
    }
    body = pod(s.pipeline_pod, s.namespace, main, init=init, labels=labels, phase=phase, age=age)
    body["metadata"]["ownerReferences"] = [
        {"apiVersion": "batch/v1", "kind": "Job", "name": s.pipeline_pod[:-6], "uid": "1", "controller": True}
    ]
    body["spec"]["restartPolicy"] = "OnFailure"
    return body


def failed_pipeline_pod(s: Stack, message: str, *, exit_code: int = 1, age: float = 1200) -> Json:
    image = "ghcr.io/example/kratix-datadog-pipeline:0.1.0"
    user = terminated("datadog-configure", image, exit_code, "Error", message=message, age=age)
    user["lastState"] = copy.deepcopy(user["state"])
    user["state"] = {
        "waiting": {
            "reason": "CrashLoopBackOff",
            "message": f"back-off 2m40s restarting failed container=datadog-configure pod={s.pipeline_pod}",
        }
    }
    user["restartCount"] = 4
    return pipeline_pod(s, user=user, phase="Pending", age=age + 600)


def work(s: Stack, *, failing: str | None = None) -> Json:
    body: Json = {
        "apiVersion": "platform.kratix.io/v1alpha1",
        "kind": "Work",
        "metadata": meta(
            s.work,
            s.namespace,
            labels={
                "kratix.io/promise-name": PROMISE,
                "kratix.io/work-type": "resource",
                "kratix.io/pipeline-name": PIPELINE,
                "kratix.io/resource-name": s.name,
            },
        ),
        "spec": {
            "promiseName": PROMISE,
            "resourceName": s.name,
            "workloadGroups": [{"id": "5058f1af8388633f609cadb75a75dc9d", "directory": ".", "workloads": []}],
        },
        "status": {"workPlacements": 1, "workPlacementsCreated": 1},
    }
    if failing:
        body["status"]["conditions"] = [
            cond(
                "ScheduleSucceeded",
                "False",
                "WorkplacementsFailing",
                f"Workplacements failed to write: [{s.placement}]",
            ),
            cond("Ready", "False", "WorkplacementsFailing", "Failing"),
        ]
    else:
        body["status"]["conditions"] = [
            cond(
                "ScheduleSucceeded", "True", "AllWorkplacementsScheduled", "All workplacements scheduled successfully"
            ),
            cond("Ready", "True", "AllWorkplacementsScheduled", "Ready"),
        ]
    return body


def workplacement(s: Stack, *, write_error: str | None = None) -> Json:
    body: Json = {
        "apiVersion": "platform.kratix.io/v1alpha1",
        "kind": "WorkPlacement",
        "metadata": meta(
            s.placement,
            s.namespace,
            labels={
                "kratix.io/work": s.work,
                "kratix.io/workload-group-id": "5058f1af8388633f609cadb75a75dc9d",
                "kratix.io/targetDestinationName": DESTINATION,
                "kratix.io/pipeline-name": PIPELINE,
            },
            finalizers=["finalizers.workplacement.kratix.io/repo-cleanup"],
        ),
        "spec": {
            "targetDestinationName": DESTINATION,
            "promiseName": PROMISE,
            "resourceName": s.name,
            "id": "5058f1af8388633f609cadb75a75dc9d",
            "workloads": [],
        },
    }
    if write_error:
        body["status"] = {
            "conditions": [
                cond("ScheduleSucceeded", "True", "ScheduledToDestination", "Scheduled to correct Destination"),
                cond("WriteSucceeded", "False", "WorkloadsFailedWrite", write_error),
                cond("Ready", "False", "WorkloadsFailedWrite", "Failing"),
            ]
        }
    else:
        body["status"] = {
            "versionID": "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
            "conditions": [
                cond("ScheduleSucceeded", "True", "ScheduledToDestination", "Scheduled to correct Destination"),
                cond("WriteSucceeded", "True", "WorkloadsWrittenToStateStore", "Workloads written to State Store"),
                cond("Ready", "True", "WorkloadsWrittenToTargetDestination", "Ready"),
            ],
        }
    return body


def helm_repository(s: Stack) -> Json:
    return {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "HelmRepository",
        "metadata": meta("datadog", s.target, labels=s.labels),
        "spec": {"interval": "1h", "url": "https://helm.datadoghq.com"},
        "status": {
            "observedGeneration": 1,
            "url": f"http://source-controller.flux-system.svc.cluster.local./helmrepository/{s.target}/datadog/index.yaml",
            "conditions": [
                cond("Ready", "True", "Succeeded", "stored artifact: revision 'sha256:3b1f8e0c2a7d'"),
                cond("ArtifactInStorage", "True", "Succeeded", "stored artifact: revision 'sha256:3b1f8e0c2a7d'"),
            ],
        },
    }


def helm_release(s: Stack, *, ready: Json | None = None, extra_conditions: Iterable[Json] = ()) -> Json:
    release = f"{s.target}/datadog"
    ok = cond(
        "Ready",
        "True",
        "UpgradeSucceeded",
        f"Helm upgrade succeeded for release {release}.v2 with chart datadog@3.240.0",
    )
    released = cond(
        "Released",
        "True",
        "UpgradeSucceeded",
        f"Helm upgrade succeeded for release {release}.v2 with chart datadog@3.240.0",
    )
    return {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": meta("datadog", s.target, labels=s.labels, finalizers=["finalizers.fluxcd.io"]),
        "spec": {
            "interval": "10m",
            "releaseName": "datadog",
            "chart": {
                "spec": {
                    "chart": "datadog",
                    "version": "3.240.0",
                    "sourceRef": {"kind": "HelmRepository", "name": "datadog", "namespace": s.target},
                    "interval": "1h",
                }
            },
            "install": {"remediation": {"retries": 3}},
            "upgrade": {"remediation": {"retries": 3, "remediateLastFailure": True}},
            "valuesFrom": [
                {"kind": "Secret", "name": KEYS_SECRET, "valuesKey": "api-key", "targetPath": "datadog.apiKey"},
                {"kind": "Secret", "name": KEYS_SECRET, "valuesKey": "app-key", "targetPath": "datadog.appKey"},
            ],
            "values": {"datadog": {"clusterName": "kratix-demo", "site": "datadoghq.eu"}},
        },
        "status": {
            "observedGeneration": 1,
            "helmChart": f"{s.target}/{s.target}-datadog",
            "lastAttemptedRevision": "3.240.0",
            "lastAttemptedReleaseAction": "upgrade",
            "history": [
                {
                    "name": "datadog",
                    "namespace": s.target,
                    "version": 2,
                    "chartName": "datadog",
                    "chartVersion": "3.240.0",
                    "appVersion": "7",
                    "status": "deployed",
                    "digest": "sha256:9d4a",
                    "firstDeployed": ago(86000),
                    "lastDeployed": ago(3600),
                    "configDigest": "sha256:71c2",
                }
            ],
            "conditions": [ready or ok, released, *extra_conditions],
        },
    }


def install_failed(s: Stack, error: str) -> Json:
    """A HelmRelease whose install failed and whose retries ran out (helm-controller v2's words)."""
    release = f"{s.target}/datadog"
    message = f"Helm install failed for release {release} with chart datadog@3.240.0: {error}"
    body = helm_release(
        s,
        ready=cond("Ready", "False", "InstallFailed", message, age=600),
        extra_conditions=[cond("Stalled", "True", "RetriesExceeded", "Failed to install after 4 attempt(s)", age=600)],
    )
    body["status"]["conditions"][1] = cond("Released", "False", "InstallFailed", message, age=600)
    body["status"]["history"] = []
    body["status"]["lastAttemptedReleaseAction"] = "install"
    body["status"]["installFailures"] = 4
    return body


def ownership_error(kind: str, name: str, namespace: str | None, release: str, release_ns: str) -> str:
    """Helm's message when an object it renders exists without its ownership metadata."""
    where = f' in namespace "{namespace}"' if namespace else ""
    return (
        "Unable to continue with install: "
        f'{kind} "{name}"{where} exists and cannot be imported into the current release: invalid ownership '
        'metadata; label validation error: missing key "app.kubernetes.io/managed-by": must be set to "Helm"; '
        f'annotation validation error: missing key "meta.helm.sh/release-name": must be set to "{release}"; '
        f'annotation validation error: missing key "meta.helm.sh/release-namespace": must be set to "{release_ns}"'
    )


def values_error(s: Stack, *, key: str = "api-key", reason: str | None = None) -> Json:
    """Flux cannot resolve the `valuesFrom` Secret (missing, or without the key)."""
    reason = reason or f'secrets "{KEYS_SECRET}" not found'
    message = f"could not resolve Secret chart values reference '{s.target}/{KEYS_SECRET}' with key '{key}': {reason}"
    return helm_release(s, ready=cond("Ready", "False", "ValuesError", message, age=900))


def external_secret(
    namespace: str,
    name: str = KEYS_SECRET,
    *,
    remote_key: str = "datadog/dev/api-keys",
    properties: Iterable[str] = ("api-key", "app-key"),
    ready: bool = True,
    message: str = "could not get secret data from provider",
    labels: Mapping[str, str] | None = None,
) -> Json:
    return {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": meta(name, namespace, labels=dict(labels or {})),
        "spec": {
            "refreshInterval": "1h",
            "secretStoreRef": {"name": STORE, "kind": "ClusterSecretStore"},
            "target": {"name": name, "creationPolicy": "Owner", "deletionPolicy": "Retain"},
            "data": [{"secretKey": p, "remoteRef": {"key": remote_key, "property": p}} for p in properties],
        },
        "status": {
            "refreshTime": ago(1200),
            "syncedResourceVersion": "1-9a0c3f",
            "binding": {"name": name},
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "SecretSynced",
                    "message": "secret synced",
                    "lastTransitionTime": ago(3600),
                }
                if ready
                else {
                    "type": "Ready",
                    "status": "False",
                    "reason": "SecretSyncedError",
                    "message": message,
                    "lastTransitionTime": ago(600),
                }
            ],
        },
    }


def stack_external_secret(s: Stack, **kwargs: Any) -> Json:
    return external_secret(s.target, remote_key=f"datadog/{s.env}/api-keys", labels=s.labels, **kwargs)


def cluster_secret_store(*, ready: bool = True, reason: str = "Valid", message: str = "store validated") -> Json:
    return {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ClusterSecretStore",
        "metadata": meta(STORE),
        "spec": {
            "provider": {
                "aws": {
                    "service": "SecretsManager",
                    "region": "eu-central-1",
                    "auth": {
                        "jwt": {"serviceAccountRef": {"name": "external-secrets", "namespace": "external-secrets"}}
                    },
                }
            }
        },
        "status": {
            "capabilities": "ReadWrite",
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True" if ready else "False",
                    "reason": reason if ready else "InvalidProviderConfig",
                    "message": message if ready else "unable to validate store",
                    "lastTransitionTime": ago(600),
                }
            ],
        },
    }


def _template(labels: Mapping[str, str]) -> Json:
    """A pod template a real API server accepts (labels matching the selector, one container)."""
    return {
        "metadata": {"labels": dict(labels)},
        "spec": {"containers": [{"name": "main", "image": "gcr.io/datadoghq/agent:7.78.0"}]},
    }


def daemonset(namespace: str, desired: int, ready: int, labels: Mapping[str, str] | None = None) -> Json:
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": meta("datadog", namespace, labels={"app.kubernetes.io/name": "datadog", **(labels or {})}),
        "spec": {"selector": {"matchLabels": {"app": "datadog"}}, "template": _template({"app": "datadog"})},
        "status": {
            "currentNumberScheduled": desired,
            "desiredNumberScheduled": desired,
            "numberAvailable": ready,
            "numberReady": ready,
            "numberMisscheduled": 0,
            "updatedNumberScheduled": desired,
            "observedGeneration": 1,
        },
    }


def deployment(
    namespace: str, name: str, replicas: int = 1, ready: int = 1, labels: Mapping[str, str] | None = None
) -> Json:
    available = ready >= replicas
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(name, namespace, labels=dict(labels or {})),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels or {"app": name})},
            "template": _template(dict(labels or {"app": name})),
        },
        "status": {
            "observedGeneration": 1,
            "replicas": replicas,
            "updatedReplicas": replicas,
            **({"readyReplicas": ready, "availableReplicas": ready} if ready else {}),
            **({"unavailableReplicas": replicas - ready} if ready < replicas else {}),
            "conditions": [
                cond("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
                if available
                else cond(
                    "Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."
                ),
            ],
        },
    }


def agent_pods(s: Stack, *, nodes: Iterable[str] = NODES) -> list[Json]:
    """The agent DaemonSet's pods (one per node, the tier's containers) and the cluster agent's pod."""
    image = "gcr.io/datadoghq/agent:7.81.1"
    containers = TIER_CONTAINERS[s.tier]
    limit = AGENT_MEMORY_LIMIT[s.tier]
    pods = []
    for index, node_name in enumerate(nodes):
        statuses = [running(c, image) for c in containers]
        spec = [_spec(st, limit if st["name"] == "agent" else "256Mi") for st in statuses]
        pods.append(
            pod(
                f"datadog-{'abcdefghij'[index]}{index}x9z",
                s.target,
                statuses,
                spec_containers=spec,
                labels={"app": "datadog", "app.kubernetes.io/component": "agent"},
                owner=("DaemonSet", "datadog"),
                node_name=node_name,
            )
        )
    cluster = running("cluster-agent", "gcr.io/datadoghq/cluster-agent:7.81.1")
    pods.append(
        pod(
            "datadog-cluster-agent-7d9c5b6f4-q2w3e",
            s.target,
            [cluster],
            spec_containers=[_spec(cluster, "512Mi")],
            labels={"app": "datadog-cluster-agent"},
            owner=("ReplicaSet", "datadog-cluster-agent-7d9c5b6f4"),
        )
    )
    return pods


def unschedulable(p: Json, message: str) -> Json:
    """A pod the scheduler could not place (PodScheduled=False Unschedulable)."""
    p = copy.deepcopy(p)
    p["spec"].pop("nodeName", None)
    p["status"] = {
        "phase": "Pending",
        "qosClass": "Burstable",
        "conditions": [
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": message,
                "lastProbeTime": None,
                "lastTransitionTime": ago(900),
            }
        ],
    }
    return p


def stack_objects(s: Stack, *, nodes: Iterable[str] = NODES) -> list[Json]:
    """Everything one healthy DatadogStack leads to: request, pipeline pod, Work, placement, stack namespace."""
    nodes = list(nodes)
    objects: list[Json] = [s.manifest()]
    if s.state != "ready":
        return objects
    objects += [
        pipeline_pod(s),
        work(s),
        workplacement(s),
        namespace(s.target, s.labels),
        helm_repository(s),
        helm_release(s),
        stack_external_secret(s),
        secret(s.target, KEYS_SECRET, {"api-key": "0" * 32, "app-key": "1" * 40}, s.labels),
        daemonset(s.target, len(nodes), len(nodes)),
        deployment(s.target, "datadog-cluster-agent"),
        *agent_pods(s, nodes=nodes),
    ]
    return objects


# the platform ----------------------------------------------------------------------------------
def argocd_app(
    name: str,
    *,
    sync: str = "Synced",
    health: str = "Healthy",
    health_message: str = "",
    conditions: Iterable[Json] = (),
    operation: Json | None = None,
    resources: Iterable[Json] = (),
) -> Json:
    status: Json = {
        "sync": {"status": sync, "revision": "3f9c2a1b7e4d5c6a8b9f0e1d2c3b4a5f6e7d8c9b"},
        "health": {"status": health, **({"message": health_message} if health_message else {})},
        "reconciledAt": ago(120),
        "resources": list(resources),
        "sourceType": "Helm",
        "summary": {},
        "controllerNamespace": "argocd",
    }
    if conditions:
        status["conditions"] = list(conditions)
    status["operationState"] = operation or {
        "operation": {"sync": {"revision": "3f9c2a1b"}},
        "phase": "Succeeded",
        "message": "successfully synced (all tasks run)",
        "startedAt": ago(3700),
        "finishedAt": ago(3600),
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": meta(name, "argocd", labels={"app.kubernetes.io/part-of": "kratix-ops"}),
        "spec": {
            "project": "default",
            "source": {
                "repoURL": "https://github.com/example/kratix-ops.git",
                "path": f"gitops/{name}",
                "targetRevision": "main",
            }
            if name != "kratix-platform-workloads"
            else {  # gitops/argocd/apps/kratix-platform-workloads.yaml: what Kratix writes for Destination platform
                "repoURL": "https://github.com/example/kratix-ops.git",
                "path": f"gitops/{DESTINATION}",
                "targetRevision": "main",
                "directory": {"recurse": True},
            },
            "destination": {"server": "https://kubernetes.default.svc", "namespace": name},
            "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
        },
        "status": status,
    }


def app_condition(type_: str, message: str) -> Json:
    """Argo CD conditions have a type and a message, no status or reason."""
    return {"type": type_, "message": message, "lastTransitionTime": ago(300)}


def promise_manifest() -> Json:
    doc: Json = yaml.safe_load(PROMISE_FILE.read_text())
    return doc


def promise(available: bool | None = True, *, requirements_met: bool | None = None, **metadata: Any) -> Json:
    """The Promise from the repository, with the status Kratix writes (None: not reconciled yet).

    Unavailable because its requirements are not installed, unless `requirements_met` says otherwise.
    """
    obj = promise_manifest()
    obj["metadata"].update(metadata)
    obj["metadata"].setdefault("labels", {})["kratix.io/promise-version"] = "v0.2.0"
    if available is None:
        return obj
    met = available if requirements_met is None else requirements_met
    state = "Available" if available else "Unavailable"
    obj["status"] = {
        "status": state,
        "kind": "DatadogStack",
        "apiVersion": f"{GROUP}/v1alpha1",
        "version": "v0.2.0",
        "observedGeneration": 1,
        "message": "Promise configured" if available else "Pending",
        "workflows": 1,
        "workflowsSucceeded": 1 if available else 0,
        "workflowsFailed": 0 if available else 1,
        "conditions": [
            cond("Available", "True", "PromiseAvailable", "Ready to fulfil resource requests", at=WHEN)
            if available
            else cond("Available", "False", "PromiseUnavailable", "Cannot fulfil resource requests", age=900),
            cond("RequirementsFulfilled", "True", "RequirementsInstalled", "Requirements fulfilled", at=WHEN)
            if met
            else cond(
                "RequirementsFulfilled", "False", "RequirementsNotInstalled", "Requirements not fulfilled", at=WHEN
            ),
        ],
        "kratix": {"status": state},
    }
    return obj


def git_state_store(
    *,
    ready: bool = True,
    reason: str = "StateStoreReady",
    message: str = "State store is ready",
    auth: str = "basicAuth",
) -> Json:
    return {
        "apiVersion": "platform.kratix.io/v1alpha1",
        "kind": "GitStateStore",
        "metadata": meta("default"),
        "spec": {
            "url": "https://github.com/example/kratix-ops.git",
            "branch": "main",
            "path": "gitops",
            "authMethod": auth,
            "secretRef": {"name": "git-credentials", "namespace": KRATIX_NS},
        },
        "status": {
            "status": "Ready" if ready else "NotReady",
            "observedGeneration": 1,
            "conditions": [cond("Ready", "True" if ready else "False", reason, message, age=600)],
        },
    }


def destination(*, ready: bool = True, reason: str = "TestDocumentsWritten", message: str = "") -> Json:
    message = message or ("Test documents written to State Store" if ready else "GitStateStore/default: not ready")
    return {
        "apiVersion": "platform.kratix.io/v1alpha1",
        "kind": "Destination",
        "metadata": meta(DESTINATION, labels={"environment": "platform"}),
        "spec": {"path": "platform", "stateStoreRef": {"kind": "GitStateStore", "name": "default"}},
        "status": {"conditions": [cond("Ready", "True" if ready else "False", reason, message, age=600)]},
    }


def kratix_controller(*, ready: int = 1, pod_status: Json | None = None) -> list[Json]:
    name = "kratix-platform-controller-manager"
    labels = {"control-plane": "controller-manager"}
    manager = pod_status or running("manager", "syntasso/kratix-platform:v0.130.0")
    return [
        deployment(KRATIX_NS, name, 1, ready, labels),
        pod(f"{name}-6c8d9f7b5-t4k8m", KRATIX_NS, [manager], labels=labels, owner=("ReplicaSet", f"{name}-6c8d9f7b5")),
    ]


def healthy_platform(stacks: Iterable[Stack] = (), *, nodes: Iterable[str] = NODES) -> list[Json]:
    """A platform on which no doctor check fires: Argo CD, Kratix, ESO, Flux, and the given stacks."""
    nodes = list(nodes)
    objects: list[Json] = [
        *(node(n) for n in nodes),
        *(namespace(n) for n in ("argocd", KRATIX_NS, "external-secrets", "flux-system", "team-a")),
        *(argocd_app(name) for name in ARGO_APPS),
        *kratix_controller(),
        promise(),
        git_state_store(),
        destination(),
        secret(KRATIX_NS, "git-credentials", {"username": "x-access-token", "password": "ghp_" + "x" * 36}),
        external_secret(
            KRATIX_NS, "git-credentials", remote_key="kratix/git-credentials", properties=("username", "password")
        ),
        cluster_secret_store(),
        event("Pod", "default", "web-1", "Pulled", "Successfully pulled image", type_="Normal"),
    ]
    for s in stacks:
        objects += stack_objects(s, nodes=nodes)
    return objects


def replace(objects: list[Json], new: Json) -> list[Json]:
    """The list with the object of the same kind, namespace and name as `new` swapped for it."""

    def key(o: Json) -> tuple[str, str, str]:
        m = o["metadata"]
        return (o["kind"], m.get("namespace", ""), m["name"])

    found = [i for i, o in enumerate(objects) if key(o) == key(new)]
    assert found, f"no {key(new)} to replace"
    return [new if i == found[0] else o for i, o in enumerate(objects)]


def without(objects: list[Json], kind: str, name: str, namespace: str | None = None) -> list[Json]:
    kept = [
        o
        for o in objects
        if not (o["kind"] == kind and o["metadata"]["name"] == name and o["metadata"].get("namespace") == namespace)
    ]
    assert len(kept) < len(objects), f"no {kind} {namespace}/{name} to remove"
    return kept


# ------------------------------------------------------------------------------------------------
# A request's states as Kratix writes them, and playing a controller while a task waits.
# ------------------------------------------------------------------------------------------------
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
            cond(
                "ConfigureWorkflowCompleted", "False", "PipelinesInProgress", "Pipelines are still in progress", at=WHEN
            ),
            cond("Reconciled", "Unknown", "WorkflowPending", "Pending", at=WHEN),
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
            cond(
                "ConfigureWorkflowCompleted",
                "False",
                "ConfigureWorkflowFailed",
                f"A Configure Pipeline has failed: {PIPELINE}",
                at=WHEN,
            ),
            cond("Reconciled", "False", "ConfigureWorkflowFailed", "Failing", at=WHEN),
        ],
        "kratix": _pipelines("Failed"),
    }


def works_pending(target_namespace: str = "datadog-team-a-production-abc123") -> Json:
    """Pipelines done, works not ready; Reconciled still says WorkflowPending (kratix PR #903)."""
    return {
        "message": "Datadog minimal tier configured",
        "targetNamespace": target_namespace,
        "conditions": [
            cond("ConfigureWorkflowCompleted", "True", "PipelinesExecutedSuccessfully", "Pipelines completed", at=WHEN),
            cond(
                "WorksSucceeded",
                "Unknown",
                "WorksPending",
                "Some works associated with this resource are not ready: [production-instance-configure-5058f]",
                at=WHEN,
            ),
            cond("Reconciled", "Unknown", "WorkflowPending", "Pending", at=WHEN),
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
            cond("ConfigureWorkflowCompleted", "True", "PipelinesExecutedSuccessfully", "Pipelines completed", at=WHEN),
            cond(
                "WorksSucceeded", "True", "WorksSucceeded", "All works associated with this resource are ready", at=WHEN
            ),
            cond("Reconciled", "True", "Reconciled", "Reconciled", at=WHEN),
        ],
        "kratix": _pipelines("Succeeded"),
    }


# ------------------------------------------------------------------------------------------------
# Pods, DaemonSets, Deployments.
# ------------------------------------------------------------------------------------------------
def _container(name: str, state: Json, ready: bool = False, last: Json | None = None) -> Json:
    status = {"name": name, "image": f"example/{name}", "ready": ready, "restartCount": 0, "state": state}
    if last is not None:
        status["lastState"] = last
        status["restartCount"] = 1
    return status


def request_pipeline_pod(
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
        user_state = terminated_state(
            1, "Invalid request: spec.tier: 'huge' is not allowed; one of minimal, standard, full"
        )
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
                _container("reader", terminated_state(0)),
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
# Nodes as EKS and the kubelet write them, and the agent DaemonSet as the datadog chart renders it.
#   nodes = [eks_node("ip-10-0-1-11", "default"), eks_node("ip-10-0-3-7", "system", taints=[SYSTEM_TAINT])]
#   ds = chart_daemonset("datadog-team-a-production-abc123", tolerations=[EVERYTHING], desired=2, ready=2)
# ------------------------------------------------------------------------------------------------
SYSTEM_TAINT: Json = {"key": "node-type", "value": "system", "effect": "NoSchedule"}
SYSTEM_TOLERATION: Json = {"key": "node-type", "operator": "Equal", "value": "system", "effect": "NoSchedule"}
EVERYTHING: Json = {"operator": "Exists"}
# What the node lifecycle controller puts on a node whose kubelet stopped posting status.
UNREACHABLE_TAINTS: tuple[Json, ...] = (
    {"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule", "timeAdded": ago(600)},
    {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute", "timeAdded": ago(600)},
)


def eks_node(
    name: str,
    group: str,
    *,
    taints: Iterable[Mapping[str, Any]] = (),
    ready: bool = True,
    cordoned: bool = False,
    zone: str = "eu-central-1a",
) -> Json:
    """A node of an EKS managed node group `group`, labelled `node-type=<group>` as iac/ labels them."""
    spec: Json = {"providerID": f"aws:///{zone}/i-0{zlib.crc32(name.encode()):016x}"}
    all_taints = [dict(t) for t in taints]
    if cordoned:
        spec["unschedulable"] = True
        all_taints.append({"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule", "timeAdded": ago(300)})
    if not ready:
        all_taints += [dict(t) for t in UNREACHABLE_TAINTS]
    if all_taints:
        spec["taints"] = all_taints
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "eks.amazonaws.com/capacityType": "ON_DEMAND",
        "eks.amazonaws.com/nodegroup": group,
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node-type": group,
        "node.kubernetes.io/instance-type": "t3.large",
        "topology.kubernetes.io/zone": zone,
    }
    body = node(name, ready, labels=labels, pods=35)  # t3.large: 35 pods with the VPC CNI
    return {**body, "spec": spec}


def default_cluster() -> list[Json]:
    """The nodes of iac/'s default node groups: 2 `default`, 2 `system` (tainted)."""
    return [
        eks_node("ip-10-0-1-11.eu-central-1.compute.internal", "default"),
        eks_node("ip-10-0-2-12.eu-central-1.compute.internal", "default", zone="eu-central-1b"),
        eks_node("ip-10-0-3-7.eu-central-1.compute.internal", "system", taints=[SYSTEM_TAINT], zone="eu-central-1c"),
        eks_node("ip-10-0-1-8.eu-central-1.compute.internal", "system", taints=[SYSTEM_TAINT]),
    ]


def chart_daemonset(
    namespace: str,
    *,
    tolerations: Iterable[Mapping[str, Any]] = (),
    desired: int,
    ready: int | None = None,
    node_selector: Mapping[str, str] | None = None,
    affinity: Mapping[str, Any] | None = None,
    name: str = "datadog",
) -> Json:
    """The agent DaemonSet as chart 3.240.0 renders it (`agents.tolerations` copied into the pod spec,
    nodeSelector `kubernetes.io/os: linux` plus `agents.nodeSelector`), with the controller's status."""
    ready = desired if ready is None else ready
    pod_spec: Json = {
        "containers": [{"name": "agent", "image": "gcr.io/datadoghq/agent:7.81.1"}],
        "affinity": dict(affinity or {}),
        "nodeSelector": {"kubernetes.io/os": "linux", **(node_selector or {})},
        "serviceAccountName": name,
    }
    if tolerations:
        pod_spec["tolerations"] = [dict(t) for t in tolerations]
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {**meta(name, namespace, labels={"app.kubernetes.io/name": "datadog"}), "generation": 1},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": pod_spec},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "10%"}},
        },
        "status": {
            "currentNumberScheduled": desired,
            "desiredNumberScheduled": desired,
            "numberAvailable": ready,
            "numberReady": ready,
            "numberMisscheduled": 0,
            "updatedNumberScheduled": desired,
            "observedGeneration": 1,
        },
    }


def with_template(daemonset: Json, **pod_spec: Any) -> Json:
    """A copy of the DaemonSet whose pod template has these fields set."""
    copied = copy.deepcopy(daemonset)
    copied["spec"]["template"]["spec"].update(pod_spec)
    return copied


def platform_on(
    nodes: list[Json],
    stack: Stack,
    daemonset: Json,
    *,
    pods_on: Iterable[str] | None = None,
) -> list[Json]:
    """A healthy platform on these nodes whose one stack's agent DaemonSet is `daemonset`, with agent
    pods on the nodes `pods_on` (default: as many nodes as the DaemonSet wants, in order)."""
    if pods_on is None:
        pods_on = [n["metadata"]["name"] for n in nodes][: daemonset["status"]["desiredNumberScheduled"]]
    objects = [
        o
        for o in healthy_platform([stack], nodes=[])
        if o["kind"] != "Node"
        and not (o["kind"] in ("Pod", "DaemonSet") and o["metadata"].get("namespace") == stack.target)
    ]
    return [*nodes, *objects, daemonset, *agent_pods(stack, nodes=list(pods_on))]


# ------------------------------------------------------------------------------------------------
# Broken agents, nodes, workloads and Flux sources, shaped as the kubelet and the controllers write them.
#
# Each builder changes one healthy object above (or adds the Event a
# controller would record); the words are the upstream ones: the kubelet's container states and
# probe/back-off Events, the agent's log lines, helm-controller's and source-controller's conditions.
# ------------------------------------------------------------------------------------------------
AGENT_IMAGE = "gcr.io/datadoghq/agent:7.81.1"
READINESS_500 = "Readiness probe failed: HTTP probe failed with statuscode: 500"


def log_line(
    level: str, message: str, *, where: str = "pkg/util/log/log.go:618 in func1", flavour: str = "CORE"
) -> str:
    """One agent log line: `2026-11-29 21:40:12 UTC | CORE | ERROR | (file:line in func) | message`."""
    return f"2026-11-29 21:40:12 UTC | {flavour} | {level} | ({where}) | {message}"


def agent_log(*lines: str) -> str:
    """A log tail: a few INFO lines, then the given ones."""
    head = [
        log_line("INFO", "Starting Datadog Agent v7.81.1"),
        log_line("INFO", "Loading proxy settings"),
    ]
    return "\n".join([*head, *lines]) + "\n"


def _set_container(pod: Json, container: str, status: Json) -> Json:
    pod = copy.deepcopy(pod)
    statuses = pod["status"]["containerStatuses"]
    index = next(i for i, s in enumerate(statuses) if s["name"] == container)
    statuses[index] = status
    pod["status"]["conditions"] = [
        cond("PodScheduled", "True", ""),
        cond("Initialized", "True", ""),
        cond("ContainersReady", "False", "ContainersNotReady", f"containers with unready status: [{container}]"),
        cond("Ready", "False", "ContainersNotReady", f"containers with unready status: [{container}]"),
    ]
    return pod


def running_not_ready(pod: Json, container: str = "agent", *, since: float = 1800) -> Json:
    """Running, its readiness probe failing (an invalid API key keeps /live 200 and /ready 500)."""
    old = next(s for s in pod["status"]["containerStatuses"] if s["name"] == container)
    status = {**copy.deepcopy(old), "ready": False, "started": True, "state": {"running": {"startedAt": ago(since)}}}
    return _set_container(pod, container, status)


def crash_looping(
    pod: Json, container: str = "agent", *, exit_code: int = 255, restarts: int = 7, age: float = 90, message: str = ""
) -> Json:
    """CrashLoopBackOff now, the previous run terminated with an error exit code."""
    old = next(s for s in pod["status"]["containerStatuses"] if s["name"] == container)
    terminated: Json = {
        "exitCode": exit_code,
        "reason": "Error",
        "startedAt": ago(age + 5),
        "finishedAt": ago(age),
        "containerID": "containerd://" + "b" * 64,
    }
    if message:
        terminated["message"] = message
    status = {
        **copy.deepcopy(old),
        "ready": False,
        "started": False,
        "restartCount": restarts,
        "state": {
            "waiting": {
                "reason": "CrashLoopBackOff",
                "message": f"back-off 5m0s restarting failed container={container} "
                f"pod={pod['metadata']['name']}_{pod['metadata']['namespace']}(0f6b3c2e-7d1a-4c1e-9d5e-2b8c4a6f1e3d)",
            }
        },
        "lastState": {"terminated": terminated},
    }
    return _set_container(pod, container, status)


def config_error(pod: Json, container: str, message: str) -> Json:
    """CreateContainerConfigError: the kubelet cannot build the container's env (a Secret or key missing)."""
    old = next(s for s in pod["status"]["containerStatuses"] if s["name"] == container)
    status = {
        **copy.deepcopy(old),
        "ready": False,
        "started": False,
        "state": {"waiting": {"reason": "CreateContainerConfigError", "message": message}},
        "lastState": {},
    }
    return _set_container(pod, container, status)


def probe_failed(pod: Json, *, count: int = 40, age: float = 20) -> Json:
    return event(
        "Pod",
        pod["metadata"]["namespace"],
        pod["metadata"]["name"],
        "Unhealthy",
        READINESS_500,
        count=count,
        age=age,
        source="kubelet",
    )


def back_off(pod: Json, container: str = "agent", *, count: int = 30, age: float = 30) -> Json:
    name, ns = pod["metadata"]["name"], pod["metadata"]["namespace"]
    return event(
        "Pod",
        ns,
        name,
        "BackOff",
        f"Back-off restarting failed container {container} in pod {name}_{ns}(0f6b3c2e-7d1a-4c1e-9d5e-2b8c4a6f1e3d)",
        count=count,
        age=age,
        source="kubelet",
    )


def with_site(release: Json, site: str) -> Json:
    release = copy.deepcopy(release)
    release["spec"]["values"]["datadog"]["site"] = site
    return release


# nodes -------------------------------------------------------------------------------------------
def node_condition(node: Json, type_: str, status: str, reason: str, message: str, *, age: float = 600) -> Json:
    node = copy.deepcopy(node)
    conditions = [c for c in node["status"]["conditions"] if c["type"] != type_]
    node["status"]["conditions"] = [*conditions, cond(type_, status, reason, message, age=age)]
    return node


# workloads ---------------------------------------------------------------------------------------
def daemonset_stuck(ds: Json, *, desired: int, current: int = 0, ready: int = 0) -> Json:
    ds = copy.deepcopy(ds)
    ds["status"].update(
        currentNumberScheduled=current,
        desiredNumberScheduled=desired,
        numberReady=ready,
        numberAvailable=ready,
        updatedNumberScheduled=current,
    )
    if desired > ready:
        ds["status"]["numberUnavailable"] = desired - ready
    return ds


def deployment_deadline(deploy: Json, message: str, *, age: float = 1200) -> Json:
    """Progressing=False ProgressDeadlineExceeded: the rollout did not progress in 600s."""
    deploy = copy.deepcopy(deploy)
    deploy["status"]["conditions"] = [
        cond("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."),
        cond("Progressing", "False", "ProgressDeadlineExceeded", message, age=age),
    ]
    deploy["status"].pop("readyReplicas", None)
    deploy["status"].pop("availableReplicas", None)
    deploy["status"]["unavailableReplicas"] = deploy["spec"]["replicas"]
    return deploy


# Flux --------------------------------------------------------------------------------------------
def release_failed(
    s: Stack, error: str, *, action: str = "upgrade", stalled: bool = True, ready_age: float = 600
) -> Json:
    """Helm install/upgrade failed with helm-controller v2's words; retries exhausted when stalled."""
    verb = "install" if action == "install" else "upgrade"
    reason = "InstallFailed" if verb == "install" else "UpgradeFailed"
    message = f"Helm {verb} failed for release {s.target}/datadog with chart datadog@3.240.0: {error}"
    extra = [cond("Stalled", "True", "RetriesExceeded", f"Failed to {verb} after 4 attempt(s)", age=ready_age)]
    body = helm_release(
        s, ready=cond("Ready", "False", reason, message, age=ready_age), extra_conditions=extra if stalled else ()
    )
    body["status"]["conditions"][1] = cond("Released", "False", reason, message, age=ready_age)
    body["status"]["lastAttemptedReleaseAction"] = verb
    body["status"][f"{verb}Failures"] = 4
    return body


def timeout_error(*workloads: tuple[str, str, str]) -> str:
    """kstatus's wait error as helm-controller reports it: `timeout waiting for: [DaemonSet/ns/name status: ...]`."""
    items = ", ".join(f"{kind}/{ns}/{name} status: 'InProgress'" for kind, ns, name in workloads)
    return f"timeout waiting for: [{items}]"


def suspended(release: Json) -> Json:
    release = copy.deepcopy(release)
    release["spec"]["suspend"] = True
    return release


def depends_on(release: Json, name: str, namespace: str, *, age: float = 900) -> Json:
    release = copy.deepcopy(release)
    release["spec"]["dependsOn"] = [{"name": name, "namespace": namespace}]
    release["status"]["conditions"] = [
        cond("Ready", "False", "DependencyNotReady", f"dependency '{namespace}/{name}' is not ready", age=age),
        *[c for c in release["status"]["conditions"] if c["type"] != "Ready"],
    ]
    return release


def helm_repository_failed(s: Stack, reason: str, message: str, *, url: str = "https://helm.datadoghq.com") -> Json:
    """source-controller v1: Ready=False and FetchFailed=True with the same reason and message."""
    return {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "HelmRepository",
        "metadata": meta("datadog", s.target, labels=s.labels),
        "spec": {"interval": "1h", "url": url},
        "status": {
            "observedGeneration": 1,
            "conditions": [
                cond("Ready", "False", reason, message, age=1800),
                cond("FetchFailed", "True", reason, message, age=1800),
            ],
        },
    }


def helm_chart(s: Stack, *, version: str = "3.240.0", ready: Json | None = None, extra: Iterable[Json] = ()) -> Json:
    """The HelmChart helm-controller creates for the release: `<ns>-<name>` in the source's namespace."""
    ok = cond("Ready", "True", "ChartPullSucceeded", f"pulled 'datadog' chart with version '{version}'")
    return {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "HelmChart",
        "metadata": meta(f"{s.target}-datadog", s.target, labels=s.labels),
        "spec": {
            "chart": "datadog",
            "version": version,
            "sourceRef": {"kind": "HelmRepository", "name": "datadog"},
            "interval": "1h",
            "reconcileStrategy": "ChartVersion",
        },
        "status": {"observedGeneration": 1, "conditions": [ready or ok, *extra]},
    }


def chart_version_missing(s: Stack, version: str) -> Json:
    message = (
        "invalid chart reference: failed to get chart version for remote reference: "
        f"no 'datadog' chart with version matching '{version}' found"
    )
    return helm_chart(
        s,
        version=version,
        ready=cond("Ready", "False", "InvalidChartReference", message, age=1200),
        extra=[cond("FetchFailed", "True", "InvalidChartReference", message, age=1200)],
    )


def pinned(release: Json, version: str) -> Json:
    release = copy.deepcopy(release)
    release["spec"]["chart"]["spec"]["version"] = version
    return release


def source_not_ready(s: Stack, chart_message: str, *, pinned_version: str = "3.240.0") -> Json:
    """The HelmRelease waiting on its HelmChart (helm-controller v2: Ready=False SourceNotReady)."""
    message = f"HelmChart '{s.target}/{s.target}-datadog' is not ready: {chart_message}"
    release = helm_release(s, ready=cond("Ready", "False", "SourceNotReady", message, age=1200))
    return pinned(release, pinned_version)


# ------------------------------------------------------------------------------------------------
# Builders for the fleet: Destinations that name a cluster, Argo CD cluster Secrets, a kubeconfig with a
# platform and workload clusters. The objects are what Kratix's and Argo CD's controllers (or `cluster.add`)
# write, so tests seed them on the test API servers.
# ------------------------------------------------------------------------------------------------
Json = dict[str, Any]
PLATFORM_CLUSTER = "kratix-demo"  # cluster.name in invoke.yaml


def destination_crd() -> Json:
    return INLINE_CRDS["destinations.platform.kratix.io"]


def fleet_destination(
    cluster: str, name: str | None = None, path: str | None = None, *, ready: bool = True, **labels: str
) -> Json:
    """A Destination labelled with its cluster; the platform's (`platform`, path `platform`) by default."""
    platform = cluster == PLATFORM_CLUSTER
    name = name or ("platform" if platform else cluster)
    reason, message = (
        ("TestDocumentsWritten", "Test documents written to State Store")
        if ready
        else (
            "StateStoreWriteFailed",
            "GitStateStore/default: not ready",
        )
    )
    return {
        "apiVersion": "platform.kratix.io/v1alpha1",
        "kind": "Destination",
        "metadata": {"name": name, "labels": {CLUSTER_LABEL: cluster, **labels}},
        "spec": {
            "path": path or ("platform" if platform else f"clusters/{cluster}"),
            "stateStoreRef": {"kind": "GitStateStore", "name": "default"},
        },
        "status": {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True" if ready else "False",
                    "reason": reason,
                    "message": message,
                    "lastTransitionTime": "2026-11-01T00:00:00Z",
                }
            ]
        },
    }


def platform_destination_objects() -> list[Json]:
    """What `kratix.apply` leaves for the platform cluster: the Destination CRD and its Destination."""
    return [destination_crd(), fleet_destination(PLATFORM_CLUSTER)]


def kubeconfig_with(servers: dict[str, str], current: str, users: dict[str, Json] | None = None) -> str:
    """A kubeconfig with a context per server (user token `token-<name>`), some users replaced."""
    import yaml

    from tests.kube.emulator import kubeconfig_text

    doc = yaml.safe_load(kubeconfig_text(servers, current))
    for entry in doc["users"]:
        if users and entry["name"] in users:
            entry["user"] = users[entry["name"]]
    return str(yaml.safe_dump(doc, sort_keys=False))


def workplacement_to(
    destination: str, name: str = "production-instance-configure-5058f", namespace: str = "team-a"
) -> Json:
    """A WorkPlacement Kratix scheduled to a Destination."""
    return {
        "apiVersion": "platform.kratix.io/v1alpha1",
        "kind": "WorkPlacement",
        "metadata": {"name": name, "namespace": namespace, "labels": {"kratix.io/targetDestinationName": destination}},
        "spec": {"targetDestinationName": destination, "promiseName": "datadog-stack", "id": "5058f", "workloads": []},
    }


def argocd_application_crd() -> Json:
    return INLINE_CRDS["applications.argoproj.io"]


def workplacement_crd() -> Json:
    from tests.kube.emulator import crd_manifest

    return crd_manifest("platform.kratix.io", "WorkPlacement")


def registered_cluster(name: str, server: str) -> list[Json]:
    """What `cluster.add` leaves on the platform for the status: Argo CD's cluster Secret and the Destination."""
    from ops.platform.fleet import WorkloadCluster, cluster_secret
    from ops.platform.fleet_access import eks_access

    return [cluster_secret(WorkloadCluster(name, eks_access(server, name, None, ""))), fleet_destination(name)]


def workloads_application(cluster: str, server: str, sync: str = "Synced", health: str = "Healthy") -> Json:
    """The Application that syncs a Destination's folder, as Argo CD reports it."""
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": f"{cluster}-workloads", "namespace": "argocd", "labels": {CLUSTER_LABEL: cluster}},
        "spec": {
            "project": "default",
            "source": {"repoURL": "https://github.com/example/kratix-ops.git", "path": f"gitops/clusters/{cluster}"},
            "destination": {"server": server, "namespace": "default"},
        },
        "status": {"sync": {"status": sync}, "health": {"status": health}},
    }


def workload_helm_release(namespace: str, *, ready: bool = True, message: str = "Helm install succeeded") -> Json:
    reason = "InstallSucceeded" if ready else "InstallFailed"
    return {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": "datadog", "namespace": namespace},
        "spec": {"chart": {"spec": {"chart": "datadog", "version": "3.240.0"}}},
        "status": {
            "conditions": [
                {"type": "Ready", "status": "True" if ready else "False", "reason": reason, "message": message}
            ]
        },
    }


def placement_of(stack_name: str, namespace: str, destination: str, *, ready: bool = True) -> Json:
    """The WorkPlacement of a stack's Work on a Destination, written to Git (or not)."""
    placement = workplacement_to(destination, f"{stack_name}-instance-configure-5058f", namespace)
    placement["spec"]["resourceName"] = stack_name
    status = "True" if ready else "False"
    placement["status"] = {
        "conditions": [{"type": "Ready", "status": status, "reason": "WorkloadsWrittenToTargetDestination"}]
    }
    return placement
