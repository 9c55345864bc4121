"""The DatadogStack Promise on a cluster, over HTTP: checked against invoke.yaml, applied once, awaited, removed."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ops.config import Settings
from ops.errors import BadInput, ExitCode
from ops.kube import Kube, KubeTarget, RetryPolicy, connect
from ops.kube.errors import CrdMissing, Forbidden
from ops.stacks.kratix import PromisePhase
from ops.stacks.promise import (
    PromiseFailed,
    StacksStillExist,
    apply_promise,
    check_removal,
    delete_promise,
    load_promise,
    plan_removal,
    wait_for_promise,
    wait_promise_gone,
)
from ops.wait import WaitTimeout
from tests.kube.emulator import EmulatorThread, crd
from tests.objects import (
    PROMISE_FILE,
    Script,
    cond,
    datadog_stack_crd,
    promise,
    stack,
)

QUICK = RetryPolicy(attempts=2, max_seconds=2.0, first_wait=0.01, max_wait=0.02, jitter=0.0)
PROMISES = "/apis/platform.kratix.io/v1alpha1/promises"


def instantly() -> dict[str, Any]:
    """clock and sleep for a wait that must end (done, failed or timed out) without real time passing."""
    script = Script()
    return {"clock": script.clock, "sleep": script.sleep}


@pytest.fixture
def client(kube: EmulatorThread, kubeconfig: Path) -> Iterator[Kube]:
    kube.install_crd(crd("promises.platform.kratix.io"))
    with connect(KubeTarget(kubeconfig), retry=QUICK) as connected:
        yield connected


def test_the_repository_s_promise_agrees_with_invoke_yaml(settings: Settings) -> None:
    source = load_promise(PROMISE_FILE, settings)

    assert (source.name, source.group, source.kind) == ("datadog-stack", "platform.srekubecraft.io", "DatadogStack")


@pytest.mark.parametrize(
    ("setting", "value", "field", "in_file"),
    [
        (
            "pipeline_image",
            "ghcr.io/other/pipeline:9",
            "promise.image",
            "ghcr.io/example/kratix-datadog-pipeline:0.1.0",
        ),
        ("promise_name", "datadog", "promise.name", "datadog-stack"),
        ("api_group", "example.com", "promise.group", "platform.srekubecraft.io"),
        ("pipeline_name", "configure", "promise.pipeline", "instance-configure"),
    ],
)
def test_a_setting_the_file_disagrees_with_is_refused_naming_it(
    settings: Settings, setting: str, value: str, field: str, in_file: str
) -> None:
    with pytest.raises(BadInput) as caught:
        load_promise(PROMISE_FILE, dataclasses.replace(settings, **{setting: value}))

    assert str(caught.value) == (
        f"{field}: {value!r} is not allowed; promise.yaml says {in_file}: make invoke.yaml and promise.yaml agree"
    )


def test_a_missing_file_is_bad_input(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"^--file: '.*nope.yaml' is not allowed; a path to the Promise's YAML file$"):
        load_promise(tmp_path / "nope.yaml", settings)


def test_apply_creates_the_promise_then_leaves_it_unchanged_without_writing(
    client: Kube, kube: EmulatorThread, settings: Settings
) -> None:
    source = load_promise(PROMISE_FILE, settings)

    first = apply_promise(client, source)
    kube.forget_requests()
    second = apply_promise(client, source)

    assert (str(first), str(second)) == ("Promise datadog-stack created", "Promise datadog-stack unchanged")
    assert kube.writes() == []
    live = kube.get("platform.kratix.io/v1alpha1", "Promise", "datadog-stack")
    assert live is not None and live["spec"]["api"]["spec"]["names"]["kind"] == "DatadogStack"


def test_a_dry_run_apply_writes_nothing(client: Kube, kube: EmulatorThread, settings: Settings) -> None:
    applied = apply_promise(client, load_promise(PROMISE_FILE, settings), dry_run=True)

    assert str(applied) == "Promise datadog-stack would be created"
    assert kube.writes() == []


def test_without_kratix_the_error_says_to_install_it(
    kube: EmulatorThread, kubeconfig: Path, settings: Settings
) -> None:
    with connect(KubeTarget(kubeconfig), retry=QUICK) as bare, pytest.raises(CrdMissing) as caught:
        apply_promise(bare, load_promise(PROMISE_FILE, settings))

    assert str(caught.value) == "the cluster does not serve Promise (platform.kratix.io); install Kratix"
    assert caught.value.exit_code == ExitCode.CRD_MISSING


def test_a_forbidden_apply_names_the_user_verb_and_resource(
    client: Kube, kube: EmulatorThread, settings: Settings
) -> None:
    kube.fail(403, method="PATCH", path=PROMISES)

    with pytest.raises(Forbidden) as caught:
        apply_promise(client, load_promise(PROMISE_FILE, settings))

    assert str(caught.value) == (
        'forbidden: user "system:serviceaccount:ops:reader" may not patch promises.platform.kratix.io '
        "at the cluster scope"
    )
    assert caught.value.exit_code == ExitCode.UNAUTHORIZED


def test_the_wait_ends_when_kratix_reports_the_promise_available(client: Kube, kube: EmulatorThread) -> None:
    kube.seed(promise(available=None))
    script = Script([lambda: kube.seed(promise(available=False)), lambda: kube.seed(promise(available=True))])
    seen: list[str] = []

    progress = wait_for_promise(
        client,
        "datadog-stack",
        timeout=60,
        clock=script.clock,
        sleep=script.sleep,
        on_progress=lambda tick: seen.append(tick.observation.phase),
    )

    assert progress.phase is PromisePhase.AVAILABLE
    assert seen == ["Pending", "Unavailable", "Available"]


def test_a_promise_that_stays_unavailable_times_out_saying_why(client: Kube, kube: EmulatorThread) -> None:
    kube.seed(promise(available=False))
    script = Script()

    with pytest.raises(WaitTimeout) as caught:
        wait_for_promise(client, "datadog-stack", timeout=30, clock=script.clock, sleep=script.sleep)

    assert str(caught.value) == (
        "gave up waiting for Promise datadog-stack to be Available after 30 s: still Unavailable: "
        "Available=False PromiseUnavailable: Cannot fulfil resource requests; "
        "RequirementsFulfilled=False RequirementsNotInstalled: Requirements not fulfilled"
    )


def test_a_promise_whose_workflow_failed_stops_the_wait(client: Kube, kube: EmulatorThread) -> None:
    failed = promise(available=False)
    failed["status"]["conditions"].append(
        cond("ConfigureWorkflowCompleted", "False", "ConfigureWorkflowFailed", "A Configure Pipeline has failed: deps")
    )
    kube.seed(failed)

    with pytest.raises(PromiseFailed, match="A Configure Pipeline has failed: deps"):
        wait_for_promise(client, "datadog-stack", timeout=30, **instantly())


def test_removal_is_refused_while_stacks_exist_and_lists_them(
    client: Kube, kube: EmulatorThread, settings: Settings
) -> None:
    kube.install_crd(datadog_stack_crd())
    kube.seed(promise(), stack("production", "team-a"), stack("staging", "team-b"))

    removal = plan_removal(client, settings)
    with pytest.raises(StacksStillExist) as caught:
        check_removal(removal, force=False)

    assert removal.exists
    assert str(caught.value) == (
        "2 DatadogStack(s) still use the datadog-stack Promise (team-a/production, team-b/staging): deleting it "
        "deletes them and their agents; delete them first (`invoke datadog.delete --all`) or pass --force"
    )
    check_removal(removal, force=True)
    assert kube.writes() == []


def test_without_the_stack_api_there_are_no_stacks_to_protect(
    client: Kube, kube: EmulatorThread, settings: Settings
) -> None:
    kube.seed(promise())

    assert plan_removal(client, settings).stacks == ()


def test_delete_then_wait_until_the_promise_is_gone(client: Kube, kube: EmulatorThread) -> None:
    kube.seed(promise())

    assert delete_promise(client, "datadog-stack") is True
    result = wait_promise_gone(client, "datadog-stack", timeout=10, **instantly())

    assert result.done and kube.get("platform.kratix.io/v1alpha1", "Promise", "datadog-stack") is None
    assert delete_promise(client, "datadog-stack") is False  # already gone: nothing to do


def test_a_promise_held_by_kratix_finalizers_times_out_naming_them(client: Kube, kube: EmulatorThread) -> None:
    kube.seed(
        promise(
            finalizers=["kratix.io/resource-request-cleanup", "kratix.io/api-crd-cleanup"],
            deletionTimestamp="2026-11-24T10:05:00Z",
        )
    )
    script = Script()

    with pytest.raises(WaitTimeout) as caught:
        wait_promise_gone(client, "datadog-stack", timeout=20, clock=script.clock, sleep=script.sleep)

    assert str(caught.value) == (
        "gave up waiting for Promise datadog-stack to be deleted after 20 s: still Deleting: "
        "Kratix finalizers left: kratix.io/resource-request-cleanup, kratix.io/api-crd-cleanup"
    )
