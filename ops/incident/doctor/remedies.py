"""Fixes that follow the diagnosed cause: the controller's message decides what is offered first.

Each reader takes the words a controller wrote (an Argo CD sync message, an ESO `UpdateFailed`
event, a Flux chart error) and returns a `Diagnosed` cause with its fixes, or None when it does not
recognise them (the check keeps its generic advice). `refresh_helps` says whether an Argo CD hard
refresh can change the outcome: it drops cached manifests, it cannot make the API server serve a
removed apiVersion or accept a 300 kB annotation, so `--fix` never applies it to those.

Sources for the messages:
- Argo CD: https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/#server-side-apply
  ("metadata.annotations: Too long", https://github.com/argoproj/argo-cd/issues/8128),
  https://github.com/argoproj/argo-cd/pull/12980 ("the server could not find the requested resource").
- ESO: https://external-secrets.io/latest/provider/aws-secrets-manager/ and
  https://github.com/external-secrets/external-secrets/blob/main/pkg/controllers/secretstore/client_manager.go
  ("using cluster store %q is not allowed from namespace %q: denied by spec.condition").
- Flux: https://fluxcd.io/flux/cheatsheets/troubleshooting/ ("no 'x' chart with version matching").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ops.kube.fields import Json

IAC_IAM = "iac/modules/cluster/iam.tf"
KRATIX_CONFIG = "gitops/argocd/charts/kratix-config"


@dataclass(frozen=True)
class Diagnosed:
    cause: str
    fix: tuple[str, ...]
    refresh_helps: bool = False


# Argo CD ------------------------------------------------------------------------------------------
API_GONE = re.compile(
    r'no matches for kind "(?P<kind>[^"]+)" in version "(?P<version>[^"]+)"'
    r"|the server could not find the requested resource"
    r"|The Kubernetes API could not find"
)
SYNC_FAILED_KIND = re.compile(r"(?P<kind>[A-Z]\w+) \S+ SyncFailed: the server could not find the requested resource")
TOO_LONG = "metadata.annotations: Too long"
REPO_ERROR = re.compile(
    r"authentication required|repository not found|Repository not found|could not read Username"
    r"|permission denied \(publickey\)|terminal prompts disabled|repository not accessible",
    re.IGNORECASE,
)
CACHED = "Manifest generation error (cached)"


def argocd_diagnosis(app: Json, text: str, hooks: list[str]) -> Diagnosed | None:
    """What an Application's error and last sync say, when the words are known; `hooks`: failed hook lines."""
    name = str((app.get("metadata") or {}).get("name", ""))
    source = _source(app)
    where = source.get("path") or source.get("chart") or "its source"
    app_file = f"gitops/argocd/apps/{name}.yaml"
    sync = f"argocd app sync {name}"
    if TOO_LONG in text:
        return Diagnosed(
            "client-side apply keeps a copy of the whole object in the kubectl.kubernetes.io/last-applied-"
            "configuration annotation, and a large CRD does not fit in 262144 bytes: a refresh or a retry "
            "fails the same way",
            (
                f"add ServerSideApply=true to spec.syncPolicy.syncOptions of Application {name} ({app_file}), "
                f"commit, then `{sync}`",
                "or only on the CRD: annotate it argocd.argoproj.io/sync-options: ServerSideApply=true in its chart",
            ),
        )
    if gone := API_GONE.search(text):
        kind, version = gone["kind"], gone["version"]
        if kind is None and (row := SYNC_FAILED_KIND.search(text)):
            kind = row["kind"]
        group = (version or "").rpartition("/")[0]
        if version and ("." not in group or group.endswith(".k8s.io")):  # a built-in API: removed by an upgrade
            return Diagnosed(
                f"a manifest in {where} uses {kind} {version}, which this cluster no longer serves (removed by a "
                "Kubernetes upgrade): a refresh or a retry cannot change that",
                (
                    f"change the apiVersion of {kind} in {where} in Git to one the cluster serves "
                    f"(`kubectl api-resources | grep -i {kind.lower()}`), commit, then `{sync}`",
                    "https://kubernetes.io/docs/reference/using-api/deprecation-guide/",
                ),
            )
        what = f"{kind} {version}" if kind and version else (kind or "a kind")
        return Diagnosed(
            f"a manifest in {where} uses {what}, which this cluster does not serve: its CRD is not installed "
            "(or does not serve that version) when Argo CD applies it; a refresh cannot change that",
            (
                f"install the CRD of {kind or 'that kind'} before it (its own Application, or an earlier sync wave), "
                f"or add SkipDryRunOnMissingResource=true to the syncOptions of Application {name} ({app_file}); "
                f"then `{sync}`",
                f"kubectl get crd -o name | grep -i {(kind or '<kind>').lower()}",
            ),
        )
    if hooks:
        return Diagnosed(
            f"a sync hook failed ({hooks[0]}): the sync stops at the hook, and a refresh does not run it again",
            (
                _hook_logs(hooks[0], str((app.get("spec") or {}).get("destination", {}).get("namespace") or "")),
                f"fix the hook in {where} in Git (or what it calls), commit, then `{sync}`",
            ),
        )
    if REPO_ERROR.search(text):
        repo = source.get("repoURL") or "its repository"
        return Diagnosed(
            f"Argo CD cannot read {repo} (credentials, URL or access): nothing renders until it can; "
            "a refresh only asks again",
            (
                f"argocd repo get {repo}",
                "renew the repository credentials (the Secret labelled argocd.argoproj.io/secret-type=repository "
                f"in argocd), then `argocd app get {name} --hard-refresh`",
            ),
        )
    if CACHED in text:
        return Diagnosed(
            "Argo CD keeps a cached manifest-generation error: a hard refresh drops the cache",
            (),
            refresh_helps=True,
        )
    return None


