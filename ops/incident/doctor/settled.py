"""What `doctor` keeps of a settled object: only the fields its checks read of objects with nothing wrong.

Most of a large fleet is healthy: thousands of HelmReleases Ready, DaemonSets rolled out, agents
Running. No check diagnoses those; they are read only to join one object to another (the namespace
a stack deploys to, the store an ExternalSecret names, the node an agent runs on). So of a settled
object `doctor` keeps a skeleton, its strings and equal parts shared (ops/incident/keep.py `Keeper`),
and of every other object all that `kept` keeps. That is what keeps `invoke doctor` on 10,000
stacks within twice its memory on 1000. What "settled" means, by kind (none may be being deleted):

    Pod          Running and Ready with every container ready, or (a pipeline pod) Succeeded with
                 every container done at exit 0; never restarted
    Namespace    Active
    DaemonSet,   rolled out: the controller saw the latest spec and every pod is ready on it
    Deployment
    the others   every condition True and of a type whose True means all is well (GOOD_WHEN_TRUE;
                 there is one), status.observedGeneration = metadata.generation

The skeletons hold the fields the checks read of settled objects. tests/ops/incident/test_settled.py
runs every check over incidents with the objects whole, records each field read of a settled
object, and fails when one is not in its skeleton: a check that starts reading another field of a
healthy object adds it here.
"""

from __future__ import annotations

from collections.abc import Callable

from ops.incident.keep import ALL, CONDITION, Json, Shape, When
from ops.incident.snapshot import AGENT_PODS, PIPELINE_PODS
from ops.kube.fields import container_statuses, is_ready, labels_of, rollout
from ops.names import PIPELINE_NAME_LABEL

_CONDITIONS = [CONDITION]  # a True condition's message and age are evidence when an event says otherwise
_CONTAINER: Shape = {"name": True, "image": True}
_STATUSES: Shape = {"name": True, "image": True, "ready": True, "restartCount": True}
_IDENTITY: Shape = {"name": True, "namespace": True, "labels": ALL, "creationTimestamp": True, "generation": True}
_POD_TEMPLATE: Shape = {"metadata": ALL, "spec": ALL}

POD: Shape = {
    "metadata": {"name": True, "namespace": True, "labels": ALL, "creationTimestamp": True, "ownerReferences": ALL},
    "spec": {"nodeName": True, "containers": [_CONTAINER], "initContainers": [_CONTAINER]},
    "status": {
        "phase": True,
        "startTime": True,
        "conditions": _CONDITIONS,
        "containerStatuses": [_STATUSES],
        "initContainerStatuses": [_STATUSES],
    },
}
NAMESPACE: Shape = {"metadata": {"name": True, "labels": ALL, "creationTimestamp": True}, "status": ALL}
DAEMONSET: Shape = {
    "metadata": _IDENTITY,
    "spec": {"selector": ALL, "updateStrategy": ALL, "template": _POD_TEMPLATE},
    "status": ALL,
}
DEPLOYMENT: Shape = {
    "metadata": _IDENTITY,
    "spec": {"replicas": True, "selector": ALL, "strategy": ALL, "template": _POD_TEMPLATE},
    "status": {
        "observedGeneration": True,
        "replicas": True,
        "readyReplicas": True,
        "availableReplicas": True,
        "updatedReplicas": True,
        "conditions": _CONDITIONS,
    },
}
_CONDITIONED: Shape = {"observedGeneration": True, "conditions": _CONDITIONS}
WORK: Shape = {
    "metadata": _IDENTITY,
    "spec": {"promiseName": True, "resourceName": True, "destinationSelectors": ALL},
    "status": {**_CONDITIONED, "workPlacements": True, "workPlacementsCreated": True},
}
WORK_PLACEMENT: Shape = {
    "metadata": _IDENTITY,
    "spec": {"targetDestinationName": True, "promiseName": True, "resourceName": True, "id": True},
    "status": _CONDITIONED,
}
_STACK_STATUS = "message tier environment targetNamespace clusterName chartVersion secretPath workflows"
STACK: Shape = {
    "metadata": {**_IDENTITY, "finalizers": ALL, "ownerReferences": ALL},
    "spec": ALL,
    "status": {**dict.fromkeys(_STACK_STATUS.split(), True), **_CONDITIONED, "workflowsFailed": True},
}
_RELEASE_SPEC = "chart chartRef releaseName targetNamespace suspend values valuesFrom dependsOn serviceAccountName"
HELM_RELEASE: Shape = {
    "metadata": {**_IDENTITY, "finalizers": ALL},
    "spec": dict.fromkeys(_RELEASE_SPEC.split(), ALL),
    "status": {
        **_CONDITIONED,
        "helmChart": True,
        "history": [{"chartName": True, "chartVersion": True, "status": True, "version": True}],
        "lastAttemptedRevision": True,
        "lastAppliedRevision": True,
    },
}
HELM_REPOSITORY: Shape = {"metadata": _IDENTITY, "spec": ALL, "status": _CONDITIONED}
EXTERNAL_SECRET: Shape = {
    "metadata": {**_IDENTITY, "finalizers": ALL},
    "spec": ALL,
    "status": {**_CONDITIONED, "binding": ALL},
}


