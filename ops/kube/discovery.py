"""Which API groups the cluster serves: one `/apis` request, then decisions without the network.

Usage:

    groups = installed_groups(kube)
    require_group(groups, "platform.kratix.io", "Promise")  # raises CrdMissing naming Kratix
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ops.kube.errors import ApiCall, CrdMissing, GarbledAnswer
from ops.kube.reads import get_json

if TYPE_CHECKING:
    from ops.kube.client import Kube


def installed_groups(kube: Kube) -> frozenset[str]:
    """The names of the API groups served besides the core group ("" is never listed)."""
    call = ApiCall("get", "", "APIGroupList")
    groups = get_json(kube, call, "/apis/").get("groups")
    if not isinstance(groups, list) or not all(isinstance(g, dict) and isinstance(g.get("name"), str) for g in groups):
        raise GarbledAnswer(call, kube.server, "an API group list without its groups")
    return frozenset(str(group["name"]) for group in groups)


def require_group(installed: frozenset[str], group: str, kind: str) -> None:
    """Raise CrdMissing(group, kind, provider) unless the group is served (the core group always is)."""
    if group and group not in installed:
        raise CrdMissing(group, kind)