HOOK_LINE = re.compile(r"^(?P<hook>\w+) hook (?P<kind>\w+) (?:(?P<namespace>[^/\s]+)/)?(?P<name>[^\s:]+)")


def _hook_logs(hook: str, default_namespace: str) -> str:
    """`kubectl -n ns logs job/name` for a failed hook Job; describe for anything else."""
    match = HOOK_LINE.match(hook)
    if match is None:
        return "kubectl get events --sort-by=.lastTimestamp"
    namespace = match["namespace"] or default_namespace
    where = f"-n {namespace} " if namespace else ""
    if match["kind"] == "Job":
        return f"kubectl {where}logs job/{match['name']} --all-containers --tail=50"
    return f"kubectl {where}describe {match['kind'].lower()} {match['name']}"


def _source(app: Json) -> dict[str, Any]:
    spec = app.get("spec") or {}
    source = spec.get("source") or next(iter(spec.get("sources") or []), None) or {}
    return dict(source)


# External Secrets -----------------------------------------------------------------------------------
KMS = re.compile(
    r"kms:Decrypt|Access to KMS is not allowed|KMS\b.*AccessDenied|ciphertext refers to a customer master key"
)
WEB_IDENTITY = re.compile(r"AssumeRoleWithWebIdentity|InvalidIdentityToken|No OpenIDConnect provider found")
NAMESPACE_DENIED = re.compile(r'is not allowed from namespace "?(?P<namespace>[^":\s]+)"?: denied by spec\.condition')


def store_auth(store: Json | None) -> tuple[str, str]:
    """(namespace, name) of the service account the store's jwt auth uses, or ("", "")."""
    aws = ((store or {}).get("spec") or {}).get("provider", {}).get("aws") or {}
    ref = ((aws.get("auth") or {}).get("jwt") or {}).get("serviceAccountRef") or {}
    return str(ref.get("namespace") or ""), str(ref.get("name") or "")


