"""Check 3: Kratix cannot write to Git.

The raw writer error is on the WorkPlacement (`WriteSucceeded=False WorkloadsFailedWrite: <err>`),
the store's own state on the GitStateStore's `Ready` condition (`SecretNotFound`,
`ErrorInitialisingWriter`, `ErrorValidatingPermissions`), and what the credentials Secret must
hold depends on the store's `authMethod` (https://docs.kratix.io/main/reference/statestore/gitstatestore).
The Secret is read for its
key names only.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ops.incident.doctor.common import (
    DOCS,
    external_secret_writing,
    finding,
    kubectl,
    latest_event_line,
    named,
    subject,
)
from ops.incident.doctor.finding import Finding, Severity, Subject
from ops.incident.doctor.registry import check
from ops.incident.snapshot import STATESTORE_SECRETS, Snapshot
from ops.incident.status import placement_destination
from ops.kube.fields import NO_CONDITION, Json, condition, condition_line, name_of, namespace_of

if TYPE_CHECKING:
    from ops.incident.doctor.aws_keys import ApiKeysReader

# Keys each auth method needs in the Secret (https://docs.kratix.io/main/reference/statestore/gitstatestore).
AUTH_KEYS = {
    "basicAuth": ("password",),
    "ssh": ("sshPrivateKey", "knownHosts"),
    "githubApp": ("appID", "installationID", "privateKey"),
}
KRATIX_CONFIG_FIX = (
    "the GitStateStore and Destination come from gitops/argocd/charts/kratix-config (values in "
    "gitops/argocd/apps/kratix-config.yaml): change them there, commit, then `argocd app sync kratix-config`"
)


def _store_subject(store: Json) -> Subject:
    return Subject("GitStateStore", name_of(store))


def _git_cause(message: str) -> str:
    text = message.lower()
    rules = (
        (
            r"authentication required|invalid username or password|authorization failed|401|403|invalid credentials",
            "the Git server refused the credentials (expired or revoked token, or a trailing newline in the secret)",
        ),
        (r"pre-receive hook declined|protected branch", "the branch is protected: the token may not push to it"),
        (r"repository not found|not found", "the repository URL is wrong or the token cannot see the repository"),
        (
            r"non-fast-forward|reference not found|packfile|cannot lock ref",
            "concurrent writes collided in the Git writer (Kratix retries; many at once make it worse)",
        ),
        (r"timeout|i/o|no such host|connection refused", "Kratix cannot reach the Git server"),
    )
    return next((cause for pattern, cause in rules if re.search(pattern, text)), "the Git writer failed")


@check(
    "workplacement-write-failed",
    "Kratix could not write a WorkPlacement to Git",
    {"workplacements", "gitstatestores", "destinations", "events"},
)
def workplacement_write_failed(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    groups: dict[tuple[str, str], list[Json]] = {}
    for placement in snap.items("workplacements"):
        written = condition(placement, "WriteSucceeded")
        if written and written.status == "False":
            groups.setdefault((placement_destination(placement), str(written.message)), []).append(placement)
    store_of = {
        name_of(d): ((d.get("spec") or {}).get("stateStoreRef") or {}).get("name", "")
        for d in snap.items("destinations")
    }
    stores = {name_of(s): s for s in snap.items("gitstatestores")}
    found = []
    for (dest, message), placements in groups.items():
        first = placements[0]
        evidence = [condition_line(condition(first, "WriteSucceeded"))]
        if len(placements) > 1:
            evidence.append(
                f"{len(placements)} WorkPlacements for Destination {dest}: {named([name_of(p) for p in placements])}"
            )
        event = latest_event_line(
            snap, "WorkPlacement", namespace_of(first), name_of(first), {"FailedWriteToDestination"}
        )
        if event:
            evidence.append(event)
        store = stores.get(store_of.get(dest, ""))
        root = None
        if store is not None:
            store_ready = condition(store, "Ready")
            evidence.append(f"GitStateStore {name_of(store)}: {condition_line(store_ready)}")
            if store_ready is not None and store_ready.status == "False":
                root = _store_subject(store)
        resource = (first.get("spec") or {}).get("resourceName")
        owner = (
            Subject("DatadogStack", str(resource), namespace_of(first)) if resource and len(placements) == 1 else None
        )
        found.append(
            finding(
                snap,
                "workplacement-write-failed",
                Severity.ERROR,
                subject(first) if len(placements) == 1 else Subject("Destination", dest),
                owner=owner,
                symptom=f"Kratix could not write {len(placements)} WorkPlacement(s) for Destination {dest} to Git",
                evidence=evidence,
                cause=_git_cause(message),
                fix=[
                    kubectl("get", "gitstatestore", store_of.get(dest) or "-A", "-o", "yaml"),
                    kubectl("describe", "workplacement", name_of(first), namespace=namespace_of(first)),
                    "new credentials: invoke secrets.git-credentials, then force-sync ExternalSecret git-credentials",
                    "Kratix writes the WorkPlacements again on its next reconcile",
                ],
                docs=DOCS["kratix-statestore"],
                root=root,
            )
        )
    return found


@check(
    "statestore-not-ready",
    "GitStateStore not ready",
    {"gitstatestores", "externalsecrets", "events", STATESTORE_SECRETS},
)
def statestore_not_ready(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    found = []
    for store in snap.items("gitstatestores"):
        ready = condition(store, "Ready")
        if ready is None or ready.status == "True":
            continue
        ref = (store.get("spec") or {}).get("secretRef") or {}
        secret_ns, secret_name = str(ref.get("namespace") or "default"), str(ref.get("name", ""))
        evidence = [condition_line(ready) + f" ({snap.age(ready.last_transition_time)} ago)"]
        event = latest_event_line(snap, "GitStateStore", None, name_of(store))
        if event:
            evidence.append(event)
        producer = external_secret_writing(snap, secret_ns, secret_name)
        if producer is not None:
            evidence.append(
                f"ExternalSecret {secret_ns}/{name_of(producer)}: {condition_line(condition(producer, 'Ready'))}"
            )
        reason, message = str(ready.reason), str(ready.message)
        producer_ready = condition(producer, "Ready") if producer is not None else None
        root = (
            subject(producer) if producer is not None and producer_ready and producer_ready.status == "False" else None
        )
        if reason == "SecretNotFound":
            cause = f"the credentials Secret {secret_ns}/{secret_name} does not exist" + (
                f"; ExternalSecret {secret_ns}/{name_of(producer)} should create it (see externalsecret-failed)"
                if producer is not None
                else "; nothing in the cluster creates it"
            )
        elif reason == "ErrorValidatingPermissions":
            cause = (
                "the credentials can read the repository but not push to the branch (read-only token, protected branch)"
            )
        elif "not found in secret" in message:
            cause = (
                f"the Secret {secret_ns}/{secret_name} lacks a key its auth method needs (see statestore-credentials)"
            )
        elif reason == "ErrorInitialisingWriter":
            cause = _git_cause(message)
        else:
            cause = f"Kratix reports {reason}"
        found.append(
            finding(
                snap,
                "statestore-not-ready",
                Severity.ERROR,
                _store_subject(store),
                symptom=f"GitStateStore {name_of(store)} is not ready: Kratix cannot write any request to Git",
                evidence=evidence,
                cause=cause,
                fix=[
                    kubectl("describe", "gitstatestore", name_of(store)),
                    KRATIX_CONFIG_FIX,
                    "new credentials: invoke secrets.git-credentials, then force-sync the ExternalSecret:",
                    kubectl(
                        "annotate",
                        "externalsecret",
                        secret_name,
                        "force-sync=$(date +%s)",
                        "--overwrite",
                        namespace=secret_ns,
                    ),
                ],
                docs=DOCS["kratix-statestore"],
                root=root,
            )
        )
    return found


@check("statestore-credentials", "GitStateStore credentials Secret lacks keys", {"gitstatestores", STATESTORE_SECRETS})
def statestore_credentials(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    found = []
    for store in snap.items("gitstatestores"):
        spec = store.get("spec") or {}
        ref = spec.get("secretRef") or {}
        auth = str(spec.get("authMethod") or "basicAuth")
        secret = snap.secret(str(ref.get("namespace") or "default"), str(ref.get("name", "")))
        if secret is None or secret.error:
            continue
        reason = (condition(store, "Ready") or NO_CONDITION).reason
        needed = AUTH_KEYS.get(auth, ())
        missing = [k for k in needed if k not in secret.keys]
        if secret.found and not missing:
            continue
        if not secret.found and reason == "SecretNotFound":
            continue  # statestore-not-ready says so already
        where = f"{secret.namespace}/{secret.name}"
        evidence = [f"authMethod {auth} needs the keys {', '.join(needed)}"]
        evidence.append(
            f"Secret {where} has keys {', '.join(secret.keys) or '(none)'}"
            if secret.found
            else f"Secret {where} not found"
        )
        found.append(
            finding(
                snap,
                "statestore-credentials",
                Severity.ERROR,
                Subject("Secret", secret.name, secret.namespace),
                owner=_store_subject(store),
                symptom=f"the credentials of GitStateStore {name_of(store)} "
                + (f"lack {', '.join(missing)}" if secret.found else "do not exist"),
                evidence=evidence,
                cause=f"Kratix's {auth} writer cannot authenticate without "
                + (", ".join(missing) if secret.found else f"the Secret {where}"),
                fix=[
                    f"put {', '.join(needed)} in the AWS secret kratix/git-credentials: invoke secrets.git-credentials",
                    "then force-sync the ExternalSecret that writes the Secret:",
                    kubectl(
                        "annotate",
                        "externalsecret",
                        secret.name,
                        "force-sync=$(date +%s)",
                        "--overwrite",
                        namespace=secret.namespace,
                    ),
                ],
                docs=DOCS["kratix-statestore"],
            )
        )
    return found


@check("destination-not-ready", "Kratix Destination not ready", {"destinations", "gitstatestores"})
def destination_not_ready(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    found = []
    for dest in snap.items("destinations"):
        ready = condition(dest, "Ready")
        if ready is None or ready.status == "True":
            continue
        reason = str(ready.reason)
        ref = (dest.get("spec") or {}).get("stateStoreRef") or {}
        causes = {
            "StateStoreNotReady": "its state store is not ready (see statestore-not-ready)",
            "StateStoreNotFound": "its stateStoreRef names a state store that does not exist",
            "StateStoreWriteFailed": "Kratix could not write the test documents to Git",
        }
        found.append(
            finding(
                snap,
                "destination-not-ready",
                Severity.ERROR,
                Subject("Destination", name_of(dest)),
                symptom=f"Destination {name_of(dest)} is not ready: nothing is scheduled to it",
                evidence=[condition_line(ready) + f" ({snap.age(ready.last_transition_time)} ago)"],
                cause=causes.get(reason, f"Kratix reports {reason}"),
                fix=[kubectl("describe", "destination", name_of(dest)), KRATIX_CONFIG_FIX],
                docs=DOCS["kratix-destination"],
                root=Subject(str(ref.get("kind") or "GitStateStore"), str(ref["name"]))
                if reason == "StateStoreNotReady" and ref.get("name")
                else None,
            )
        )
    return found


CHECKS = (workplacement_write_failed, statestore_not_ready, statestore_credentials, destination_not_ready)
