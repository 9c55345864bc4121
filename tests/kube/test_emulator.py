"""The emulator answers the official `kubernetes` client the way kube-apiserver does."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client, config, dynamic, watch
from kubernetes.client.rest import ApiException

from tests.kube.emulator import (
    INLINE_CRDS,
    RESOURCE_MISSING,
    EmulatorProcess,
    EmulatorThread,
    crd,
    crd_manifest,
)
from tests.kube.fixtures import kube, kubeconfig, pod  # noqa: F401

GROUP, VERSION = "platform.kratix.io", "v1alpha1"
PROMISE_CRD = "promises.platform.kratix.io"


def promise(name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": f"{GROUP}/{VERSION}", "kind": "Promise", "metadata": {"name": name}, "spec": spec}


def status_of(err: ApiException) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(err.body)
    return body


# --- create, read, list ------------------------------------------------------------------------
def test_create_answers_201_with_the_metadata_the_server_sets(custom: Any) -> None:
    body, status, _ = custom.create_cluster_custom_object_with_http_info(
        GROUP, VERSION, "promises", promise("datadog", tier="gold")
    )
    assert status == 201
    meta = body["metadata"]
    assert meta["uid"] and meta["resourceVersion"] and meta["creationTimestamp"] and meta["generation"] == 1
    assert body["spec"] == {"tier": "gold"}


def test_create_drops_status_when_the_kind_has_a_status_subresource(custom: Any) -> None:
    created = custom.create_cluster_custom_object(
        GROUP, VERSION, "promises", {**promise("datadog"), "status": {"status": "Available"}}
    )
    assert "status" not in created


def test_creating_an_existing_object_is_409_already_exists(custom: Any) -> None:
    custom.create_cluster_custom_object(GROUP, VERSION, "promises", promise("datadog"))
    with pytest.raises(ApiException) as caught:
        custom.create_cluster_custom_object(GROUP, VERSION, "promises", promise("datadog"))
    assert caught.value.status == 409
    assert status_of(caught.value)["reason"] == "AlreadyExists"


def test_creating_into_a_missing_namespace_is_404_naming_the_namespace(core: Any) -> None:
    with pytest.raises(ApiException) as caught:
        core.create_namespaced_config_map("team-a", {"metadata": {"name": "settings"}})
    assert status_of(caught.value)["message"] == 'namespaces "team-a" not found'
    assert status_of(caught.value)["details"] == {"name": "team-a", "kind": "namespaces"}


def test_namespaces_can_be_created_read_and_listed(core: Any) -> None:
    created = core.create_namespace({"metadata": {"name": "team-a"}})
    assert created.metadata.uid
    assert core.read_namespace("team-a").metadata.name == "team-a"
    assert [n.metadata.name for n in core.list_namespace().items] == ["team-a"]


def test_lists_are_kind_lists_with_an_api_version(custom: Any, kube: EmulatorThread, api: Any) -> None:  # noqa: F811
    kube.seed(promise("b"), promise("a"), pod("web"))
    listed = custom.list_cluster_custom_object(GROUP, VERSION, "promises")
    assert (listed["kind"], listed["apiVersion"]) == ("PromiseList", f"{GROUP}/{VERSION}")
    assert [item["metadata"]["name"] for item in listed["items"]] == ["a", "b"]
    pods = dynamic.DynamicClient(api).resources.get(api_version="v1", kind="Pod").get(namespace="team-a")
    assert (pods.kind, pods.apiVersion, [p.metadata.name for p in pods.items]) == ("PodList", "v1", ["web"])


def test_label_selectors_filter_lists(core: Any, kube: EmulatorThread) -> None:  # noqa: F811
    kube.seed(pod("web", app="web", tier="front"), pod("db", app="db"), pod("job"))
    names = {
        selector: [p.metadata.name for p in core.list_namespaced_pod("team-a", label_selector=selector).items]
        for selector in ("app=web", "app!=web", "app in (db,web)", "!app", "app,tier notin (back)")
    }
    assert names == {
        "app=web": ["web"],
        "app!=web": ["db", "job"],
        "app in (db,web)": ["db", "web"],
        "!app": ["job"],
        "app,tier notin (back)": ["db", "web"],
    }


def test_field_selectors_filter_lists(core: Any, kube: EmulatorThread) -> None:  # noqa: F811
    kube.seed(pod("web"), pod("failed", phase="Failed"), pod("other", namespace="team-b"))
    failed = core.list_pod_for_all_namespaces(field_selector="status.phase=Failed").items
    assert [p.metadata.name for p in failed] == ["failed"]
    by_name = core.list_namespaced_pod("team-a", field_selector="metadata.name!=web").items
    assert [p.metadata.name for p in by_name] == ["failed"]


def test_deleted_objects_are_gone(custom: Any, kube: EmulatorThread) -> None:  # noqa: F811
    kube.seed(promise("datadog"))
    custom.delete_cluster_custom_object(GROUP, VERSION, "promises", "datadog")
    assert kube.get(f"{GROUP}/{VERSION}", "Promise", "datadog") is None
    with pytest.raises(ApiException) as caught:
        custom.delete_cluster_custom_object(GROUP, VERSION, "promises", "datadog")
    assert status_of(caught.value)["reason"] == "NotFound"


# --- replace, apply, status ----------------------------------------------------------------------
def test_put_replaces_the_object_and_keeps_its_identity(custom: Any, kube: EmulatorThread) -> None:  # noqa: F811
    [seeded] = kube.seed(promise("datadog", tier="gold", region="eu"))
    replaced = custom.replace_cluster_custom_object(GROUP, VERSION, "promises", "datadog", promise("datadog"))
    assert replaced["spec"] == {}
    assert replaced["metadata"]["uid"] == seeded["metadata"]["uid"]
    assert int(replaced["metadata"]["resourceVersion"]) > int(seeded["metadata"]["resourceVersion"])
    assert kube.get(f"{GROUP}/{VERSION}", "Promise", "datadog")["spec"] == {}  # type: ignore[index]


def test_server_side_apply_creates_a_missing_object_then_patches_it(api: Any, kube: EmulatorThread) -> None:  # noqa: F811
    kube.install_crd(crd(PROMISE_CRD))
    promises = dynamic.DynamicClient(api).resources.get(api_version=f"{GROUP}/{VERSION}", kind="Promise")
    dyn = dynamic.DynamicClient(api)
    created = dyn.server_side_apply(promises, body=promise("datadog", tier="gold"), field_manager="ops")
    assert created.metadata.uid and created.spec.tier == "gold"
    dyn.server_side_apply(promises, body=promise("datadog", tier="silver"), field_manager="ops")
    assert kube.get(f"{GROUP}/{VERSION}", "Promise", "datadog")["spec"] == {"tier": "silver"}  # type: ignore[index]


def test_status_patches_change_only_status_and_spec_patches_only_spec(
    custom: Any,
    kube: EmulatorThread,  # noqa: F811
) -> None:
    kube.seed({**promise("datadog", tier="gold"), "status": {"status": "Unavailable"}})
    custom.patch_cluster_custom_object_status(
        GROUP, VERSION, "promises", "datadog", {"spec": {"tier": "x"}, "status": {"status": "Available"}}
    )
    custom.patch_cluster_custom_object(
        GROUP, VERSION, "promises", "datadog", {"spec": {"tier": "silver"}, "status": {"status": "x"}}
    )
    stored = kube.get(f"{GROUP}/{VERSION}", "Promise", "datadog")
    assert stored is not None
    assert (stored["spec"], stored["status"]) == ({"tier": "silver"}, {"status": "Available"})


# --- pod logs -------------------------------------------------------------------------------------
def test_pod_logs_are_text_with_tail_lines_and_containers(core: Any, kube: EmulatorThread) -> None:  # noqa: F811
    kube.seed(pod("web"))
    kube.set_pod_log("team-a", "web", "one\ntwo\nthree\n")
    kube.set_pod_log("team-a", "web", "sidecar says hi\n", container="proxy")
    data, _, headers = core.read_namespaced_pod_log_with_http_info("web", "team-a", tail_lines=2)
    assert headers["Content-Type"].startswith("text/plain")
    assert data == "two\nthree\n"
    assert core.read_namespaced_pod_log("web", "team-a", container="proxy") == "sidecar says hi\n"


def test_logs_of_a_missing_pod_are_404(core: Any) -> None:
    with pytest.raises(ApiException) as caught:
        core.read_namespaced_pod_log("ghost", "team-a")
    assert status_of(caught.value)["message"] == 'pods "ghost" not found'


# --- errors with Status bodies --------------------------------------------------------------------
def test_a_missing_object_is_404_not_found_naming_it(custom: Any) -> None:
    with pytest.raises(ApiException) as caught:
        custom.get_cluster_custom_object(GROUP, VERSION, "promises", "ghost")
    assert caught.value.status == 404
    assert status_of(caught.value) == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'promises.platform.kratix.io "ghost" not found',
        "reason": "NotFound",
        "details": {"name": "ghost", "group": GROUP, "kind": "promises"},
        "code": 404,
    }


@pytest.mark.parametrize("request_kind", ["get", "list", "create", "discover"])
def test_an_api_group_that_is_not_installed_is_404_not_found(api: Any, request_kind: str) -> None:
    custom = client.CustomObjectsApi(api)
    calls = {
        "get": lambda: custom.get_cluster_custom_object(GROUP, VERSION, "promises", "datadog"),
        "list": lambda: custom.list_cluster_custom_object(GROUP, VERSION, "promises"),
        "create": lambda: custom.create_cluster_custom_object(GROUP, VERSION, "promises", promise("x")),
        "discover": lambda: client.CustomObjectsApi(api).get_api_resources(GROUP, VERSION),
    }
    with pytest.raises(ApiException) as caught:
        calls[request_kind]()
    assert caught.value.status == 404
    body = status_of(caught.value)
    assert (body["kind"], body["status"], body["reason"], body["code"]) == ("Status", "Failure", "NotFound", 404)
    assert body["message"] == RESOURCE_MISSING


def test_faults_answer_403_with_the_rbac_wording_then_clear(core: Any, kube: EmulatorThread) -> None:  # noqa: F811
    kube.fail(403, path="/api/v1/namespaces/team-a/pods")
    with pytest.raises(ApiException) as caught:
        core.list_namespaced_pod("team-a")
    body = status_of(caught.value)
    assert (caught.value.status, body["reason"], body["code"]) == (403, "Forbidden", 403)
    assert body["message"] == (
        'pods is forbidden: User "system:serviceaccount:ops:reader" cannot list resource "pods" '
        'in API group "" in the namespace "team-a"'
    )
    kube.clear_faults()
    assert core.list_namespaced_pod("team-a").items == []


def test_faults_can_answer_401_for_a_number_of_requests(core: Any, kube: EmulatorThread) -> None:  # noqa: F811
    kube.fail(401, times=2)
    for _ in range(2):
        with pytest.raises(ApiException) as caught:
            core.list_namespace()
        assert status_of(caught.value)["reason"] == "Unauthorized"
    assert core.list_namespace().items == []


def test_faults_can_match_a_method(core: Any, kube: EmulatorThread) -> None:  # noqa: F811
    kube.fail(503, method="POST")
    assert core.list_namespace().items == []
    with pytest.raises(ApiException) as caught:
        core.create_namespace({"metadata": {"name": "team-a"}})
    assert status_of(caught.value)["reason"] == "ServiceUnavailable"


# --- latency and request counting -----------------------------------------------------------------
def test_latency_delays_every_answer(core: Any, kube: EmulatorThread) -> None:  # noqa: F811
    kube.set_latency(0.2)
    started = time.perf_counter()
    core.list_namespace()
    assert time.perf_counter() - started >= 0.2


def test_requests_are_counted_by_method_and_path(core: Any, kube: EmulatorThread) -> None:  # noqa: F811
    core.list_namespace()
    core.create_namespace({"metadata": {"name": "team-a"}})
    core.read_namespace("team-a")
    assert kube.requests == [
        ("GET", "/api/v1/namespaces"),
        ("POST", "/api/v1/namespaces"),
        ("GET", "/api/v1/namespaces/team-a"),
    ]
    assert kube.count("GET") == 2
    assert kube.count(path="/api/v1/namespaces/team-a") == 1
    assert kube.writes() == [("POST", "/api/v1/namespaces")]
    kube.forget_requests()
    core.list_namespace()
    assert kube.writes() == []


# --- CRDs and seeding ----------------------------------------------------------------------------
def test_a_crd_yaml_file_is_installed_and_discoverable(api: Any, kube: EmulatorThread, tmp_path: Path) -> None:  # noqa: F811
    source = crd(PROMISE_CRD)
    assert isinstance(source, Path)
    assert kube.install_crd(source) == [PROMISE_CRD]
    groups = [g.name for g in client.ApisApi(api).get_api_versions().groups]
    assert GROUP in groups
    crd_object = client.ApiextensionsV1Api(api).read_custom_resource_definition(PROMISE_CRD)
    assert crd_object.spec.names.kind == "Promise"
    resources = client.CustomObjectsApi(api).get_api_resources(GROUP, VERSION).resources
    assert ("promises", "Promise", False) in [(r.name, r.kind, r.namespaced) for r in resources]


def test_creating_a_crd_through_the_api_serves_its_kind(api: Any, kube: EmulatorThread) -> None:  # noqa: F811
    kube.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}})
    manifest = crd_manifest("example.io", "Widget", versions=("v1",))
    client.ApiextensionsV1Api(api).create_custom_resource_definition(manifest)
    widget = {"apiVersion": "example.io/v1", "kind": "Widget", "metadata": {"name": "w"}}
    created = client.CustomObjectsApi(api).create_namespaced_custom_object(
        "example.io", "v1", "team-a", "widgets", widget
    )
    assert created["metadata"]["namespace"] == "team-a"


def test_versions_that_are_not_served_are_not_served(api: Any, kube: EmulatorThread) -> None:  # noqa: F811
    manifest = crd_manifest("example.io", "Widget", versions=("v1", "v1beta1"))
    manifest["spec"]["versions"][1]["served"] = False
    kube.install_crd(manifest)
    custom = client.CustomObjectsApi(api)
    assert custom.list_namespaced_custom_object("example.io", "v1", "team-a", "widgets")["items"] == []
    with pytest.raises(ApiException) as caught:
        custom.list_namespaced_custom_object("example.io", "v1beta1", "team-a", "widgets")
    assert caught.value.status == 404


def test_seeded_objects_are_stamped_and_secrets_encoded(core: Any, kube: EmulatorThread) -> None:  # noqa: F811
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "dd"}, "stringData": {"key": "abc"}}
    kube.seed(secret)
    read = core.read_namespaced_secret("dd", "default")
    assert core.read_namespace("default").metadata.uid  # seeding creates the namespace it needs
    assert read.data == {"key": "YWJj"} and read.metadata.uid and read.metadata.resource_version


def test_seeding_a_kind_that_is_not_served_is_refused(kube: EmulatorThread) -> None:  # noqa: F811
    with pytest.raises(LookupError, match="install its CRD first"):
        kube.seed(promise("datadog"))


def test_watch_streams_the_matching_objects(core: Any, kube: EmulatorThread) -> None:  # noqa: F811
    kube.seed(pod("db", app="db"), pod("web", app="web"))
    stream, seen = watch.Watch(), []
    for event in stream.stream(core.list_namespaced_pod, "team-a", label_selector="app=web", timeout_seconds=5):
        seen.append((event["type"], event["object"].metadata.name))
        stream.stop()
    assert seen == [("ADDED", "web")]


# --- kubeconfig and process mode -----------------------------------------------------------------
def test_the_kubeconfig_has_two_live_contexts_and_a_dead_one(kubeconfig: Path, kube: EmulatorThread) -> None:  # noqa: F811
    contexts, current = config.list_kube_config_contexts(config_file=str(kubeconfig))
    assert [c["name"] for c in contexts] == ["kind-a", "kind-b", "dead"]
    assert current["name"] == "kind-a"
    api_client = config.new_client_from_config(config_file=str(kubeconfig), context="kind-b")
    client.CoreV1Api(api_client).list_namespace()
    assert kube.bearer_tokens() == ["token-kind-b"]
    dead = config.new_client_from_config(config_file=str(kubeconfig), context="dead")
    dead.configuration.retries = 0
    with pytest.raises(Exception, match="Connection refused"):
        client.CoreV1Api(client.ApiClient(dead.configuration)).list_namespace()


def test_the_emulator_runs_as_a_process_with_seeded_objects(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps([INLINE_CRDS[PROMISE_CRD], promise("datadog"), pod("web")]))
    kubeconfig_file = tmp_path / "kubeconfig.yaml"
    with EmulatorProcess("--seed", str(seed), "--kubeconfig", str(kubeconfig_file)) as server:
        assert server.url.startswith("http://127.0.0.1:")
        api_client = config.new_client_from_config(config_file=str(kubeconfig_file))
        got = client.CustomObjectsApi(api_client).get_cluster_custom_object(GROUP, VERSION, "promises", "datadog")
        assert got["metadata"]["uid"]
        assert client.CoreV1Api(api_client).read_namespaced_pod("web", "team-a").status.phase == "Running"