def _deleting(obj: Json) -> bool:
    return bool((obj.get("metadata") or {}).get("deletionTimestamp"))


def _settled_meta(obj: Json) -> bool:
    generation = (obj.get("metadata") or {}).get("generation")
    observed = (obj.get("status") or {}).get("observedGeneration")
    return not _deleting(obj) and (generation is None or observed is None or observed == generation)


# Condition types whose True means all is well. Others are True when something is wrong or under way:
# Flux's Stalled, Reconciling, Remediated, Drifted, FetchFailed, ArtifactOutdated
# (https://github.com/fluxcd/pkg/blob/main/apis/meta/conditions.go,
# https://github.com/fluxcd/helm-controller/blob/main/api/v2/condition_types.go,
# https://github.com/fluxcd/source-controller/blob/main/api/v1/condition_types.go); an object with
# one of those, or with a type not named here, is never settled and is kept whole.
GOOD_WHEN_TRUE = frozenset(
    {
        "Ready",  # Flux, ESO, Kratix Work and WorkPlacement
        "Released",  # helm-controller
        "TestSuccess",
        "ArtifactInStorage",  # source-controller
        # Kratix: a resource request's (https://github.com/syntasso/kratix/blob/main/lib/resourceutil/util.go),
        # a Work's and a WorkPlacement's (https://github.com/syntasso/kratix/blob/main/internal/controller/scheduler.go)
        "ConfigureWorkflowCompleted",
        "PromiseAvailable",
        "WorksSucceeded",
        "Reconciled",
        "ScheduleSucceeded",
        "WriteSucceeded",
    }
)


def all_conditions_true(obj: Json) -> bool:
    """Every condition is of a type whose True means all is well, and True (and there is one): Flux's Ready
    and Released, Kratix's ConfigureWorkflowCompleted, WorksSucceeded and Reconciled, ESO's Ready."""
    raw = (obj.get("status") or {}).get("conditions")
    return (
        isinstance(raw, list)
        and bool(raw)
        and all(isinstance(c, dict) and c.get("status") == "True" and c.get("type") in GOOD_WHEN_TRUE for c in raw)
        and _settled_meta(obj)
    )


def rolled_out(obj: Json) -> bool:
    return _settled_meta(obj) and rollout(obj).complete


def active_namespace(obj: Json) -> bool:
    return not _deleting(obj) and (obj.get("status") or {}).get("phase") == "Active"


def healthy_pod(pod: Json) -> bool:
    """Succeeded with every container done at exit 0, or (not a pipeline pod) Running and Ready with every
    container ready; never restarted, not being deleted."""
    if _deleting(pod):
        return False
    statuses = [(init, s) for init, s in container_statuses(pod) if isinstance(s, dict)]
    if any(s.get("restartCount") or (s.get("lastState") or {}).get("terminated") for _, s in statuses):
        return False
    phase = (pod.get("status") or {}).get("phase")
    if phase == "Succeeded":
        return all(((s.get("state") or {}).get("terminated") or {}).get("exitCode") == 0 for _, s in statuses)
    if phase != "Running" or PIPELINE_NAME_LABEL in labels_of(pod):
        return False
    containers = [s for init, s in statuses if not init]
    return is_ready(pod) and bool(containers) and all(s.get("ready") for s in containers)


# listing key -> (is it settled, what is kept of it then)
SETTLED: dict[str, tuple[Callable[[Json], bool], Shape]] = {
    AGENT_PODS: (healthy_pod, POD),
    PIPELINE_PODS: (healthy_pod, POD),
    "namespaces": (active_namespace, NAMESPACE),
    "daemonsets": (rolled_out, DAEMONSET),
    "deployments": (rolled_out, DEPLOYMENT),
    "works": (all_conditions_true, WORK),
    "workplacements": (all_conditions_true, WORK_PLACEMENT),
    "datadogstacks": (all_conditions_true, STACK),
    "helmreleases": (all_conditions_true, HELM_RELEASE),
    "helmrepositories": (all_conditions_true, HELM_REPOSITORY),
    "externalsecrets": (all_conditions_true, EXTERNAL_SECRET),
}
DOCTOR_SHAPES = {key: When(test, shape) for key, (test, shape) in SETTLED.items()}
