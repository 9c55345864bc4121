"""A kubeconfig context for the EKS cluster, from `eks:DescribeCluster`, merged without touching other contexts.

    cluster = describe_cluster(session, AwsTarget("eu-central-1", "ops"), "kratix-demo")
    change = merge_kubeconfig(Path("~/.kube/config"), cluster, profile="ops")    # created / configured / unchanged

The user entry runs `aws eks get-token` (exec credential plugin, client.authentication.k8s.io/v1beta1), so
the token is fresh on every use and no credential is written to the file (kratix-ops itself makes the
same token in-process, once per run: ops/kube/eks_token.py). Cluster, user and context are
named by the cluster ARN, as `aws eks update-kubeconfig` names them: running either one after the other
updates the same entries instead of adding twins.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ops.aws import AwsNotFound, AwsTarget, call
from ops.errors import OpsError
from ops.kube.client import DEFAULT_KUBECONFIG
from ops.kube.errors import BadKubeconfig

if TYPE_CHECKING:
    import boto3

Json = dict[str, Any]
EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1"


@dataclass(frozen=True)
class EksCluster:
    name: str
    arn: str
    region: str
    endpoint: str
    certificate_authority: str  # base64, as EKS returns it
    status: str


@dataclass(frozen=True)
class KubeconfigChange:
    path: Path
    context: str
    action: str  # created, configured, unchanged
    previous_context: str | None
    dry_run: bool = False


class ClusterNotReady(OpsError):
    pass


def describe_cluster(session: boto3.Session, target: AwsTarget, name: str) -> EksCluster:
    """The cluster's endpoint and CA; a missing or not yet ACTIVE cluster is its own error."""
    action = f"eks:DescribeCluster {name} in {target.region}"
    try:
        answer = call(action, lambda: session.client("eks").describe_cluster(name=name), target, expect=("cluster",))
    except AwsNotFound as err:
        raise AwsNotFound(
            f"no EKS cluster {name} in {target.region}; check --cluster/--region, "
            "or create it with `invoke infra.apply`"
        ) from err
    data = answer["cluster"]
    if data.get("status") != "ACTIVE" or not data.get("endpoint"):
        raise ClusterNotReady(f"EKS cluster {name} is {data.get('status', 'not ready')}; try again once it is ACTIVE")
    return EksCluster(
        name=str(data["name"]),
        arn=str(data["arn"]),
        region=target.region,
        endpoint=str(data["endpoint"]),
        certificate_authority=str((data.get("certificateAuthority") or {}).get("data", "")),
        status=str(data["status"]),
    )


def default_path() -> Path:
    """Where kubectl writes new contexts: the first file of $KUBECONFIG, else ~/.kube/config."""
    first = next((p for p in os.environ.get("KUBECONFIG", "").split(os.pathsep) if p), DEFAULT_KUBECONFIG)
    return Path(first).expanduser()


def entries(cluster: EksCluster, profile: str | None, alias: str | None = None) -> tuple[Json, Json, Json]:
    """The cluster, user and context entries for this cluster."""
    args = ["eks", "get-token", "--cluster-name", cluster.name, "--region", cluster.region]
    exec_config: Json = {"apiVersion": EXEC_API_VERSION, "command": "aws", "args": args}
    if profile:
        exec_config["args"] = [*args, "--profile", profile]
        exec_config["env"] = [{"name": "AWS_PROFILE", "value": profile}]
    server: Json = {"server": cluster.endpoint}
    if cluster.certificate_authority:
        server["certificate-authority-data"] = cluster.certificate_authority
    cluster_entry = {"name": cluster.arn, "cluster": server}
    user_entry = {"name": cluster.arn, "user": {"exec": exec_config}}
    context_entry = {"name": alias or cluster.arn, "context": {"cluster": cluster.arn, "user": cluster.arn}}
    return cluster_entry, user_entry, context_entry


def merged(document: Json, new_entries: tuple[Json, Json, Json]) -> Json:
    """The kubeconfig with these entries put in (replacing same-named ones) and made current."""
    result = dict(document)
    result.setdefault("apiVersion", "v1")
    result.setdefault("kind", "Config")
    result.setdefault("preferences", {})
    for key, entry in zip(("clusters", "users", "contexts"), new_entries, strict=True):
        kept = [item for item in result.get(key) or [] if item.get("name") != entry["name"]]
        existing = [item for item in result.get(key) or [] if item.get("name") == entry["name"]]
        # keep the entry where it was, so a diff of the file shows only what changed
        position = (result.get(key) or []).index(existing[0]) if existing else len(kept)
        kept.insert(position, entry)
        result[key] = kept
    result["current-context"] = new_entries[2]["name"]
    return result


def read_kubeconfig(path: Path) -> Json:
    if not path.exists():
        return {}
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as err:
        raise BadKubeconfig(str(path), f"not readable YAML ({type(err).__name__})") from err
    if not isinstance(document, dict):
        raise BadKubeconfig(str(path), "not a kubeconfig (no mapping at the top)")
    return document


def merge_kubeconfig(
    path: Path,
    cluster: EksCluster,
    *,
    profile: str | None = None,
    alias: str | None = None,
    dry_run: bool = False,
) -> KubeconfigChange:
    """Write (or, with dry_run, only compare) the entries for `cluster`; other contexts stay as they were."""
    current = read_kubeconfig(path)
    new_entries = entries(cluster, profile, alias)
    wanted = merged(current, new_entries)
    context = new_entries[2]["name"]
    previous = current.get("current-context") or None
    known = any(item.get("name") == context for item in current.get("contexts") or [])
    if wanted == current:
        return KubeconfigChange(path, context, "unchanged", previous, dry_run)
    if not dry_run:
        _write_private(path, yaml.safe_dump(wanted, sort_keys=False, default_flow_style=False))
    return KubeconfigChange(path, context, "configured" if known else "created", previous, dry_run)


def _write_private(path: Path, text: str) -> None:
    """Replace the file atomically, readable by its owner only (it says how to get cluster tokens)."""
    path = path.resolve()  # through a symlink (dotfiles): replace the target, keep the link
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    descriptor, temporary = tempfile.mkstemp(prefix=".kubeconfig-", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
