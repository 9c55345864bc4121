"""Incidents rebuilt from public reports: Datadog agents, HelmRelease timeouts, Flux sources, the chain.

Each incident builds the objects as the kubelet and the controllers write them (container states,
Events with reason/message/involvedObject/count/lastTimestamp, helm-controller's and
source-controller's conditions, the agent's log lines), names the report it comes from, runs every
check, and asserts the root cause (check and object), the decisive detail quoted in the evidence,
and that the first fix offered is the one that fits the cause.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ops.config import Settings
from ops.incident.doctor.finding import Finding, Subject
from ops.incident.doctor.incidents import build_incidents
from ops.incident.doctor.registry import all_checks
from ops.incident.doctor.run import diagnose
from ops.incident.snapshot import ContextRead, Snapshot
from tests.kube.emulator import EmulatorThread
from tests.objects import (
    NODES,
    Stack,
    agent_log,
    agent_pods,
    back_off,
    chart_version_missing,
    crash_looping,
    daemonset,
    daemonset_stuck,
    depends_on,
    deployment,
    deployment_deadline,
    event,
    healthy_platform,
    helm_chart,
    helm_release,
    helm_repository_failed,
    log_line,
    node,
    probe_failed,
    release_failed,
    replace,
    running_not_ready,
    source_not_ready,
    suspended,
    timeout_error,
    with_site,
)
from tests.snapshots import read

PROD = Stack("production", "team-a", tier="full", env="prod")
STAGING = Stack("staging", "team-b", tier="standard", env="staging")
CLUSTER_AGENT = "datadog-cluster-agent-7d9c5b6f4-q2w3e"
INVALID_KEY = log_line(
    "ERROR",
    "API Key invalid, dropping transaction for https://7-81-1-app.agent.datadoghq.eu/api/v2/series",
    where="comp/forwarder/defaultforwarder/transaction/transaction.go:433 in internalProcess",
)
NO_VALID_KEY = log_line(
    "ERROR",
    "No valid api key found, reporting the forwarder as unhealthy.",
    where="comp/forwarder/defaultforwarder/forwarder_health.go:123 in healthCheckLoop",
)
HOSTNAME = (
    "Error while getting hostname, exiting: unable to reliably determine the host name. "
    "You can define one in the agent config file or in your hosts file"
)


@pytest.fixture
def incident(kube: EmulatorThread, kubeconfig: Path, settings: Settings) -> Callable[..., list[Finding]]:
    """incident(objects, logs={(ns, pod, container): text}) -> every check's findings on that cluster."""

    def run(objects: list[dict[str, Any]], logs: dict[tuple[str, str, str], str] | None = None) -> list[Finding]:
        for (ns, pod, container), text in (logs or {}).items():
            kube.set_pod_log(ns, pod, text, container=container)
        snap: Snapshot = read(kube, kubeconfig, settings, objects)
        return list(diagnose([ContextRead("kind-a", snap)], all_checks(), None).findings)

    return run


def only(findings: list[Finding], check: str, obj: Subject) -> Finding:
    hits = [f for f in findings if f.check == check and f.object == obj]
    assert len(hits) == 1, [(f.check, str(f.object)) for f in findings]
    return hits[0]


def quoted(finding: Finding, text: str) -> bool:
    return any(text in line for line in finding.evidence)


def agents(s: Stack) -> list[dict[str, Any]]:
    return agent_pods(s)[:-1]


def ds(s: Stack) -> Subject:
    return Subject("DaemonSet", "datadog", s.target)


def hr(s: Stack) -> Subject:
    return Subject("HelmRelease", "datadog", s.target)


def _not_ready_with_log(
    objects: list[dict[str, Any]], s: Stack, log: str
) -> tuple[list[dict[str, Any]], dict[tuple[str, str, str], str]]:
    logs = {}
    for pod in agents(s):
        objects = replace(objects, running_not_ready(pod))
        objects.append(probe_failed(pod))
        logs[(s.target, pod["metadata"]["name"], "agent")] = log
    return objects, logs


