"""Flux's chart sources: HelmRepositories whose index cannot be fetched and HelmCharts whose version
is not published.

source-controller's words (internal/controller/helmrepository_controller.go, helmchart_controller.go):
`Ready=False FetchFailed`-family reasons with `failed to fetch Helm repository index: failed to cache
index to temporary file: failed to fetch https://.../index.yaml : 404 Not Found`
(https://github.com/neo4j/helm-charts/issues/347), `dial tcp: lookup ... no such host`, `x509:
certificate signed by unknown authority`; a HelmChart `invalid chart reference: failed to get chart
version for remote reference: no 'datadog' chart with version matching '3.999.0' found` (older:
`no chart version found for datadog-3.999.0`, https://github.com/fluxcd/source-controller/issues/410).
The HelmRelease then only says `SourceNotReady`: the symptom is on the release, the cause on the source.

The HelmChart's status does not carry the repository index, so the newest published version is not
known here: the finding says how to list them (`helm search repo datadog/datadog --versions`) and
names the pinned one, rather than guess.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ops.incident.doctor.common import finding, kubectl, owner_by_labels, subject
from ops.incident.doctor.finding import Finding, Severity
from ops.incident.doctor.registry import check
from ops.incident.snapshot import Snapshot
from ops.kube.fields import Json, condition, condition_line, name_of, namespace_of

if TYPE_CHECKING:
    from ops.incident.doctor.aws_keys import ApiKeysReader

VERSION_MISSING = re.compile(
    r"no '(?P<chart>[^']+)' chart with version matching '(?P<version>[^']+)' found"
    r"|no chart version found for (?P<old>\S+)"
)
DOCS_REPO = "https://fluxcd.io/flux/components/source/helmrepositories/"
DOCS_CHART = "https://fluxcd.io/flux/components/source/helmcharts/"
URL_SETTING = "datadog.chart_repository in invoke.yaml (DATADOG_CHART_REPOSITORY in promises/promise.yaml)"
VERSION_SETTING = "datadog.chart_version in invoke.yaml (DATADOG_CHART_VERSION in promises/promise.yaml)"


def _failed(obj: Json) -> bool:
    ready = condition(obj, "Ready")
    return ready is not None and ready.is_false


def _chart_ref(release: Json) -> tuple[str, str, str]:
    """(namespace, name of the HelmChart helm-controller made for it, HelmRepository name)."""
    spec = ((release.get("spec") or {}).get("chart") or {}).get("spec") or {}
    source = spec.get("sourceRef") or {}
    source_ns = str(source.get("namespace") or namespace_of(release))
    chart = str((release.get("status") or {}).get("helmChart") or "")
    chart_name = chart.split("/", 1)[1] if "/" in chart else f"{namespace_of(release)}-{name_of(release)}"
    return source_ns, chart_name, str(source.get("name", ""))


def _find(snap: Snapshot, key: str, namespace: str, name: str) -> Json | None:
    if not snap.readable(key):
        return None
    return next((o for o in snap.items(key) if (namespace_of(o), name_of(o)) == (namespace, name)), None)


def source_failure(snap: Snapshot, release: Json) -> Json | None:
    """The release's HelmChart or HelmRepository when it is not ready (the repository first)."""
    ns, chart_name, repo_name = _chart_ref(release)
    repo = _find(snap, "helmrepositories", ns, repo_name)
    if repo is not None and _failed(repo) and (repo.get("spec") or {}).get("type") != "oci":
        return repo
    chart = _find(snap, "helmcharts", ns, chart_name)
    return chart if chart is not None and _failed(chart) else None


def _users(snap: Snapshot, source: Json) -> list[Json]:
    """The HelmReleases whose chart comes from this HelmRepository or HelmChart."""
    found = []
    for release in snap.items("helmreleases") if snap.readable("helmreleases") else ():
        ns, chart_name, repo_name = _chart_ref(release)
        mine = repo_name if source.get("kind") == "HelmRepository" else chart_name
        if (ns, mine) == (namespace_of(source), name_of(source)):
            found.append(release)
    return found


