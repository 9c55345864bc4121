"""Names and labels of what a request creates."""

from __future__ import annotations

import hashlib

from datadog_configure.request import DatadogStackRequest

NAMESPACE_MAX = 63
HASH_CHARS = 6


def target_namespace(request: DatadogStackRequest) -> str:
    """The namespace the stack runs in: readable, a valid DNS label, and unique per request.

    A short hash of "<namespace>/<name>" keeps two requests called `production` in two namespaces
    (or `a-b`/`c` and `a`/`b-c`) apart, which `datadog-<name>` did not.
    """
    digest = hashlib.sha256(f"{request.namespace}/{request.name}".encode()).hexdigest()[:HASH_CHARS]
    readable = f"datadog-{request.namespace}-{request.name}".replace(".", "-")
    readable = readable[: NAMESPACE_MAX - HASH_CHARS - 1].rstrip("-")
    return f"{readable}-{digest}"


def labels(request: DatadogStackRequest, promise_name: str) -> dict[str, str]:
    """Labels on every generated object: which Promise, request, tier and environment it belongs to."""
    return {
        "app.kubernetes.io/managed-by": "kratix",
        "kratix.io/promise-name": promise_name,
        "kratix.io/resource-name": request.name,
        "kratix.io/resource-namespace": request.namespace,
        f"{request.group}/tier": request.tier.value,
        f"{request.group}/environment": request.environment,
    }