# 1 -----------------------------------------------------------------------------------------------
def test_invalid_api_key_keeps_agents_running_but_never_ready(incident: Callable[..., list[Finding]]) -> None:
    """https://github.com/DataDog/helm-charts/issues/1339: /live 200, /ready 500, pods unready until restarted."""
    objects, logs = _not_ready_with_log(healthy_platform([PROD]), PROD, agent_log(INVALID_KEY, NO_VALID_KEY))

    findings = incident(objects, logs)

    f = only(findings, "agent-not-ready", ds(PROD))
    assert f.owner == Subject("DatadogStack", "production", "team-a")
    assert quoted(f, "API Key invalid, dropping transaction for https://7-81-1-app.agent.datadoghq.eu")
    assert quoted(f, "Readiness probe failed: HTTP probe failed with statuscode: 500")
    assert "datadog/prod/api-keys" in f.cause
    assert f.fix[0] == "invoke secrets.create --env prod"
    assert f.remedy is not None and f.remedy.action == "force-sync"


# 2 -----------------------------------------------------------------------------------------------
def test_a_key_for_another_site_is_a_wrong_site_not_a_bad_key(incident: Callable[..., list[Finding]]) -> None:
    """https://github.com/DataDog/helm-charts/issues/188: an EU key sent to the US site: 403 on every flush."""
    us = Stack("production-us", "team-a", tier="full", env="prod", extra={"site": "datadoghq.com"})
    objects = healthy_platform([PROD, us])
    objects = replace(objects, with_site(helm_release(us), "datadoghq.com"))
    line = log_line(
        "ERROR",
        "API Key invalid, dropping transaction for https://7-81-1-app.agent.datadoghq.com/api/v1/check_run",
        where="comp/forwarder/defaultforwarder/transaction/transaction.go:433 in internalProcess",
    )
    objects, logs = _not_ready_with_log(objects, us, agent_log(line))

    findings = incident(objects, logs)

    f = only(findings, "agent-not-ready", ds(us))
    assert quoted(f, "agent.datadoghq.com/api/v1/check_run")
    assert f"works for the agents in {PROD.target} on datadoghq.eu" in f.cause
    assert f.fix[0].startswith("set spec.site: datadoghq.eu on the DatadogStack team-a/production-us in Git")
    assert not [x for x in findings if x.object == ds(PROD)]


# 3 -----------------------------------------------------------------------------------------------
def test_hostname_detection_failure_crash_loops_the_agents(incident: Callable[..., list[Finding]]) -> None:
    """https://github.com/DataDog/datadog-agent/issues/14152: 7.40 exits when it cannot get a hostname on EKS."""
    objects = healthy_platform([PROD])
    logs = {}
    for pod in agents(PROD):
        objects = replace(objects, crash_looping(pod, exit_code=255, restarts=12))
        objects.append(back_off(pod))
        logs[(PROD.target, pod["metadata"]["name"], "agent")] = agent_log(
            log_line("ERROR", HOSTNAME, where="cmd/agent/subcommands/run/command.go:430 in startAgent")
        )

    findings = incident(objects, logs)

    f = only(findings, "agent-not-ready", ds(PROD))
    assert quoted(f, "unable to reliably determine the host name")
    assert quoted(f, "CrashLoopBackOff; last run exited 255 (Error)")
    assert quoted(f, "Back-off restarting failed container agent")
    assert f.fix[0].startswith("on EKS with IMDSv2: set the node group's metadata hop limit to 2")
    assert [x.check for x in findings if x.check == "oom-killed"] == []


