"""Git write errors: WorkPlacements that failed to write, a GitStateStore or Destination not ready,
credentials without the keys the auth method needs (key names only, never values)."""

from __future__ import annotations

from collections.abc import Callable

from ops.incident.doctor.finding import Subject
from ops.incident.snapshot import Snapshot
from tests.kube.emulator import EmulatorThread
from tests.objects import (
    KRATIX_NS,
    Stack,
    destination,
    event,
    external_secret,
    git_state_store,
    healthy_platform,
    replace,
    secret,
    without,
    work,
    workplacement,
)
from tests.snapshots import findings_text, run_check

PUSH_REJECTED = (
    "failed to push to remote: command error on refs/heads/main: pre-receive hook declined: "
    "GH006: Protected branch update failed for refs/heads/main."
)


def test_a_failed_write_shows_the_writers_error_and_the_store(snapshot_of: Callable[..., Snapshot]) -> None:
    stack = Stack("production", "team-a")
    objects = replace(healthy_platform([stack]), workplacement(stack, write_error=PUSH_REJECTED))
    objects = replace(objects, work(stack, failing=PUSH_REJECTED))
    message = f"error writing to destination; check kubectl get destination for more info: {PUSH_REJECTED}"
    objects.append(event("WorkPlacement", "team-a", stack.placement, "FailedWriteToDestination", message))
    snap = snapshot_of(objects)

    [finding] = run_check(snap, "workplacement-write-failed")

    assert finding.object == Subject("WorkPlacement", stack.placement, "team-a")
    assert finding.owner == Subject("DatadogStack", "production", "team-a")
    assert finding.evidence[0] == f"WriteSucceeded=False WorkloadsFailedWrite: {PUSH_REJECTED}"
    assert finding.evidence[1].startswith("event FailedWriteToDestination (")
    assert finding.evidence[2] == "GitStateStore default: Ready=True StateStoreReady: State store is ready"
    assert finding.cause == "the branch is protected: the token may not push to it"


def test_many_placements_failing_the_same_way_are_one_finding_about_the_destination(
    snapshot_of: Callable[..., Snapshot],
) -> None:
    stacks = [Stack(f"s{i}", "team-a") for i in range(7)]
    objects = healthy_platform(stacks)
    for s in stacks:
        objects = replace(
            objects, workplacement(s, write_error="authentication required: Invalid username or password.")
        )
    snap = snapshot_of(objects)

    [finding] = run_check(snap, "workplacement-write-failed")

    assert finding.object == Subject("Destination", "platform")
    assert finding.evidence[1].startswith("7 WorkPlacements for Destination platform: ")
    assert finding.evidence[1].endswith("(+2 more)")
    assert finding.cause.startswith("the Git server refused the credentials")


def test_a_store_whose_secret_is_missing_points_at_the_external_secret(snapshot_of: Callable[..., Snapshot]) -> None:
    objects = healthy_platform()
    objects = without(objects, "Secret", "git-credentials", KRATIX_NS)
    message = f"Secret git-credentials not found in namespace {KRATIX_NS}"
    objects = replace(objects, git_state_store(ready=False, reason="SecretNotFound", message=message))
    objects = replace(
        objects,
        external_secret(
            KRATIX_NS,
            "git-credentials",
            remote_key="kratix/git-credentials",
            properties=("username", "password"),
            ready=False,
        ),
    )
    snap = snapshot_of(objects)

    [finding] = run_check(snap, "statestore-not-ready")

    assert finding.object == Subject("GitStateStore", "default")
    assert finding.evidence[0].startswith(f"Ready=False SecretNotFound: {message} (")
    producer = f"ExternalSecret {KRATIX_NS}/git-credentials"
    assert f"{producer}: Ready=False SecretSyncedError: could not get secret data from provider" in finding.evidence
    assert "should create it (see externalsecret-failed)" in finding.cause
    assert run_check(snap, "statestore-credentials") == []  # said once, by statestore-not-ready


def test_a_store_that_cannot_push_is_a_permission_problem(snapshot_of: Callable[..., Snapshot]) -> None:
    message = "Error validating state store permissions: write permission validation failed: authorization failed"
    store = git_state_store(ready=False, reason="ErrorValidatingPermissions", message=message)
    snap = snapshot_of(replace(healthy_platform(), store))

    [finding] = run_check(snap, "statestore-not-ready")

    assert finding.cause.startswith("the credentials can read the repository but not push")


def test_credentials_without_the_keys_of_their_auth_method_are_named_without_values(
    snapshot_of: Callable[..., Snapshot], kube: EmulatorThread
) -> None:
    token = "ghp_" + "s3cr3t" * 6
    objects = replace(
        healthy_platform(), secret(KRATIX_NS, "git-credentials", {"username": "x-access-token", "token": token})
    )
    snap = snapshot_of(objects)

    [finding] = run_check(snap, "statestore-credentials")

    assert finding.object == Subject("Secret", "git-credentials", KRATIX_NS)
    assert finding.owner == Subject("GitStateStore", "default")
    assert finding.evidence == (
        "authMethod basicAuth needs the keys password",
        f"Secret {KRATIX_NS}/git-credentials has keys token, username",
    )
    assert token not in findings_text([finding]) and "x-access-token" not in findings_text([finding])
    assert kube.count("GET", "/api/v1/namespaces/kratix-platform-system/secrets") == 1  # the one named, nothing else
    assert kube.count("GET", "/api/v1/secrets") == 0


def test_an_ssh_store_needs_a_private_key_and_known_hosts(snapshot_of: Callable[..., Snapshot]) -> None:
    snap = snapshot_of(replace(healthy_platform(), git_state_store(auth="ssh")))

    [finding] = run_check(snap, "statestore-credentials")

    assert finding.symptom == "the credentials of GitStateStore default lack sshPrivateKey, knownHosts"


def test_a_destination_whose_store_is_not_ready_says_so(snapshot_of: Callable[..., Snapshot]) -> None:
    dest = destination(ready=False, reason="StateStoreNotReady", message="GitStateStore/default: not ready")
    snap = snapshot_of(replace(healthy_platform(), dest))

    [finding] = run_check(snap, "destination-not-ready")

    assert finding.evidence[0].startswith("Ready=False StateStoreNotReady: GitStateStore/default: not ready (")
    assert finding.cause == "its state store is not ready (see statestore-not-ready)"


def test_state_store_checks_stay_quiet_on_a_healthy_platform(healthy: Snapshot) -> None:
    for check in (
        "workplacement-write-failed",
        "statestore-not-ready",
        "statestore-credentials",
        "destination-not-ready",
    ):
        assert run_check(healthy, check) == [], check
