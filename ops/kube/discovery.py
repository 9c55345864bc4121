"""Which API groups the cluster serves: one `/apis` request, then decisions without the network.

Usage:

    groups = installed_groups(kube)
    require_group(groups, "platform.kratix.io", "Promise")  # raises CrdMissing naming Kratix
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ops.kube.errors import ApiCall, CrdMissing

if TYPE_CHECKING:
    from ops.kube.client import Kube


def installed_groups(kube: Kube) -> frozenset[str]:
    """The names of the API groups served besides the core group ("" is never listed)."""
    listing = kube.call(ApiCall("get", "", "APIGroupList"), kube.apis.get_api_versions)
    return frozenset(str(group.name) for group in listing.groups or [])


def require_group(installed: frozenset[str], group: str, kind: str) -> None:
    """Raise CrdMissing(group, kind, provider) unless the group is served (the core group always is)."""
    if group and group not in installed:
        raise CrdMissing(group, kind)
