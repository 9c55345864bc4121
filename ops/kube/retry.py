"""The one retry policy for Kubernetes requests (urllib3's own retries are off; see client.py).

Only what can succeed on a second try is retried: a refused or dropped connection, a time-out,
429 and 500/502/503/504. Everything else (400, 401, 403, 404, 409, 422, DNS, TLS) is raised at once.
Retries are bounded by attempts and by seconds, with exponential back-off and jitter; a `Retry-After`
the server sends (429, 503) is honoured when it fits in the seconds left, else the error is raised
at once rather than waited out.

    value = RetryPolicy(attempts=3).run(lambda: kube.core.read_namespace("team-a"))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ops import deadline

T = TypeVar("T")

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# When a write may have been applied, repeat it only if the server said it did not process it.
NOT_PROCESSED_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: `attempts` in all, no new attempt after `max_seconds`, waits doubling."""

    attempts: int = 4
    max_seconds: float = 20.0
    first_wait: float = 0.25
    max_wait: float = 4.0
    jitter: float = 0.25

    def run(self, fn: Callable[[], T], *, idempotent: bool = True) -> T:
        """fn(), retried under this policy; the last exception is raised as it came."""
        import tenacity

        from ops.kube.errors import retry_after

        backoff = tenacity.wait_exponential_jitter(multiplier=self.first_wait, max=self.max_wait, jitter=self.jitter)

        def wait(state: tenacity.RetryCallState) -> float:
            err = state.outcome.exception() if state.outcome is not None else None
            asked = retry_after(err) if err is not None else None
            return max(backoff(state), asked or 0.0)

        class PastDeadline(tenacity.stop.stop_base):  # the task's --timeout (ops/deadline.py)
            def __call__(self, state: tenacity.RetryCallState) -> bool:
                left = deadline.remaining()
                return left is not None and (state.upcoming_sleep or 0.0) >= left + deadline.GRACE

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(lambda err: is_retryable(err, idempotent=idempotent)),
            stop=tenacity.stop_any(
                tenacity.stop_after_attempt(self.attempts),
                tenacity.stop_before_delay(self.max_seconds),
                PastDeadline(),
            ),
            wait=wait,
            reraise=True,
        )
        return retrying(fn)


DEFAULT_RETRY = RetryPolicy()
NO_RETRY = RetryPolicy(attempts=1)


def is_retryable(err: BaseException, *, idempotent: bool = True) -> bool:
    """Whether trying the same request again can succeed.

    A non-idempotent request (create) is repeated only when it surely was not applied: the
    connection never opened, or the server answered 429/503.
    """
    import urllib3.exceptions as u3
    from kubernetes.client.exceptions import ApiException

    if isinstance(err, ApiException):
        statuses = RETRYABLE_STATUSES if idempotent else NOT_PROCESSED_STATUSES
        return bool(err.status) and int(err.status) in statuses
    if isinstance(err, u3.MaxRetryError) and err.reason is not None:
        err = err.reason
    if isinstance(err, u3.NameResolutionError | u3.SSLError | u3.ProxyError):
        return False  # a name that does not resolve or a bad certificate stays so
    if isinstance(err, u3.NewConnectionError | u3.ConnectTimeoutError):
        return True  # nothing was sent
    from ops.kube.threads import AnswerTooSlow

    if isinstance(err, AnswerTooSlow):
        return idempotent
    return idempotent and isinstance(err, u3.ReadTimeoutError | u3.ProtocolError | ConnectionError)
