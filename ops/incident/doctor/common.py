"""What the checks share: subjects and owners, pod reading, commands to copy, documentation links."""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping
from typing import Any

from ops.incident.doctor.finding import Finding, Remedy, Severity, Subject
from ops.incident.snapshot import Snapshot
from ops.incident.status import stack_namespaces
from ops.kube.fields import Json, labels_of, name_of, namespace_of, parse_time
from ops.kube.objects import ObjectRef
from ops.names import StackRef

# Where to read more, per concern (stable enough to print; the README links the same pages).
DOCS = {
    "kratix-workflows": "https://docs.kratix.io/main/reference/resources/workflows",
    "kratix-rerun": "https://docs.kratix.io/main/reference/resources/reconciliation-labels",
    "kratix-status": "https://docs.kratix.io/main/reference/resources/status-events",
    "kratix-promise": "https://docs.kratix.io/main/reference/promises/status-events",
    "kratix-statestore": "https://docs.kratix.io/main/reference/statestore/gitstatestore",
    "kratix-destination": "https://docs.kratix.io/main/reference/destinations/status-events",
    "kratix-install": "https://docs.kratix.io/main/reference/kratix-config/kratix-config",
    "images": "https://kubernetes.io/docs/concepts/containers/images/#imagepullbackoff",
    "oom": "https://kubernetes.io/docs/tasks/configure-pod-container/assign-memory-resource/#exceed-a-containers-memory-limit",
    "scheduling": "https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/",
    "finalizers": "https://kubernetes.io/docs/concepts/overview/working-with-objects/finalizers/",
    "argocd-sync": "https://argo-cd.readthedocs.io/en/stable/user-guide/diffing/",
    "argocd-health": "https://argo-cd.readthedocs.io/en/stable/operator-manual/health/",
    "argocd-refresh": "https://argo-cd.readthedocs.io/en/stable/user-guide/commands/argocd_app_get/",
    "eso-aws": "https://external-secrets.io/latest/provider/aws-secrets-manager/",
    "eso-faq": "https://external-secrets.io/latest/introduction/faq/",
    "flux-install": "https://fluxcd.io/flux/installation/",
    "flux-helmrelease": "https://fluxcd.io/flux/components/helm/helmreleases/",
    "flux-values": "https://fluxcd.io/flux/components/helm/helmreleases/#values-references",
    "helm-adopt": "https://github.com/helm/helm/pull/7649",
    "read": "https://kubernetes.io/docs/reference/access-authn-authz/rbac/",
}
VALUES_DIR = "promises/pipelines/datadog-configure/values"
MAX_NAMED = 5  # objects named in one grouped finding's evidence


def subject(obj: Mapping[str, Any]) -> Subject:
    return Subject(str(obj.get("kind", "")), name_of(obj), namespace_of(obj) or None)


def controller_of(obj: Mapping[str, Any]) -> Subject | None:
    """The object's controller (DaemonSet, ReplicaSet, Job) from its owner references."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return Subject(str(ref.get("kind")), str(ref.get("name")), namespace_of(obj) or None)
    return None


def stack_subject(ref: StackRef | None) -> Subject | None:
    return Subject("DatadogStack", ref.name, ref.namespace) if ref else None


def owner_in_namespace(snap: Snapshot, namespace: str) -> Subject | None:
    """The DatadogStack a Datadog target namespace belongs to."""
    return stack_subject(stack_namespaces(snap).get(namespace))


def owner_by_labels(snap: Snapshot, obj: Json) -> Subject | None:
    """The DatadogStack named by an object's Kratix labels, else the one owning its namespace."""
    ref = StackRef.of_labels(labels_of(obj), namespace_of(obj))
    return stack_subject(ref) if ref else owner_in_namespace(snap, namespace_of(obj))


def external_secret_writing(snap: Snapshot, namespace: str, secret_name: str) -> Json | None:
    """The ExternalSecret whose target is this Secret (None when ESO is not readable or none is)."""
    if not snap.readable("externalsecrets"):
        return None
    for es in snap.items("externalsecrets"):
        target = ((es.get("spec") or {}).get("target") or {}).get("name") or name_of(es)
        if namespace_of(es) == namespace and target == secret_name:
            return es
    return None


def is_datadog_namespace(snap: Snapshot, namespace: str) -> bool:
    return namespace in stack_namespaces(snap)


