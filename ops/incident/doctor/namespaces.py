"""A Datadog namespace stuck Terminating: content with finalizers nobody removes.

The namespace controller says what remains in the namespace's conditions
(`NamespaceContentRemaining`, `NamespaceFinalizersRemaining`, `NamespaceDeletionContentFailure`);
a HelmRelease keeps `finalizers.fluxcd.io` until helm-controller has uninstalled the release.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ops.incident.doctor.common import DOCS, finding, kubectl, owner_in_namespace
from ops.incident.doctor.finding import Finding, Severity, Subject
from ops.incident.doctor.registry import check
from ops.incident.snapshot import Snapshot
from ops.incident.status import stack_namespaces
from ops.kube.fields import Json, conditions_of, labels_of, name_of, namespace_of

if TYPE_CHECKING:
    from ops.incident.doctor.aws_keys import ApiKeysReader

STUCK_AFTER_SECONDS = 5 * 60
NO_FINALIZERS = json.dumps({"metadata": {"finalizers": None}}, separators=(",", ":"))


def _datadog(snap: Snapshot, ns: Json) -> bool:
    return name_of(ns) in stack_namespaces(snap) or labels_of(ns).get("kratix.io/promise-name") == snap.promise_name


@check(
    "namespace-terminating",
    "Datadog namespace stuck Terminating",
    {"namespaces", "datadogstacks", "helmreleases", "externalsecrets", "deployments"},
)
def namespace_terminating(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    found = []
    for ns in snap.items("namespaces"):
        deleted = (ns.get("metadata") or {}).get("deletionTimestamp")
        seconds = snap.seconds_since(deleted)
        if not deleted or seconds is None or seconds < STUCK_AFTER_SECONDS or not _datadog(snap, ns):
            continue
        name = name_of(ns)
        evidence = [f"phase {(ns.get('status') or {}).get('phase', 'Terminating')} for {snap.age(deleted)}"]
        evidence += [f"{c.type}: {c.message}" for c in conditions_of(ns) if c.status == "True"]
        holders = []
        for key, kind in (("helmreleases", "helmrelease"), ("externalsecrets", "externalsecret")):
            if not snap.readable(key):
                continue
            for obj in snap.items(key):
                finalizers = (obj.get("metadata") or {}).get("finalizers") or []
                if namespace_of(obj) == name and finalizers:
                    holders.append((kind, name_of(obj)))
                    evidence.append(f"{obj['kind']} {name_of(obj)} holds finalizers {', '.join(finalizers)}")
        flux_running = snap.readable("deployments") and any(
            name_of(d) == "helm-controller" and int((d.get("status") or {}).get("readyReplicas") or 0) > 0
            for d in snap.items("deployments")
        )
        text = " ".join(evidence)
        if "finalizers.fluxcd.io" in text and not flux_running:
            cause = "a HelmRelease keeps finalizers.fluxcd.io and helm-controller is not running to remove it"
        elif "finalizers.fluxcd.io" in text:
            cause = "helm-controller has not finished uninstalling the release (read its log)"
        else:
            cause = "objects in the namespace keep finalizers their controller does not remove"
        fixes = [
            kubectl("get", "helmreleases,externalsecrets", "-o", "name", namespace=name),
            kubectl("logs", "deploy/helm-controller", "--tail=50", namespace="flux-system"),
        ]
        for kind, obj_name in holders:
            fixes.append(
                f"last resort, once its controller is gone (leaves what it created behind): "
                f"{kubectl('patch', kind, obj_name, '--type', 'merge', '-p', NO_FINALIZERS, namespace=name)}"
            )
        found.append(
            finding(
                snap,
                "namespace-terminating",
                Severity.ERROR,
                Subject("Namespace", name),
                owner=owner_in_namespace(snap, name),
                symptom=f"namespace {name} has been Terminating for {snap.age(deleted)}",
                evidence=evidence,
                cause=cause,
                fix=fixes,
                docs=DOCS["finalizers"],
            )
        )
    return found


CHECKS = (namespace_terminating,)
