"""The Kubernetes client layer: connect per context, retry, map failures, discover API groups.

Importing this package does not import `kubernetes` (it is imported on first use).
"""

from ops.kube.client import Kube, KubeTarget, Timeouts, connect
from ops.kube.discovery import installed_groups, require_group
from ops.kube.errors import ApiCall, api_errors
from ops.kube.retry import NO_RETRY, RetryPolicy

__all__ = [
    "NO_RETRY",
    "ApiCall",
    "Kube",
    "KubeTarget",
    "RetryPolicy",
    "Timeouts",
    "api_errors",
    "connect",
    "installed_groups",
    "require_group",
]
