"""Checks 7 and 8, and Flux's other failures: CRDs missing, Helm ownership conflicts, `valuesFrom`
Secrets missing, and any other HelmRelease that is not ready.

helm-controller v2's conditions (`Ready`, `Released`, `Stalled`) and reasons (`ValuesError`,
`InstallFailed`, `RetriesExceeded`...) are in https://fluxcd.io/flux/components/helm/helmreleases/#conditions.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ops.incident.doctor.common import (
    DOCS,
    external_secret_writing,
    finding,
    force_sync_remedy,
    kubectl,
    owner_by_labels,
    subject,
)
from ops.incident.doctor.finding import Finding, Severity, Subject
from ops.incident.doctor.helmreleases import handled_elsewhere
from ops.incident.doctor.registry import check
from ops.incident.doctor.remedies import chart_diagnosis
from ops.incident.snapshot import VALUES_SECRETS, Snapshot
from ops.kube.fields import NO_CONDITION, Condition, Json, condition, condition_line, name_of, namespace_of
from ops.names import HELM_GROUP, SOURCE_GROUP

if TYPE_CHECKING:
    from ops.incident.doctor.aws_keys import ApiKeysReader

OWNERSHIP = re.compile(
    r'(?P<kind>[A-Za-z]+) "(?P<name>[^"]+)"(?: in namespace "(?P<namespace>[^"]*)")? exists and cannot be '
    r"imported into the current release"
)
CURRENT_OWNER = re.compile(
    r'key "meta\.helm\.sh/release-(?P<what>name|namespace)" must equal "[^"]*": current value is "(?P<value>[^"]*)"'
)


def _messages(release: Json) -> list[Condition]:
    return [c for c in (condition(release, t) for t in ("Ready", "Released", "Stalled")) if c is not None]


def release_name(release: Json) -> tuple[str, str]:
    """The Helm release's name and namespace, as helm-controller derives them."""
    spec = release.get("spec") or {}
    target = spec.get("targetNamespace")
    name = spec.get("releaseName") or (f"{target}-{name_of(release)}" if target else name_of(release))
    return str(name), str(target or namespace_of(release))


def _reconcile(release: Json, *flags: str) -> str:
    return " ".join(["flux", "reconcile", "helmrelease", name_of(release), "-n", namespace_of(release), *flags])


