"""How Argo CD reaches a workload cluster: the `server` and `config` of its cluster Secret.

Argo CD's declarative cluster Secret (https://argo-cd.readthedocs.io/en/stable/operator-manual/declarative-setup/#clusters)
holds `config`, JSON with `bearerToken`, `tlsClientConfig` (`caData`, `certData`, `keyData`, `insecure`) or, for
EKS, `awsAuthConfig` (`clusterName`, `roleARN`): Argo CD then asks IAM for a token on every use, so no
long-lived credential is stored. From a kubeconfig context:

- a user running `aws eks get-token --cluster-name X [--role-arn R]` (what `invoke kubeconfig` and
  `aws eks update-kubeconfig` write) becomes `awsAuthConfig` for X;
- a user with a token (or token file) becomes `bearerToken`, a client certificate `certData`/`keyData`;
- anything else (other credential plugins, which Argo CD cannot run) is refused.

The config holds credentials: `ClusterAccess` never prints it (`redacted()` names its keys only).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ops.aws import AwsTarget
from ops.errors import BadInput
from ops.kube.client import KubeTarget, connect, kubeconfig_path
from ops.kube.contexts import ContextEntry, context_entry
from ops.kube.discovery import installed_groups
from ops.platform.kubeconfig import describe_cluster

if TYPE_CHECKING:
    import boto3

Json = dict[str, Any]


@dataclass(frozen=True)
class ClusterAccess:
    server: str
    config: Json = field(repr=False)  # Argo CD's cluster config: may hold a token or a key
    how: str  # "IAM (EKS cluster X)", "bearer token", "client certificate"

    def config_json(self) -> str:
        return json.dumps(self.config, sort_keys=True, separators=(",", ":"))

    def redacted(self) -> str:
        """What the config holds, without a secret: its keys."""
        return f"<redacted: {', '.join(sorted(self.config))}>"


def _tls(ca_data: str, insecure: bool) -> Json:
    tls: Json = {"insecure": insecure}
    if ca_data:
        tls["caData"] = ca_data
    return tls


def _file_data(entry: ContextEntry, body: Json, key: str) -> str:
    """`<key>-data` as it is (base64), or the file `<key>` read and encoded; "" when neither is set."""
    if body.get(f"{key}-data"):
        return str(body[f"{key}-data"])
    if not body.get(key):
        return ""
    path = Path(str(body[key])).expanduser()
    if not path.is_absolute() and entry.base is not None:
        path = entry.base.parent / path
    try:
        return base64.b64encode(path.read_bytes()).decode()
    except OSError as err:
        raise BadInput(f"kubeconfig {key}", str(path), f"a readable file ({err.strerror})") from err


def _eks_cluster_of(exec_config: Json) -> tuple[str, str] | None:
    """(cluster name, role ARN or "") when the exec plugin is `aws eks get-token --cluster-name X`."""
    args = [str(a) for a in exec_config.get("args") or []]
    if Path(str(exec_config.get("command") or "")).name != "aws" or args[:2] != ["eks", "get-token"]:
        return None

    def value(flag: str) -> str:
        return args[args.index(flag) + 1] if flag in args and args.index(flag) + 1 < len(args) else ""

    name = value("--cluster-name") or value("--cluster-id")
    return (name, value("--role-arn")) if name else None


def access_from_context(entry: ContextEntry, role_arn: str | None = None) -> ClusterAccess:
    """Argo CD's access to the cluster a context points at; BadInput when its user cannot be handed over."""
    if not entry.server.startswith("https://") and not entry.server.startswith("http://"):
        raise BadInput("--context", entry.name, "a context whose cluster has an https:// server")
    cluster, user = entry.cluster, entry.user
    tls = _tls(_file_data(entry, cluster, "certificate-authority"), bool(cluster.get("insecure-skip-tls-verify")))
    exec_config = user.get("exec")
    if isinstance(exec_config, dict) and (eks := _eks_cluster_of(exec_config)) is not None:
        name, role = eks
        return eks_access(entry.server, name, role_arn or role or None, tls.get("caData", ""))
    token = str(user.get("token") or "")
    if not token and user.get("tokenFile"):
        token = base64.b64decode(_file_data(entry, {"file": user["tokenFile"]}, "file")).decode().strip()
    if token:
        return ClusterAccess(entry.server, {"bearerToken": token, "tlsClientConfig": tls}, "bearer token")
    cert, key = _file_data(entry, user, "client-certificate"), _file_data(entry, user, "client-key")
    if cert and key:
        return ClusterAccess(
            entry.server, {"tlsClientConfig": {**tls, "certData": cert, "keyData": key}}, "client certificate"
        )
    raise BadInput(
        "--context",
        entry.name,
        "a context whose user has a token, a client certificate or `aws eks get-token` "
        "(Argo CD cannot run other credential plugins); or pass --eks CLUSTER",
    )


def eks_access(server: str, cluster_name: str, role_arn: str | None, ca_data: str) -> ClusterAccess:
    """IAM access to an EKS cluster: Argo CD gets a token for `cluster_name` (as `role_arn`) on every use."""
    aws: Json = {"clusterName": cluster_name}
    if role_arn:
        aws["roleARN"] = role_arn
    config = {"awsAuthConfig": aws, "tlsClientConfig": _tls(ca_data, False)}
    return ClusterAccess(server, config, f"IAM (EKS cluster {cluster_name}{', role ' + role_arn if role_arn else ''})")


def context_access(kubeconfig: Path | None, context: str, role_arn: str | None = None) -> ClusterAccess:
    """Access to the cluster of a kubeconfig context, once that cluster has answered with these credentials."""
    entry = context_entry(kubeconfig_path(KubeTarget(kubeconfig)), context)
    with connect(KubeTarget(kubeconfig, context)) as workload:
        installed_groups(workload)  # unreachable or unauthorized: its own error, before Argo CD is told of it
    return access_from_context(entry, role_arn)


def eks_cluster_access(session: boto3.Session, target: AwsTarget, name: str, role_arn: str | None) -> ClusterAccess:
    """IAM access to an EKS cluster, its endpoint and CA from eks:DescribeCluster."""
    found = describe_cluster(session, target, name)
    return eks_access(found.endpoint, found.name, role_arn, found.certificate_authority)
