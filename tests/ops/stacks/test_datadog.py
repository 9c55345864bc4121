"""DatadogStacks on a cluster, over HTTP: validated like the pipeline, applied once, followed to running agents,
failures explained from the pipeline pod, deleted, listed."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from datadog_configure.request import InvalidRequest, parse_request
from ops.config import Settings
from ops.errors import BadInput, ExitCode
from ops.kube import Kube, KubeTarget, RetryPolicy, connect
from ops.names import StackRef
from ops.stacks.datadog import (
    PromiseNotInstalled,
    RequestFailed,
    StackTarget,
    apply_stack,
    delete_stack,
    desired_stack,
    stack_statuses,
    stacks_to_delete,
    validate_stack,
    wait_for_stack,
    wait_stacks_gone,
)
from ops.stacks.local_run import RequestFlags
from ops.wait import WaitTimeout
from tests.kube.emulator import EmulatorThread
from tests.objects import (
    STACK_API,
    Script,
    agents_daemonset,
    cluster_agent_deployment,
    cond,
    configuring,
    crash_loop,
    datadog_stack_crd,
    eks_node,
    image_pull_backoff,
    namespace,
    pending,
    pipeline_failed,
    platform_destination_objects,
    reconciled,
    request_pipeline_pod,
    stack,
    terminated_state,
    works_pending,
)

QUICK = RetryPolicy(attempts=2, max_seconds=2.0, first_wait=0.01, max_wait=0.02, jitter=0.0)
STACKS = "/apis/platform.srekubecraft.io/v1alpha1/namespaces/team-a/datadogstacks"
TARGET = "datadog-team-a-production-abc123"
REF = StackRef("team-a", "production")
POD = "kratix-datadog-stack-production-instance-configure-7xk2p"


def instantly() -> dict[str, Any]:
    """clock and sleep for a wait that must end (done, failed or timed out) without real time passing."""
    script = Script()
    return {"clock": script.clock, "sleep": script.sleep}


@pytest.fixture
def client(kube: EmulatorThread, kubeconfig: Path) -> Iterator[Kube]:
    kube.install_crd(datadog_stack_crd())
    kube.seed(namespace("team-a"), *platform_destination_objects())
    kube.forget_requests()
    with connect(KubeTarget(kubeconfig), retry=QUICK) as connected:
        yield connected


def flags(tier: str = "minimal", **kwargs: object) -> RequestFlags:
    return RequestFlags("production", "team-a", tier=tier, **kwargs)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------
# Requesting.
# ------------------------------------------------------------------------------------------------
def test_the_request_spells_out_every_field_with_the_configured_defaults(settings: Settings) -> None:
    manifest = desired_stack(flags(), settings)

    assert manifest == {
        "apiVersion": "platform.srekubecraft.io/v1alpha1",
        "kind": "DatadogStack",
        "metadata": {"name": "production", "namespace": "team-a"},
        "spec": {
            "clusterName": "kratix-demo",
            "tier": "minimal",
            "environment": "dev",
            "site": "datadoghq.eu",
            "tags": [],
        },
    }


@pytest.mark.parametrize(
    "given",
    [
        {"environment": "Prod_1"},
        {"cluster_name": "Kratix Demo"},
        {"site": "datadoghq.org"},
        {"tags": ("env:prod",)},
        {"tags": ("nocolon",)},
    ],
)
def test_a_bad_flag_is_refused_in_the_pipeline_s_own_words(settings: Settings, given: dict[str, object]) -> None:
    manifest = desired_stack(flags(**given), settings)
    with pytest.raises(InvalidRequest) as pipeline_says:
        parse_request(manifest)

    with pytest.raises(BadInput) as caught:
        validate_stack(manifest)

    assert str(caught.value) == str(pipeline_says.value)
    assert caught.value.exit_code == ExitCode.BAD_INPUT


def test_a_bad_request_sends_nothing_at_all(client: Kube, kube: EmulatorThread, settings: Settings) -> None:
    with pytest.raises(BadInput, match=r"^spec\.environment: 'Prod' is not allowed; a DNS label"):
        apply_stack(client, desired_stack(flags(environment="Prod"), settings), settings)

    assert kube.requests == []


def test_apply_creates_then_says_unchanged_and_writes_nothing(
    client: Kube, kube: EmulatorThread, settings: Settings
) -> None:
    manifest = desired_stack(flags(tags=("team:payments",)), settings)

    first = apply_stack(client, manifest, settings)
    kube.forget_requests()
    second = apply_stack(client, manifest, settings)

    assert str(first) == "DatadogStack team-a/production: created (tier minimal)"
    assert str(second) == "DatadogStack team-a/production: unchanged (tier minimal)"
    assert kube.writes() == []
    live = kube.get(STACK_API, "DatadogStack", "production", "team-a")
    assert live is not None and live["spec"]["tags"] == ["team:payments"]


def test_a_new_tier_on_an_existing_stack_is_an_upgrade_or_a_downgrade(
    client: Kube, kube: EmulatorThread, settings: Settings
) -> None:
    kube.seed(stack(status=reconciled()))

    up = apply_stack(client, desired_stack(flags("standard"), settings), settings)
    down = apply_stack(client, desired_stack(flags("minimal"), settings), settings)

    assert str(up) == "DatadogStack team-a/production: upgrade minimal -> standard"
    assert str(down) == "DatadogStack team-a/production: downgrade standard -> minimal"
    assert kube.writes() == [("PATCH", f"{STACKS}/production")] * 2


def test_removing_the_tags_is_a_change(client: Kube, kube: EmulatorThread, settings: Settings) -> None:
    kube.seed(stack(tags=["team:payments"]))

    change = apply_stack(client, desired_stack(flags(), settings), settings)

    assert str(change) == "DatadogStack team-a/production: configured (tier minimal)"
    live = kube.get(STACK_API, "DatadogStack", "production", "team-a")
    assert live is not None and live["spec"]["tags"] == []


def test_a_dry_run_says_what_would_happen_and_writes_nothing(
    client: Kube, kube: EmulatorThread, settings: Settings
) -> None:
    new = apply_stack(client, desired_stack(flags(), settings), settings, dry_run=True)
    kube.seed(stack())
    kube.forget_requests()
    upgrade = apply_stack(client, desired_stack(flags("full"), settings), settings, dry_run=True)

    assert str(new) == "DatadogStack team-a/production: would be created (tier minimal)"
    assert str(upgrade) == "DatadogStack team-a/production: would upgrade minimal -> full"
    assert kube.writes() == []


def test_without_the_promise_the_error_says_to_install_it(
    kube: EmulatorThread, kubeconfig: Path, settings: Settings
) -> None:
    with connect(KubeTarget(kubeconfig), retry=QUICK) as bare, pytest.raises(PromiseNotInstalled) as caught:
        apply_stack(bare, desired_stack(flags(), settings), settings)

    assert str(caught.value) == (
        "the cluster does not serve DatadogStack (platform.srekubecraft.io): the datadog-stack Promise is not "
        "installed; run `invoke promise.apply`"
    )
    assert caught.value.exit_code == ExitCode.CRD_MISSING


# ------------------------------------------------------------------------------------------------
# Following a request.
# ------------------------------------------------------------------------------------------------
def test_the_wait_follows_the_request_through_each_phase_to_ready_agents(
    client: Kube, kube: EmulatorThread, settings: Settings
) -> None:
    kube.seed(stack(status=pending()), *(eks_node(f"ip-10-0-{i}-11", "default") for i in (1, 2, 3)))
    script = Script(
        [
            lambda: kube.seed(stack(status=configuring())),
            lambda: kube.seed(stack(status=works_pending())),
            lambda: kube.seed(stack(status=reconciled()), namespace(TARGET), agents_daemonset(TARGET, ready=1)),
            lambda: kube.seed(agents_daemonset(TARGET), cluster_agent_deployment(TARGET)),
        ]
    )
    phases: list[str] = []

    ready = wait_for_stack(
        client,
        REF,
        settings,
        timeout=120,
        clock=script.clock,
        sleep=script.sleep,
        on_progress=lambda tick: phases.append(tick.observation.phase),
    )

    assert phases == ["Pending", "Configuring", "Scheduling", "Deploying", "Ready"]
    assert str(ready.agents) == (
        f"namespace {TARGET}: DaemonSet datadog 3/3 ready, Deployment datadog-cluster-agent 1/1 ready"
    )
    assert ready.progress.message == "Datadog minimal tier configured"


def test_a_failed_pipeline_is_explained_by_its_container_and_log_tail(
    client: Kube, kube: EmulatorThread, settings: Settings
) -> None:
    kube.seed(stack(status=pipeline_failed()), request_pipeline_pod())
    log = [f"INFO: step {n}" for n in range(30)] + ["ERROR: Invalid request: spec.tier: 'huge' is not allowed"]
    kube.set_pod_log("team-a", POD, "\n".join(log) + "\n", container="datadog-configure")

    with pytest.raises(RequestFailed) as caught:
        wait_for_stack(client, REF, settings, timeout=60, **instantly())

    trouble = caught.value.trouble
    assert trouble is not None
    assert (trouble.pod, trouble.container, trouble.state) == (POD, "datadog-configure", "exited 1 (Error)")
    assert trouble.log_tail == tuple(log[-20:])
    assert str(caught.value) == (
        "DatadogStack team-a/production failed: ConfigureWorkflowCompleted=False ConfigureWorkflowFailed: "
        "A Configure Pipeline has failed: instance-configure; status.message: Invalid request: spec.tier: 'huge' "
        "is not allowed; one of minimal, standard, full; "
        f"pod team-a/{POD} container datadog-configure exited 1 (Error): Invalid request: spec.tier: 'huge' "
        "is not allowed; one of minimal, standard, full"
    )
    assert caught.value.exit_code == ExitCode.FAILED


def test_the_newest_pipeline_pod_is_read_and_a_restarted_container_s_last_run_counts(
    client: Kube, kube: EmulatorThread, settings: Settings
) -> None:
    old = request_pipeline_pod(pod_name="old-pod", created="2026-11-24T09:00:00Z")
    restarted = request_pipeline_pod(pod_name="new-pod", user_state=crash_loop(), user_last=terminated_state(2))
    kube.seed(stack(status=pipeline_failed(message="Pending")), old, restarted)
    kube.set_pod_log("team-a", "new-pod", "Traceback (most recent call last):\nKeyError: 'spec'\n")

    with pytest.raises(RequestFailed) as caught:
        wait_for_stack(client, REF, settings, timeout=60, **instantly())

    trouble = caught.value.trouble
    assert trouble is not None and (trouble.pod, trouble.state) == ("new-pod", "exited 2 (Error)")
    assert trouble.log_tail == ("Traceback (most recent call last):", "KeyError: 'spec'")
    assert str(caught.value).endswith("container datadog-configure exited 2 (Error); last log line: KeyError: 'spec'")


def test_a_log_that_cannot_be_read_does_not_hide_the_failure(
    client: Kube, kube: EmulatorThread, settings: Settings
) -> None:
    kube.seed(stack(status=pipeline_failed()), request_pipeline_pod())
    kube.fail(
        403,
        path="/log",
        message=f'pods "{POD}" is forbidden: User "ops" cannot get resource "pods/log" in API group "" '
        'in the namespace "team-a"',
    )

    with pytest.raises(RequestFailed) as caught:
        wait_for_stack(client, REF, settings, timeout=60, **instantly())

    trouble = caught.value.trouble
    assert trouble is not None and trouble.log_tail == ()
    assert trouble.log_error == 'forbidden: user "ops" may not get pods/log in namespace "team-a"'
    assert "container datadog-configure exited 1 (Error)" in str(caught.value)


def test_a_pipeline_stuck_pulling_its_image_times_out_saying_so(
    client: Kube, kube: EmulatorThread, settings: Settings
) -> None:
    kube.seed(stack(status=configuring()), request_pipeline_pod(user_state=image_pull_backoff()))
    script = Script()

    with pytest.raises(WaitTimeout) as caught:
        wait_for_stack(client, REF, settings, timeout=30, clock=script.clock, sleep=script.sleep)

    assert str(caught.value) == (
        "gave up waiting for DatadogStack team-a/production after 30 s: still Configuring: "
        f"pipeline instance-configure Running; pod team-a/{POD} container datadog-configure waiting: "
        'ImagePullBackOff: Back-off pulling image "ghcr.io/example/kratix-datadog-pipeline:0.1.0"'
    )
    assert caught.value.exit_code == ExitCode.TIMEOUT


def test_agents_that_do_not_get_ready_time_out_naming_the_workloads_and_a_stuck_pod(
    client: Kube, kube: EmulatorThread, settings: Settings
) -> None:
    agent_pod = request_pipeline_pod(pod_name="datadog-x7k2p", namespace=TARGET, user_state=crash_loop())
    agent_pod["metadata"]["labels"] = {"app": "datadog"}
    kube.seed(
        stack(status=reconciled()),
        namespace(TARGET),
        agents_daemonset(TARGET, desired=3, ready=1),
        cluster_agent_deployment(TARGET),
        agent_pod,
    )

    with pytest.raises(WaitTimeout) as caught:
        wait_for_stack(client, REF, settings, timeout=30, **instantly())

    assert str(caught.value) == (
        "gave up waiting for DatadogStack team-a/production after 30 s: still Deploying: "
        f"namespace {TARGET}: DaemonSet datadog 1/3 ready, Deployment datadog-cluster-agent 1/1 ready; "
        f"pod {TARGET}/datadog-x7k2p container datadog-configure waiting: CrashLoopBackOff: "
        "back-off 40s restarting failed container"
    )


def test_agents_not_there_yet_are_named_as_missing(client: Kube, kube: EmulatorThread, settings: Settings) -> None:
    kube.seed(stack(status=reconciled()))

    with pytest.raises(WaitTimeout, match=f"still Deploying: namespace {TARGET}: no DaemonSet datadog yet, "):
        wait_for_stack(client, REF, settings, timeout=5, **instantly())


def test_a_rollout_in_progress_is_not_ready(client: Kube, kube: EmulatorThread, settings: Settings) -> None:
    kube.seed(stack(status=reconciled()), agents_daemonset(TARGET, updated=1), cluster_agent_deployment(TARGET))

    with pytest.raises(WaitTimeout, match="DaemonSet datadog 3/3 ready, rolling out"):
        wait_for_stack(client, REF, settings, timeout=5, **instantly())


# ------------------------------------------------------------------------------------------------
# Deleting.
# ------------------------------------------------------------------------------------------------
def test_what_to_delete_is_the_named_stack_all_of_them_or_nothing(
    client: Kube, kube: EmulatorThread, settings: Settings
) -> None:
    kube.seed(stack(status=reconciled()), stack("staging", "team-b"))

    one = stacks_to_delete(client, settings, REF)
    every = stacks_to_delete(client, settings, None)
    missing = stacks_to_delete(client, settings, StackRef("team-a", "nope"))

    assert one == (StackTarget(REF, TARGET, "kratix-demo"),)
    assert [t.ref for t in every] == [REF, StackRef("team-b", "staging")]
    assert every[1].target_namespace is not None and every[1].target_namespace.startswith("datadog-team-b-staging-")
    assert missing == ()
    assert kube.writes() == []


def test_without_the_api_there_is_nothing_to_delete(kube: EmulatorThread, kubeconfig: Path, settings: Settings) -> None:
    with connect(KubeTarget(kubeconfig), retry=QUICK) as bare:
        assert stacks_to_delete(bare, settings, None) == ()


def test_delete_then_wait_until_the_request_and_its_namespace_are_gone(
    client: Kube, kube: EmulatorThread, settings: Settings
) -> None:
    kube.seed(stack(status=reconciled()), namespace(TARGET))
    targets = stacks_to_delete(client, settings, REF)
    script = Script([lambda: client.core.delete_namespace(TARGET)])

    assert delete_stack(client, targets[0], settings) is True
    result = wait_stacks_gone(client, targets, settings, timeout=60, clock=script.clock, sleep=script.sleep)

    assert result.done and result.polls == 2
    assert kube.get(STACK_API, "DatadogStack", "production", "team-a") is None
    assert delete_stack(client, targets[0], settings) is False


def test_a_deletion_that_hangs_says_what_holds_it(client: Kube, kube: EmulatorThread, settings: Settings) -> None:
    held = stack(status=reconciled())
    held["metadata"]["finalizers"] = ["kratix.io/delete-workflows"]
    held["status"]["conditions"].append(
        cond("DeleteWorkflowCompleted", "False", "DeleteWorkflowFailed", "The Delete Pipeline has failed")
    )
    kube.seed(held, namespace(TARGET, terminating_since=600))

    with pytest.raises(WaitTimeout) as caught:
        wait_stacks_gone(client, (StackTarget(REF, TARGET),), settings, timeout=10, **instantly())

    assert str(caught.value) == (
        "gave up waiting for DatadogStack team-a/production to be deleted after 10 s: still Deleting: 2 left: "
        "DatadogStack team-a/production (DeleteWorkflowCompleted=False DeleteWorkflowFailed: The Delete Pipeline "
        "has failed; add the label kratix.io/manual-reconciliation=true to re-run it), "
        f"Namespace {TARGET} (NamespaceContentRemaining: Some resources are remaining: "
        "helmreleases.helm.toolkit.fluxcd.io has 1 resource instances; NamespaceFinalizersRemaining: Some "
        "content in the namespace has finalizers remaining: finalizers.fluxcd.io in 1 resource instances)"
    )


# ------------------------------------------------------------------------------------------------
# Listing.
# ------------------------------------------------------------------------------------------------
def test_the_status_lists_each_stack_with_its_phase_age_and_agents(
    client: Kube, kube: EmulatorThread, settings: Settings
) -> None:
    production = stack(status=reconciled(tier="full"), tier="full", environment="prod")
    production["metadata"]["creationTimestamp"] = "2026-11-24T10:00:00Z"
    staging = stack("staging", "team-b", status=pipeline_failed())
    kube.seed(production, staging, agents_daemonset(TARGET, ready=2), cluster_agent_deployment(TARGET))
    now = datetime.datetime(2026, 11, 24, 12, 30, tzinfo=datetime.UTC)

    stacks = stack_statuses(client, settings, now=now)

    first, second = stacks
    assert (first.ref, first.tier, first.environment, first.phase, first.status) == (
        REF,
        "full",
        "prod",
        "Ready",
        "Reconciled",
    )
    assert (first.target_namespace, first.age_seconds) == (TARGET, 9000)
    assert first.agents is not None and str(first.agents) == (
        f"namespace {TARGET}: DaemonSet datadog 2/3 ready, Deployment datadog-cluster-agent 1/1 ready"
    )
    assert (second.ref, second.phase, second.status) == (StackRef("team-b", "staging"), "Failed", "Failing")
    assert second.message.startswith("Invalid request: spec.tier")
    assert kube.writes() == []