# 4 -----------------------------------------------------------------------------------------------
def test_a_short_cluster_agent_token_crashes_the_cluster_agent(incident: Callable[..., list[Finding]]) -> None:
    """https://github.com/DataDog/documentation/pull/14029: the token must have at least 32 characters."""
    cluster = agent_pods(STAGING)[-1]
    objects = replace(healthy_platform([STAGING]), crash_looping(cluster, "cluster-agent", exit_code=1, restarts=9))
    objects.append(back_off(cluster, "cluster-agent"))
    log = agent_log(
        log_line(
            "ERROR",
            "Error while starting api server, exiting: cluster agent authentication token length must be "
            "greater than 32, curently: 26",
            flavour="CLUSTER",
        )
    )

    findings = incident(objects, {(STAGING.target, CLUSTER_AGENT, "cluster-agent"): log})

    f = only(findings, "agent-not-ready", Subject("Deployment", "datadog-cluster-agent", STAGING.target))
    assert quoted(f, "token length must be greater than 32, curently: 26")
    assert "shorter than 32 characters" in f.cause
    assert f.fix[0].startswith(
        "remove clusterAgent.token from promises/pipelines/datadog-configure/values/values-standard.yaml"
    )


# 5 -----------------------------------------------------------------------------------------------
def test_a_release_timeout_is_traced_to_agents_that_never_get_ready(incident: Callable[..., list[Finding]]) -> None:
    """https://github.com/fluxcd/helm-controller/issues/701: retries exhausted; the cause is the workload waited on.

    The symptom is on the HelmRelease; the cause is the API key the agents use.
    """
    error = timeout_error(("DaemonSet", PROD.target, "datadog"))
    objects = replace(healthy_platform([PROD]), release_failed(PROD, error))
    objects = replace(objects, daemonset_stuck(daemonset(PROD.target, 2, 2), desired=2, current=2, ready=0))
    objects, logs = _not_ready_with_log(objects, PROD, agent_log(INVALID_KEY))

    findings = incident(objects, logs)

    f = only(findings, "helmrelease-timeout", hr(PROD))
    assert f.symptom.endswith(f"timed out waiting for DaemonSet {PROD.target}/datadog (InProgress)")
    assert quoted(f, "DaemonSet datadog 0/2 ready")
    assert quoted(f, "API Key invalid")
    assert f.cause.startswith(f"DaemonSet {PROD.target}/datadog did not become ready: the Datadog intake")
    assert f.fix[0] == "invoke secrets.create --env prod"
    assert f.fix[-1] == f"then: flux reconcile helmrelease datadog -n {PROD.target} --reset"
    assert [x for x in findings if x.check == "helmrelease-not-ready"] == []
    [one_incident] = build_incidents(findings)  # the release's timeout and the agents' key: one cause
    assert one_incident.root == ds(PROD)
    assert one_incident.fix[0] == "invoke secrets.create --env prod"


# 6 -----------------------------------------------------------------------------------------------
def test_a_release_timeout_on_pods_pod_security_refuses(incident: Callable[..., list[Finding]]) -> None:
    """https://github.com/DataDog/helm-charts/issues/1480: FailedCreate, violates PodSecurity "baseline:latest".

    The HelmRelease times out; the DaemonSet has no pod; the cause is the namespace's admission level.
    """
    message = (
        'Error creating: pods "datadog-x7k2p" is forbidden: violates PodSecurity "baseline:latest": hostPath '
        'volumes (volumes "procdir", "cgroups", "os-release-file", "runtimesocketdir"), hostPort (container '
        '"trace-agent" uses hostPort 8126)'
    )
    objects = [o for o in healthy_platform([PROD]) if o not in agents(PROD)]
    objects = replace(objects, release_failed(PROD, timeout_error(("DaemonSet", PROD.target, "datadog"))))
    objects = replace(objects, daemonset_stuck(daemonset(PROD.target, 2, 2), desired=2))
    objects.append(
        event("DaemonSet", PROD.target, "datadog", "FailedCreate", message, count=23, source="daemonset-controller")
    )

    findings = incident(objects)

    f = only(findings, "helmrelease-timeout", hr(PROD))
    assert quoted(f, 'violates PodSecurity "baseline:latest": hostPath volumes')
    assert f.fix[0].startswith(f"label namespace {PROD.target} pod-security.kubernetes.io/enforce=privileged")
    stuck = only(findings, "workload-stuck", ds(PROD))
    assert stuck.fix[0] == f.fix[0]


