"""DatadogStack requests on a cluster: request or change one, follow it to running agents, explain failures,
delete them, and list them with their agents.

    manifest = desired_stack(RequestFlags("production", "team-a", "kratix-demo", tier="minimal"), settings)
    change = apply_stack(kube, manifest, settings)          # validated first; "upgrade minimal -> standard"
    ready = wait_for_stack(kube, change.ref, settings, timeout=600, on_progress=print)

The request is validated with the pipeline's own `parse_request` before anything is written, so a bad
flag is refused with the words the pipeline would use. A failed pipeline is explained from its pod,
found by the labels Kratix puts on it (https://docs.kratix.io/main/reference/resources/workflows).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Unpack

from datadog_configure.naming import target_namespace
from datadog_configure.request import DEFAULT_ENVIRONMENT, DatadogStackRequest, InvalidRequest, Tier, parse_request
from ops.config import Settings
from ops.errors import BadInput, OpsError
from ops.kube.errors import CrdMissing, one_line
from ops.kube.fields import (
    Rollout,
    container_statuses,
    daemonset_rollout,
    deployment_rollout,
    exited,
    failed_run,
    find_condition,
    newest_first,
    seconds_since,
)
from ops.kube.objects import (
    Applied,
    ObjectRef,
    apply_object,
    delete_object,
    get_object,
    list_objects,
    resource_for,
)
from ops.kube.reads import log_tail
from ops.names import AGENT_DAEMONSET, CLUSTER_AGENT, StackRef
from ops.stacks.destinations import ClusterDestination, require_destination
from ops.stacks.kratix import RequestPhase, RequestProgress, request_progress
from ops.stacks.local_run import API_VERSION_SUFFIX, KIND, RequestFlags, request_from_flags
from ops.stacks.node_coverage import NodeCoverage, Nodes, node_coverage, read_nodes
from ops.wait import Observation, Pacing, WaitResult, WaitTimeout, wait_until

if TYPE_CHECKING:
    from ops.kube.client import Kube

Json = dict[str, Any]
TIER_ORDER = (Tier.MINIMAL, Tier.STANDARD, Tier.FULL)
LOG_LINES = 20
# Container states that will not get better by waiting.
STUCK_WAITING = frozenset(
    {"ImagePullBackOff", "ErrImagePull", "CrashLoopBackOff", "CreateContainerConfigError", "InvalidImageName"}
)


def stack_api_version(settings: Settings) -> str:
    return f"{settings.api_group}/{API_VERSION_SUFFIX}"


def stack_object_ref(ref: StackRef, settings: Settings) -> ObjectRef:
    return ObjectRef(stack_api_version(settings), KIND, ref.name, ref.namespace)


class PromiseNotInstalled(CrdMissing):
    """The DatadogStack API is not served: the Promise that defines it is not installed."""

    def __init__(self, group: str, promise: str) -> None:
        super().__init__(group, KIND, provided_by=f"the {promise} Promise")
        self.message = (
            f"the cluster does not serve {KIND} ({group}): the {promise} Promise is not installed; "
            "run `invoke promise.apply`"
        )
        self.args = (self.message,)


@contextmanager
def stack_api(settings: Settings) -> Iterator[None]:
    """Turn "DatadogStack is not served" into "the Promise is not installed"."""
    try:
        yield
    except PromiseNotInstalled:
        raise
    except CrdMissing as err:
        if err.group != settings.api_group:
            raise
        raise PromiseNotInstalled(settings.api_group, settings.promise_name) from err


# ------------------------------------------------------------------------------------------------
# Request or change a stack.
# ------------------------------------------------------------------------------------------------
def desired_stack(flags: RequestFlags, settings: Settings) -> Json:
    """The DatadogStack to apply, every field explicit so that "unchanged" means unchanged."""
    explicit = dataclasses.replace(
        flags,
        environment=flags.environment or DEFAULT_ENVIRONMENT,
        site=flags.site or settings.datadog_site,
    )
    manifest = request_from_flags(explicit, settings)
    manifest["spec"]["tags"] = list(flags.tags)  # an empty list clears tags a previous apply set
    return manifest


def validate_stack(manifest: Json) -> DatadogStackRequest:
    """The pipeline's own validation: BadInput with the pipeline's words (field, value, what is allowed)."""
    try:
        return parse_request(manifest)
    except InvalidRequest as err:
        raise BadInput(err.field, err.value, err.allowed) from err


def tier_change(before: str, after: str) -> str:
    """ "upgrade minimal -> standard", "downgrade full -> minimal" or "" for the same tier."""
    if before == after:
        return ""
    order = [t.value for t in TIER_ORDER]
    up = before not in order or order.index(after) > order.index(before)
    return f"{'upgrade' if up else 'downgrade'} {before} -> {after}"


@dataclass(frozen=True)
class StackChange:
    ref: StackRef
    applied: Applied
    tier: str
    previous_tier: str | None  # None: the stack did not exist
    destination: ClusterDestination | None = None  # where Kratix schedules it (the cluster it names)

    @property
    def changed(self) -> bool:
        return self.applied.changed

    @property
    def summary(self) -> str:
        """What happened, as a user reads it: created, unchanged, upgrade minimal -> standard, configured."""
        would = self.applied.dry_run and self.changed
        action = self.applied.action
        if action == "configured" and (change := tier_change(self.previous_tier or self.tier, self.tier)):
            return f"would {change}" if would else change
        return f"{'would be ' if would else ''}{action} (tier {self.tier})"

    def __str__(self) -> str:
        return f"{KIND} {self.ref}: {self.summary}"


def apply_stack(kube: Kube, manifest: Json, settings: Settings, *, dry_run: bool = False) -> StackChange:
    """Validate, check the cluster it names has a Destination, then server-side apply (nothing is sent when
    it is unchanged or under dry_run). A cluster with no Destination: BadInput listing those that have one."""
    request = validate_stack(manifest)
    ref = StackRef.of(manifest)
    with stack_api(settings):
        resource_for(kube, manifest["apiVersion"], KIND)  # the Promise first: its absence is what to say
    destination = require_destination(kube, request.cluster_name)
    with stack_api(settings):
        applied = apply_object(kube, manifest, dry_run=dry_run)
    live = applied.before  # the tier change is told from the object the write was decided on
    previous = None
    if live is not None:
        previous = str((live.get("spec") or {}).get("tier") or Tier.MINIMAL.value)
    return StackChange(ref, applied, request.tier.value, previous, destination)


# ------------------------------------------------------------------------------------------------
# The agents a stack runs.
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Agents:
    """The Datadog agents in a stack's target namespace (None: that workload is not there yet), and
    the node agents counted against the nodes they should run on (None: no DaemonSet yet)."""

    namespace: str
    node_agents: Rollout | None
    cluster_agent: Rollout | None
    coverage: NodeCoverage | None = None

    @property
    def ready(self) -> bool:
        rolled_out = all(r is not None and r.complete for r in (self.node_agents, self.cluster_agent))
        return rolled_out and self.coverage is not None and self.coverage.complete

    def __str__(self) -> str:
        missing = [
            f"no {kind} {name} yet"
            for kind, name, rollout in (
                ("DaemonSet", AGENT_DAEMONSET, self.node_agents),
                ("Deployment", CLUSTER_AGENT, self.cluster_agent),
            )
            if rollout is None
        ]
        present = [str(r) for r in (self.node_agents, self.cluster_agent) if r is not None]
        nodes = f"; {self.coverage}" if self.coverage is not None and self.coverage.worth_saying else ""
        return f"namespace {self.namespace}: " + ", ".join(present + missing) + nodes


def read_agents(kube: Kube, namespace: str, nodes: Nodes) -> Agents:
    """The agents in one namespace; `nodes` (read_nodes, once per look) are what the node agents must cover."""
    daemonset = get_object(kube, "apps/v1", "DaemonSet", AGENT_DAEMONSET, namespace)
    deployment = get_object(kube, "apps/v1", "Deployment", CLUSTER_AGENT, namespace)
    return Agents(
        namespace,
        None if daemonset is None else daemonset_rollout(daemonset),
        None if deployment is None else deployment_rollout(deployment),
        None if daemonset is None else node_coverage(nodes, daemonset),
    )


def stack_target_namespace(obj: Mapping[str, Any]) -> str | None:
    """status.targetNamespace, else the name the pipeline gives it (None for a request it would refuse)."""
    written = (obj.get("status") or {}).get("targetNamespace")
    if written:
        return str(written)
    try:
        return target_namespace(parse_request(dict(obj)))
    except InvalidRequest:
        return None


# ------------------------------------------------------------------------------------------------
# Why a pipeline failed: its pod, the failing container, the end of its log.
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ContainerTrouble:
    namespace: str
    pod: str
    container: str
    state: str  # "exited 1 (Error)", "waiting: ImagePullBackOff"
    message: str  # the termination or waiting message
    log_tail: tuple[str, ...]
    log_error: str = ""  # why the log could not be read

    def __str__(self) -> str:
        said = f": {one_line(self.message)}" if self.message else ""
        return f"pod {self.namespace}/{self.pod} container {self.container} {self.state}{said}"


def pipeline_pods(kube: Kube, ref: StackRef, promise: str, pipeline: str | None) -> list[Json]:
    """The request's pipeline pods, newest first (Kratix's labels: promise, resource, pipeline)."""
    selector = f"kratix.io/promise-name={promise},kratix.io/resource-name={ref.name}"
    if pipeline:
        selector += f",kratix.io/pipeline-name={pipeline}"
    return newest_first(list_objects(kube, "v1", "Pod", ref.namespace, label_selector=selector))


def _trouble_in(status: Mapping[str, Any]) -> tuple[str, str, bool] | None:
    """(state, message, previous) when a container failed or is stuck; previous: the log is the last run's."""
    run = failed_run(status)  # with restartPolicy OnFailure the failed run may be the previous one
    if run is not None:
        terminated, previous = run
        return exited(terminated), str(terminated.get("message") or ""), previous
    waiting = (status.get("state") or {}).get("waiting")
    if waiting and waiting.get("reason") in STUCK_WAITING:
        return f"waiting: {waiting['reason']}", str(waiting.get("message") or ""), False
    return None


