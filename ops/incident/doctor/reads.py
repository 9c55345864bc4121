"""What the snapshot could not read: every check that needs it is blind there, so say so."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ops.incident.doctor.common import DOCS, finding, kubectl
from ops.incident.doctor.finding import Finding, Severity, Subject
from ops.incident.doctor.registry import check
from ops.incident.snapshot import Snapshot

if TYPE_CHECKING:
    from ops.incident.doctor.aws_keys import ApiKeysReader


@check("snapshot-incomplete", "A kind could not be read (RBAC, server errors)", set())
def snapshot_incomplete(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    found = []
    for listing in snap.listings.values():
        if listing.error is None:
            continue
        spec = listing.spec
        resource = f"{spec.plural}.{spec.group}" if spec.group else spec.plural
        found.append(
            finding(
                snap,
                "snapshot-incomplete",
                Severity.WARNING,
                Subject("APIResource", resource),
                symptom=f"{spec.kind} could not be read: the checks that need it could not run",
                evidence=[listing.error],
                cause="your credentials may not list it, or the API server failed",
                fix=[kubectl("auth", "can-i", "list", resource, "--all-namespaces")],
                docs=DOCS["read"],
            )
        )
    for (namespace, name), secret in snap.secrets.items():
        if secret.error:
            found.append(
                finding(
                    snap,
                    "snapshot-incomplete",
                    Severity.WARNING,
                    Subject("Secret", name, namespace),
                    symptom=f"Secret {namespace}/{name} could not be read for its key names",
                    evidence=[secret.error],
                    cause="your credentials may not get Secrets there",
                    fix=[kubectl("auth", "can-i", "get", "secrets", namespace=namespace)],
                    docs=DOCS["read"],
                )
            )
    return found


CHECKS = (snapshot_incomplete,)
