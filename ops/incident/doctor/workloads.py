"""The chain under a release: nodes, and the DaemonSets and Deployments whose pods cannot be created,
scheduled or made ready.

`why_not_ready` explains one workload from what the snapshot holds, most specific first: pods the
controller cannot create (`FailedCreate` on the DaemonSet or the Deployment's ReplicaSet: Pod Security
admission, quota, a missing ServiceAccount), pods the scheduler cannot place, images that cannot be
pulled, containers killed for memory, agent containers that fail (agents.py), and a rollout out of
time (`Progressing=False ProgressDeadlineExceeded`). The HelmRelease timeout check and
`workload-stuck` both use it, so a release that timed out names the same cause as its workload.

Nodes: `Ready` not True, or a pressure condition True (the kubelet's words:
`KubeletHasDiskPressure: kubelet has disk pressure`), and a `Ready=True` older than the newest
Warning Event about the node is not taken at its word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ops.incident.agent_pods import agent_flavour, failing_containers
from ops.incident.doctor.agents import Diagnosis, diagnose_pods
from ops.incident.doctor.common import DOCS, finding, kubectl, named, owner_in_namespace, tier_values
from ops.incident.doctor.events import event_line, newer_failure, one_line, owned_pods, related_events
from ops.incident.doctor.finding import Finding, Severity, Subject
from ops.incident.doctor.registry import check
from ops.incident.snapshot import AGENT_LOGS, AGENT_PODS, Snapshot
from ops.kube.fields import Json, condition, condition_line, name_of, namespace_of, rollout

if TYPE_CHECKING:
    from ops.incident.doctor.aws_keys import ApiKeysReader

QUOTA = re.compile(
    r"exceeded quota: (?P<name>[^,\s]+), requested: (?P<requested>[^,]+(?:,[^:,]+)*), "
    r"used: (?P<used>[^,]+(?:,[^:,]+)*), limited: (?P<limited>.+)$"
)
# Warning Events the kubelet (and node-problem-detector) record when a node fails, whatever its Ready says.
NODE_FAILURES = (
    "SystemOOM",
    "Rebooted",
    "NodeNotReady",
    "EvictionThresholdMet",
    "ContainerGCFailed",
    "ImageGCFailed",
    "FreeDiskSpaceFailed",
    "KubeletSetupFailed",
    "OOMKilling",
    "KernelOops",
    "TaskHung",
)
PRESSURES = ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")
IMAGE_WAITING = ("InvalidImageName", "ErrImagePull", "ImagePullBackOff")
DOCS_NODES = "https://kubernetes.io/docs/concepts/architecture/nodes/#condition"
DOCS_DEPLOYMENT = "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#failed-deployment"
DOCS_PSA = "https://kubernetes.io/docs/concepts/security/pod-security-admission/"


@dataclass
class WorkloadState:
    """One workload as the snapshot shows it, and why it is not ready (None: it is)."""

    subject: Subject
    obj: Json | None
    pods: list[Json] = field(default_factory=list)
    diagnosis: Diagnosis | None = None
    evidence: list[str] = field(default_factory=list)


def find_workload(snap: Snapshot, kind: str, namespace: str, name: str) -> Json | None:
    key = {"DaemonSet": "daemonsets", "Deployment": "deployments"}.get(kind)
    if key is None or not snap.readable(key):
        return None
    return next((o for o in snap.items(key) if (namespace_of(o), name_of(o)) == (namespace, name)), None)


def _failed_create(snap: Snapshot, subject: Subject, events: list[Json]) -> Diagnosis | None:
    ev = next((e for e in events if e.get("reason") == "FailedCreate"), None)
    if ev is None:
        return None
    message = one_line(ev.get("message"))
    ns = subject.namespace or ""
    line = event_line(snap, ev)
    if "violates PodSecurity" in message:
        return Diagnosis(
            "pod-security",
            f"Pod Security admission refuses the {subject.kind}'s pods: {message.split(': ', 1)[-1]}",
            [
                f"label namespace {ns} pod-security.kubernetes.io/enforce=privileged in the namespace manifest the "
                "pipeline renders (the agents need hostPath volumes and host ports), commit, `invoke promise.apply`",
                kubectl("label", "namespace", ns, "pod-security.kubernetes.io/enforce=privileged", "--overwrite")
                + "   # until the change reaches Git",
            ],
            decisive=message,
            evidence=[line],
            docs=DOCS_PSA,
        )
    quota = QUOTA.search(message)
    if quota:
        name = quota["name"]
        return Diagnosis(
            "quota",
            f"ResourceQuota {name} in {ns} refuses the pods: requested {quota['requested']}, "
            f"used {quota['used']}, limited {quota['limited']}",
            [
                f"lower the requests and limits in {tier_values(snap, ns)} (or move the stack to a smaller tier), "
                f"or raise ResourceQuota {name} where it is managed; commit, `invoke promise.apply`",
                kubectl("describe", "resourcequota", name, namespace=ns),
            ],
            decisive=message,
            evidence=[line],
        )
    if "serviceaccount" in message.lower() and "not found" in message:
        return Diagnosis(
            "service-account",
            f"the pods' ServiceAccount does not exist: {message}",
            [f"flux reconcile helmrelease datadog -n {ns} --force", kubectl("get", "serviceaccounts", namespace=ns)],
            decisive=message,
            evidence=[line],
        )
    return Diagnosis(
        "failed-create",
        f"the {subject.kind} controller cannot create pods: {message}",
        [kubectl("describe", subject.kind.lower(), subject.name, namespace=ns)],
        decisive=message,
        evidence=[line],
    )


def _pending(snap: Snapshot, pods: list[Json]) -> Diagnosis | None:
    for pod in pods:
        scheduled = condition(pod, "PodScheduled")
        if scheduled and scheduled.is_false and scheduled.reason == "Unschedulable":
            message = scheduled.one_line_message
            ns = namespace_of(pod)
            return Diagnosis(
                "unschedulable",
                f"the scheduler cannot place pod {name_of(pod)}: {message}",
                [
                    kubectl("describe", "pod", name_of(pod), namespace=ns),
                    f"lower the requests in {tier_values(snap, ns)} or add nodes (see agent-unschedulable)",
                ],
                decisive=message,
                evidence=[f"pod {name_of(pod)}: {condition_line(scheduled)}"],
                docs=DOCS["scheduling"],
            )
    return None


def _container_trouble(snap: Snapshot, pods: list[Json]) -> Diagnosis | None:
    for pod in pods:
        for status in (pod.get("status") or {}).get("containerStatuses") or []:
            waiting = (status.get("state") or {}).get("waiting") or {}
            last = (status.get("lastState") or {}).get("terminated") or {}
            name, ns = str(status.get("name")), namespace_of(pod)
            if waiting.get("reason") in IMAGE_WAITING:
                message = one_line(waiting.get("message"))
                return Diagnosis(
                    "image",
                    f"container {name} cannot pull image {status.get('image')}: {waiting.get('reason')}",
                    [kubectl("describe", "pod", name_of(pod), namespace=ns), "see image-error"],
                    decisive=message or str(waiting.get("reason")),
                    evidence=[f"pod {name_of(pod)} container {name} waiting: {waiting.get('reason')}: {message}"],
                    docs=DOCS["images"],
                )
            if last.get("reason") == "OOMKilled":
                return Diagnosis(
                    "oom",
                    f"container {name} is killed for exceeding its memory limit (OOMKilled, exit 137)",
                    [f"raise its memory limit in {tier_values(snap, ns)} (see oom-killed)"],
                    decisive="OOMKilled",
                    evidence=[f"pod {name_of(pod)} container {name}: last run OOMKilled, exit 137"],
                    docs=DOCS["oom"],
                )
    return None


def why_not_ready(snap: Snapshot, kind: str, namespace: str, name: str) -> WorkloadState:
    """The workload, its pods and the most specific reason it is not ready."""
    subject = Subject(kind, name, namespace)
    obj = find_workload(snap, kind, namespace, name)
    pods = owned_pods(snap, kind, namespace, name)
    state = WorkloadState(subject, obj, pods)
    if obj is not None:
        state.evidence.append(str(rollout(obj)))
        progressing = condition(obj, "Progressing")
        if progressing is not None and progressing.is_false:
            state.evidence.append(condition_line(progressing))
    events = related_events(snap, kind, namespace, name)
    diagnosis = _failed_create(snap, subject, events) or _pending(snap, pods) or _container_trouble(snap, pods)
    if diagnosis is None and any(agent_flavour(p) for p in pods):
        diagnosis = diagnose_pods(snap, [p for p in pods if failing_containers(p, snap.taken_at)] or pods)
    if diagnosis is None and obj is not None:
        progressing = condition(obj, "Progressing")
        if progressing is not None and progressing.reason == "ProgressDeadlineExceeded":
            diagnosis = Diagnosis(
                "deadline",
                f"the rollout did not progress within its deadline: {progressing.one_line_message}",
                [kubectl("rollout", "status", f"{kind.lower()}/{name}", namespace=namespace)],
                decisive=progressing.one_line_message,
                docs=DOCS_DEPLOYMENT,
            )
    if diagnosis is None and obj is None and not pods:
        diagnosis = Diagnosis(
            "missing",
            f"{kind} {namespace}/{name} does not exist (Helm deleted it, or it was never created)",
            [kubectl("get", kind.lower(), name, namespace=namespace)],
        )
    state.diagnosis = diagnosis
    return state


@check(
    "workload-stuck",
    "DaemonSets and Deployments whose pods cannot be created, or whose rollout does not progress",
    {"daemonsets", "deployments", "pods", "events", "namespaces", "datadogstacks", AGENT_LOGS},
)
def workload_stuck(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    found = []
    for key in ("daemonsets", "deployments"):
        for obj in snap.items(key):
            progressing = condition(obj, "Progressing")
            deadline = progressing is not None and progressing.reason == "ProgressDeadlineExceeded"
            created = related_events(snap, str(obj.get("kind")), namespace_of(obj), name_of(obj))
            failed_create = any(e.get("reason") == "FailedCreate" for e in created)
            if not (deadline or failed_create) or rollout(obj).complete:
                continue
            state = why_not_ready(snap, str(obj.get("kind")), namespace_of(obj), name_of(obj))
            diagnosis = state.diagnosis
            if diagnosis is None or diagnosis.key not in (
                "pod-security",
                "quota",
                "service-account",
                "failed-create",
                "deadline",
            ):
                continue  # the pods' own checks (agent-not-ready, oom-killed, image-error, agent-unschedulable) say it
            ns = namespace_of(obj)
            found.append(
                finding(
                    snap,
                    "workload-stuck",
                    Severity.ERROR,
                    state.subject,
                    owner=owner_in_namespace(snap, ns),
                    symptom=f"{state.subject} is not ready: "
                    + ("its pods cannot be created" if failed_create else "its rollout exceeded its progress deadline"),
                    evidence=[*state.evidence, *diagnosis.evidence],
                    cause=diagnosis.cause,
                    fix=diagnosis.fix,
                    docs=diagnosis.docs,
                )
            )
    return found


@check("node-not-ready", "Nodes NotReady or under memory, disk or PID pressure", {"nodes", AGENT_PODS, "events"})
def node_not_ready(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    found = []
    for node in snap.items("nodes"):
        name = name_of(node)
        ready = condition(node, "Ready")
        pressures = [c for t in PRESSURES if (c := condition(node, t)) is not None and c.is_true]
        since = ready.last_transition_time if ready else None
        stale = newer_failure(snap, "Node", None, name, since=since, reasons=NODE_FAILURES)
        not_ready = ready is None or not ready.is_true
        if not (not_ready or pressures or stale is not None):
            continue
        evidence = [condition_line(ready) + (f" ({snap.age(ready.last_transition_time)} ago)" if ready else "")]
        evidence += [condition_line(c) for c in pressures]
        if stale is not None and not not_ready:
            evidence.append(f"Ready=True is older than this Warning: {event_line(snap, stale)}")
        on_node = [p for p in snap.pods() if (p.get("spec") or {}).get("nodeName") == name]
        agents = [p for p in on_node if agent_flavour(p)]
        if agents:
            evidence.append(f"Datadog pods on it: {named([f'{namespace_of(p)}/{name_of(p)}' for p in agents])}")
        if not_ready:
            cause = f"node {name} is not ready: {ready.one_line_message if ready else 'no Ready condition'}"
            fix = [
                kubectl("describe", "node", name),
                f"aws ec2 describe-instance-status --filters Name=private-dns-name,Values={name}",
                "if the instance is gone or impaired: "
                + kubectl("drain", name, "--ignore-daemonsets", "--delete-emptydir-data")
                + " and let the node group replace it",
            ]
            severity = Severity.ERROR
        elif pressures:
            kinds = ", ".join(c.type for c in pressures)
            cause = f"node {name} reports {kinds}: the kubelet evicts pods and refuses new ones"
            fix = [
                kubectl("describe", "node", name),
                kubectl("get", "pods", "-A", f"--field-selector=spec.nodeName={name}", "-o", "wide"),
                "free the resource (delete what fills the disk, lower requests/limits) "
                "or move to a bigger instance type in iac/",
            ]
            severity = Severity.ERROR
        else:
            cause = f"node {name} says Ready, but the kubelet reported a failure after that: " + one_line(
                stale.get("message") if stale else ""
            )
            fix = [
                kubectl("describe", "node", name),
                kubectl("get", "events", f"--field-selector=involvedObject.name={name}"),
            ]
            severity = Severity.WARNING
        found.append(
            finding(
                snap,
                "node-not-ready",
                severity,
                Subject("Node", name),
                symptom=f"node {name} is "
                + (
                    "NotReady"
                    if not_ready
                    else "under " + ", ".join(c.type for c in pressures)
                    if pressures
                    else "Ready only by an old condition"
                ),
                evidence=evidence,
                cause=cause,
                fix=fix,
                docs=DOCS_NODES,
            )
        )
    return found


CHECKS = (node_not_ready, workload_stuck)