# 7 -----------------------------------------------------------------------------------------------
def test_a_repository_index_404_is_the_cause_of_a_release_not_ready(incident: Callable[..., list[Finding]]) -> None:
    """https://github.com/neo4j/helm-charts/issues/347: failed to fetch .../index.yaml : 404 Not Found."""
    message = (
        "failed to fetch Helm repository index: failed to cache index to temporary file: failed to fetch "
        "https://helm.datadoghq.com/charts/index.yaml : 404 Not Found"
    )
    repo = helm_repository_failed(PROD, "Failed", message, url="https://helm.datadoghq.com/charts")
    objects = replace(replace(healthy_platform([PROD]), repo), source_not_ready(PROD, "HelmRepository is not ready"))

    findings = incident(objects)

    f = only(findings, "helm-source-failed", Subject("HelmRepository", "datadog", PROD.target))
    assert quoted(f, "index.yaml : 404 Not Found")
    assert quoted(f, f"HelmRelease {PROD.target}/datadog: Ready=False SourceNotReady")
    assert f.fix[0].startswith("correct the repository URL https://helm.datadoghq.com/charts: datadog.chart_repository")
    assert [x for x in findings if x.check == "helmrelease-not-ready"] == []


# 8 -----------------------------------------------------------------------------------------------
def test_a_pinned_chart_version_that_is_not_published(incident: Callable[..., list[Finding]]) -> None:
    """https://github.com/fluxcd/source-controller/issues/410: no chart version found; the release waits on it."""
    chart = chart_version_missing(PROD, "3.999.0")
    release = source_not_ready(PROD, chart["status"]["conditions"][0]["message"], pinned_version="3.999.0")
    objects = [*replace(healthy_platform([PROD]), release), chart]

    findings = incident(objects)

    f = only(findings, "helm-source-failed", Subject("HelmChart", f"{PROD.target}-datadog", PROD.target))
    assert quoted(f, "no 'datadog' chart with version matching '3.999.0' found")
    assert quoted(f, "pinned version 3.999.0")
    assert "the newest published version is not known here" in " ".join(f.evidence)
    assert f.fix[0] == (
        "helm repo add datadog https://helm.datadoghq.com && helm search repo datadog/datadog --versions | head -5"
    )
    assert f.fix[1].startswith("set datadog.chart_version in invoke.yaml")


# 9 -----------------------------------------------------------------------------------------------
def test_a_repository_host_that_does_not_resolve(incident: Callable[..., list[Finding]]) -> None:
    """https://github.com/fluxcd/source-controller/issues/192: dial tcp: lookup ... server misbehaving."""
    message = (
        "failed to fetch Helm repository index: failed to cache index to temporary file: Get "
        '"https://helm.datadoghq.co/index.yaml": dial tcp: lookup helm.datadoghq.co on 10.100.0.10:53: no such host'
    )
    repo = helm_repository_failed(PROD, "Failed", message, url="https://helm.datadoghq.co")
    findings = incident(replace(healthy_platform([PROD]), repo))

    f = only(findings, "helm-source-failed", Subject("HelmRepository", "datadog", PROD.target))
    assert quoted(f, "lookup helm.datadoghq.co on 10.100.0.10:53: no such host")
    assert f.cause.startswith("the cluster cannot resolve helm.datadoghq.co")
    assert f.fix[0].startswith("check the host in https://helm.datadoghq.co: datadog.chart_repository")


# 10 ----------------------------------------------------------------------------------------------
def test_a_tls_inspecting_proxy_breaks_the_index_fetch(incident: Callable[..., list[Finding]]) -> None:
    """https://github.com/fluxcd/source-controller/issues/510: x509: certificate signed by unknown authority."""
    message = (
        "failed to fetch Helm repository index: failed to cache index to temporary file: Get "
        '"https://helm.datadoghq.com/index.yaml": tls: failed to verify certificate: x509: certificate signed by '
        "unknown authority"
    )
    findings = incident(replace(healthy_platform([PROD]), helm_repository_failed(PROD, "Failed", message)))

    f = only(findings, "helm-source-failed", Subject("HelmRepository", "datadog", PROD.target))
    assert quoted(f, "x509: certificate signed by unknown authority")
    assert f.fix[0].startswith("put the CA in a Secret (key ca.crt) in the namespace and set spec.certSecretRef")


