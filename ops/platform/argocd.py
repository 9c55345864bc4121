"""Argo CD once it runs: its Applications from `gitops/argocd/apps/`, the initial admin password, the UI.

    apps = applications(ARGOCD_APPS, AppSettings.of(settings, region="eu-central-1", git_secret=...))
    for applied in apply_applications(kube, apps): print(applied)       # created / configured / unchanged
    password = initial_admin_password(kube)
    forward = check_port_forward(kube, port=8080)                       # then port_forward(runner, ...)

Facts (https://argo-cd.readthedocs.io/en/stable/getting_started/#4-login-using-the-cli): the password is key
`password` of Secret
`argocd-initial-admin-secret`, which is gone once the password was changed; `svc/argocd-server` serves the
UI with TLS on 443.
"""

from __future__ import annotations

import base64
import copy
import errno
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ops.config import Settings
from ops.errors import BadInput, ExitCode, OpsError
from ops.kube.objects import Applied, apply_object, get_object, resource_for
from ops.programs import KUBECTL, Command, Completed, Runner

if TYPE_CHECKING:
    from ops.kube import Kube

Json = dict[str, Any]
NAMESPACE = "argocd"
INITIAL_SECRET = "argocd-initial-admin-secret"
SERVER_SERVICE = "argocd-server"
SERVER_PORT = 443
ADMIN_USER = "admin"
# What the manifests in git say instead of this installation's values (iac/README.md "Placeholders").
REPOSITORY_PLACEHOLDER = "https://github.com/example/kratix-ops.git"
REGION_PLACEHOLDER = "AWS_REGION_PLACEHOLDER"
CONFIG_APP = "kratix-config"  # renders the stores and the Destination from helm values
STATE_STORE_APP = "kratix-platform-workloads"  # syncs what Kratix writes for the Destination


class PasswordChanged(OpsError):
    exit_code = ExitCode.NOT_FOUND


class ArgoCdMissing(OpsError):
    exit_code = ExitCode.NOT_FOUND


@dataclass(frozen=True)
class AppSettings:
    """What `argocd.apps` fills into the generic manifests."""

    repository_url: str
    branch: str
    statestore_path: str
    destination_path: str
    region: str
    git_secret: str  # Secrets Manager name of the Kratix git credentials
    cluster_name: str = ""  # the platform cluster: the `platform` Destination's kratix-ops/cluster label

    @classmethod
    def of(cls, settings: Settings, *, region: str, git_secret: str) -> AppSettings:
        return cls(
            repository_url=settings.statestore_url,
            branch=settings.statestore_branch,
            statestore_path=settings.statestore_path,
            destination_path=settings.destination_path,
            region=region,
            git_secret=git_secret,
            cluster_name=settings.cluster_name,
        )


def applications(apps_dir: Path, fill: AppSettings) -> list[Json]:
    """Every Application in apps_dir, with this installation's repository, branch, paths and region."""
    found: list[Json] = []
    for path in sorted(apps_dir.glob("*.yaml")):
        text = path.read_text().replace(REPOSITORY_PLACEHOLDER, fill.repository_url)
        text = text.replace(REGION_PLACEHOLDER, fill.region)
        for document in yaml.safe_load_all(text):
            if isinstance(document, dict) and document.get("kind") == "Application":
                found.append(_follow_settings(copy.deepcopy(document), fill))
    return found


def _follow_settings(app: Json, fill: AppSettings) -> Json:
    """Applications that read this repository follow the state-store branch and paths of invoke.yaml."""
    source = app.get("spec", {}).get("source") or {}
    if source.get("repoURL") != fill.repository_url:
        return app  # a chart from elsewhere: its targetRevision is the chart version
    source["targetRevision"] = fill.branch
    name = app["metadata"]["name"]
    if name == STATE_STORE_APP:
        source["path"] = f"{fill.statestore_path}/{fill.destination_path}"
    values = source.get("helm", {}).get("valuesObject")
    if name == CONFIG_APP and isinstance(values, dict):
        values.setdefault("stateStore", {}).update(
            url=fill.repository_url, branch=fill.branch, path=fill.statestore_path
        )
        values.setdefault("destination", {})["path"] = fill.destination_path
        if fill.cluster_name:
            values["destination"]["cluster"] = fill.cluster_name
        values.setdefault("gitCredentials", {})["remoteKey"] = fill.git_secret
    return app


