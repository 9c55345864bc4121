"""Which API groups are served: one request, then pure decisions."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ops.errors import ExitCode
from ops.kube import Kube, installed_groups, require_group
from ops.kube.errors import ApiUnreachable, CrdMissing
from tests.kube.emulator import EmulatorThread, crd


def test_installed_groups_lists_builtin_and_crd_groups_in_one_request(
    connect_to: Callable[..., Kube], kube: EmulatorThread
) -> None:
    kube.install_crd(crd("promises.platform.kratix.io"), crd("externalsecrets.external-secrets.io"))
    groups = installed_groups(connect_to())
    assert {"apps", "batch", "apiextensions.k8s.io", "platform.kratix.io", "external-secrets.io"} <= groups
    assert "argoproj.io" not in groups and "" not in groups
    assert [path for _, path in kube.requests] == ["/apis/"]


def test_require_group_names_the_component_that_provides_a_missing_group() -> None:
    with pytest.raises(CrdMissing) as caught:
        require_group(frozenset({"apps"}), "argoproj.io", "Application")
    assert str(caught.value) == "the cluster does not serve Application (argoproj.io); install Argo CD"
    assert caught.value.exit_code == ExitCode.CRD_MISSING


def test_require_group_accepts_served_groups_and_the_core_group() -> None:
    require_group(frozenset({"platform.kratix.io"}), "platform.kratix.io", "Promise")
    require_group(frozenset(), "", "Pod")


def test_installed_groups_of_a_dead_server_is_unreachable(connect_to: Callable[..., Kube]) -> None:
    with pytest.raises(ApiUnreachable):
        installed_groups(connect_to("dead"))