# 11 ----------------------------------------------------------------------------------------------
def test_a_release_waiting_on_a_dependency_names_it(incident: Callable[..., list[Finding]]) -> None:
    """https://github.com/fluxcd/flux2/issues/3302: dependency 'velero/velero' is not ready.

    The symptom is on the dependent release; the cause is the other release, out of retries.
    """
    broken = release_failed(PROD, "context deadline exceeded")
    broken["metadata"]["name"] = "datadog-operator"
    objects = [
        *replace(healthy_platform([PROD]), depends_on(helm_release(PROD), "datadog-operator", PROD.target)),
        broken,
    ]

    findings = incident(objects)

    f = only(findings, "helmrelease-blocked", hr(PROD))
    assert quoted(f, f"dependency '{PROD.target}/datadog-operator' is not ready")
    assert quoted(f, f"HelmRelease {PROD.target}/datadog-operator: Ready=False UpgradeFailed")
    assert f.fix[0].startswith(f"fix HelmRelease {PROD.target}/datadog-operator first")
    only(findings, "helmrelease-not-ready", Subject("HelmRelease", "datadog-operator", PROD.target))
    [one_incident] = build_incidents(findings)
    assert one_incident.root == Subject("HelmRelease", "datadog-operator", PROD.target)


# 12 ----------------------------------------------------------------------------------------------
def test_a_release_left_suspended(incident: Callable[..., list[Finding]]) -> None:
    """https://github.com/cozystack/cozystack/issues/7: suspend/resume as a retry; a release left suspended."""
    findings = incident(replace(healthy_platform([PROD]), suspended(helm_release(PROD))))

    f = only(findings, "helmrelease-blocked", hr(PROD))
    assert quoted(f, "spec.suspend: true")
    assert f.fix[0] == f"flux resume helmrelease datadog -n {PROD.target}"


# 13 ----------------------------------------------------------------------------------------------
def test_two_faults_a_bad_key_in_one_stack_and_an_unpublished_chart_in_another(
    incident: Callable[..., list[Finding]],
) -> None:
    """https://github.com/DataDog/helm-charts/issues/1339 and https://github.com/fluxcd/source-controller/issues/410."""
    objects, logs = _not_ready_with_log(healthy_platform([PROD, STAGING]), PROD, agent_log(INVALID_KEY))
    chart = chart_version_missing(STAGING, "3.999.0")
    objects = [*replace(objects, source_not_ready(STAGING, "no 'datadog' chart", pinned_version="3.999.0")), chart]

    findings = incident(objects, logs)

    key = only(findings, "agent-not-ready", ds(PROD))
    assert key.fix[0] == "invoke secrets.create --env prod"
    chart_finding = only(
        findings, "helm-source-failed", Subject("HelmChart", f"{STAGING.target}-datadog", STAGING.target)
    )
    assert chart_finding.owner == Subject("DatadogStack", "staging", "team-b")
    assert chart_finding.fix[0].startswith("helm repo add datadog https://helm.datadoghq.com")


# 14 ----------------------------------------------------------------------------------------------
def test_two_faults_hostname_crash_and_a_short_token_in_the_same_stack(incident: Callable[..., list[Finding]]) -> None:
    """https://github.com/DataDog/datadog-agent/issues/30160 (hostname) and DataDog/documentation#14029 (token)."""
    objects = healthy_platform([STAGING])
    logs = {}
    for pod in agents(STAGING):
        objects = replace(objects, crash_looping(pod, restarts=40))
        logs[(STAGING.target, pod["metadata"]["name"], "agent")] = agent_log(log_line("ERROR", HOSTNAME))
    objects = replace(objects, crash_looping(agent_pods(STAGING)[-1], "cluster-agent", exit_code=1))
    logs[(STAGING.target, CLUSTER_AGENT, "cluster-agent")] = agent_log(
        log_line("ERROR", "cluster agent authentication token length must be greater than 32, curently: 20")
    )

    findings = incident(objects, logs)

    node_agents = only(findings, "agent-not-ready", ds(STAGING))
    assert node_agents.fix[0].startswith("on EKS with IMDSv2")
    cluster = only(findings, "agent-not-ready", Subject("Deployment", "datadog-cluster-agent", STAGING.target))
    assert quoted(cluster, "curently: 20")
    assert cluster.fix[0].startswith("remove clusterAgent.token")