def container_trouble(kube: Kube, pod: Mapping[str, Any], tail_lines: int = LOG_LINES) -> ContainerTrouble | None:
    """The first container of the pod (init containers first, in order) that failed or is stuck."""
    meta = pod.get("metadata") or {}
    for _, container in container_statuses(pod):
        found = _trouble_in(container)
        if found is None:
            continue
        state, message, previous = found
        name, pod_name, namespace = str(container.get("name")), str(meta.get("name")), str(meta.get("namespace"))
        tail: tuple[str, ...] = ()
        log_error = ""
        if not state.startswith("waiting"):
            try:
                tail = log_tail(kube, namespace, pod_name, name, tail_lines, previous=previous)
            except OpsError as err:
                log_error = err.message
        return ContainerTrouble(namespace, pod_name, name, state, message, tail, log_error)
    return None


def diagnose_pipeline(
    kube: Kube, ref: StackRef, settings: Settings, pipeline: str | None, tail_lines: int = LOG_LINES
) -> ContainerTrouble | None:
    """What the newest pipeline pod of the request says about its failure (None: no pod says anything)."""
    for pod in pipeline_pods(kube, ref, settings.promise_name, pipeline)[:1]:
        return container_trouble(kube, pod, tail_lines)
    return None


class RequestFailed(OpsError):
    """Kratix reports the request failed: the condition, the pipeline's own message, the failing container."""

    def __init__(self, ref: StackRef, progress: RequestProgress, trouble: ContainerTrouble | None) -> None:
        parts = [f"{KIND} {ref} failed: {progress.detail}"]
        if trouble is not None:
            parts.append(str(trouble))
            if trouble.log_tail and not trouble.message:
                parts.append(f"last log line: {one_line(trouble.log_tail[-1])}")
        super().__init__("; ".join(parts))
        self.ref = ref
        self.progress = progress
        self.trouble = trouble


