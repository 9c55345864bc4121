"""Check 4: Argo CD Applications that are OutOfSync, Degraded, or carry an error condition.

Sync status is `Synced|OutOfSync|Unknown` (Unknown comes with a ComparisonError), health
`Healthy|Progressing|Degraded|Suspended|Missing|Unknown`; conditions have a type and a message
only; `...Error` types are errors (https://argo-cd.readthedocs.io/en/stable/user-guide/diffing/ and
https://github.com/argoproj/argo-cd/blob/master/pkg/apis/application/v1alpha1/types.go). The safe remedy is a hard
refresh (annotation `argocd.argoproj.io/refresh: hard`), which also drops Argo CD's manifest cache.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ops.incident.doctor.common import DOCS, finding, hard_refresh_remedy, named, subject
from ops.incident.doctor.finding import Finding, Remedy, Severity
from ops.incident.doctor.registry import check
from ops.incident.doctor.remedies import argocd_diagnosis
from ops.incident.snapshot import Snapshot
from ops.kube.fields import Json, conditions_of, name_of

if TYPE_CHECKING:
    from ops.incident.doctor.aws_keys import ApiKeysReader

NEEDS = {"applications"}


def _resources(app: Json, key: str, values: set[str]) -> list[str]:
    """`Deployment datadog/datadog-cluster-agent` for each resource row whose sync/health matches."""
    rows = []
    for res in (app.get("status") or {}).get("resources") or []:
        value = (res.get("health") or {}).get("status") if key == "health" else res.get("status")
        if value in values:
            where = f"{res.get('namespace')}/" if res.get("namespace") else ""
            message = (res.get("health") or {}).get("message") if key == "health" else None
            rows.append(f"{res.get('kind')} {where}{res.get('name')}" + (f" ({message})" if message else ""))
    return rows


def sync_failures(app: Json) -> list[str]:
    """`Kind ns/name SyncFailed: <message>` for each resource (not hook) the last sync failed to apply."""
    operation = (app.get("status") or {}).get("operationState") or {}
    rows = []
    for res in (operation.get("syncResult") or {}).get("resources") or []:
        if res.get("status") == "SyncFailed" and not res.get("hookType"):  # hooks: failed_hooks
            where = f"{res['namespace']}/" if res.get("namespace") else ""
            rows.append(f"{res.get('kind')} {where}{res.get('name')} SyncFailed: {res.get('message', '')}")
    return rows


def failed_hooks(app: Json) -> list[str]:
    """`PreSync hook Job ns/name: <message>` for each hook of the last sync that failed."""
    operation = (app.get("status") or {}).get("operationState") or {}
    hooks = []
    for res in (operation.get("syncResult") or {}).get("resources") or []:
        failed = res.get("hookPhase") in {"Failed", "Error"} or res.get("status") == "SyncFailed"
        if res.get("hookType") and failed:
            where = f"{res['namespace']}/" if res.get("namespace") else ""
            message = " ".join(str(res.get("message", "")).split())
            hooks.append(f"{res['hookType']} hook {res.get('kind')} {where}{res.get('name')}: {message}".rstrip(": "))
    return hooks


def _app_commands(app: Json) -> list[str]:
    name = name_of(app)
    return [f"argocd app diff {name}", f"argocd app get {name} --hard-refresh", f"argocd app sync {name}"]


def _git_hint(app: Json) -> str:
    source = (app.get("spec") or {}).get("source") or {}
    where = source.get("path") or source.get("chart") or "its source"
    return f"change {where} in Git (not the live objects: self-heal reverts kubectl edits), then sync"


@check("argocd-out-of-sync", "Argo CD Application OutOfSync", NEEDS)
def argocd_out_of_sync(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    found = []
    for app in snap.items("applications"):
        sync = (app.get("status") or {}).get("sync") or {}
        if sync.get("status") != "OutOfSync":
            continue
        operation = (app.get("status") or {}).get("operationState") or {}
        evidence = [f"sync status OutOfSync (target revision {str(sync.get('revision', ''))[:12] or '-'})"]
        out = _resources(app, "sync", {"OutOfSync"})
        if out:
            evidence.append(f"OutOfSync resources: {named(out)}")
        if operation:
            evidence.append(f"last operation {operation.get('phase')}: {operation.get('message', '')}")
        automated = ((app.get("spec") or {}).get("syncPolicy") or {}).get("automated") is not None
        if operation.get("phase") == "Succeeded" and automated:
            cause = (
                "the live objects differ from Git right after a successful sync: something mutates them "
                "(a webhook, defaulted fields) and needs ignoreDifferences or server-side diff"
            )
        elif not automated:
            cause = "auto-sync is off: Git changed and nobody synced"
        else:
            cause = "Git and the cluster differ; auto-sync has not caught up, or its last attempt failed"
        refresh = hard_refresh_remedy(subject(app))
        remedy: Remedy | None = refresh
        fix = [refresh.command, *_app_commands(app), _git_hint(app)]
        diagnosed = argocd_diagnosis(app, " ".join([*evidence, *sync_failures(app)]), failed_hooks(app))
        if diagnosed is not None and not diagnosed.refresh_helps:
            cause, fix, remedy = diagnosed.cause, [*diagnosed.fix, *_app_commands(app)], None
        found.append(
            finding(
                snap,
                "argocd-out-of-sync",
                Severity.WARNING,
                subject(app),
                symptom=f"Application {name_of(app)} is OutOfSync",
                evidence=evidence,
                cause=cause,
                fix=fix,
                docs=DOCS["argocd-sync"],
                remedy=remedy,
            )
        )
    return found


@check("argocd-degraded", "Argo CD Application Degraded or Missing", NEEDS)
def argocd_degraded(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    found = []
    for app in snap.items("applications"):
        health = (app.get("status") or {}).get("health") or {}
        if health.get("status") not in {"Degraded", "Missing"}:
            continue
        evidence = [f"health {health.get('status')}" + (f": {health['message']}" if health.get("message") else "")]
        bad = _resources(app, "health", {"Degraded", "Missing"})
        if bad:
            evidence.append(f"unhealthy resources: {named(bad)}")
        found.append(
            finding(
                snap,
                "argocd-degraded",
                Severity.ERROR,
                subject(app),
                symptom=f"Application {name_of(app)} is {health.get('status')}",
                evidence=evidence,
                cause="resources Argo CD deployed are not healthy"
                if health.get("status") == "Degraded"
                else "resources in Git do not exist in the cluster (never synced, or deleted by hand)",
                fix=[f"argocd app get {name_of(app)}", f"argocd app sync {name_of(app)}", _git_hint(app)],
                docs=DOCS["argocd-health"],
            )
        )
    return found


@check("argocd-error", "Argo CD Application error condition or failed sync", NEEDS)
def argocd_error(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    found = []
    for app in snap.items("applications"):
        errors = [c for c in conditions_of(app) if str(c.type).endswith("Error")]
        operation = (app.get("status") or {}).get("operationState") or {}
        failed_op = operation.get("phase") in {"Failed", "Error"}
        if not errors and not failed_op:
            continue
        evidence = [f"{c.type}: {' '.join(str(c.message).split())}" for c in errors]
        if failed_op:
            evidence.append(
                f"last sync {operation.get('phase')}: {' '.join(str(operation.get('message', '')).split())}"
            )
            evidence += sync_failures(app)
        types = {str(c.type) for c in errors}
        text = " ".join(evidence)
        if "ComparisonError" in types and "Manifest generation error (cached)" in text:
            cause = "Argo CD keeps a cached manifest-generation error: a hard refresh drops the cache"
        elif "ComparisonError" in types:
            cause = "Argo CD cannot render or compare the desired state (Git, chart or repo-server error)"
        elif "SyncError" in types or failed_op:
            cause = "the last sync failed; auto-sync does not retry the same revision"
        else:
            cause = f"Argo CD reports {', '.join(sorted(types))}"
        refresh = hard_refresh_remedy(subject(app))
        remedy: Remedy | None = refresh
        fix = [refresh.command, *_app_commands(app)[1:], _git_hint(app)]
        hooks = failed_hooks(app)
        evidence += hooks
        diagnosed = argocd_diagnosis(app, text, hooks)
        if diagnosed is not None and diagnosed.refresh_helps:
            cause = diagnosed.cause
        elif diagnosed is not None:  # a refresh cannot change it: no remedy for --fix, the real fix first
            cause, fix, remedy = diagnosed.cause, [*diagnosed.fix, f"argocd app get {name_of(app)}"], None
        found.append(
            finding(
                snap,
                "argocd-error",
                Severity.ERROR,
                subject(app),
                symptom=f"Application {name_of(app)} has "
                + (", ".join(sorted(types)) if types else f"a {operation.get('phase')} sync"),
                evidence=evidence,
                cause=cause,
                fix=fix,
                docs=DOCS["argocd-refresh"],
                remedy=remedy,
            )
        )
    return found


CHECKS = (argocd_out_of_sync, argocd_degraded, argocd_error)