# 15 ----------------------------------------------------------------------------------------------
def test_a_release_timeout_on_a_cluster_agent_a_quota_refuses(incident: Callable[..., list[Finding]]) -> None:
    """https://github.com/werf/kubedog/issues/398: FailedCreate `exceeded quota` on the ReplicaSet, the deploy
    waits until its timeout. The symptom is on the HelmRelease and the Deployment; the cause is the quota."""
    quota = (
        'Error creating: pods "datadog-cluster-agent-5c7f9d8b6-nqb54" is forbidden: exceeded quota: team-a-compute, '
        "requested: limits.memory=512Mi, used: limits.memory=7680Mi, limited: limits.memory=8Gi"
    )
    error = timeout_error(("Deployment", PROD.target, "datadog-cluster-agent"))
    objects = [o for o in healthy_platform([PROD]) if o not in agent_pods(PROD)[-1:]]
    objects = replace(objects, release_failed(PROD, error, stalled=False))
    objects = replace(
        objects,
        deployment_deadline(
            deployment(PROD.target, "datadog-cluster-agent"),
            'ReplicaSet "datadog-cluster-agent-5c7f9d8b6" has timed out progressing.',
        ),
    )
    objects.append(
        event(
            "ReplicaSet",
            PROD.target,
            "datadog-cluster-agent-5c7f9d8b6",
            "FailedCreate",
            quota,
            count=92,
            source="replicaset-controller",
        )
    )

    findings = incident(objects)

    f = only(findings, "helmrelease-timeout", hr(PROD))
    assert quoted(f, "exceeded quota: team-a-compute")
    assert "ResourceQuota team-a-compute" in f.cause
    assert f.fix[0].startswith(
        "lower the requests and limits in promises/pipelines/datadog-configure/values/values-full.yaml"
    )
    assert f.fix[-1] == f"then: flux reconcile helmrelease datadog -n {PROD.target} --force"
    stuck = only(findings, "workload-stuck", Subject("Deployment", "datadog-cluster-agent", PROD.target))
    assert quoted(stuck, "Progressing=False ProgressDeadlineExceeded")


# 16 ----------------------------------------------------------------------------------------------
def test_two_faults_a_node_gone_and_a_repository_behind_a_tls_proxy(incident: Callable[..., list[Finding]]) -> None:
    """https://github.com/kubernetes/kubernetes/issues/32522 (a terminated node left NotReady, its DaemonSet pods
    stuck) and https://github.com/fluxcd/source-controller/issues/510 (x509 behind a corporate proxy)."""
    gone = NODES[1]
    message = (
        "failed to fetch Helm repository index: failed to cache index to temporary file: Get "
        '"https://helm.datadoghq.com/index.yaml": x509: certificate signed by unknown authority'
    )
    objects = replace(healthy_platform([PROD, STAGING]), node(gone, ready=False))
    objects = replace(objects, helm_repository_failed(STAGING, "Failed", message))

    findings = incident(objects)

    n = only(findings, "node-not-ready", Subject("Node", gone))
    assert n.evidence[0].startswith("Ready=Unknown NodeStatusUnknown: Kubelet stopped posting node status.")
    assert quoted(n, f"{PROD.target}/datadog-b1x9z")
    assert n.fix[0] == f"kubectl describe node {gone}"
    repo = only(findings, "helm-source-failed", Subject("HelmRepository", "datadog", STAGING.target))
    assert repo.fix[0].startswith("put the CA in a Secret (key ca.crt)")


def test_the_corpus_objects_on_a_healthy_platform_give_no_finding(incident: Callable[..., list[Finding]]) -> None:
    objects = [*healthy_platform([PROD, STAGING]), helm_chart(PROD), helm_chart(STAGING)]
    assert incident(objects) == []