# ------------------------------------------------------------------------------------------------
# Following a request to running agents.
# ------------------------------------------------------------------------------------------------
class StackWatch:
    """The probe of a stack's wait: the request's progress (on the platform), then its agents (on the cluster
    it is scheduled to: `agents_kube`, the platform's own when None). Keeps what it saw last."""

    def __init__(self, kube: Kube, ref: StackRef, settings: Settings, agents_kube: Kube | None = None) -> None:
        self.kube, self.ref, self.settings = kube, ref, settings
        self.agents_kube = agents_kube or kube
        self.progress: RequestProgress | None = None
        self.agents: Agents | None = None

    def __call__(self) -> Observation:
        with stack_api(self.settings):
            live = get_object(self.kube, stack_api_version(self.settings), KIND, self.ref.name, self.ref.namespace)
        if live is None:
            return Observation(done=False, failed=True, phase="Gone", detail="the request was deleted meanwhile")
        self.progress = progress = request_progress(live)
        if not progress.done:
            return progress.observation()
        namespace = stack_target_namespace(live)
        if namespace is None:
            return Observation(done=False, phase="Deploying", detail="the request names no target namespace")
        self.agents = agents = read_agents(self.agents_kube, namespace, read_nodes(self.agents_kube))
        if agents.ready:
            return Observation(done=True, phase=RequestPhase.READY.value, detail=str(agents))
        return Observation(done=False, phase="Deploying", detail=str(agents))


