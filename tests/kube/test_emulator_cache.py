"""The emulator's indexes and cached JSON never serve a stale answer (over real HTTP, as clients read)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from tests.kube.emulator import EmulatorThread, crd
from tests.kube.fixtures import kube, pod  # noqa: F401

GROUP, VERSION = "platform.kratix.io", "v1alpha1"


def promise(name: str, **status: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"apiVersion": f"{GROUP}/{VERSION}", "kind": "Promise", "metadata": {"name": name}}
    return body | ({"status": status} if status else {})


def names(listed: Any) -> list[str]:
    return [item.metadata.name for item in listed.items]


def phases(core: Any, namespace: str = "team-a") -> dict[str, str]:
    return {p.metadata.name: p.status.phase for p in core.list_namespaced_pod(namespace).items}


def raw_get(kube: EmulatorThread, path: str) -> tuple[int, bytes]:  # noqa: F811
    try:
        with urllib.request.urlopen(f"{kube.url}{path}") as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


# --- writes after a list has been served (and cached) -------------------------------------------
def test_a_list_shows_a_status_written_after_it_was_last_listed(custom: Any, kube: EmulatorThread) -> None:  # noqa: F811
    kube.seed(promise("datadog", status="Unavailable"))
    assert custom.list_cluster_custom_object(GROUP, VERSION, "promises")["items"][0]["status"] == {
        "status": "Unavailable"
    }
    available = {"status": {"status": "Available"}}
    custom.patch_cluster_custom_object_status(GROUP, VERSION, "promises", "datadog", available)
    listed = custom.list_cluster_custom_object(GROUP, VERSION, "promises")["items"]
    assert [item["status"] for item in listed] == [{"status": "Available"}]
    assert custom.get_cluster_custom_object(GROUP, VERSION, "promises", "datadog")["status"] == {"status": "Available"}


def test_a_list_shows_patches_replacements_and_deletions(core: Any, kube: EmulatorThread) -> None:  # noqa: F811
    kube.seed(pod("a"), pod("b"), pod("c"))
    assert phases(core) == {"a": "Running", "b": "Running", "c": "Running"}
    core.patch_namespaced_pod_status("a", "team-a", {"status": {"phase": "Failed"}})
    replaced = core.read_namespaced_pod("b", "team-a")
    replaced.spec.containers[0].image = "nginx"
    core.replace_namespaced_pod("b", "team-a", replaced)
    core.delete_namespaced_pod("c", "team-a")
    assert phases(core) == {"a": "Failed", "b": "Running"}
    assert [p.spec.containers[0].image for p in core.list_namespaced_pod("team-a").items] == ["busybox", "nginx"]


def test_a_list_shows_an_object_deleted_then_created_again(core: Any, kube: EmulatorThread) -> None:  # noqa: F811
    kube.seed(pod("web", phase="Pending"))
    assert phases(core) == {"web": "Pending"}
    core.delete_namespaced_pod("web", "team-a")
    assert phases(core) == {}
    with pytest.raises(ApiException) as caught:
        core.read_namespaced_pod("web", "team-a")
    assert caught.value.status == 404
    core.create_namespaced_pod("team-a", pod("web"))
    assert names(core.list_namespaced_pod("team-a")) == ["web"]
    assert core.read_namespaced_pod("web", "team-a").spec.containers[0].name == "main"


def test_a_list_shows_what_seeding_stored_last(core: Any, kube: EmulatorThread) -> None:  # noqa: F811
    kube.seed(pod("web", phase="Pending"))
    assert phases(core) == {"web": "Pending"}
    kube.seed(pod("web", phase="Running"), pod("api"))
    assert phases(core) == {"api": "Running", "web": "Running"}


def test_changing_what_seed_returned_changes_nothing_served(core: Any, kube: EmulatorThread) -> None:  # noqa: F811
    [seeded] = kube.seed(pod("web", app="web"))
    assert names(core.list_namespaced_pod("team-a", label_selector="app=web")) == ["web"]
    seeded["metadata"]["labels"]["app"] = "db"
    seeded["status"]["phase"] = "Failed"
    assert names(core.list_namespaced_pod("team-a", label_selector="app=web")) == ["web"]
    assert core.read_namespaced_pod("web", "team-a").status.phase == "Running"


def test_finalizers_hold_a_deleted_object_in_lists_until_they_are_removed(core: Any, kube: EmulatorThread) -> None:  # noqa: F811
    held = pod("web")
    held["metadata"]["finalizers"] = ["example.com/hold"]
    kube.seed(held)
    assert core.list_namespaced_pod("team-a").items[0].metadata.deletion_timestamp is None
    core.delete_namespaced_pod("web", "team-a")
    assert core.list_namespaced_pod("team-a").items[0].metadata.deletion_timestamp is not None
    core.patch_namespaced_pod("web", "team-a", {"metadata": {"finalizers": None}})
    assert names(core.list_namespaced_pod("team-a")) == []


def test_server_side_apply_creates_then_changes_what_lists_show(api: Any, kube: EmulatorThread) -> None:  # noqa: F811
    kube.install_crd(crd("promises.platform.kratix.io"))
    path = f"/apis/{GROUP}/{VERSION}/promises/datadog?fieldManager=ops"
    headers = {"Content-Type": "application/apply-patch+yaml"}
    for tier in ("gold", "silver"):
        body = {"apiVersion": f"{GROUP}/{VERSION}", "kind": "Promise", "metadata": {"name": "datadog"}}
        api.call_api(path, "PATCH", header_params=headers, body=body | {"spec": {"tier": tier}}, auth_settings=[])
        listed = client.CustomObjectsApi(api).list_cluster_custom_object(GROUP, VERSION, "promises")["items"]
        assert [item["spec"] for item in listed] == [{"tier": tier}]


# --- selectors and scopes after writes ----------------------------------------------------------
def test_label_selectors_see_labels_changed_after_a_list(core: Any, kube: EmulatorThread) -> None:  # noqa: F811
    kube.seed(pod("web", app="web"), pod("db", app="db"))
    assert names(core.list_namespaced_pod("team-a", label_selector="app in (web)")) == ["web"]
    core.patch_namespaced_pod("db", "team-a", {"metadata": {"labels": {"app": "web"}}})
    core.patch_namespaced_pod("web", "team-a", {"metadata": {"labels": {"app": None}}})
    assert names(core.list_namespaced_pod("team-a", label_selector="app in (web)")) == ["db"]
    assert names(core.list_namespaced_pod("team-a", label_selector="!app")) == ["web"]


def test_field_selectors_see_a_status_written_after_a_list(core: Any, kube: EmulatorThread) -> None:  # noqa: F811
    kube.seed(pod("web"), pod("db"))
    assert names(core.list_pod_for_all_namespaces(field_selector="status.phase=Failed")) == []
    core.patch_namespaced_pod_status("db", "team-a", {"status": {"phase": "Failed"}})
    assert names(core.list_pod_for_all_namespaces(field_selector="status.phase=Failed")) == ["db"]
    assert names(core.list_pod_for_all_namespaces(field_selector="status.phase!=Failed,metadata.name=web")) == ["web"]


def test_namespaced_lists_keep_to_their_namespace_as_objects_come_and_go(core: Any, kube: EmulatorThread) -> None:  # noqa: F811
    kube.seed(pod("web", namespace="team-b"), pod("web"), pod("api", namespace="team-b"))
    assert names(core.list_namespaced_pod("team-a")) == ["web"]
    kube.seed(pod("zz", namespace="team-a"), pod("aa", namespace="team-c"))
    core.delete_namespaced_pod("api", "team-b")
    assert names(core.list_namespaced_pod("team-a")) == ["web", "zz"]
    assert names(core.list_namespaced_pod("team-b")) == ["web"]
    everywhere = core.list_pod_for_all_namespaces().items
    assert [(p.metadata.namespace, p.metadata.name) for p in everywhere] == [
        ("team-a", "web"),
        ("team-a", "zz"),
        ("team-b", "web"),
        ("team-c", "aa"),
    ]


def test_new_objects_are_listed_in_namespace_and_name_order(core: Any, kube: EmulatorThread) -> None:  # noqa: F811
    kube.seed(pod("m"))
    assert names(core.list_namespaced_pod("team-a")) == ["m"]
    core.create_namespaced_pod("team-a", pod("a"))
    kube.seed(pod("z"))
    assert names(core.list_namespaced_pod("team-a")) == ["a", "m", "z"]


# --- paging -------------------------------------------------------------------------------------
def test_later_pages_come_from_the_first_pages_snapshot(core: Any, kube: EmulatorThread) -> None:  # noqa: F811
    kube.seed(*(pod(f"p{i}") for i in range(5)))
    first = core.list_namespaced_pod("team-a", limit=2)
    assert (names(first), first.metadata.remaining_item_count) == (["p0", "p1"], 3)
    core.patch_namespaced_pod_status("p3", "team-a", {"status": {"phase": "Failed"}})
    core.delete_namespaced_pod("p4", "team-a")
    core.create_namespaced_pod("team-a", pod("p5"))
    rest = core.list_namespaced_pod("team-a", limit=10, _continue=first.metadata._continue)
    assert [(p.metadata.name, p.status.phase) for p in rest.items] == [
        ("p2", "Running"),
        ("p3", "Running"),
        ("p4", "Running"),
    ]
    assert rest.metadata._continue is None and rest.metadata.remaining_item_count is None
    fresh = core.list_namespaced_pod("team-a").items
    assert [(p.metadata.name, p.status and p.status.phase) for p in fresh] == [
        ("p0", "Running"),
        ("p1", "Running"),
        ("p2", "Running"),
        ("p3", "Failed"),
        ("p5", None),  # created through the API: status is the status subresource's
    ]


def test_a_continue_token_is_gone_once_its_last_page_was_served(kube: EmulatorThread, core: Any) -> None:  # noqa: F811
    kube.seed(*(pod(f"p{i}") for i in range(3)))
    first = core.list_namespaced_pod("team-a", limit=2)
    token = first.metadata._continue
    assert names(core.list_namespaced_pod("team-a", limit=2, _continue=token)) == ["p2"]
    status, body = raw_get(kube, f"/api/v1/namespaces/team-a/pods?limit=2&continue={token}")
    assert status == 410
    assert json.loads(body)["reason"] == "Expired"
    assert raw_get(kube, "/api/v1/namespaces/team-a/pods?continue=nope")[0] == 410


# --- the bytes ----------------------------------------------------------------------------------
def test_a_list_body_is_the_json_the_apiserver_shape_encodes_to(kube: EmulatorThread) -> None:  # noqa: F811
    kube.seed(pod("web", app="wéb"), pod("db"))
    for path in ("/api/v1/namespaces/team-a/pods", "/api/v1/pods?limit=1", "/api/v1/namespaces/none/pods"):
        status, body = raw_get(kube, path)
        decoded = json.loads(body)
        assert status == 200
        assert body == json.dumps(decoded).encode()  # key order, separators, escapes: json.dumps's
        assert list(decoded) == ["apiVersion", "kind", "metadata", "items"]


def test_a_reaction_added_after_requests_were_served_answers(core: Any, kube: EmulatorThread) -> None:  # noqa: F811
    kube.seed(pod("web"))
    assert names(core.list_namespaced_pod("team-a")) == ["web"]
    kube.call(lambda emu: emu["get /api/v1/namespaces/team-a/pods"] << {"kind": "PodList", "items": []})
    assert names(core.list_namespaced_pod("team-a")) == []
