"""Kubernetes failures as `ops.errors` errors: the one place that reads statuses and socket errors.

`api_errors(call, server)` wraps a request; `translate(err, call, server)` says what it meant:

    with api_errors(ApiCall("get", "platform.kratix.io", "Promise", name="datadog"), kube.server):
        kube.custom.get_cluster_custom_object("platform.kratix.io", "v1alpha1", "promises", "datadog")

Messages are one line and carry no credentials: names, verbs, the server URL and the API server's
own Status message at most. The original exception is chained.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ops.errors import ExitCode, OpsError, translated

# Which component installs which API group: what to install when a group is missing.
PROVIDED_BY: Mapping[str, str] = {
    "platform.kratix.io": "Kratix",
    "external-secrets.io": "External Secrets Operator",
    "helm.toolkit.fluxcd.io": "Flux helm-controller",
    "source.toolkit.fluxcd.io": "Flux source-controller",
    "argoproj.io": "Argo CD",
}
# kube-apiserver's words for a group, version or resource it does not serve.
RESOURCE_MISSING = "the server could not find the requested resource"
_MAX_MESSAGE = 240


@dataclass(frozen=True)
class ApiCall:
    """What a request was about, so a failure can be named: `list Promise`, `get Pod team-a/web`."""

    verb: str  # get, list, watch, create, update, patch, delete
    group: str  # "" for the core group
    kind: str
    namespace: str | None = None
    name: str | None = None

    def __str__(self) -> str:
        target = "/".join(p for p in (self.namespace, self.name) if p)
        return f"{self.verb} {self.kind}{' ' + target if target else ''}"


class NoKubeconfig(OpsError):
    exit_code = ExitCode.NO_KUBECONFIG

    def __init__(self, path: str) -> None:
        super().__init__(f"no kubeconfig at {path}; run `invoke kubeconfig` or set KUBECONFIG")
        self.path = path


class BadKubeconfig(OpsError):
    """The kubeconfig exists but cannot be used (not YAML, no clusters, an auth plugin that fails)."""

    exit_code = ExitCode.NO_KUBECONFIG

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"kubeconfig {path} cannot be used: {one_line(problem)}")
        self.path = path
        self.problem = problem


class UnknownContext(OpsError):
    exit_code = ExitCode.UNKNOWN_CONTEXT

    def __init__(self, context: str | None, available: tuple[str, ...], path: str) -> None:
        there = f"contexts there: {', '.join(available)}" if available else "it has no contexts"
        if context is None:
            message = f"kubeconfig {path} has no current-context; pass a context ({there})"
        else:
            message = f"no context {context!r} in kubeconfig {path}; {there}"
        super().__init__(message)
        self.context = context
        self.available = available
        self.path = path


class ApiUnreachable(OpsError):
    exit_code = ExitCode.API_UNREACHABLE

    def __init__(self, server: str, reason: str) -> None:
        super().__init__(f"cannot reach the Kubernetes API at {server}: {reason}")
        self.server = server
        self.reason = reason


class Unauthorized(OpsError):
    """401: the server does not accept the credentials at all (expired token, wrong cluster)."""

    exit_code = ExitCode.UNAUTHORIZED

    def __init__(self, server: str, call: ApiCall) -> None:
        fix = "refresh them with `invoke kubeconfig`"
        super().__init__(f"the Kubernetes API at {server} rejected the credentials ({call}); {fix}")
        self.server = server
        self.call = call


class Forbidden(OpsError):
    """403: the credentials are good but RBAC does not allow this verb on this resource."""

    exit_code = ExitCode.UNAUTHORIZED

    def __init__(self, verb: str, resource: str, scope: str, user: str | None) -> None:
        who = f'user "{user}"' if user else "these credentials"
        super().__init__(f"forbidden: {who} may not {verb} {resource} {scope}")
        self.verb = verb
        self.resource = resource
        self.scope = scope
        self.user = user


class CrdMissing(OpsError):
    """The API group is not served: the component that installs its CRDs is not there."""

    exit_code = ExitCode.CRD_MISSING

    def __init__(self, group: str, kind: str, provided_by: str | None = None) -> None:
        provided_by = provided_by or PROVIDED_BY.get(group)
        fix = f"install {provided_by}" if provided_by else "install the CRD that defines it"
        super().__init__(f"the cluster does not serve {kind} ({group}); {fix}")
        self.group = group
        self.kind = kind
        self.provided_by = provided_by


class NotFound(OpsError):
    exit_code = ExitCode.NOT_FOUND

    def __init__(self, kind: str, namespace: str | None, name: str | None) -> None:
        where = f" in namespace {namespace}" if namespace else ""
        super().__init__(f"{kind} {name or '(unnamed)'} not found{where}")
        self.kind = kind
        self.namespace = namespace
        self.name = name


class ApiError(OpsError):
    """Any other refusal (409, 422, a 5xx that outlived the retries): status, reason, server message."""

    def __init__(self, call: ApiCall, status: int, reason: str, message: str) -> None:
        super().__init__(f"{call} failed: {status} {reason}: {one_line(message)}")
        self.call = call
        self.status = status
        self.reason = reason
        self.server_message = message


class ApiUnavailable(ApiError):
    """429 or a 5xx that outlived the retries: the API server is there but does not serve (exit 12)."""

    exit_code = ExitCode.API_UNREACHABLE

    def __init__(self, call: ApiCall, status: int, reason: str, message: str, retry_after: float | None) -> None:
        super().__init__(call, status, reason, message)
        if retry_after is not None:
            self.message += f" (it asked to retry after {retry_after:g} s, past the deadline)"
            self.args = (self.message,)
        self.retry_after = retry_after


class GarbledAnswer(OpsError):
    """An answer that is not what the call expects (not JSON, not an object, a list without items).

    Never read as "nothing there": a destructive step that needed the read must not go on.
    """

    exit_code = ExitCode.API_UNREACHABLE

    def __init__(self, call: ApiCall, server: str, what: str) -> None:
        super().__init__(
            f"{call} at {server}: the API server answered with something that is not JSON of the expected shape"
            f" ({what}); a proxy or load balancer in the way may have answered instead"
        )
        self.call = call


UNAVAILABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


def retry_after(err: BaseException) -> float | None:
    """Seconds the server asked to wait (`Retry-After`: seconds or an HTTP date), or None."""
    headers = getattr(err, "headers", None)
    value = headers.get("Retry-After") if headers is not None else None
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        from datetime import UTC, datetime
        from email.utils import parsedate_to_datetime

        try:
            seconds = (parsedate_to_datetime(str(value)) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError):
            return None
    return max(0.0, min(seconds, 3600.0))


def one_line(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


@contextmanager
def api_errors(call: ApiCall, server: str) -> Iterator[None]:
    """Re-raise what the block raises as the matching OpsError (chained); anything unknown as is."""
    with translated(lambda err: translate(err, call, server)):
        yield


def translate(err: BaseException, call: ApiCall, server: str) -> OpsError | None:
    """The OpsError for a kubernetes/urllib3 exception, or None when it is neither (a bug: let it out)."""
    from kubernetes.client.exceptions import ApiException

    if isinstance(err, ApiException):
        if not err.status:  # the client's wrapper for TLS failures: no HTTP exchange happened
            return ApiUnreachable(server, f"TLS failed: {one_line(str(err.reason))}")
        error = _from_status(int(err.status), str(err.reason or ""), _status_body(err.body), call, server)
        if isinstance(error, ApiError) and error.status in UNAVAILABLE_STATUSES:
            return ApiUnavailable(call, error.status, error.reason, error.server_message, retry_after(err))
        return error
    reason = unreachable_reason(err)
    return None if reason is None else ApiUnreachable(server, reason)


def unreachable_reason(err: BaseException) -> str | None:
    """Why no answer came (refused, DNS, time-out, dropped), or None if err is no network error."""
    import urllib3.exceptions as u3

    from ops.kube.threads import AnswerTooSlow

    if isinstance(err, AnswerTooSlow):
        return str(err)
    if isinstance(err, u3.MaxRetryError) and err.reason is not None:
        err = err.reason
    if isinstance(err, u3.TimeoutError) and (m := re.search(r"(connect|read) timeout=([\d.]+)", str(err))):
        return f"{'connecting' if m[1] == 'connect' else 'no answer'} within {m[2]} s"
    reasons: list[tuple[type[BaseException], str]] = [
        (u3.NameResolutionError, "the host name does not resolve"),
        (u3.NewConnectionError, "connection refused"),
        (u3.ConnectTimeoutError, "connecting timed out"),
        (u3.ReadTimeoutError, "no answer in time"),
        (u3.SSLError, "TLS failed"),
        (u3.ProxyError, "the proxy failed"),
        (u3.ProtocolError, "the connection dropped"),
        (u3.HTTPError, "the connection failed"),
        (ConnectionError, "the connection failed"),
    ]
    for kind, reason in reasons:
        if isinstance(err, kind):
            return reason
    return None


def _status_body(body: Any) -> dict[str, Any]:
    """The Status object of an error response ({} if the body is not one)."""
    try:
        data = json.loads(body) if isinstance(body, str | bytes) else body
    except ValueError:
        return {}
    return data if isinstance(data, dict) and data.get("kind") == "Status" else {}


def _from_status(status: int, reason: str, body: dict[str, Any], call: ApiCall, server: str) -> OpsError:
    message = str(body.get("message") or reason)
    if status == 401:
        return Unauthorized(server, call)
    if status == 403:
        return _forbidden(message, call)
    if status == 404:
        return _not_found(body, message, call)
    return ApiError(call, status, str(body.get("reason") or reason), message)


_RBAC = re.compile(
    r'User "(?P<user>[^"]*)" cannot (?P<verb>\S+) resource "(?P<resource>[^"]+)"'
    r'(?: in API group "(?P<group>[^"]*)")?(?P<scope> (?:in the namespace "[^"]*"|at the cluster scope))?'
)


def _forbidden(message: str, call: ApiCall) -> Forbidden:
    """Verb and resource as RBAC named them (the Status message), else as the call did."""
    if m := _RBAC.search(message):
        resource = f"{m['resource']}.{m['group']}" if m["group"] else m["resource"]
        scope = (m["scope"] or "").strip().replace("in the namespace", "in namespace") or "here"
        return Forbidden(m["verb"], resource, scope, m["user"])
    scope = f'in namespace "{call.namespace}"' if call.namespace else "at the cluster scope"
    return Forbidden(call.verb, f"{call.kind} ({call.group or 'core'})", scope, None)


def _not_found(body: dict[str, Any], message: str, call: ApiCall) -> OpsError:
    """An object is missing (the Status names it) or the whole group/resource is (it names none)."""
    details = body.get("details") or {}
    named = details.get("name")
    if named and details.get("kind") == "namespaces" and call.kind != "Namespace":
        return NotFound("Namespace", None, str(named))  # creating into a namespace that is not there
    resource_missing = not named and (message == RESOURCE_MISSING or call.name is None)
    if resource_missing and call.group:
        return CrdMissing(call.group, call.kind)
    if resource_missing:
        return ApiError(call, 404, "NotFound", message)
    return NotFound(call.kind, call.namespace, call.name or str(named))