def eso_diagnosis(text: str, store_name: str, store: Json | None, es_namespace: str = "") -> Diagnosed | None:
    """What an ESO error (an UpdateFailed or InvalidProviderConfig event) says, when the words are known."""
    apply = "then `invoke infra.apply`"
    if denied := NAMESPACE_DENIED.search(text):
        namespace = denied["namespace"] or es_namespace
        return Diagnosed(
            f"ClusterSecretStore {store_name} allows only the namespaces in its spec.conditions, and {namespace} "
            "is not one of them: no AWS permission is involved",
            (
                f"add {namespace} to spec.conditions (namespaces, or a label its namespaceSelector matches) of "
                f"ClusterSecretStore {store_name} in {KRATIX_CONFIG}, commit, then `argocd app sync kratix-config`",
                f"kubectl get clustersecretstore {store_name} -o jsonpath='{{.spec.conditions}}'",
            ),
        )
    if "Missing Region" in text or "region not found" in text:
        aws = ((store or {}).get("spec") or {}).get("provider", {}).get("aws") or {}
        if aws.get("region"):
            return Diagnosed(
                f"ClusterSecretStore {store_name} sets region {aws['region']}, yet the STS call has none: "
                "ESO 0.18.0 does not pass the store's region to STS "
                "(https://github.com/external-secrets/external-secrets/issues/4934)",
                (
                    f"set the env AWS_REGION={aws['region']} on the external-secrets controller (its chart values in "
                    "gitops/argocd/apps/external-secrets.yaml), or move to a release with the fix; then "
                    "`argocd app sync external-secrets`",
                ),
            )
        return Diagnosed(
            f"ClusterSecretStore {store_name} names no AWS region",
            (
                f"set spec.provider.aws.region of ClusterSecretStore {store_name} in {KRATIX_CONFIG}, commit, "
                "then `argocd app sync kratix-config`",
            ),
        )
    if WEB_IDENTITY.search(text):
        sa_ns, sa = store_auth(store)
        subject = f"system:serviceaccount:{sa_ns or '<namespace>'}:{sa or '<serviceaccount>'}"
        return Diagnosed(
            "STS refuses to exchange the service account's token for the IAM role: the role's trust policy "
            "does not trust this cluster's OIDC provider or this service account (IRSA/OIDC); the role's "
            "permissions are not the problem",
            (
                f"fix the trust policy of the ESO role in {IAC_IAM}: Federated principal = the cluster's OIDC "
                f"provider, condition <issuer>:sub = {subject} and <issuer>:aud = sts.amazonaws.com, {apply}",
                "aws iam get-role --role-name <role> --query Role.AssumeRolePolicyDocument",
                "aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer",
            ),
        )
    if KMS.search(text):
        return Diagnosed(
            "the secret is encrypted with a customer-managed KMS key the ESO role may not use: "
            "secretsmanager:GetSecretValue alone does not decrypt it",
            (
                f"allow kms:Decrypt on the secret's KMS key for the ESO role (its policy in {IAC_IAM}, or the "
                f"key policy), {apply}",
                "aws secretsmanager describe-secret --secret-id <key> --query KmsKeyId",
            ),
        )
    if "is not authorized to perform: secretsmanager:" in text:
        return Diagnosed(
            "the IAM role ESO uses may not read this secret (IAM policy)",
            (f"grant the ESO role secretsmanager:GetSecretValue on datadog/* ({IAC_IAM}), {apply}",),
        )
    return None


def store_settings(store: Json) -> tuple[str, list[str]]:
    """A line describing the store's AWS provider, and what is missing from it."""
    provider = (store.get("spec") or {}).get("provider") or {}
    aws = provider.get("aws")
    if aws is None:
        return f"spec.provider: {', '.join(provider) or 'none'} (not aws)", []
    sa_ns, sa = store_auth(store)
    auth = aws.get("auth") or {}
    if auth.get("jwt"):
        auth_text = f"jwt {sa_ns or '(referent: the ExternalSecret namespace)'}/{sa or '-'}"
    elif auth.get("secretRef"):
        auth_text = "secretRef (static keys)"
    else:
        auth_text = "none (the controller's own identity)"
    line = (
        f"spec.provider.aws: service {aws.get('service') or '-'}, region {aws.get('region') or '-'}, "
        f"auth {auth_text}, role {aws.get('role') or '-'}"
    )
    missing = [f"spec.provider.aws.{field} is not set" for field in ("service", "region") if not aws.get(field)]
    if auth.get("jwt") and not sa:
        missing.append("spec.provider.aws.auth.jwt.serviceAccountRef.name is not set")
    return line, missing


def store_conditions(store: Json) -> str:
    """`namespaces [a, b]; namespaceSelector {k=v}` for each of a ClusterSecretStore's spec.conditions."""
    parts = []
    for c in (store.get("spec") or {}).get("conditions") or []:
        words = []
        if c.get("namespaces"):
            words.append(f"namespaces [{', '.join(map(str, c['namespaces']))}]")
        if c.get("namespaceRegexes"):
            words.append(f"namespaceRegexes [{', '.join(map(str, c['namespaceRegexes']))}]")
        if c.get("namespaceSelector"):
            words.append(f"namespaceSelector {c['namespaceSelector']}")
        parts.append(" ".join(words) or "{}")
    return "; ".join(parts) or "none"


# Flux -------------------------------------------------------------------------------------------------
UNPUBLISHED = re.compile(r"no '(?P<chart>[^']+)' chart with version matching '(?P<version>[^']+)'")


def chart_diagnosis(text: str) -> Diagnosed | None:
    """A chart version the repository never published: pin back to one it has."""
    match = UNPUBLISHED.search(text)
    if match is None:
        return None
    chart, version = match["chart"], match["version"]
    return Diagnosed(
        f"the repository has no {chart} chart at version {version}: it was never published (or was "
        "withdrawn); no retry fetches it",
        (
            f"pin datadog.chart_version in invoke.yaml back to a published version (`helm search repo "
            f"datadog/{chart} --versions | head`), then `invoke promise.apply` (the pipeline's "
            "DATADOG_CHART_VERSION; Kratix re-runs every DatadogStack)",
            "helm repo add datadog https://helm.datadoghq.com && helm repo update",
        ),
    )
