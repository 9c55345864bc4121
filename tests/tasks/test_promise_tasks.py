"""`invoke promise.apply` and `invoke promise.delete` against a local API server: the first test runs the real
command line in a subprocess, the others run the same tasks in-process (tests.tasks.inprocess.TaskRunner)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.kube.emulator import EmulatorThread, crd
from tests.objects import (
    controller,
    datadog_stack_crd,
    promise,
    stack,
)
from tests.tasks.cli import invoke
from tests.tasks.inprocess import TaskRunner

PROMISE_API = "platform.kratix.io/v1alpha1"
PROMISE_PATH = "/apis/platform.kratix.io/v1alpha1/promises/datadog-stack"


@pytest.fixture
def env(kube: EmulatorThread, kubeconfig: Path) -> dict[str, str]:
    kube.install_crd(crd("promises.platform.kratix.io"))
    return {"KUBECONFIG": str(kubeconfig), "INVOKE_WAITS_INTERVAL": "0.05"}


@pytest.fixture
def cli(env: dict[str, str], kube_tasks: TaskRunner) -> TaskRunner:
    return kube_tasks


def test_apply_waits_until_kratix_says_available_and_a_second_run_changes_nothing(
    kube: EmulatorThread, env: dict[str, str]
) -> None:
    with controller(kube, PROMISE_PATH, [lambda: kube.seed(promise(available=False)), lambda: kube.seed(promise())]):
        first = invoke("promise.apply", env=env)
    kube.forget_requests()
    second = invoke("promise.apply", env=env)

    assert first.code == 0, first.stderr
    assert first.stdout.splitlines() == [
        "Promise datadog-stack created",
        "Promise datadog-stack is Available (Available=True PromiseAvailable: Ready to fulfil resource requests)",
    ]
    phases = re.findall(r"^\d\d:\d\d:\d\d Promise datadog-stack to be Available: (\w+)", first.stderr, re.MULTILINE)
    assert phases == ["Pending", "Unavailable", "Available"]
    assert second.code == 0, second.stderr
    assert second.stdout.splitlines()[0] == "Promise datadog-stack unchanged"
    assert kube.writes() == []


def test_a_dry_run_says_what_it_would_do_and_writes_nothing(kube: EmulatorThread, cli: TaskRunner) -> None:
    run = cli("promise.apply", "--dry-run")

    assert (run.code, run.stdout) == (0, "Promise datadog-stack would be created\n")
    assert kube.writes() == []


def test_settings_that_disagree_with_the_file_are_refused_before_anything_is_sent(
    kube: EmulatorThread, cli: TaskRunner
) -> None:
    kube.forget_requests()

    run = cli("promise.apply", env={"INVOKE_PROMISE_IMAGE": "ghcr.io/example/pipeline:dev"})

    assert run.code == 2
    assert run.stderr == (
        "error: promise.image: 'ghcr.io/example/pipeline:dev' is not allowed; promise.yaml says "
        "ghcr.io/example/kratix-datadog-pipeline:0.1.0: make invoke.yaml and promise.yaml agree\n"
    )
    assert kube.requests == []


def test_a_promise_that_stays_unavailable_times_out_saying_why(kube: EmulatorThread, cli: TaskRunner) -> None:
    kube.seed(promise(available=False))

    run = cli("promise.apply", "--timeout", "1")

    assert run.code == 18
    assert run.stdout == "Promise datadog-stack unchanged\n"
    assert run.stderr.splitlines()[-1] == (
        "error: gave up waiting for Promise datadog-stack to be Available after 1 s: still Unavailable: "
        "Available=False PromiseUnavailable: Cannot fulfil resource requests; "
        "RequirementsFulfilled=False RequirementsNotInstalled: Requirements not fulfilled"
    )


def test_delete_refuses_while_stacks_exist_asks_first_then_waits_until_gone(
    kube: EmulatorThread, cli: TaskRunner
) -> None:
    kube.install_crd(datadog_stack_crd())
    kube.seed(promise(), stack("production", "team-a"))
    kube.forget_requests()

    refused = cli("promise.delete")
    unconfirmed = cli("promise.delete", "--force")  # stdin is no terminal and there is no --yes
    dry = cli("promise.delete", "--force", "--dry-run")
    assert kube.writes() == []
    deleted = cli("promise.delete", "--force", "--yes")
    again = cli("promise.delete", "--yes")

    assert refused.code == 1
    assert refused.stderr == (
        "error: 1 DatadogStack(s) still use the datadog-stack Promise (team-a/production): deleting it deletes them "
        "and their agents; delete them first (`invoke datadog.delete --all`) or pass --force\n"
    )
    assert unconfirmed.code == 20
    assert "needs confirmation and stdin is not a terminal; re-run with --yes" in unconfirmed.stderr
    assert dry.stdout == "Promise datadog-stack would be deleted and, with it, 1 DatadogStack(s)\n"
    assert deleted.code == 0, deleted.stderr
    assert deleted.stdout.splitlines() == [
        "Promise datadog-stack deleted and, with it, 1 DatadogStack(s)",
        "Promise datadog-stack is gone",
    ]
    assert kube.get(PROMISE_API, "Promise", "datadog-stack") is None
    assert (again.code, again.stdout) == (0, "Promise datadog-stack not found: nothing to delete\n")
