"""Datadog agents (node agents and the cluster agent) not ready or restarting, whatever the reason.

Read from three places, each quoted verbatim: the containers' states (the kubelet's), the pods'
Warning Events (`Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 500`,
`BackOff`), and the last log lines of the failing containers (the snapshot reads them for a few pods
per namespace, `--previous` for a container waiting to restart). The agent's well-known failures are
recognised by the lines its source writes:

- an API key the intake refuses: `API Key invalid, dropping transaction for <url>` (the forwarder on
  a 403, comp/forwarder/defaultforwarder/transaction/transaction.go) and `No valid api key found,
  reporting the forwarder as unhealthy.` (forwarder_health.go). The agent stays Running: `/live`
  answers 200 and `/ready` 500 (https://github.com/DataDog/helm-charts/issues/1339). The same 403
  comes back when the key belongs to another Datadog site
  (https://github.com/DataDog/helm-charts/issues/188): the URL in the line says which site is used.
- no API key at all: `no API key configured, exiting` (cmd/cluster-agent, cmd/agent).
- hostname detection: `Error while getting hostname, exiting: unable to reliably determine the host
  name. You can define one in the agent config file or in your hosts file`
  (https://github.com/DataDog/datadog-agent/issues/14152).
- the cluster agent's token: `cluster agent authentication token length must be greater than 32`,
  and `temporary failure in clusterAgentClient, will retry later: "https://...:5005/version" is
  unavailable: 403 Forbidden` when node agents and cluster agent hold different tokens
  (pkg/util/clusteragent/clusteragent.go); any other `clusterAgentClient` failure means the node
  agents cannot reach the cluster agent.
- any other crash on start: the exit code and the last ERROR/CRITICAL line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from datadog_configure.request import SITES
from ops.incident.agent_pods import FailingContainer, agent_flavour, failing_containers
from ops.incident.doctor.common import (
    VALUES_DIR,
    epoch,
    external_secret_writing,
    finding,
    force_sync_remedy,
    kubectl,
    named,
    owner_in_namespace,
    stack_subject,
)
from ops.incident.doctor.events import event_lines, one_line, related_events
from ops.incident.doctor.finding import Finding, Remedy, Severity, Subject
from ops.incident.doctor.registry import check
from ops.incident.snapshot import AGENT_LOGS, AGENT_PODS, Snapshot, per_snapshot
from ops.incident.status import stack_namespaces
from ops.kube.fields import Json, exited, labels_of, name_of, namespace_of
from ops.names import CLUSTER_AGENT, StackRef

if TYPE_CHECKING:
    from ops.incident.doctor.aws_keys import ApiKeysReader

KEYS_SECRET = "datadog-api-key"  # the Secret the stack's ExternalSecret writes (promises/pipelines/...)
DOCS_AGENT = "https://docs.datadoghq.com/containers/troubleshooting/"
DOCS_HOSTNAME = "https://docs.datadoghq.com/containers/troubleshooting/hostname_containers/"
DOCS_DCA = "https://docs.datadoghq.com/containers/troubleshooting/cluster-agent/"
DOCS_SITE = "https://docs.datadoghq.com/getting_started/site/"
MAX_LOG_LINES = 3  # quoted per finding besides the decisive one

# (key, pattern): the first that matches a log line, termination message, waiting message or event wins.
KNOWN: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("api-key-missing", re.compile(r"no API key configured|couldn't find key api[-_]key in Secret", re.I)),
    ("api-key-invalid", re.compile(r"API Key invalid|No valid api key found|Invalid API key", re.I)),
    ("hostname", re.compile(r"unable to reliably determine the host name|Error while getting hostname", re.I)),
    ("dca-token-length", re.compile(r"cluster agent authentication token length must be", re.I)),
    (
        "dca-token-missing",
        re.compile(r"couldn't find key token in Secret|secret \"[^\"]*cluster-agent[^\"]*\" not found"),
    ),
    (
        "dca-forbidden",
        re.compile(r"(?:clusterAgentClient|cluster agent|:5005).*(?:403 Forbidden|401 Unauthorized)", re.I),
    ),
    (
        "dca-unreachable",
        re.compile(r"temporary failure in clusterAgentClient|cannot get a cluster agent endpoint", re.I),
    ),
)
_URL_HOST = re.compile(r"https?://([^/\s:\"]+)")
_ERROR_LINE = re.compile(r"\|\s*(?:ERROR|CRITICAL)\s*\||\b(?:Error|error|panic):")


@dataclass
class Context:
    """What a fix needs to name: the namespace, its stack, environment, site, tier and key producer."""

    namespace: str
    owner: Subject | None
    environment: str | None = None
    site: str | None = None
    tier: str | None = None
    external_secret: Subject | None = None


@dataclass
class Diagnosis:
    """A workload's cause, with the line that decided it, what to type, and the safe remedy if any."""

    key: str
    cause: str
    fix: list[str]
    decisive: str = ""
    evidence: list[str] = field(default_factory=list)
    remedy: Remedy | None = None
    docs: str = DOCS_AGENT


