"""connect() reads the kubeconfig when asked, per context, and builds a client tuned for ops."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ops.errors import ExitCode
from ops.kube import ApiCall, Kube, KubeTarget, Timeouts, connect
from ops.kube.client import POOL_SIZE
from ops.kube.errors import ApiUnreachable, BadKubeconfig, NoKubeconfig, UnknownContext
from tests.kube.emulator import REPO_ROOT, EmulatorThread, kubeconfig_text
from tests.ops.kube.conftest import QUICK

LIST_NAMESPACES = ApiCall("list", "", "Namespace")


def test_connect_uses_the_current_context_by_default(
    connect_to: Callable[..., Kube],
    kube: EmulatorThread,
) -> None:
    client = connect_to()
    assert (client.context, client.server) == ("kind-a", kube.url)
    client.call(LIST_NAMESPACES, client.core.list_namespace)
    assert kube.bearer_tokens() == ["token-kind-a"]


def test_connect_uses_the_context_asked_for(connect_to: Callable[..., Kube], kube: EmulatorThread) -> None:
    client = connect_to("kind-b")
    client.call(LIST_NAMESPACES, client.core.list_namespace)
    assert kube.bearer_tokens() == ["token-kind-b"]


def test_kubeconfig_env_is_read_when_connecting_not_at_import(
    kubeconfig: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    with connect(KubeTarget(context="kind-b")) as client:
        assert client.context == "kind-b"


def test_kubeconfig_env_may_list_several_files(
    kubeconfig: Path, tmp_path: Path, kube: EmulatorThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other.yaml"
    other.write_text(kubeconfig_text({"kind-c": kube.url}, current="kind-c"))
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'missing.yaml'}:{other}:{kubeconfig}")
    with connect() as client:
        assert client.context == "kind-c"  # the first file that sets current-context wins
    with connect(KubeTarget(context="kind-b")) as client:
        assert client.context == "kind-b"


def test_a_missing_kubeconfig_says_where_it_looked_and_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(NoKubeconfig) as caught:
        connect(KubeTarget(path))
    assert str(caught.value) == f"no kubeconfig at {path}; run `invoke kubeconfig` or set KUBECONFIG"
    assert caught.value.exit_code == ExitCode.NO_KUBECONFIG


def test_an_unknown_context_lists_the_contexts_there(kubeconfig: Path) -> None:
    with pytest.raises(UnknownContext) as caught:
        connect(KubeTarget(kubeconfig, "kind-z"))
    assert str(caught.value) == f"no context 'kind-z' in kubeconfig {kubeconfig}; contexts there: kind-a, kind-b, dead"
    assert caught.value.exit_code == ExitCode.UNKNOWN_CONTEXT


def test_a_kubeconfig_without_current_context_asks_for_one(tmp_path: Path, kube: EmulatorThread) -> None:
    path = tmp_path / "kubeconfig.yaml"
    path.write_text(kubeconfig_text({"kind-a": kube.url}, current="").replace("current-context: ''", ""))
    with pytest.raises(UnknownContext, match="has no current-context; pass a context"):
        connect(KubeTarget(path))


@pytest.mark.parametrize("text", ["{not: yaml", "- a list\n"])
def test_a_kubeconfig_that_is_not_one_is_bad(tmp_path: Path, text: str) -> None:
    path = tmp_path / "kubeconfig.yaml"
    path.write_text(text)
    with pytest.raises(BadKubeconfig) as caught:
        connect(KubeTarget(path))
    assert caught.value.exit_code == ExitCode.NO_KUBECONFIG
    assert "\n" not in str(caught.value)


def test_the_client_leaves_retries_to_tenacity_and_pools_connections(connect_to: Callable[..., Kube]) -> None:
    configuration = connect_to().api_client.configuration
    assert configuration.retries is False
    assert configuration.connection_pool_maxsize == POOL_SIZE


def test_requests_time_out(connect_to: Callable[..., Kube], kube: EmulatorThread) -> None:
    kube.set_latency(0.5)
    client = connect_to(timeouts=Timeouts(connect=1.0, read=0.1), retry=QUICK)
    with pytest.raises(ApiUnreachable) as caught:
        client.call(LIST_NAMESPACES, client.core.list_namespace)
    assert str(caught.value) == f"cannot reach the Kubernetes API at {kube.url}: no answer within 0.1 s"
    assert kube.count("GET") == QUICK.attempts  # a read time-out of a read is retried


def test_accessors_are_built_once(connect_to: Callable[..., Kube]) -> None:
    client = connect_to()
    assert client.core is client.core
    apis = [client.core, client.custom, client.apps, client.batch, client.apiext, client.apis, client.version]
    assert len({id(api) for api in apis}) == 7
    assert client.version.get_code().git_version


def test_importing_ops_kube_does_not_import_kubernetes() -> None:
    code = "import sys, ops.kube; assert 'kubernetes' not in sys.modules, 'kubernetes imported'"
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True)