def apply_applications(kube: Kube, apps: list[Json], *, dry_run: bool = False) -> list[Applied]:
    """Server-side apply of each Application; CrdMissing ("install Argo CD") when Argo CD is not there."""
    resource_for(kube, "argoproj.io/v1alpha1", "Application")
    return [apply_object(kube, app, dry_run=dry_run) for app in apps]


def _require_namespace(kube: Kube, namespace: str) -> None:
    if get_object(kube, "v1", "Namespace", namespace) is None:
        raise ArgoCdMissing(f"Argo CD is not installed: no namespace {namespace}; run `invoke argocd.apply`")


def initial_admin_password(kube: Kube, namespace: str = NAMESPACE) -> str:
    """The initial admin password, read through the API (never through kubectl)."""
    _require_namespace(kube, namespace)
    secret = get_object(kube, "v1", "Secret", INITIAL_SECRET, namespace)
    if secret is None:
        raise PasswordChanged(
            f"Secret {namespace}/{INITIAL_SECRET} no longer exists: the admin password was changed "
            "(Argo CD deletes the initial one then); log in with the changed password, or set a new one "
            "with `argocd account update-password`"
        )
    encoded = (secret.get("data") or {}).get("password")
    if not encoded:
        raise PasswordChanged(f"Secret {namespace}/{INITIAL_SECRET} has no key password")
    return base64.b64decode(encoded).decode()


@dataclass(frozen=True)
class PortForward:
    namespace: str
    service: str
    local_port: int
    remote_port: int

    @property
    def url(self) -> str:
        return f"https://localhost:{self.local_port}"

    @property
    def user(self) -> str:
        return ADMIN_USER


def check_port_forward(kube: Kube, port: int, namespace: str = NAMESPACE) -> PortForward:
    """Before starting kubectl: the port is valid and free here, and the Service exists and serves 443."""
    if not 1 <= port <= 65535:
        raise BadInput("--port", port, "a TCP port from 1 to 65535")
    ensure_port_free(port)
    _require_namespace(kube, namespace)
    service = get_object(kube, "v1", "Service", SERVER_SERVICE, namespace)
    if service is None:
        raise ArgoCdMissing(
            f"Service {namespace}/{SERVER_SERVICE} not found; is Argo CD installed (`invoke argocd.apply`)?"
        )
    ports = [p.get("port") for p in (service.get("spec") or {}).get("ports") or []]
    if SERVER_PORT not in ports:
        raise OpsError(f"Service {namespace}/{SERVER_SERVICE} has no port {SERVER_PORT} (ports: {ports})")
    return PortForward(namespace, SERVER_SERVICE, port, SERVER_PORT)


def ensure_port_free(port: int) -> None:
    """Bind the port on 127.0.0.1 as kubectl will (SO_REUSEADDR, like Go's listeners), then let it go."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as err:
            if err.errno in {errno.EADDRINUSE, errno.EACCES}:
                reason = "in use" if err.errno == errno.EADDRINUSE else "not allowed for this user"
                raise BadInput("--port", port, f"a free local port ({port} is {reason}); pick another") from err
            raise


def port_forward(runner: Runner, forward: PortForward, *, context: str, kubeconfig: Path | None = None) -> Completed:
    """`kubectl port-forward` until Ctrl-C (a clean stop); the same context the checks used."""
    args = (
        "port-forward",
        f"svc/{forward.service}",
        "-n",
        forward.namespace,
        f"{forward.local_port}:{forward.remote_port}",
        "--context",
        context,
        *(("--kubeconfig", str(kubeconfig)) if kubeconfig else ()),
    )
    return runner.run(Command(KUBECTL, args), until_interrupted=True)