@dataclass(frozen=True)
class StackReady:
    ref: StackRef
    progress: RequestProgress
    agents: Agents
    elapsed: float


def wait_for_stack(
    kube: Kube,
    ref: StackRef,
    settings: Settings,
    agents_kube: Kube | None = None,
    **pacing: Unpack[Pacing],
) -> StackReady:
    """Follow the request from Pending to Ready, then its agents until they are all ready (on `agents_kube`,
    the workload cluster the stack is scheduled to; the platform when None).

    Raises RequestFailed (with the failing pipeline container) or WaitTimeout (with what is stuck).
    """
    watch = StackWatch(kube, ref, settings, agents_kube)
    try:
        result = wait_until(
            watch,
            what=f"{KIND} {ref}",
            **pacing,
        )
    except WaitTimeout as timeout_error:
        raise timeout_error.explained(*_why_stuck(kube, ref, settings, watch)) from None
    if result.failed:
        if watch.progress is None or result.observation.phase == "Gone":
            raise OpsError(f"{KIND} {ref} was deleted while waiting for it")
        trouble = diagnose_pipeline(kube, ref, settings, watch.progress.failed_pipeline)
        raise RequestFailed(ref, watch.progress, trouble)
    assert watch.progress is not None and watch.agents is not None
    return StackReady(ref, watch.progress, watch.agents, result.elapsed)


def _why_stuck(kube: Kube, ref: StackRef, settings: Settings, watch: StackWatch) -> tuple[str, ...]:
    """What the pods say when a wait times out: the pipeline pod while configuring, agent pods after."""
    progress = watch.progress
    try:
        if progress is not None and progress.phase is RequestPhase.CONFIGURING:
            trouble = diagnose_pipeline(kube, ref, settings, settings.pipeline_name)
            return () if trouble is None else (str(trouble),)
        if watch.agents is not None and not watch.agents.ready:
            pods = list_objects(watch.agents_kube, "v1", "Pod", watch.agents.namespace)
            stuck = (container_trouble(watch.agents_kube, pod, 0) for pod in pods)
            return tuple(str(t) for t in stuck if t is not None)[:3]
    except OpsError as err:
        return (f"(could not read the pods: {err.message})",)
    return ()


# ------------------------------------------------------------------------------------------------
# Deleting stacks.
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StackTarget:
    """A stack to delete, the namespace its agents run in and the cluster that namespace is on."""

    ref: StackRef
    target_namespace: str | None
    cluster: str = ""  # spec.clusterName


def list_stacks(kube: Kube, settings: Settings, namespace: str | None = None) -> list[Json]:
    """Every DatadogStack (in one namespace, or all); PromiseNotInstalled when the API is not served."""
    with stack_api(settings):
        return list_objects(kube, stack_api_version(settings), KIND, namespace)


def stacks_to_delete(kube: Kube, settings: Settings, ref: StackRef | None) -> tuple[StackTarget, ...]:
    """The one named stack (if it exists) or, with ref None, all of them. No API at all: none."""
    try:
        if ref is not None:
            with stack_api(settings):
                live = get_object(kube, stack_api_version(settings), KIND, ref.name, ref.namespace)
            found = [] if live is None else [live]
        else:
            found = list_stacks(kube, settings)
    except PromiseNotInstalled:
        return ()
    return tuple(
        StackTarget(
            StackRef.of(obj), stack_target_namespace(obj), str((obj.get("spec") or {}).get("clusterName") or "")
        )
        for obj in found
    )


def delete_stack(kube: Kube, target: StackTarget, settings: Settings, *, dry_run: bool = False) -> bool:
    """Delete the request (Kratix's finalizers then remove what it created); False if it was gone."""
    with stack_api(settings):
        return delete_object(kube, stack_object_ref(target.ref, settings), dry_run=dry_run)


@dataclass(frozen=True)
class Leftover:
    what: str
    why: str = ""

    def __str__(self) -> str:
        return f"{self.what} ({self.why})" if self.why else self.what