def namespace_tier(snap: Snapshot, namespace: str) -> str | None:
    """The tier the pipeline labelled a Datadog namespace with (`<api group>/tier`), None when unknown."""
    ns = snap.namespace(namespace) if snap.readable("namespaces") else None
    return labels_of(ns).get(f"{snap.api_group}/tier") if ns else None


def tier_values(snap: Snapshot, namespace: str) -> str:
    """The tier values file that renders that namespace's chart values (`values-<tier>.yaml` when unknown)."""
    return f"{VALUES_DIR}/values-{namespace_tier(snap, namespace) or '<tier>'}.yaml"


def finding(
    snap: Snapshot,
    check: str,
    severity: Severity,
    obj: Subject,
    *,
    symptom: str,
    evidence: Iterable[str],
    cause: str,
    fix: Iterable[str],
    docs: str,
    owner: Subject | None = None,
    remedy: Remedy | None = None,
    root: Subject | None = None,
) -> Finding:
    return Finding(
        check=check,
        severity=severity,
        context=snap.context,
        object=obj,
        owner=owner,
        symptom=symptom,
        evidence=tuple(evidence),
        cause=cause,
        fix=tuple(fix),
        docs=docs,
        remedy=remedy,
        root=root if root != obj else None,
    )


def kubectl(*args: str, namespace: str | None = None) -> str:
    """A kubectl command line to copy, quoted for a POSIX shell."""
    words = ["kubectl", *(["-n", namespace] if namespace else []), *args]
    return " ".join(w if "$(date +%s)" in w else shlex.quote(w) for w in words)


def named(names: list[str]) -> str:
    """`a, b, c` or `a, b, c, d, e (+7 more)`."""
    shown = ", ".join(names[:MAX_NAMED])
    return shown + (f" (+{len(names) - MAX_NAMED} more)" if len(names) > MAX_NAMED else "")


def rerun_remedy(stack: Subject, api_group: str) -> Remedy:
    """Kratix re-runs a resource's workflows when this label appears (and removes it afterwards)."""
    command = kubectl(
        "label",
        "datadogstack",
        stack.name,
        "kratix.io/manual-reconciliation=true",
        "--overwrite",
        namespace=stack.namespace,
    )
    ref = ObjectRef(f"{api_group}/v1alpha1", "DatadogStack", stack.name, stack.namespace)
    return Remedy("rerun-pipeline", ref, {"metadata": {"labels": {"kratix.io/manual-reconciliation": "true"}}}, command)


def force_sync_remedy(es: Subject, when: int) -> Remedy:
    """ESO reconciles an ExternalSecret whose annotations change: the FAQ's force-sync."""
    command = kubectl(
        "annotate", "externalsecret", es.name, "force-sync=$(date +%s)", "--overwrite", namespace=es.namespace
    )
    ref = ObjectRef("external-secrets.io/v1", "ExternalSecret", es.name, es.namespace)
    return Remedy("force-sync", ref, {"metadata": {"annotations": {"force-sync": str(when)}}}, command)


def hard_refresh_remedy(app: Subject) -> Remedy:
    """Argo CD compares again from a fresh manifest cache, then removes the annotation."""
    command = kubectl(
        "annotate", "application", app.name, "argocd.argoproj.io/refresh=hard", "--overwrite", namespace=app.namespace
    )
    ref = ObjectRef("argoproj.io/v1alpha1", "Application", app.name, app.namespace)
    return Remedy("hard-refresh", ref, {"metadata": {"annotations": {"argocd.argoproj.io/refresh": "hard"}}}, command)


def epoch(snap: Snapshot) -> int:
    return int(snap.taken_at.timestamp())


def latest_event_line(
    snap: Snapshot, kind: str, namespace: str | None, name: str, reasons: set[str] | None = None
) -> str:
    """`event UpdateFailed (x3, 2m ago): <message>` for the newest matching Warning event, or ""."""
    for ev in snap.warning_events(kind, namespace, name):
        if reasons is None or ev.get("reason") in reasons:
            count = int(ev.get("count") or 1)
            when = ev.get("lastTimestamp") or ev.get("eventTime")
            times = f"x{count}, " if count > 1 else ""
            message = " ".join(str(ev.get("message", "")).split())
            return f"event {ev.get('reason')} ({times}{snap.age(when)} ago): {message}"
    return ""


def older_than(snap: Snapshot, timestamp: str | None, seconds: float) -> bool:
    when = parse_time(timestamp)
    return when is not None and (snap.taken_at - when).total_seconds() > seconds
