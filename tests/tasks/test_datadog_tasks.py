"""`invoke datadog.*` against a local API server: the first test and the terminal one run the real command line
in a subprocess, the others run the same tasks in-process (tests.tasks.inprocess.TaskRunner)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from kubernetes.client import CoreV1Api

from tests.kube.emulator import EmulatorThread
from tests.objects import (
    STACK_API,
    agents_daemonset,
    cluster_agent_deployment,
    configuring,
    controller,
    datadog_stack_crd,
    eks_node,
    namespace,
    pipeline_failed,
    platform_destination_objects,
    reconciled,
    request_pipeline_pod,
    stack,
    works_pending,
)
from tests.tasks.cli import invoke
from tests.tasks.inprocess import TaskRunner
from tests.tasks.terminal import at_a_terminal

TARGET = "datadog-team-a-production-abc123"
STACK_PATH = "/apis/platform.srekubecraft.io/v1alpha1/namespaces/team-a/datadogstacks/production"
POD = "kratix-datadog-stack-production-instance-configure-7xk2p"
PRODUCTION = ("--name", "production", "--namespace", "team-a")


@pytest.fixture
def env(kube: EmulatorThread, kubeconfig: Path) -> dict[str, str]:
    kube.install_crd(datadog_stack_crd())
    kube.seed(namespace("team-a"), *platform_destination_objects())
    kube.forget_requests()
    return {"KUBECONFIG": str(kubeconfig), "INVOKE_WAITS_INTERVAL": "0.05"}


@pytest.fixture
def cli(env: dict[str, str], kube_tasks: TaskRunner) -> TaskRunner:
    return kube_tasks


def ready_agents() -> list[dict[str, object]]:
    return [namespace(TARGET), agents_daemonset(TARGET), cluster_agent_deployment(TARGET)]


def test_minimal_follows_the_request_to_ready_agents_and_a_second_run_changes_nothing(
    kube: EmulatorThread, env: dict[str, str]
) -> None:
    states = [
        lambda: kube.seed(stack(status=configuring())),
        lambda: kube.seed(stack(status=works_pending())),
        lambda: kube.seed(stack(status=reconciled()), namespace(TARGET), agents_daemonset(TARGET, ready=1)),
        lambda: None,  # that poll reads the agents after the request: it sees them 1/3 ready
        lambda: kube.seed(agents_daemonset(TARGET), cluster_agent_deployment(TARGET)),
    ]
    with controller(kube, STACK_PATH, states):
        first = invoke("datadog.minimal", *PRODUCTION, env=env)
    kube.forget_requests()
    second = invoke("datadog.minimal", *PRODUCTION, env=env)

    assert first.code == 0, first.stderr
    ready = (
        f"DatadogStack team-a/production is ready: namespace {TARGET}: DaemonSet datadog 3/3 ready, "
        "Deployment datadog-cluster-agent 1/1 ready"
    )
    assert first.stdout.splitlines() == ["DatadogStack team-a/production: created (tier minimal)", ready]
    lines = re.findall(r"^\d\d:\d\d:\d\d DatadogStack team-a/production: (\w+)", first.stderr, re.MULTILINE)
    phases = [phase for n, phase in enumerate(lines) if n == 0 or lines[n - 1] != phase]  # a new detail repeats it
    assert phases == ["Pending", "Configuring", "Scheduling", "Deploying", "Ready"]
    assert "Deploying: namespace datadog-team-a-production-abc123: DaemonSet datadog 1/3 ready" in first.stderr
    assert second.code == 0, second.stderr
    assert second.stdout.splitlines() == ["DatadogStack team-a/production: unchanged (tier minimal)", ready]
    assert kube.writes() == []


def test_a_new_tier_is_an_upgrade_and_its_dry_run_writes_nothing(kube: EmulatorThread, cli: TaskRunner) -> None:
    kube.seed(stack(status=reconciled()), *ready_agents())
    kube.forget_requests()

    dry = cli("datadog.standard", *PRODUCTION, "--dry-run")
    assert kube.writes() == []
    upgrade = cli("datadog.standard", *PRODUCTION, "--no-wait", "--tag", "team:payments")

    assert (dry.code, dry.stdout) == (0, "DatadogStack team-a/production: would upgrade minimal -> standard\n")
    assert (upgrade.code, upgrade.stdout) == (0, "DatadogStack team-a/production: upgrade minimal -> standard\n")
    assert kube.writes() == [("PATCH", STACK_PATH)]
    live = kube.get(STACK_API, "DatadogStack", "production", "team-a")
    assert live is not None and (live["spec"]["tier"], live["spec"]["tags"]) == ("standard", ["team:payments"])


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--env", "Prod"), "spec.environment: 'Prod' is not allowed; a DNS label of at most 32 characters"),
        (("--tag", "env:prod"), "spec.tags[0]: 'env:prod' is not allowed; any key but env, tier, managed-by"),
        (("--timeout", "0"), "--timeout: 0 is not allowed; a number of seconds above 0"),
    ],
)
def test_bad_input_is_refused_before_anything_is_sent(
    kube: EmulatorThread, cli: TaskRunner, flags: tuple[str, ...], message: str
) -> None:
    run = cli("datadog.full", *flags)

    assert run.code == 2
    assert run.stderr.startswith(f"error: {message}")
    assert kube.requests == []


def test_without_the_promise_it_says_to_install_it(
    kube: EmulatorThread, kubeconfig: Path, kube_tasks: TaskRunner
) -> None:
    run = kube_tasks("datadog.minimal")

    assert run.code == 14
    assert run.stderr == (
        "error: the cluster does not serve DatadogStack (platform.srekubecraft.io): the datadog-stack Promise "
        "is not installed; run `invoke promise.apply`\n"
    )


@pytest.mark.parametrize(
    ("args", "fault", "code", "message"),
    [
        (("--namespace", "nope"), None, 17, "error: Namespace nope not found\n"),
        (
            (),
            "PATCH",
            13,
            'error: forbidden: user "system:serviceaccount:ops:reader" may not patch '
            'datadogstacks.platform.srekubecraft.io in namespace "default"\n',
        ),
    ],
)
def test_each_refusal_has_its_message_and_exit_code(  # noqa: PLR0917 - parametrized
    kube: EmulatorThread, cli: TaskRunner, args: tuple[str, ...], fault: str | None, code: int, message: str
) -> None:
    kube.seed(namespace("default"))
    if fault:
        kube.fail(403, method=fault)

    run = cli("datadog.minimal", *args)

    assert (run.code, run.stderr) == (code, message)


def test_an_unreachable_api_server_is_named(cli: TaskRunner) -> None:
    run = cli("datadog.status", "--context", "dead")

    assert run.code == 12
    assert re.fullmatch(
        r"error: cannot reach the Kubernetes API at http://127\.0\.0\.1:\d+: connection refused\n", run.stderr
    )


def test_a_failed_pipeline_shows_the_failing_container_and_its_last_log_lines(
    kube: EmulatorThread, cli: TaskRunner
) -> None:
    kube.seed(stack(status=pipeline_failed()), request_pipeline_pod())
    kube.set_pod_log(
        "team-a",
        POD,
        "INFO: reading /kratix/input/object.yaml\nERROR: Invalid request: spec.tier: 'huge' is not allowed\n",
        container="datadog-configure",
    )

    run = cli("datadog.minimal", *PRODUCTION)

    assert run.code == 1
    assert run.stdout == "DatadogStack team-a/production: unchanged (tier minimal)\n"
    lines = run.stderr.splitlines()
    assert lines[-6:] == [
        f"pod team-a/{POD} container datadog-configure exited 1 (Error): Invalid request: spec.tier: 'huge' is not "
        "allowed; one of minimal, standard, full",
        "last 2 log lines of datadog-configure:",
        "  | INFO: reading /kratix/input/object.yaml",
        "  | ERROR: Invalid request: spec.tier: 'huge' is not allowed",
        f"full log: kubectl -n team-a logs {POD} -c datadog-configure",
        "error: DatadogStack team-a/production failed: ConfigureWorkflowCompleted=False ConfigureWorkflowFailed: "
        "A Configure Pipeline has failed: instance-configure; status.message: Invalid request: spec.tier: 'huge' is "
        f"not allowed; one of minimal, standard, full; pod team-a/{POD} container datadog-configure exited 1 "
        "(Error): Invalid request: spec.tier: 'huge' is not allowed; one of minimal, standard, full",
    ]


def test_a_request_that_stays_configuring_times_out_saying_where_it_is(kube: EmulatorThread, cli: TaskRunner) -> None:
    kube.seed(stack(status=configuring()))

    run = cli("datadog.minimal", *PRODUCTION, "--timeout", "1")

    assert run.code == 18
    assert run.stderr.splitlines()[-1] == (
        "error: gave up waiting for DatadogStack team-a/production after 1 s: still Configuring: "
        "pipeline instance-configure Running"
    )


def test_delete_asks_first_can_dry_run_then_waits_until_the_namespace_is_gone(
    kube: EmulatorThread, kubeconfig: Path, cli: TaskRunner
) -> None:
    kube.seed(stack(status=reconciled()), namespace(TARGET))
    kube.forget_requests()

    unconfirmed = cli("datadog.delete", *PRODUCTION)
    dry = cli("datadog.delete", *PRODUCTION, "--dry-run")
    assert kube.writes() == []
    gone = [lambda: None, lambda: CoreV1Api(kube.api_client()).delete_namespace(TARGET)]
    with controller(kube, STACK_PATH, gone, written_by="DELETE", polled=f"/api/v1/namespaces/{TARGET}"):
        deleted = cli("datadog.delete", *PRODUCTION, "--yes")
    again = cli("datadog.delete", *PRODUCTION, "--yes")

    assert unconfirmed.code == 20
    assert unconfirmed.stderr == (
        "error: Delete 1 DatadogStack(s) (team-a/production) and their Datadog agents needs confirmation and stdin "
        "is not a terminal; re-run with --yes to go ahead\n"
    )
    assert dry.stdout == f"DatadogStack team-a/production would be deleted (agents in namespace {TARGET})\n"
    assert deleted.code == 0, deleted.stderr
    assert deleted.stdout.splitlines() == [
        "DatadogStack team-a/production deleted",
        "gone: team-a/production and their namespaces",
    ]
    assert re.search(rf"Deleting: 1 left: Namespace {TARGET}", deleted.stderr)
    assert kube.get("v1", "Namespace", TARGET) is None
    assert (again.code, again.stdout) == (0, "DatadogStack team-a/production not found: nothing to delete\n")


def test_delete_all_takes_every_stack_and_refuses_a_name_with_it(kube: EmulatorThread, cli: TaskRunner) -> None:
    kube.seed(stack("production", "team-a"), stack("staging", "team-b"))

    both = cli("datadog.delete", "--all", "--name", "production")
    every = cli("datadog.delete", "--all", "--yes")
    none_left = cli("datadog.delete", "--all", "--yes")

    assert (both.code, both.stderr) == (
        2,
        "error: --all: True is not allowed; not together with --name (one stack, or all of them)\n",
    )
    assert every.code == 0, every.stderr
    assert every.stdout.splitlines()[:2] == [
        "DatadogStack team-a/production deleted",
        "DatadogStack team-b/staging deleted",
    ]
    assert none_left.stdout == "no DatadogStacks: nothing to delete\n"


def test_at_a_terminal_delete_asks_and_no_changes_nothing(kube: EmulatorThread, env: dict[str, str]) -> None:
    kube.seed(stack(status=reconciled()))
    kube.forget_requests()

    code, screen = at_a_terminal("datadog.delete", *PRODUCTION, answers=[("[y/N]", "n")], env=env)

    assert code == 20
    assert "Delete 1 DatadogStack(s) (team-a/production) and their Datadog agents? [y/N]" in screen
    assert "error: not confirmed (n); nothing was changed" in screen
    assert kube.writes() == []


def test_status_lists_stacks_with_their_agents_as_a_table_and_as_json(kube: EmulatorThread, cli: TaskRunner) -> None:
    kube.seed(
        stack(status=reconciled(tier="full"), tier="full", environment="prod"),
        stack("staging", "team-b", status=pipeline_failed()),
        agents_daemonset(TARGET, desired=3, ready=2),
        cluster_agent_deployment(TARGET),
        *(eks_node(f"ip-10-0-{i}-11", "default") for i in (1, 2, 3)),
    )

    table = cli("datadog.status")
    data = cli("datadog.status", "--output", "json")

    assert table.code == 0, table.stderr
    rows = [[cell.strip() for cell in line.strip("│").split("│")] for line in table.stdout.splitlines() if "│" in line]
    header = next(line for line in table.stdout.splitlines() if "NAMESPACE" in line)
    assert [cell.strip() for cell in header.strip("┃").split("┃")] == [
        *("NAMESPACE", "NAME", "TIER", "ENV", "PHASE", "STATUS", "TARGET NAMESPACE", "AGE", "AGENTS", "CLUSTER")
    ]
    body = [row[:7] + row[8:] for row in rows if row[0].startswith("team-")]  # AGE depends on the clock
    assert body == [
        ["team-a", "production", "full", "prod", "Ready", "Reconciled", TARGET, "2/3", "1/1"],
        ["team-b", "staging", "minimal", "dev", "Failed", "Failing", body[1][6], "-", "-"],
    ]
    assert body[1][6].startswith("datadog-team-b-staging-")
    assert "team-b/staging: Invalid request: spec.tier: 'huge' is not allowed" in table.stdout
    stacks = json.loads(data.stdout)
    assert [(s["namespace"], s["name"], s["tier"], s["phase"], s["status"]) for s in stacks] == [
        ("team-a", "production", "full", "Ready", "Reconciled"),
        ("team-b", "staging", "minimal", "Failed", "Failing"),
    ]
    assert stacks[0]["targetNamespace"] == TARGET
    assert stacks[0]["agents"] == {
        "ready": False,
        "nodeAgents": {"name": "datadog", "ready": 2, "desired": 3, "upToDate": True},
        "clusterAgent": {"name": "datadog-cluster-agent", "ready": 1, "desired": 1, "upToDate": True},
        "nodes": {"schedulable": 3, "withAgent": 2, "leftOut": [], "error": None},
    }
    assert stacks[1]["agents"]["nodeAgents"] is None
