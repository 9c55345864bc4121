"""EKS bearer tokens minted in-process, once per cluster per run, as `aws eks get-token` makes them.

A kubeconfig user whose exec plugin is `aws eks get-token` (as `invoke kubeconfig` or
`aws eks update-kubeconfig` writes it) costs a Python process of its own on every `kubectl` call.
The token is only a presigned STS `GetCallerIdentity` URL, so it is made here with botocore, the way
the aws CLI does (https://github.com/aws/aws-cli/blob/develop/awscli/customizations/eks/get_token.py):

* an `sts` client for the region (`--region`, else the profile's), credentials of the profile
  (`--profile`, else `AWS_PROFILE` of the plugin's env), or of `--role-arn` assumed first
  (session name `EKSGetTokenAuth`);
* the header `x-k8s-aws-id: <cluster>` added before signing, the URL presigned for 60 s with GET;
* token = `k8s-aws-v1.` + the URL in URL-safe base64 without padding; it expires 14 minutes after it
  was made (the CLI's `expirationTimestamp`); a new one is made 5 minutes before that.

`eks_exec(exec_config)` recognises the plugin (anything else, or an argument this module does not
know, is None: the client runs that plugin as configured). botocore is imported on first use only.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import PurePath
from typing import Any

from ops.errors import ExitCode, OpsError

TOKEN_PREFIX = "k8s-aws-v1."
K8S_AWS_ID_HEADER = "x-k8s-aws-id"
URL_TIMEOUT = 60  # seconds the presigned URL says it is valid (EKS accepts it for 15 minutes)
TOKEN_LIFETIME = timedelta(minutes=14)  # the CLI's expirationTimestamp
REFRESH_BEFORE = timedelta(minutes=5)  # as the kubernetes client's EXPIRY_SKEW_PREVENTION_DELAY
ROLE_SESSION_NAME = "EKSGetTokenAuth"

_GLOBAL_VALUED = {"--region": "region", "--profile": "profile", "--output": "output"}
_COMMAND_VALUED = {"--cluster-name": "cluster_name", "--cluster-id": "cluster_id", "--role-arn": "role_arn"}
_ENV = {"AWS_PROFILE": "profile", "AWS_DEFAULT_REGION": "region"}  # the plugin env this module honours

Clock = Callable[[], datetime]


class EksTokenError(OpsError):
    """No token could be made: no credentials, or the role could not be assumed."""

    exit_code = ExitCode.AWS_CREDENTIALS

    def __init__(self, cluster: str, reason: str, *, denied: bool = False) -> None:
        super().__init__(f"cannot make the EKS token for cluster {cluster}: {reason}")
        if denied:
            self.exit_code = ExitCode.AWS_ACCESS_DENIED


@dataclass(frozen=True)
class EksExec:
    """What an `aws eks get-token` plugin entry asks for."""

    cluster: str  # --cluster-name, or --cluster-id (local clusters on Outposts)
    region: str | None = None
    profile: str | None = None
    role_arn: str | None = None


@dataclass(frozen=True)
class EksToken:
    token: str
    expires_at: datetime  # UTC

    def fresh(self, now: datetime) -> bool:
        return now < self.expires_at - REFRESH_BEFORE


def _options(args: Sequence[str], known: Mapping[str, str]) -> dict[str, str] | None:
    """`--flag value` / `--flag=value` pairs, or None when one is unknown or has no value."""
    found: dict[str, str] = {}
    items = list(args)
    while items:
        flag = items.pop(0)
        name, eq, value = flag.partition("=")
        if name not in known:
            return None
        if not eq:
            if not items:
                return None
            value = items.pop(0)
        found[known[name]] = value
    return found


def eks_exec(exec_config: Mapping[str, Any]) -> EksExec | None:
    """The plugin as an EksExec when it is `aws [globals] eks get-token ...`, else None."""
    command = str(exec_config.get("command") or "")
    args = [str(a) for a in exec_config.get("args") or []]
    if PurePath(command).name != "aws" or args.count("eks") != 1:
        return None
    at = args.index("eks")
    if args[at + 1 : at + 2] != ["get-token"]:
        return None
    before, after = args[:at], args[at + 2 :]
    # the CLI takes its global options anywhere; get-token's own only after the command
    globals_ = _options(before, _GLOBAL_VALUED)
    rest = _options(after, {**_GLOBAL_VALUED, **_COMMAND_VALUED})
    if globals_ is None or rest is None:
        return None
    env: dict[str, str] = {}
    for entry in exec_config.get("env") or []:
        name = str((entry or {}).get("name", ""))
        if name not in _ENV:
            return None  # an environment this module cannot reproduce: run the plugin itself
        env[_ENV[name]] = str(entry.get("value", ""))
    found = {**env, **globals_, **rest}
    if found.get("output", "json") != "json":
        return None
    if ("cluster_name" in found) == ("cluster_id" in found):
        return None  # the CLI wants exactly one of them
    cluster = found.get("cluster_name") or found.get("cluster_id") or ""
    if not cluster:
        return None
    return EksExec(cluster, found.get("region") or None, found.get("profile") or None, found.get("role_arn"))


def _now() -> datetime:
    return datetime.now(UTC)


def mint(plugin: EksExec, *, clock: Clock = _now) -> EksToken:
    """A new token (the exact one `aws eks get-token` prints for the same credentials and clock)."""
    import botocore.exceptions
    import botocore.session

    try:
        session = botocore.session.Session(profile=plugin.profile)
        region = plugin.region or session.get_config_variable("region")
        kwargs: dict[str, Any] = {"region_name": region}
        if plugin.role_arn is not None:
            sts = session.create_client("sts", region_name=region)
            creds = sts.assume_role(RoleArn=plugin.role_arn, RoleSessionName=ROLE_SESSION_NAME)["Credentials"]
            kwargs |= {
                "aws_access_key_id": creds["AccessKeyId"],
                "aws_secret_access_key": creds["SecretAccessKey"],
                "aws_session_token": creds["SessionToken"],
            }
        client = session.create_client("sts", **kwargs)

        def add_header(request: Any, **_: Any) -> None:
            request.headers[K8S_AWS_ID_HEADER] = plugin.cluster

        client.meta.events.register("before-sign.sts.GetCallerIdentity", add_header)
        made_at = clock()
        url = client.generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=URL_TIMEOUT, HttpMethod="GET")
    except botocore.exceptions.NoCredentialsError:
        raise EksTokenError(plugin.cluster, _where(plugin, "no AWS credentials")) from None
    except botocore.exceptions.ProfileNotFound:
        raise EksTokenError(plugin.cluster, f"AWS profile {plugin.profile} is not configured") from None
    except botocore.exceptions.ClientError as err:
        code = str(err.response.get("Error", {}).get("Code", ""))
        message = str(err.response.get("Error", {}).get("Message", ""))
        denied = code in {"AccessDenied", "AccessDeniedException"}
        raise EksTokenError(
            plugin.cluster, f"{plugin.role_arn} not assumed: {code}: {message}", denied=denied
        ) from None
    except botocore.exceptions.BotoCoreError as err:
        raise EksTokenError(plugin.cluster, _where(plugin, str(err))) from None
    encoded = base64.urlsafe_b64encode(str(url).encode("utf-8")).decode("utf-8").rstrip("=")
    return EksToken(TOKEN_PREFIX + encoded, made_at + TOKEN_LIFETIME)


def _where(plugin: EksExec, reason: str) -> str:
    profile = f"profile {plugin.profile}" if plugin.profile else "the default credential chain"
    return f"{reason} ({profile}; `aws sso login` or `aws configure` sets them)"


class TokenCache:
    """One token per plugin entry per process, made again only when it is about to expire."""

    def __init__(self, *, clock: Clock = _now) -> None:
        self._clock = clock
        self._tokens: dict[EksExec, EksToken] = {}
        self._lock = threading.Lock()
        self.minted = 0

    def token(self, plugin: EksExec) -> EksToken:
        with self._lock:
            held = self._tokens.get(plugin)
            if held is None or not held.fresh(self._clock()):
                held = self._tokens[plugin] = mint(plugin, clock=self._clock)
                self.minted += 1
            return held


TOKENS = TokenCache()