def _repository_cause(url: str, message: str) -> tuple[str, list[str]]:
    host = re.sub(r"^\w+://", "", url).split("/")[0]
    if "404" in message:
        return (
            f"{url} serves no Helm index (index.yaml: 404 Not Found): the URL is wrong or the repository moved",
            [
                f"correct the repository URL {url}: {URL_SETTING}, then `invoke promise.apply`",
                f"curl -sI {url.rstrip('/')}/index.yaml",
            ],
        )
    if "no such host" in message or "server misbehaving" in message:
        return (
            f"the cluster cannot resolve {host}: a typo in the URL, or the cluster's DNS cannot reach it",
            [
                f"check the host in {url}: {URL_SETTING}, then `invoke promise.apply`",
                kubectl(
                    "run", "dnscheck", "--rm", "-it", "--restart=Never", "--image=busybox:1.36", "--", "nslookup", host
                ),
            ],
        )
    if "x509" in message or "certificate" in message or "tls:" in message:
        return (
            f"source-controller does not trust the certificate {host} presents "
            "(a private CA or a TLS-inspecting proxy)",
            [
                "put the CA in a Secret (key ca.crt) in the namespace and set spec.certSecretRef on the HelmRepository "
                "the pipeline renders; commit, `invoke pipeline.build`, `invoke promise.apply`",
                f"openssl s_client -connect {host}:443 -showcerts </dev/null",
            ],
        )
    if re.search(r"\b40[13]\b|unauthorized|forbidden", message, re.I):
        return (
            f"{url} refuses source-controller's credentials",
            ["set spec.secretRef (username, password) on the HelmRepository, or use a public URL"],
        )
    if re.search(r"timeout|connection refused|i/o|no route", message):
        return (
            f"source-controller cannot reach {host} (egress, proxy or NAT)",
            [kubectl("-n", "flux-system", "logs", "deploy/source-controller", "--tail=50")],
        )
    return f"source-controller cannot fetch the index of {url}", [f"flux reconcile source helm {host}"]


@check(
    "helm-source-failed",
    "HelmRepository index not fetched (404, DNS, TLS) or HelmChart version not published",
    {"helmrepositories", "helmcharts", "helmreleases"},
)
def helm_source_failed(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    found = []
    failed_repos = set()
    for repo in snap.items("helmrepositories"):
        if not _failed(repo) or (repo.get("spec") or {}).get("type") == "oci":
            continue
        ns, name = namespace_of(repo), name_of(repo)
        failed_repos.add((ns, name))
        ready = condition(repo, "Ready")
        url = str((repo.get("spec") or {}).get("url", ""))
        message = ready.one_line_message if ready else ""
        cause, fixes = _repository_cause(url, message)
        users = _users(snap, repo)
        evidence = [condition_line(ready) + (f" ({snap.age(ready.last_transition_time)} ago)" if ready else "")]
        evidence += [
            f"HelmRelease {namespace_of(r)}/{name_of(r)}: {condition_line(condition(r, 'Ready'))}" for r in users
        ]
        found.append(
            finding(
                snap,
                "helm-source-failed",
                Severity.ERROR,
                subject(repo),
                owner=owner_by_labels(snap, repo),
                symptom=f"HelmRepository {ns}/{name} cannot fetch its index: "
                "no chart can be installed or upgraded from it",
                evidence=evidence,
                cause=cause,
                fix=[*fixes, f"then: flux reconcile source helm {name} -n {ns}"],
                docs=DOCS_REPO,
            )
        )
    for chart in snap.items("helmcharts"):
        if not _failed(chart):
            continue
        ns, name = namespace_of(chart), name_of(chart)
        spec = chart.get("spec") or {}
        source = spec.get("sourceRef") or {}
        if (ns, str(source.get("name"))) in failed_repos:
            continue  # the repository's finding is the cause
        ready = condition(chart, "Ready")
        message = ready.one_line_message if ready else ""
        users = _users(snap, chart)
        evidence = [condition_line(ready) + (f" ({snap.age(ready.last_transition_time)} ago)" if ready else "")]
        evidence += [
            f"HelmRelease {namespace_of(r)}/{name_of(r)}: {condition_line(condition(r, 'Ready'))}" for r in users
        ]
        missing = VERSION_MISSING.search(message)
        source_repo = _find(snap, "helmrepositories", ns, str(source.get("name", "")))
        url = str(((source_repo or {}).get("spec") or {}).get("url") or "<repository url>")
        chart_name = str(spec.get("chart") or "datadog")
        if missing:
            pinned = missing["version"] or str(spec.get("version") or "?")
            evidence.append(
                f"pinned version {pinned} (HelmChart spec.version); the index is not in the cluster's status, "
                "so the newest published version is not known here: list them"
            )
            cause = f"chart {chart_name} has no version matching {pinned} in {url}"
            fixes = [
                f"helm repo add datadog {url} && helm search repo datadog/{chart_name} --versions | head -5",
                f"set {VERSION_SETTING} to a published version (now {pinned}), then `invoke promise.apply`",
                f"then: flux reconcile source chart {name} -n {ns}",
            ]
        else:
            cause = f"source-controller cannot build chart {chart_name}: {message}"
            fixes = [
                kubectl("describe", "helmchart", name, namespace=ns),
                f"flux reconcile source chart {name} -n {ns}",
            ]
        found.append(
            finding(
                snap,
                "helm-source-failed",
                Severity.ERROR,
                subject(chart),
                owner=owner_by_labels(snap, chart),
                symptom=f"HelmChart {ns}/{name} is not ready: its release cannot be installed or upgraded",
                evidence=evidence,
                cause=cause,
                fix=fixes,
                docs=DOCS_CHART,
            )
        )
    return found


CHECKS = (helm_source_failed,)
