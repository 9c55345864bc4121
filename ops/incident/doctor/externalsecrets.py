"""Check 5: External Secrets that do not sync, stores that are not valid, and the AWS secret itself.

ESO's Ready condition only says `SecretSyncedError: could not get secret data from provider`; the
real error is in the newest Warning event `UpdateFailed` (https://external-secrets.io/latest/api/externalsecret/).
Through boto3 the check also looks at `datadog/<env>/api-keys`: does it exist, and does it have
both properties `api-key` and `app-key` (names only, never values).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ops.incident.doctor.common import (
    DOCS,
    epoch,
    finding,
    force_sync_remedy,
    kubectl,
    latest_event_line,
    named,
    owner_by_labels,
    subject,
)
from ops.incident.doctor.finding import Finding, Severity, Subject
from ops.incident.doctor.registry import check
from ops.incident.doctor.remedies import eso_diagnosis, store_conditions, store_settings
from ops.incident.snapshot import Snapshot
from ops.kube.fields import Json, condition, condition_line, name_of, namespace_of

if TYPE_CHECKING:
    from ops.incident.doctor.aws_keys import ApiKeysReader

API_KEYS = re.compile(r"^datadog/(?P<env>[^/]+)/api-keys$")
ASSUMED_ROLE = re.compile(r"assumed-role/(?P<role>[^/\s]+)/(?P<session>[^\s]+)")
REQUIRED_PROPERTIES = ("api-key", "app-key")

# Substrings of the UpdateFailed error -> what it means (from ESO's provider errors: https://github.com/external-secrets/external-secrets/tree/main/pkg/provider/aws).
_CAUSES = (
    ("does not exist in secret", "a property the ExternalSecret reads is missing from the AWS secret"),
    ("Secret does not exist", "the AWS secret does not exist under that name in that region and account"),
    ("is not authorized to perform: secretsmanager:", "the IAM role ESO uses may not read this secret (IAM policy)"),
    ("AssumeRoleWithWebIdentity", "ESO cannot exchange its service account token for AWS credentials (IRSA/OIDC)"),
    ("sts:AssumeRole", "ESO cannot assume its IAM role (trust policy, or the role chain)"),
    ("InvalidIdentityToken", "the cluster's OIDC provider is not trusted by the role (IRSA)"),
    ("an IAM role must be associated", "the service account in the store's jwt auth has no eks.amazonaws.com/role-arn"),
    ("is not ready", "the secret store is not ready (see secretstore-not-valid)"),
    ("could not get ClusterSecretStore", "the ClusterSecretStore it names does not exist"),
    ("could not get SecretStore", "the SecretStore it names does not exist"),
    ("denied by spec.condition", "the ClusterSecretStore does not allow this namespace"),
)


def _store_ref(es: Json) -> tuple[str, str]:
    ref = (es.get("spec") or {}).get("secretStoreRef") or {}
    return str(ref.get("kind") or "SecretStore"), str(ref.get("name", ""))


def _remote_keys(es: Json) -> list[str]:
    spec = es.get("spec") or {}
    keys = [str((d.get("remoteRef") or {}).get("key", "")) for d in spec.get("data") or []]
    keys += [str((d.get("extract") or {}).get("key", "")) for d in spec.get("dataFrom") or []]
    return [k for k in dict.fromkeys(keys) if k]


@check(
    "externalsecret-failed",
    "ExternalSecret does not sync (with the cause from its events)",
    {"externalsecrets", "clustersecretstores", "events", "namespaces", "datadogstacks"},
)
def externalsecret_failed(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    stores = {name_of(s): s for s in snap.items("clustersecretstores")} if snap.readable("clustersecretstores") else {}
    found = []
    for es in snap.items("externalsecrets"):
        ready = condition(es, "Ready")
        if ready is None or ready.status != "False":
            continue
        ns, name = namespace_of(es), name_of(es)
        evidence = [condition_line(ready) + f" ({snap.age(ready.last_transition_time)} ago)"]
        event = latest_event_line(snap, "ExternalSecret", ns, name, {"UpdateFailed"})
        evidence.append(event or "no UpdateFailed event left (events expire): read the ESO controller's log")
        kind, store_name = _store_ref(es)
        store = stores.get(store_name) if kind == "ClusterSecretStore" else None
        root = None
        if kind == "ClusterSecretStore" and snap.readable("clustersecretstores"):
            store_ready = condition(store, "Ready") if store else None
            evidence.append(
                f"ClusterSecretStore {store_name}: {condition_line(store_ready)}"
                if store
                else f"ClusterSecretStore {store_name} not found"
            )
            if store is None or (store_ready is not None and store_ready.status == "False"):
                root = Subject("ClusterSecretStore", store_name)  # its finding says why
        if "denied by spec.condition" in event or (" is not ready" in event and kind == "ClusterSecretStore"):
            root = Subject("ClusterSecretStore", store_name)
        if "denied by spec.condition" in event and store is not None:
            evidence.append(f"ClusterSecretStore {store_name} spec.conditions: {store_conditions(store)}")
        keys = _remote_keys(es)
        if keys:
            evidence.append(f"remote keys: {', '.join(keys)}")
        if role := ASSUMED_ROLE.search(event):
            path = (
                "the store's jwt auth" if role["session"] == "external-secrets-provider-aws" else "an ambient identity"
            )
            evidence.append(f"ESO acted as role {role['role']} (session {role['session']}: {path})")
        cause = next((text for needle, text in _CAUSES if needle in event), "ESO could not get the secret data")
        fixes = []
        env = next((m["env"] for k in keys if (m := API_KEYS.fullmatch(k))), None)
        if env and "does not exist" in event:
            fixes.append(f"create or complete the AWS secret: invoke secrets.create --env {env}")
        diagnosed = eso_diagnosis(event, store_name, store, ns)
        if diagnosed is not None:
            cause, fixes = diagnosed.cause, [*fixes, *diagnosed.fix]
        elif "AssumeRole" in event:
            fixes.append(
                "check the trust policy of the role ESO assumes (iac/modules/cluster/iam.tf), then `invoke infra.apply`"
            )
        remedy = force_sync_remedy(subject(es), epoch(snap))
        found.append(
            finding(
                snap,
                "externalsecret-failed",
                Severity.ERROR,
                subject(es),
                owner=owner_by_labels(snap, es),
                symptom=f"ExternalSecret {ns}/{name} does not sync: Ready=False {ready.reason}".rstrip(),
                evidence=evidence,
                cause=cause,
                fix=[*fixes, kubectl("describe", "externalsecret", name, namespace=ns), f"then: {remedy.command}"],
                docs=DOCS["eso-aws"],
                remedy=remedy,
                root=root,
            )
        )
    return found


@check(
    "secretstore-not-valid",
    "ClusterSecretStore not valid, or named but missing",
    {"clustersecretstores", "externalsecrets", "events"},
)
def secretstore_not_valid(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    found = []
    stores = {name_of(s): s for s in snap.items("clustersecretstores")}
    for store in stores.values():
        ready = condition(store, "Ready")
        if ready is None:
            continue
        if ready.status == "False":
            event = latest_event_line(snap, "ClusterSecretStore", None, name_of(store), {"InvalidProviderConfig"})
            settings, unset = store_settings(store)
            using = [
                f"{namespace_of(e)}/{name_of(e)}"
                for e in snap.items("externalsecrets")
                if _store_ref(e) == ("ClusterSecretStore", name_of(store))
            ]
            cause = "ESO cannot build AWS credentials for the store: " + next(
                (t for n, t in _CAUSES if n in event), "read the event or the controller log"
            )
            fix = [
                kubectl("describe", "clustersecretstore", name_of(store)),
                "the store comes from gitops/argocd/charts/kratix-config: fix it there (region, service "
                "account), commit, then `argocd app sync kratix-config`",
                "the IAM role comes from iac/: fix it there, then `invoke infra.apply`",
            ]
            diagnosed = eso_diagnosis(event, name_of(store), store)
            if unset:
                cause = "; ".join(unset)
                fix.insert(
                    0,
                    f"set {', '.join(m.split(' is not set')[0] for m in unset)} of ClusterSecretStore "
                    f"{name_of(store)} in gitops/argocd/charts/kratix-config, commit, then "
                    "`argocd app sync kratix-config`",
                )
            elif diagnosed is not None:
                cause, fix = diagnosed.cause, [*diagnosed.fix, fix[0]]
            found.append(
                finding(
                    snap,
                    "secretstore-not-valid",
                    Severity.ERROR,
                    Subject("ClusterSecretStore", name_of(store)),
                    symptom=f"ClusterSecretStore {name_of(store)} is not valid: no ExternalSecret using it syncs",
                    evidence=[
                        condition_line(ready),
                        *([event] if event else []),
                        settings,
                        *([f"{len(using)} ExternalSecret(s) use it: {named(using)}"] if using else []),
                    ],
                    cause=cause,
                    fix=fix,
                    docs=DOCS["eso-aws"],
                )
            )
        elif ready.reason == "ValidationUnknown":
            found.append(
                finding(
                    snap,
                    "secretstore-not-valid",
                    Severity.WARNING,
                    Subject("ClusterSecretStore", name_of(store)),
                    symptom=f"ClusterSecretStore {name_of(store)} was never validated",
                    evidence=[condition_line(ready)],
                    cause="the store uses referent auth (no service account namespace), so ESO reports it valid "
                    "without testing credentials",
                    fix=["set auth.jwt.serviceAccountRef.namespace in the store (gitops/argocd/charts/kratix-config)"],
                    docs=DOCS["eso-aws"],
                )
            )
    if snap.readable("externalsecrets") and snap.readable("clustersecretstores"):
        missing: dict[str, list[Json]] = {}
        for es in snap.items("externalsecrets"):
            kind, store_name = _store_ref(es)
            if kind == "ClusterSecretStore" and store_name not in stores:
                missing.setdefault(store_name, []).append(es)
        for store_name, users in missing.items():
            found.append(
                finding(
                    snap,
                    "secretstore-not-valid",
                    Severity.ERROR,
                    Subject("ClusterSecretStore", store_name),
                    symptom=f"ClusterSecretStore {store_name} does not exist; {len(users)} ExternalSecret(s) use it",
                    evidence=[f"ExternalSecrets: {named([f'{namespace_of(e)}/{name_of(e)}' for e in users])}"],
                    cause="the store was never created, or has another name than datadog.secret_store in invoke.yaml",
                    fix=["invoke external-secrets.apply", "argocd app sync kratix-config"],
                    docs=DOCS["eso-aws"],
                )
            )
    return found


@check(
    "aws-api-keys",
    "AWS secret datadog/<env>/api-keys exists with api-key and app-key",
    {"datadogstacks", "externalsecrets"},
    uses_aws=True,
    asks=lambda snap: sorted(_api_key_secrets(snap)),
)
def aws_api_keys(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    if aws is None:
        return []
    found = []
    users = _api_key_secrets(snap)
    aws.properties_of(sorted(users))  # all at once
    for secret_id, owner in sorted(users.items()):
        result = _check_api_keys(snap, aws, secret_id, owner)
        if result is not None:
            found.append(result)
    return found


def _api_key_secrets(snap: Snapshot) -> dict[str, Subject | None]:
    """Each datadog/<env>/api-keys in use -> a DatadogStack that uses it (None: only an ExternalSecret)."""
    users: dict[str, Subject | None] = {}
    if snap.readable("datadogstacks"):
        for stack in snap.items("datadogstacks"):
            env = str((stack.get("spec") or {}).get("environment") or "dev")
            users.setdefault(f"datadog/{env}/api-keys", Subject("DatadogStack", name_of(stack), namespace_of(stack)))
    if snap.readable("externalsecrets"):
        for es in snap.items("externalsecrets"):
            for key in _remote_keys(es):
                if API_KEYS.fullmatch(key):
                    users.setdefault(key, None)
    return users


def _check_api_keys(snap: Snapshot, aws: ApiKeysReader, secret_id: str, owner: Subject | None) -> Finding | None:
    env = secret_id.split("/")[1]
    props = aws.properties(secret_id)
    obj = Subject("SecretsManagerSecret", secret_id)
    where = f"{aws.target.region}{', profile ' + aws.target.profile if aws.target.profile else ''}"
    if props.error is not None:
        return finding(
            snap,
            "aws-api-keys",
            Severity.WARNING,
            obj,
            owner=owner,
            symptom=f"could not check the AWS secret {secret_id}" + (": access denied" if props.denied else ""),
            evidence=[props.error],
            cause="your AWS identity may not read it (secretsmanager:GetSecretValue)"
            if props.denied
            else "AWS could not be asked",
            fix=["aws sts get-caller-identity", f"aws secretsmanager describe-secret --secret-id {secret_id}"],
            docs=DOCS["eso-aws"],
        )
    missing = [p for p in REQUIRED_PROPERTIES if p not in props.keys]
    if props.exists and not missing and props.problem is None:
        return None
    if not props.exists:
        symptom, evidence = f"the AWS secret {secret_id} does not exist", [f"ResourceNotFoundException in {where}"]
    elif props.problem:
        symptom, evidence = f"the AWS secret {secret_id} is unusable: {props.problem}", [f"in {where}"]
    else:
        symptom = f"the AWS secret {secret_id} lacks {', '.join(missing)}"
        evidence = [f"properties: {', '.join(props.keys) or '(none)'}; needed: {', '.join(REQUIRED_PROPERTIES)}"]
    return finding(
        snap,
        "aws-api-keys",
        Severity.ERROR,
        obj,
        owner=owner,
        symptom=symptom,
        evidence=evidence,
        cause="the ExternalSecret reads both api-key and app-key from it; the agents need both "
        "(the cluster agent's metrics provider needs the app key)",
        fix=[
            f"invoke secrets.create --env {env}",
            "then force-sync the ExternalSecrets that read it (invoke doctor --fix)",
        ],
        docs=DOCS["eso-aws"],
    )


CHECKS = (externalsecret_failed, secretstore_not_valid, aws_api_keys)
