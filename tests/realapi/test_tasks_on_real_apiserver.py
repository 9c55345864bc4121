"""The tasks that write, against a real kube-apiserver: server-side apply with a named field manager,
"unchanged" on a second run, --dry-run writing nothing, over a token and over a client certificate."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.objects import PLATFORM_CLUSTER, fleet_destination
from tests.programs import OUTPUTS, Programs, programs  # noqa: F401
from tests.realapi.conftest import RealApi
from tests.realapi.proxy import Relay
from tests.tasks.inprocess import TaskRunner

STACKS = "/apis/platform.srekubecraft.io/v1alpha1/namespaces/team-a/datadogstacks"
PROMISE = "/apis/platform.kratix.io/v1alpha1/promises/datadog-stack"
PRODUCTION = ("--name", "web", "--namespace", "team-a")
AUTH = ("admin", "admin-cert")  # bearer token, client certificate
WIRED = (
    "/apis/external-secrets.io/v1/clustersecretstores/aws-secrets-manager",
    "/apis/external-secrets.io/v1/namespaces/kratix-platform-system/externalsecrets/git-credentials",
    "/apis/platform.kratix.io/v1alpha1/gitstatestores/default",
    "/apis/platform.kratix.io/v1alpha1/destinations/platform",
    "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/kratix",
)


def managers(obj: dict[str, Any]) -> set[tuple[str, str]]:
    return {(m["manager"], m["operation"]) for m in obj["metadata"].get("managedFields") or []}


@pytest.fixture(scope="module", autouse=True)
def platform(real_api: RealApi) -> None:
    seeder = real_api.seeder()
    names = ("team-a", "argocd", "kratix-platform-system", "external-secrets")
    seeder.seed([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}} for n in names])
    seeder.seed(
        [
            {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "external-secrets", "namespace": n}}
            for n in ("external-secrets",)
        ]
    )
    # What `kratix.apply` writes: the platform cluster's Destination, which the stacks here name (scheduling).
    destination = {k: v for k, v in fleet_destination(PLATFORM_CLUSTER).items() if k != "status"}
    seeder.seed([destination])


def test_the_upstream_crds_load_and_only_the_documented_ones_need_a_v1_20_copy(real_api: RealApi) -> None:
    assert real_api.crd_copies == [
        "clustersecretstores.external-secrets.io",
        "destinations.platform.kratix.io",
        "externalsecrets.external-secrets.io",
        "helmcharts.source.toolkit.fluxcd.io",
        "helmreleases.helm.toolkit.fluxcd.io",
        "resourcebindings.platform.kratix.io",
    ]


@pytest.mark.parametrize("context", AUTH)
def test_promise_apply_is_server_side_apply_then_unchanged_and_dry_run_writes_nothing(
    real_api: RealApi, task: TaskRunner, context: str
) -> None:
    real_api.admin.request("DELETE", PROMISE, ok=(404,))

    before = real_api.revision()
    dry = task("promise.apply", "--no-wait", "--dry-run", "--context", context)
    after_dry_run = real_api.revision()
    first = task("promise.apply", "--no-wait", "--context", context)
    written = real_api.admin.get(PROMISE)
    second = task("promise.apply", "--no-wait", "--context", context)

    assert (dry.code, dry.stdout) == (0, "Promise datadog-stack would be created\n"), dry.stderr
    assert after_dry_run == before  # not a single write, anywhere
    assert (first.code, first.stdout.splitlines()[0]) == (0, "Promise datadog-stack created"), first.stderr
    assert ("kratix-ops", "Apply") in managers(written)
    assert (second.code, second.stdout.splitlines()[0]) == (0, "Promise datadog-stack unchanged"), second.stderr
    assert real_api.admin.get(PROMISE)["metadata"]["resourceVersion"] == written["metadata"]["resourceVersion"]


@pytest.mark.parametrize("context", AUTH)
def test_datadog_tiers_apply_upgrade_then_unchanged_and_delete(
    real_api: RealApi, task: TaskRunner, context: str
) -> None:
    stack = f"{STACKS}/web"
    real_api.admin.request("DELETE", stack, ok=(404,))
    run = lambda *args: task(*args, *PRODUCTION, "--no-wait", "--context", context)  # noqa: E731

    before = real_api.revision()
    dry = run("datadog.minimal", "--dry-run")
    after_dry_run = real_api.revision()
    created = run("datadog.minimal")
    again = run("datadog.minimal")
    first = real_api.admin.get(stack)
    before_upgrade = real_api.revision()
    upgrade_dry = run("datadog.standard", "--dry-run")
    assert real_api.revision() == before_upgrade
    upgraded = run("datadog.standard", "--tag", "team:payments")
    full = run("datadog.full", "--tag", "team:payments")
    full_again = run("datadog.full", "--tag", "team:payments")
    last = real_api.admin.get(stack)

    assert (dry.code, dry.stdout) == (0, "DatadogStack team-a/web: would be created (tier minimal)\n"), dry.stderr
    assert after_dry_run == before
    assert (created.code, created.stdout) == (0, "DatadogStack team-a/web: created (tier minimal)\n")
    assert (again.code, again.stdout) == (0, "DatadogStack team-a/web: unchanged (tier minimal)\n")
    assert upgrade_dry.stdout == "DatadogStack team-a/web: would upgrade minimal -> standard\n"
    assert (upgraded.code, upgraded.stdout) == (0, "DatadogStack team-a/web: upgrade minimal -> standard\n")
    assert (full.code, full.stdout) == (0, "DatadogStack team-a/web: upgrade standard -> full\n")
    assert (full_again.code, full_again.stdout) == (0, "DatadogStack team-a/web: unchanged (tier full)\n")
    assert ("kratix-ops", "Apply") in managers(first) and ("kratix-ops", "Apply") in managers(last)
    assert last["spec"]["tier"] == "full" and last["spec"]["tags"] == ["team:payments"]

    before_delete = real_api.revision()
    delete_dry = task("datadog.delete", *PRODUCTION, "--dry-run", "--context", context)
    assert real_api.revision() == before_delete
    still_there = real_api.admin.get(stack, ok=(404,))
    deleted = task("datadog.delete", *PRODUCTION, "--yes", "--no-wait", "--context", context)
    deleting = real_api.admin.get(stack)
    # Foreground deletion: the object waits for the garbage collector, which no controller runs here;
    # with no dependents the collector removes the finalizer at once, so the test does just that.
    real_api.admin.request(
        "PATCH", stack, {"metadata": {"finalizers": None}}, content_type="application/merge-patch+json"
    )
    gone = task("datadog.delete", *PRODUCTION, "--yes", "--context", context)

    assert delete_dry.code == 0 and still_there["_status"] == 200, delete_dry.stderr
    assert deleted.code == 0, deleted.stderr
    assert deleting["metadata"]["deletionTimestamp"] and deleting["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert real_api.admin.get(stack, ok=(404,))["_status"] == 404
    assert (gone.code, gone.stdout) == (0, "DatadogStack team-a/web not found: nothing to delete\n")


def test_promise_delete_is_refused_while_stacks_exist(real_api: RealApi, task: TaskRunner) -> None:
    assert task("promise.apply", "--no-wait").code == 0
    assert task("datadog.minimal", "--name", "keep", "--namespace", "team-a", "--no-wait").code == 0

    refused = task("promise.delete", "--yes")

    assert refused.code == 1
    assert "DatadogStack(s) still use the datadog-stack Promise (" in refused.stderr
    assert real_api.admin.get(PROMISE)["_status"] == 200
    assert task("datadog.delete", "--name", "keep", "--namespace", "team-a", "--yes", "--no-wait").code == 0


@pytest.mark.parametrize("context", AUTH)
def test_platform_wiring_tasks_apply_with_a_named_manager_twice_and_dry_run_writes_nothing(
    real_api: RealApi,
    task: TaskRunner,
    programs: Programs,  # noqa: F811
    context: str,
) -> None:
    programs.set_outputs(OUTPUTS)
    for path in WIRED:  # what another module seeded as the controllers write it: created here instead
        real_api.admin.request("DELETE", path, ok=(404,))
    for name in ("argocd.apps", "kratix.apply", "external-secrets.apply"):
        before = real_api.revision()
        dry = task(name, "--dry-run", "--context", context)
        after_dry_run = real_api.revision()
        first = task(name, "--context", context)
        second = task(name, "--context", context)

        assert (dry.code, first.code, second.code) == (0, 0, 0), (
            f"{name}: {dry.stdout}{dry.stderr}{first.stderr}{second.stderr}"
        )
        assert after_dry_run == before, name
        assert second.stdout.splitlines() == [
            line.rsplit(" ", 1)[0] + " unchanged" for line in first.stdout.splitlines()
        ]
    store = real_api.admin.get("/apis/external-secrets.io/v1/clustersecretstores/aws-secrets-manager")
    app = real_api.admin.get("/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/kratix")
    destination = real_api.admin.get("/apis/platform.kratix.io/v1alpha1/destinations/platform")
    for obj in (store, app, destination):
        assert ("kratix-ops", "Apply") in managers(obj), obj["metadata"]["name"]


def test_a_write_between_read_and_apply_is_seen_not_overwritten_unseen(real_api: RealApi, task: TaskRunner) -> None:
    """Someone raises the tier to full after the toolkit read it: the apply is decided again (409)."""
    stack = f"{STACKS}/contested"
    assert task("datadog.minimal", "--name", "contested", "--namespace", "team-a", "--no-wait").code == 0
    edit = {"metadata": {"labels": {"edited-by": "someone"}}, "spec": {"tier": "full"}}

    with Relay(real_api.server.url, real_api.server.creds.ca) as relay:
        relay.before(
            "PATCH",
            "/datadogstacks/contested",
            lambda: real_api.admin.request("PATCH", stack, edit, content_type="application/merge-patch+json"),
        )
        config = yaml.safe_load(real_api.kubeconfig.read_text())
        config["clusters"].append({"name": "relay", "cluster": {"server": relay.url}})
        config["contexts"].append({"name": "relay", "context": {"cluster": "relay", "user": "admin"}})
        relayed = real_api.kubeconfig.with_name("relayed.yaml")
        relayed.write_text(yaml.safe_dump(config))
        run = task(
            "datadog.standard",
            "--name",
            "contested",
            "--namespace",
            "team-a",
            "--no-wait",
            "--kubeconfig",
            str(relayed),
            "--context",
            "relay",
        )

    assert run.code == 0, run.stderr
    assert run.stdout == "DatadogStack team-a/contested: downgrade full -> standard\n"
    patches = [path for method, path in relay.requests if method == "PATCH"]
    assert len(patches) == 2  # refused once (409: the object changed), then decided again and written
    final = real_api.admin.get(stack)
    assert final["spec"]["tier"] == "standard"
    assert final["metadata"]["labels"]["edited-by"] == "someone"
