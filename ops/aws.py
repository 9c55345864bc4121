"""The AWS client layer: one session per run, and AWS failures as `ops.errors` errors in one place.

boto3 is imported on first use. Endpoints follow boto3's own rules, so AWS_ENDPOINT_URL points every
client at a local server (moto in the tests).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ops.errors import ExitCode, OpsError, translated

if TYPE_CHECKING:
    import boto3

T = TypeVar("T")

_EXPIRED = {
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidSignatureException",
}
_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"}
_NOT_FOUND = {"ResourceNotFoundException", "NoSuchEntity", "NotFoundException"}


class AwsCredentials(OpsError):
    """No usable credentials: none found, expired, or not accepted."""

    exit_code = ExitCode.AWS_CREDENTIALS


class AwsAccessDenied(OpsError):
    exit_code = ExitCode.AWS_ACCESS_DENIED


class AwsNotFound(OpsError):
    exit_code = ExitCode.NOT_FOUND


class AwsUnreachable(OpsError):
    exit_code = ExitCode.API_UNREACHABLE


class AwsError(OpsError):
    """Any other AWS failure, with AWS's own code and message."""


@dataclass(frozen=True)
class AwsTarget:
    region: str
    profile: str | None = None


@dataclass(frozen=True)
class Identity:
    account: str
    arn: str


def session(target: AwsTarget) -> boto3.Session:
    """A boto3 session for the profile (None: the default chain) and region; a missing profile is named."""
    import boto3
    import botocore.config
    import botocore.exceptions
    import botocore.session

    core = botocore.session.get_session()
    # Every AWS call bounded: 5 s to connect, 30 s between bytes, 3 attempts (standard retry mode).
    core.set_default_client_config(
        botocore.config.Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"})
    )
    try:
        return boto3.Session(profile_name=target.profile or None, region_name=target.region, botocore_session=core)
    except botocore.exceptions.ProfileNotFound as err:
        raise AwsCredentials(
            f"AWS profile {target.profile!r} is not configured; run `aws configure sso "
            f"--profile {target.profile}` or set aws.profile in invoke.yaml"
        ) from err


def _hint(target: AwsTarget | None) -> str:
    profile = target.profile if target else None
    return (
        f"run `aws sso login --profile {profile}`"
        if profile
        else "set AWS_PROFILE (then `aws sso login`) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
    )


def translate(err: Exception, action: str, target: AwsTarget | None = None) -> OpsError | None:
    """What an AWS exception means, as one line naming the action; None when it is not an AWS failure."""
    import botocore.exceptions as bce
    import botocore.parsers

    if isinstance(err, bce.NoCredentialsError | bce.PartialCredentialsError):
        return AwsCredentials(f"no AWS credentials found for {action}; {_hint(target)}")
    if isinstance(err, bce.TokenRetrievalError | bce.SSOTokenLoadError | bce.UnauthorizedSSOTokenError):
        return AwsCredentials(f"the AWS SSO session has expired ({action}); {_hint(target)}")
    if isinstance(err, bce.EndpointConnectionError | bce.ConnectTimeoutError | bce.ReadTimeoutError):
        return AwsUnreachable(f"cannot reach AWS for {action}: {err}")
    if isinstance(err, botocore.parsers.ResponseParserError):
        return AwsUnreachable(
            f"AWS answered {action} with something that is not what the call expects "
            "(a proxy or load balancer in the way may have answered instead)"
        )
    if isinstance(err, bce.HTTPClientError):  # the connection dropped, a proxy failed
        return AwsUnreachable(f"cannot reach AWS for {action}: the connection failed ({type(err).__name__})")
    if isinstance(err, bce.ClientError):
        code = str(err.response.get("Error", {}).get("Code", ""))
        message = " ".join(str(err.response.get("Error", {}).get("Message", "")).split())
        if code in _EXPIRED:
            return AwsCredentials(f"AWS rejected the credentials for {action} ({code}); {_hint(target)}")
        if code in _DENIED:
            return AwsAccessDenied(f"access denied: {action} ({message or code})")
        if code in _NOT_FOUND:
            return AwsNotFound(f"not found: {action} ({message or code})")
        status = int(err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if status >= 500 or status == 429 or code.startswith("Throttl"):
            return AwsUnreachable(f"AWS could not serve {action} after retries: {code}: {message}")
        return AwsError(f"{action} failed: {code}: {message}")
    return None


@contextmanager
def aws_errors(action: str, target: AwsTarget | None = None) -> Iterator[None]:
    """Turn AWS failures inside the block into one-line `OpsError`s; anything else passes through."""
    with translated(lambda err: translate(err, action, target)):
        yield


def call(action: str, fn: Callable[[], T], target: AwsTarget | None = None, *, expect: tuple[str, ...] = ()) -> T:
    """fn() with AWS failures as one-line errors. `expect`: keys the answer must have; botocore reads a
    garbled 200 answer as `{}`, which must never pass for "nothing there" (AwsUnreachable, exit 12)."""
    with aws_errors(action, target):
        answer = fn()
    if expect and (not isinstance(answer, dict) or any(key not in answer for key in expect)):
        raise AwsUnreachable(
            f"AWS answered {action} with something that is not what the call expects (no {', '.join(expect)}); "
            "a proxy or load balancer in the way may have answered instead"
        )
    return answer


def caller_identity(sess: boto3.Session, target: AwsTarget) -> Identity:
    """Who these credentials are (STS GetCallerIdentity): the first thing a preflight checks."""
    answer: dict[str, Any] = call(
        "sts:GetCallerIdentity", lambda: sess.client("sts").get_caller_identity(), target, expect=("Account", "Arn")
    )
    return Identity(account=str(answer["Account"]), arn=str(answer["Arn"]))
