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
    import botocore.exceptions

    try:
        return boto3.Session(profile_name=target.profile or None, region_name=target.region)
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

    if isinstance(err, bce.NoCredentialsError | bce.PartialCredentialsError):
        return AwsCredentials(f"no AWS credentials found for {action}; {_hint(target)}")
    if isinstance(err, bce.TokenRetrievalError | bce.SSOTokenLoadError | bce.UnauthorizedSSOTokenError):
        return AwsCredentials(f"the AWS SSO session has expired ({action}); {_hint(target)}")
    if isinstance(err, bce.EndpointConnectionError | bce.ConnectTimeoutError | bce.ReadTimeoutError):
        return AwsUnreachable(f"cannot reach AWS for {action}: {err}")
    if isinstance(err, bce.ClientError):
        code = str(err.response.get("Error", {}).get("Code", ""))
        message = " ".join(str(err.response.get("Error", {}).get("Message", "")).split())
        if code in _EXPIRED:
            return AwsCredentials(f"AWS rejected the credentials for {action} ({code}); {_hint(target)}")
        if code in _DENIED:
            return AwsAccessDenied(f"access denied: {action} ({message or code})")
        if code in _NOT_FOUND:
            return AwsNotFound(f"not found: {action} ({message or code})")
        return AwsError(f"{action} failed: {code}: {message}")
    return None


@contextmanager
def aws_errors(action: str, target: AwsTarget | None = None) -> Iterator[None]:
    """Turn AWS failures inside the block into one-line `OpsError`s; anything else passes through."""
    with translated(lambda err: translate(err, action, target)):
        yield


def call(action: str, fn: Callable[[], T], target: AwsTarget | None = None) -> T:
    with aws_errors(action, target):
        return fn()


def caller_identity(sess: boto3.Session, target: AwsTarget) -> Identity:
    """Who these credentials are (STS GetCallerIdentity): the first thing a preflight checks."""
    answer: dict[str, Any] = call("sts:GetCallerIdentity", lambda: sess.client("sts").get_caller_identity(), target)
    return Identity(account=str(answer["Account"]), arn=str(answer["Arn"]))
