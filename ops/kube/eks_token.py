"""EKS bearer tokens minted in-process, once per cluster per run, as `aws eks get-token` makes them.

A kubeconfig user whose exec plugin is `aws eks get-token` (as `invoke kubeconfig` or
`aws eks update-kubeconfig` writes it) costs a Python process of its own on every `kubectl` call.
The token is only a presigned STS `GetCallerIdentity` URL, so it is made here with botocore, the way
the aws CLI does (https://github.com/aws/aws-cli/blob/develop/awscli/customizations/eks/get_token.py):

* the region (`--region`, else the profile's), credentials of the profile (`--profile`, else
  `AWS_PROFILE` of the plugin's env) from botocore's own chain, or of `--role-arn` assumed first
  (session name `EKSGetTokenAuth`);
* GET `https://<sts endpoint>/?Action=GetCallerIdentity&Version=2011-06-15` with the header
  `x-k8s-aws-id: <cluster>`, presigned (SigV4, query) for 60 s. Where `sts_endpoint` can say
  exactly which endpoint the CLI's `sts` client would use (the regional one, or the global one with
  `sts_regional_endpoints = legacy`, in the `aws` and `aws-cn` partitions), the URL is signed here
  with botocore's signer, without building a client (which loads the STS model and endpoint rules:
  about a third of the cost); for anything else (an endpoint URL override, FIPS, another partition,
  `--role-arn`) an `sts` client presigns it, as the CLI does;
* token = `k8s-aws-v1.` + the URL in URL-safe base64 without padding; it expires 14 minutes after it
  was made (the CLI's `expirationTimestamp`); a new one is made 5 minutes before that.

`eks_exec(exec_config)` recognises the plugin (anything else, or an argument this module does not
know, is None: the client runs that plugin as configured). botocore is imported on first use only.
"""

from __future__ import annotations

import base64
import re
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
STS_API_VERSION = "2011-06-15"

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
        endpoint = None if plugin.role_arn is not None else sts_endpoint(session, region)
        if endpoint is not None:
            made_at = clock()
            url = _signed_here(session, endpoint, plugin.cluster)
        else:
            made_at, url = _signed_by_client(session, plugin, region, clock)
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
    encoded = base64.urlsafe_b64encode(url.encode("utf-8")).decode("utf-8").rstrip("=")
    return EksToken(TOKEN_PREFIX + encoded, made_at + TOKEN_LIFETIME)


@dataclass(frozen=True)
class StsEndpoint:
    url: str  # scheme and host, no path
    signing_region: str


def sts_endpoint(session: Any, region: str | None) -> StsEndpoint | None:
    """Where the CLI's `sts` client would send GetCallerIdentity, when this module can say it exactly.

    botocore's STS endpoint rules (data/sts/*/endpoint-rule-set-1.json, and `sts_regional_endpoints`
    in botocore/args.py): `https://sts.<region>.<dnsSuffix of the region's partition>` signed for the
    region, or with `sts_regional_endpoints = legacy` in one of botocore's LEGACY_GLOBAL_STS_REGIONS,
    `https://sts.amazonaws.com` signed for us-east-1. None (the caller then asks an `sts` client) for
    every other configuration: no region, a region of another partition or a pseudo region
    (aws-global, fips-...), FIPS or dual-stack endpoints, a configured endpoint URL
    (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_STS, `endpoint_url` or `services` in the profile), a
    defaults mode other than legacy (its smart defaults may change the endpoint settings), or an
    `sts_regional_endpoints` value botocore refuses.
    """
    from botocore.args import LEGACY_GLOBAL_STS_REGIONS
    from botocore.configprovider import ConfiguredEndpointProvider

    suffix = _dns_suffix(region) if region else None
    if region is None or suffix is None:
        return None
    settings = {name: session.get_config_variable(name) for name in _ENDPOINT_SETTINGS}
    if settings["use_fips_endpoint"] or settings["use_dualstack_endpoint"]:
        return None
    if settings["defaults_mode"] not in {None, "legacy"}:
        return None
    configured = ConfiguredEndpointProvider(
        full_config=session.full_config, scoped_config=session.get_scoped_config(), client_name="sts"
    ).provide()
    if configured is not None:
        return None
    mode = settings["sts_regional_endpoints"] or "regional"
    if mode == "legacy" and region in LEGACY_GLOBAL_STS_REGIONS:
        return StsEndpoint("https://sts.amazonaws.com", "us-east-1")
    if mode not in {"regional", "legacy"}:
        return None
    return StsEndpoint(f"https://sts.{region}.{suffix}", region)


_ENDPOINT_SETTINGS = ("use_fips_endpoint", "use_dualstack_endpoint", "defaults_mode", "sts_regional_endpoints")
# botocore/data/partitions.json: the partitions whose STS endpoint this module builds, by their
# regionRegex (every region of another partition has a fourth part: us-gov-west-1, us-iso-east-1)
_PARTITIONS = (
    (re.compile(r"^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$"), "amazonaws.com"),
    (re.compile(r"^cn\-\w+\-\d+$"), "amazonaws.com.cn"),
)


def _dns_suffix(region: str) -> str | None:
    """The DNS suffix of the region's partition when it is `aws` or `aws-cn`, else None."""
    for pattern, suffix in _PARTITIONS:
        if pattern.match(region):
            return suffix
    return None


def _signed_here(session: Any, endpoint: StsEndpoint, cluster: str) -> str:
    """GetCallerIdentity presigned with botocore's SigV4 query signer, as the CLI's client presigns it."""
    from botocore.auth import SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.exceptions import NoCredentialsError

    credentials = session.get_credentials()
    if credentials is None:
        raise NoCredentialsError()
    request = AWSRequest(
        method="GET",
        url=f"{endpoint.url}/?Action=GetCallerIdentity&Version={STS_API_VERSION}",
        headers={K8S_AWS_ID_HEADER: cluster},
    )
    frozen = credentials.get_frozen_credentials()
    SigV4QueryAuth(frozen, "sts", endpoint.signing_region, expires=URL_TIMEOUT).add_auth(request)
    return str(request.prepare().url)


def _signed_by_client(session: Any, plugin: EksExec, region: str | None, clock: Clock) -> tuple[datetime, str]:
    """The CLI's own way: an `sts` client (after assuming --role-arn), its presigned URL."""
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
    return made_at, str(url)


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