def leftovers(
    kube: Kube,
    targets: tuple[StackTarget, ...],
    settings: Settings,
    namespace_kubes: Mapping[str, Kube] | None = None,
) -> list[Leftover]:
    """What of the deleted stacks still exists, and what holds it. A stack's namespace is looked for on its
    cluster: `namespace_kubes[cluster]` (workload clusters), else `kube` (the platform)."""
    left: list[Leftover] = []
    for target in targets:
        with stack_api(settings):
            live = get_object(kube, stack_api_version(settings), KIND, target.ref.name, target.ref.namespace)
        if live is not None:
            left.append(Leftover(f"{KIND} {target.ref}", _held_by(live)))
        if target.target_namespace:
            elsewhere = (namespace_kubes or {}).get(target.cluster)
            namespace = get_object(elsewhere or kube, "v1", "Namespace", target.target_namespace)
            if namespace is not None:
                where = f" on cluster {target.cluster}" if elsewhere else ""
                left.append(Leftover(f"Namespace {target.target_namespace}{where}", _namespace_holdup(namespace)))
    return left


def _held_by(obj: Mapping[str, Any]) -> str:
    failed = find_condition(request_progress(obj).conditions, "DeleteWorkflowCompleted")
    if failed is not None and failed.status == "False":
        fix = "add the label kratix.io/manual-reconciliation=true to re-run it" if "Failed" in failed.reason else ""
        return "; ".join(p for p in (str(failed), fix) if p)
    finalizers = (obj.get("metadata") or {}).get("finalizers") or []
    return f"finalizers {', '.join(finalizers)}" if finalizers else ""


def _namespace_holdup(obj: Mapping[str, Any]) -> str:
    status = obj.get("status") or {}
    stuck = [
        f"{c.get('type')}: {c.get('message')}"
        for c in status.get("conditions") or []
        if c.get("status") == "True" and c.get("type") != "NamespaceDeletionDiscoveryFailure"
    ]
    return "; ".join(stuck) or str(status.get("phase") or "")


def wait_stacks_gone(
    kube: Kube,
    targets: tuple[StackTarget, ...],
    settings: Settings,
    namespace_kubes: Mapping[str, Kube] | None = None,
    **pacing: Unpack[Pacing],
) -> WaitResult:
    """Until the requests and their target namespaces (on their clusters) are gone; WaitTimeout says what is
    left and why."""

    def probe() -> Observation:
        left = leftovers(kube, targets, settings, namespace_kubes)
        if not left:
            return Observation(done=True, phase="Deleted", detail=f"{len(targets)} stack(s) and their namespaces")
        return Observation(done=False, phase="Deleting", detail=f"{len(left)} left: " + ", ".join(map(str, left)))

    what = f"{KIND} {targets[0].ref} to be deleted" if len(targets) == 1 else f"{len(targets)} DatadogStacks to go"
    return wait_until(probe, what=what, **pacing)


# ------------------------------------------------------------------------------------------------
# Listing stacks with their agents.
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StackStatus:
    ref: StackRef
    tier: str
    environment: str
    phase: str
    status: str  # the Reconciled condition's message, as `kubectl get` shows it
    message: str
    target_namespace: str | None
    created: str | None
    age_seconds: float | None
    agents: Agents | None = field(default=None)


def stack_statuses(
    kube: Kube,
    settings: Settings,
    namespace: str | None = None,
    now: datetime.datetime | None = None,
) -> tuple[StackStatus, ...]:
    """Every DatadogStack with its phase and, per target namespace, its agents' readiness."""
    now = now or datetime.datetime.now(datetime.UTC)
    statuses = []
    stacks = list_stacks(kube, settings, namespace)
    nodes = read_nodes(kube) if any(stack_target_namespace(obj) for obj in stacks) else Nodes()
    for obj in stacks:
        spec, meta = obj.get("spec") or {}, obj.get("metadata") or {}
        progress = request_progress(obj)
        reconciled = progress.condition("Reconciled")
        target = stack_target_namespace(obj)
        created = meta.get("creationTimestamp")
        statuses.append(
            StackStatus(
                ref=StackRef.of(obj),
                tier=str(spec.get("tier") or Tier.MINIMAL.value),
                environment=str(spec.get("environment") or DEFAULT_ENVIRONMENT),
                phase=progress.phase.value,
                status=reconciled.message if reconciled else "",
                message=progress.message,
                target_namespace=target,
                created=str(created) if created else None,
                age_seconds=_nonnegative(seconds_since(str(created) if created else None, now)),
                agents=read_agents(kube, target, nodes) if target else None,
            )
        )
    return tuple(sorted(statuses, key=lambda s: s.ref))


def _nonnegative(seconds: float | None) -> float | None:
    return None if seconds is None else max(0.0, seconds)