@check(
    "flux-crds-missing",
    "Flux HelmRelease/HelmRepository CRDs not installed",
    {"helmreleases", "helmrepositories", "applications"},
)
def flux_crds_missing(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    missing = [key for key in ("helmreleases", "helmrepositories") if not snap.installed(key)]
    if not missing:
        return []
    evidence = []
    for key in missing:
        spec = snap.listing(key).spec
        served = spec.group in snap.groups
        evidence.append(
            f"{spec.kind} ({spec.api_version}): "
            + (
                f"group {spec.group} served, but not this version"
                if served
                else f"API group {spec.group} not served (GET /apis)"
            )
        )
    if snap.readable("applications"):
        app = next((a for a in snap.items("applications") if name_of(a) == "flux"), None)
        if app is not None:
            status = app.get("status") or {}
            evidence.append(
                f"Application {namespace_of(app)}/flux: sync {(status.get('sync') or {}).get('status')}, "
                f"health {(status.get('health') or {}).get('status')}"
            )
        else:
            evidence.append("no Argo CD Application named flux")
    controllers = {HELM_GROUP: "helm-controller", SOURCE_GROUP: "source-controller"}
    wanted = ", ".join(controllers[snap.listing(k).spec.group] for k in missing)
    return [
        finding(
            snap,
            "flux-crds-missing",
            Severity.ERROR,
            Subject("CustomResourceDefinition", ", ".join(f"{k}.{snap.listing(k).spec.group}" for k in missing)),
            symptom=f"Flux's {wanted} CRDs are not installed: the HelmReleases Kratix writes cannot be applied",
            evidence=evidence,
            cause=f"Flux's {wanted} is not installed (the Application in gitops/argocd/apps/flux.yaml installs it)",
            fix=[
                "invoke argocd.apps",
                "argocd app sync flux",
                "flux check",
                "without Argo CD: flux install --components=source-controller,helm-controller",
            ],
            docs=DOCS["flux-install"],
        )
    ]


@check("helm-ownership-conflict", "HelmRelease blocked by an object Helm does not own", {"helmreleases"})
def helm_ownership_conflict(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    found = []
    for release in snap.items("helmreleases"):
        hit = next(((c, m) for c in _messages(release) if (m := OWNERSHIP.search(c.message))), None)
        if hit is None:
            continue
        cond, match = hit
        kind, name, namespace = match["kind"], match["name"], match["namespace"] or None
        rel, rel_ns = release_name(release)
        current = {m["what"]: m["value"] for m in CURRENT_OWNER.finditer(cond.message)}
        resource = kind.lower()
        evidence = [condition_line(cond)]
        if current:
            owner_text = " ".join(
                part
                for part in (
                    f"release {current['name']}" if "name" in current else "a release",
                    f"in namespace {current['namespace']}" if "namespace" in current else "",
                )
                if part
            )
            evidence.append(f"{kind} {name} belongs to {owner_text}")
            cause = f"{kind} {name} belongs to another Helm {owner_text}: two releases render the same object"
        else:
            cause = f"{kind} {name} exists without Helm's ownership labels: left by an earlier install, or made by hand"
        found.append(
            finding(
                snap,
                "helm-ownership-conflict",
                Severity.ERROR,
                subject(release),
                owner=owner_by_labels(snap, release),
                symptom=f"HelmRelease {namespace_of(release)}/{name_of(release)} cannot install: "
                f"{kind} {name} already exists and Helm does not own it",
                evidence=evidence,
                cause=cause,
                fix=[
                    "either adopt it into the release:",
                    kubectl(
                        "label", resource, name, "app.kubernetes.io/managed-by=Helm", "--overwrite", namespace=namespace
                    ),
                    kubectl(
                        "annotate",
                        resource,
                        name,
                        f"meta.helm.sh/release-name={rel}",
                        f"meta.helm.sh/release-namespace={rel_ns}",
                        "--overwrite",
                        namespace=namespace,
                    ),
                    "or delete the leftover:",
                    kubectl("delete", resource, name, namespace=namespace),
                    f"then: {_reconcile(release, '--force')}",
                ],
                docs=DOCS["helm-adopt"],
            )
        )
    return found


@check(
    "helmrelease-values-missing",
    "HelmRelease valuesFrom Secret missing or without the key",
    {"helmreleases", "externalsecrets", "namespaces", "datadogstacks", VALUES_SECRETS},
)
def helmrelease_values_missing(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    found = []
    for release in snap.items("helmreleases"):
        ready = condition(release, "Ready")
        if not ready or ready.status != "False" or ready.reason != "ValuesError":
            continue
        ns = namespace_of(release)
        evidence = [condition_line(ready) + f" ({snap.age(ready.last_transition_time)} ago)"]
        causes, fixes, remedy, root = [], [], None, None
        refs = [r for r in (release.get("spec") or {}).get("valuesFrom") or [] if r.get("kind") == "Secret"]
        for secret_name in dict.fromkeys(str(r.get("name")) for r in refs):
            wanted = [str(r.get("valuesKey") or "values.yaml") for r in refs if r.get("name") == secret_name]
            secret = snap.secret(ns, secret_name)
            if secret is not None and secret.found:
                missing = [k for k in wanted if k not in secret.keys]
                evidence.append(f"Secret {ns}/{secret_name} has keys {', '.join(secret.keys) or '(none)'}")
                if missing:
                    causes.append(f"Secret {secret_name} lacks {', '.join(missing)}")
            elif secret is not None and secret.error is None:
                evidence.append(f"Secret {ns}/{secret_name} not found")
                causes.append(f"Secret {secret_name} does not exist")
            producer = external_secret_writing(snap, ns, secret_name)
            if producer is not None:
                es_ready = condition(producer, "Ready")
                evidence.append(f"ExternalSecret {ns}/{name_of(producer)}: {condition_line(es_ready)}")
                if es_ready and es_ready.status == "False":
                    causes.append(f"ExternalSecret {name_of(producer)} cannot write it (see externalsecret-failed)")
                    root = subject(producer)  # the incident is the ExternalSecret's (and its store's)
                remedy = force_sync_remedy(subject(producer), int(snap.taken_at.timestamp()))
                fixes.append(remedy.command)
            else:
                causes.append(f"no ExternalSecret in {ns} writes {secret_name}")
        found.append(
            finding(
                snap,
                "helmrelease-values-missing",
                Severity.ERROR,
                subject(release),
                owner=owner_by_labels(snap, release),
                symptom=f"HelmRelease {ns}/{name_of(release)} cannot read its values Secret: nothing is installed",
                evidence=evidence,
                cause="; ".join(causes) or "Flux cannot resolve a valuesFrom reference",
                fix=[*fixes, _reconcile(release), kubectl("describe", "helmrelease", name_of(release), namespace=ns)],
                docs=DOCS["flux-values"],
                remedy=remedy,
                root=root,
            )
        )
    return found


@check(
    "helmrelease-not-ready",
    "HelmRelease not ready (install, upgrade or source failures)",
    {"helmreleases", "helmrepositories", "helmcharts", "events"},
)
def helmrelease_not_ready(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    repos = (
        {(namespace_of(r), name_of(r)): r for r in snap.items("helmrepositories")}
        if snap.readable("helmrepositories")
        else {}
    )
    found = []
    for release in snap.items("helmreleases"):
        ready = condition(release, "Ready")
        if not ready or ready.status != "False" or ready.reason == "ValuesError":
            continue
        if any(OWNERSHIP.search(c.message) for c in _messages(release)):
            continue  # helm-ownership-conflict has it
        if handled_elsewhere(snap, release):
            continue  # helmrelease-timeout, helmrelease-blocked or helm-source-failed names the cause
        ns, status = namespace_of(release), release.get("status") or {}
        evidence = [condition_line(c) for c in _messages(release)]
        counts = {k: status[k] for k in ("failures", "installFailures", "upgradeFailures") if status.get(k)}
        if counts:
            evidence.append(", ".join(f"{k} {v}" for k, v in counts.items()))
        source = ((release.get("spec") or {}).get("chart") or {}).get("spec", {}).get("sourceRef") or {}
        repo = repos.get((str(source.get("namespace") or ns), str(source.get("name", ""))))
        if repo is not None and (condition(repo, "Ready") or NO_CONDITION).status == "False":
            evidence.append(
                f"HelmRepository {namespace_of(repo)}/{name_of(repo)}: {condition_line(condition(repo, 'Ready'))}"
            )
        reason = str(ready.reason)
        stalled = (condition(release, "Stalled") or NO_CONDITION).reason == "RetriesExceeded"
        causes = {
            "SourceNotReady": "the chart source is not ready (repository unreachable, chart or version not found)",
            "ArtifactFailed": "the chart could not be fetched",
            "InstallFailed": "helm install failed (read the message: often resources that do not become ready)",
            "UpgradeFailed": "helm upgrade failed (read the message)",
            "DependencyNotReady": "a HelmRelease it depends on is not ready",
        }
        cause = causes.get(reason, f"helm-controller reports {reason}")
        if stalled:
            cause += "; its retries are exhausted, so Flux will not try again by itself"
        fix = [
            f"flux get sources helm -n {ns}",
            kubectl("describe", "helmrelease", name_of(release), namespace=ns),
            _reconcile(release, "--with-source") if not stalled else _reconcile(release, "--reset"),
        ]
        if (unpublished := chart_diagnosis(" ".join(evidence))) is not None:
            cause, fix = unpublished.cause, [*unpublished.fix, fix[-1]]
        found.append(
            finding(
                snap,
                "helmrelease-not-ready",
                Severity.ERROR,
                subject(release),
                owner=owner_by_labels(snap, release),
                symptom=f"HelmRelease {ns}/{name_of(release)} is not ready: {reason}",
                evidence=evidence,
                cause=cause,
                fix=fix,
                docs=DOCS["flux-helmrelease"],
            )
        )
    return found


CHECKS = (flux_crds_missing, helm_ownership_conflict, helmrelease_values_missing, helmrelease_not_ready)