def workload_of(pod: Json) -> Subject:
    """The DaemonSet or Deployment (through its ReplicaSet) that runs the pod, else the pod."""
    for ref in (pod.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            kind, name = str(ref.get("kind")), str(ref.get("name"))
            if kind == "ReplicaSet":
                kind, name = "Deployment", re.sub(r"-[a-z0-9]{6,10}$", "", name)
            return Subject(kind, name, namespace_of(pod))
    return Subject("Pod", name_of(pod), namespace_of(pod))


@dataclass(frozen=True)
class _Index:
    """Per snapshot, built once: each Datadog namespace's stack, and the site its HelmRelease sends to."""

    stacks: dict[str, Json]
    refs: dict[str, StackRef | None]
    sites: dict[str, str]


@per_snapshot
def _index(snap: Snapshot) -> _Index:
    refs = stack_namespaces(snap)
    by_ref = {(namespace_of(s), name_of(s)): s for s in _items(snap, "datadogstacks")}
    stacks = {ns: by_ref[(r.namespace, r.name)] for ns, r in refs.items() if r and (r.namespace, r.name) in by_ref}
    sites: dict[str, str] = {}
    for release in _items(snap, "helmreleases"):
        site = (((release.get("spec") or {}).get("values") or {}).get("datadog") or {}).get("site")
        if site:
            sites.setdefault(namespace_of(release), str(site))
    return _Index(stacks, refs, sites)


def _items(snap: Snapshot, key: str) -> tuple[Json, ...]:
    return snap.items(key) if snap.readable(key) else ()


def context_of(snap: Snapshot, namespace: str, *, with_producer: bool = True) -> Context:
    index = _index(snap)
    ctx = Context(namespace, stack_subject(index.refs.get(namespace)))
    spec = index.stacks.get(namespace, {}).get("spec") or {}
    ns = snap.namespace(namespace) if snap.readable("namespaces") else None
    labels = labels_of(ns) if ns else {}
    ctx.environment = str(spec.get("environment") or labels.get(f"{snap.api_group}/environment") or "") or None
    ctx.tier = str(spec.get("tier") or labels.get(f"{snap.api_group}/tier") or "") or None
    ctx.site = str(spec.get("site") or index.sites.get(namespace) or "") or None
    producer = external_secret_writing(snap, namespace, KEYS_SECRET) if with_producer else None
    if producer is not None:
        ctx.external_secret = Subject("ExternalSecret", name_of(producer), namespace)
    return ctx


def site_of_url(line: str) -> str | None:
    """The Datadog site a URL in a log line belongs to (`https://7-61-0-app.agent.datadoghq.eu/...`)."""
    for host in _URL_HOST.findall(line):
        matches = [s for s in SITES if host == s or host.endswith("." + s)]
        if matches:
            return max(matches, key=len)
    return None


# reading the pods -------------------------------------------------------------------------------
def state_line(snap: Snapshot, failing: FailingContainer) -> str:
    """`container agent Running, not ready, 0 restarts` / `container agent CrashLoopBackOff: last run exited 255...`."""
    status, name = failing.status, failing.name
    state = status.get("state") or {}
    restarts = int(status.get("restartCount") or 0)
    last = (status.get("lastState") or {}).get("terminated") or {}
    if "waiting" in state:
        now = str((state["waiting"] or {}).get("reason") or "Waiting")
        message = one_line((state["waiting"] or {}).get("message"))
        head = f"container {name} {now}" + (f": {message}" if message and not last else "")
    elif "terminated" in state:
        head = f"container {name} {exited(state['terminated'])}"
    else:
        head = f"container {name} Running, " + ("ready" if status.get("ready") else "not ready")
    if last:
        head += f"; last run {exited(last)} {snap.age(last.get('finishedAt'))} ago"
    return head + f", {restarts} restart{'s' if restarts != 1 else ''}"


def _texts(snap: Snapshot, failing: Iterable[FailingContainer], events: list[Json]) -> list[tuple[str, str]]:
    """(where, line) of everything that may name the cause: logs, termination and waiting messages, events."""
    found: list[tuple[str, str]] = []
    for f in failing:
        tail = snap.log(namespace_of(f.pod), name_of(f.pod), f.name)
        if tail is not None:
            found += [(f"log {f.name}", line) for line in reversed(tail.lines)]
        for state in ((f.status.get("state") or {}), (f.status.get("lastState") or {})):
            for key in ("terminated", "waiting"):
                message = one_line((state.get(key) or {}).get("message"))
                if message:
                    found.append((f"{key} message of {f.name}", message))
    found += [("event", one_line(ev.get("message"))) for ev in events]
    return found


def recognise(texts: list[tuple[str, str]]) -> tuple[str, str] | None:
    """(key, the line that decided it), by the priority of KNOWN."""
    for key, pattern in KNOWN:
        for _, line in texts:
            if pattern.search(line):
                return key, line
    return None


# causes and fixes -------------------------------------------------------------------------------
def _reconcile(ctx: Context) -> str:
    return f"flux reconcile helmrelease datadog -n {ctx.namespace}"


def _values_file(ctx: Context) -> str:
    return f"{VALUES_DIR}/values-{ctx.tier or '<tier>'}.yaml"


def _stack_manifest(ctx: Context) -> str:
    return f"the DatadogStack {ctx.owner.namespace}/{ctx.owner.name}" if ctx.owner else "the DatadogStack"


def _key_fixes(snap: Snapshot, ctx: Context) -> tuple[list[str], Remedy | None]:
    env = ctx.environment or "<env>"
    fixes = [f"invoke secrets.create --env {env}"]
    remedy = None
    if ctx.external_secret is not None:
        remedy = force_sync_remedy(ctx.external_secret, epoch(snap))
        fixes.append(remedy.command)
    fixes.append(_reconcile(ctx))
    return fixes, remedy


def _sibling_sites(snap: Snapshot, ctx: Context, unhealthy: set[str]) -> list[tuple[str, str]]:
    """(namespace, site) of other stacks of the same environment whose agents are fine on another site."""
    if not ctx.environment or not snap.readable("namespaces"):
        return []
    found = []
    for namespace in _index(snap).refs:
        if namespace == ctx.namespace or namespace in unhealthy:
            continue
        other = context_of(snap, namespace, with_producer=False)
        if other.environment == ctx.environment and other.site and other.site != ctx.site:
            found.append((namespace, other.site))
    return found


def explain(snap: Snapshot, key: str, line: str, ctx: Context, unhealthy: set[str]) -> Diagnosis:
    """The cause and the fixes of a recognised failure, for this namespace's stack."""
    env = ctx.environment or "<env>"
    secret_path = f"datadog/{env}/api-keys"
    if key == "api-key-invalid":
        used = site_of_url(line) or ctx.site
        siblings = _sibling_sites(snap, ctx, unhealthy)
        key_fixes, remedy = _key_fixes(snap, ctx)
        if siblings or (used and ctx.site and used != ctx.site):
            good = siblings[0][1] if siblings else ctx.site
            why = (
                f"the same key ({secret_path}) works for the agents in {siblings[0][0]} on {good}"
                if siblings
                else f"the stack is configured for {ctx.site}"
            )
            return Diagnosis(
                "wrong-site",
                f"the agents send to {used} and its intake refuses the key with 403; {why}: "
                f"the key belongs to another Datadog site",
                [
                    f"set spec.site: {good} on {_stack_manifest(ctx)} in Git "
                    f"(now {ctx.site or 'the platform default'})",
                    "commit and push: Kratix re-runs the pipeline and Flux upgrades the release",
                    *key_fixes,
                ],
                docs=DOCS_SITE,
            )
        return Diagnosis(
            key,
            f"the Datadog intake{' at ' + used if used else ''} refuses the API key with 403: the key in "
            f"Secrets Manager {secret_path} is invalid or revoked "
            f"(or issued for another site than {used or 'this one'})",
            [*key_fixes, f"if the key is right but for another site: set spec.site on {_stack_manifest(ctx)} in Git"],
            remedy=remedy,
        )
    if key == "api-key-missing":
        key_fixes, remedy = _key_fixes(snap, ctx)
        return Diagnosis(
            key,
            f"the agent has no API key: Secret {KEYS_SECRET} has an empty or missing api-key, "
            f"so {secret_path} in Secrets Manager lacks it",
            key_fixes,
            remedy=remedy,
        )
    if key == "hostname":
        return Diagnosis(
            key,
            "the agent cannot determine the node's hostname (neither from the kubelet nor from the EC2 metadata "
            "service) and exits",
            [
                "on EKS with IMDSv2: set the node group's metadata hop limit to 2 "
                "(launch template metadata_options http_put_response_hop_limit = 2) in iac/, then `invoke infra.apply`",
                f"or, when the kubelet's certificate is the cause (x509 in the log): set datadog.kubelet.tlsVerify: "
                f"false in {_values_file(ctx)}, commit, `invoke pipeline.build` and `invoke promise.apply`",
                kubectl("logs", "daemonset/datadog", "-c", "agent", "--previous", namespace=ctx.namespace),
            ],
            docs=DOCS_HOSTNAME,
        )
    if key in ("dca-token-length", "dca-token-missing"):
        return Diagnosis(
            key,
            "the cluster agent token the agents and the cluster agent share is "
            + ("shorter than 32 characters" if key == "dca-token-length" else "missing from its Secret"),
            [
                f"remove clusterAgent.token from {_values_file(ctx)} (the chart then generates a 32-character token) "
                "or set it to 32+ alphanumeric characters; commit, `invoke pipeline.build`, `invoke promise.apply`",
                kubectl("get", "secret", "datadog-cluster-agent", "-o", "jsonpath={.data}", namespace=ctx.namespace)
                + " | wc -c",
            ],
            docs=DOCS_DCA,
        )
    if key == "dca-forbidden":
        return Diagnosis(
            key,
            "the cluster agent refuses the node agents' token (403): they hold different tokens, usually because "
            "an upgrade regenerated the datadog-cluster-agent Secret and the agents kept the old one",
            [
                kubectl("rollout", "restart", "daemonset/datadog", namespace=ctx.namespace),
                f"pin the token: set clusterAgent.tokenExistingSecret in {_values_file(ctx)} to a Secret the "
                "ExternalSecret writes, so upgrades keep it",
            ],
            docs=DOCS_DCA,
        )
    if key == "dca-unreachable":
        return Diagnosis(
            key,
            "the node agents cannot reach the cluster agent (service datadog-cluster-agent, port 5005): "
            "it is down or not ready (see its own finding)",
            [
                kubectl("get", "pods", "-l", "app=datadog-cluster-agent", "-o", "wide", namespace=ctx.namespace),
                kubectl("get", "endpoints", "datadog-cluster-agent", namespace=ctx.namespace),
            ],
            docs=DOCS_DCA,
        )
    raise ValueError(key)


def crash_or_probe(
    snap: Snapshot, failing: list[FailingContainer], texts: list[tuple[str, str]], ctx: Context
) -> Diagnosis:
    """Not a known failure: a crash quotes its exit code and last error line; a probe failure says so."""
    first = failing[0]
    last = (first.status.get("lastState") or {}).get("terminated") or (first.status.get("state") or {}).get(
        "terminated"
    )
    error = next((line for where, line in texts if where.startswith("log") and _ERROR_LINE.search(line)), "")
    target = f"pod/{name_of(first.pod)}"
    logs = kubectl(
        "logs", target, "-c", first.name, *(["--previous"] if first.previous else []), namespace=ctx.namespace
    )
    if last:
        what = f"container {first.name} {exited(last)}"
        return Diagnosis(
            "crash",
            f"{what} on start" + (f": {error}" if error else " (no error line in its last log lines)"),
            [logs, kubectl("describe", target, namespace=ctx.namespace)],
            decisive=error,
        )
    probe = next((line for where, line in texts if where == "event" and "probe failed" in line.lower()), "")
    return Diagnosis(
        "not-ready",
        f"container {first.name} runs but its readiness probe fails"
        + (f" ({probe})" if probe else "")
        + ": one of the agent's components reports unhealthy",
        [kubectl("exec", target, "-c", first.name, "--", "agent", "health", namespace=ctx.namespace), logs],
        decisive=probe,
    )


def diagnose_pods(snap: Snapshot, pods: list[Json], unhealthy: Iterable[str] = ()) -> Diagnosis | None:
    """Why these agent pods (one workload) are not ready; None when none of them fails."""
    failing = [f for pod in pods for f in failing_containers(pod, snap.taken_at)]
    if not failing:
        return None
    ns = namespace_of(pods[0])
    ctx = context_of(snap, ns)
    workload = workload_of(pods[0])
    events = related_events(snap, workload.kind, ns, workload.name)
    texts = _texts(snap, failing, events)
    hit = recognise(texts)
    diagnosis = explain(snap, hit[0], hit[1], ctx, set(unhealthy)) if hit else crash_or_probe(snap, failing, texts, ctx)
    if hit:
        diagnosis.decisive = hit[1]
    tails = [t for f in failing[:1] if (t := snap.log(ns, name_of(f.pod), f.name)) is not None]
    evidence = [state_line(snap, f) for f in _distinct(failing)]
    if diagnosis.decisive:
        source = next((where for where, line in texts if line == diagnosis.decisive), "")
        evidence.append(f"{source}: {diagnosis.decisive}")
    evidence += event_lines(snap, events)
    for tail in tails:
        if tail.error:
            evidence.append(f"log of {tail.container} could not be read: {tail.error}")
        else:
            shown = [line for line in tail.lines[-MAX_LOG_LINES:] if line != diagnosis.decisive]
            evidence += [f"  {line}" for line in shown]
    diagnosis.evidence = evidence
    return diagnosis


def _distinct(failing: list[FailingContainer]) -> list[FailingContainer]:
    seen: set[str] = set()
    kept = []
    for f in failing:
        if f.name not in seen:
            seen.add(f.name)
            kept.append(f)
    return kept


def _covered_elsewhere(pod: Json) -> bool:
    """OOMKilled, image pull errors and Pending pods have their own checks."""
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        last = ((status.get("lastState") or {}).get("terminated") or {}).get("reason")
        now = ((status.get("state") or {}).get("terminated") or {}).get("reason")
        waiting = ((status.get("state") or {}).get("waiting") or {}).get("reason")
        if "OOMKilled" in (last, now) or waiting in ("InvalidImageName", "ErrImagePull", "ImagePullBackOff"):
            return True
    return False


def agent_groups(snap: Snapshot) -> dict[Subject, list[Json]]:
    """Agent pods with a failing container, by workload (DaemonSet datadog, Deployment datadog-cluster-agent)."""
    groups: dict[Subject, list[Json]] = {}
    for pod in snap.pods():
        if agent_flavour(pod) is None or not failing_containers(pod, snap.taken_at) or _covered_elsewhere(pod):
            continue
        groups.setdefault(workload_of(pod), []).append(pod)
    return groups


@check(
    "agent-not-ready",
    "Datadog agents not ready or restarting: probes, crashes, API key, site, hostname, cluster agent token",
    {AGENT_PODS, "pods", "events", "namespaces", "datadogstacks", "helmreleases", "externalsecrets", AGENT_LOGS},
)
def agent_not_ready(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    groups = agent_groups(snap)
    unhealthy = {w.namespace or "" for w in groups}
    found = []
    for workload, pods in groups.items():
        ns = workload.namespace or ""
        diagnosis = diagnose_pods(snap, pods, unhealthy)
        if diagnosis is None:
            continue
        flavour = "cluster agent" if agent_flavour(pods[0]) == "cluster-agent" else "node agent"
        total = len([p for p in snap.pods_in(ns) if workload_of(p) == workload])
        found.append(
            finding(
                snap,
                "agent-not-ready",
                Severity.ERROR,
                workload,
                owner=owner_in_namespace(snap, ns),
                symptom=f"{len(pods)} of {total} {flavour} pod(s) in {ns} not ready or restarting: "
                f"{named([name_of(p) for p in pods])}",
                evidence=diagnosis.evidence,
                cause=diagnosis.cause,
                fix=diagnosis.fix,
                docs=diagnosis.docs,
                remedy=diagnosis.remedy,
                root=Subject("Deployment", CLUSTER_AGENT, ns) if diagnosis.key == "dca-unreachable" else None,
            )
        )
    return found


CHECKS = (agent_not_ready,)
