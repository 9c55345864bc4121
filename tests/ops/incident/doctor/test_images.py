"""image-error: InvalidImageName (with the lowercase hint), ErrImagePull and ImagePullBackOff."""

from __future__ import annotations

from collections.abc import Callable

from ops.incident.doctor.finding import Subject
from ops.incident.doctor.images import lowercase_reference
from ops.incident.snapshot import Snapshot
from tests.objects import (
    Stack,
    agent_pods,
    event,
    healthy_platform,
    pipeline_pod,
    replace,
    waiting,
)
from tests.snapshots import run_check

SEED_IMAGE = "ghcr.io/NoNickeD/kratix-datadog-pipeline:v0.1.0"
INVALID = (
    f'Failed to apply default image tag "{SEED_IMAGE}": couldn\'t parse image name "{SEED_IMAGE}": invalid '
    "reference format: repository name (NoNickeD/kratix-datadog-pipeline) must be lowercase"
)


def test_an_image_reference_with_capitals_gets_the_lowercase_hint(snapshot_of: Callable[..., Snapshot]) -> None:
    stack = Stack("production", "team-a", state="in-progress", since=60)
    user = waiting("datadog-configure", SEED_IMAGE, "InvalidImageName", INVALID)
    snap = snapshot_of([*healthy_platform([stack]), pipeline_pod(stack, user=user, phase="Pending")])

    [finding] = run_check(snap, "image-error")

    assert finding.symptom == "pipeline container datadog-configure cannot start: InvalidImageName"
    assert finding.evidence[0] == f"container datadog-configure waiting: InvalidImageName: {INVALID}"
    assert finding.cause == (
        "the image reference has capitals, which references may not contain: "
        "use ghcr.io/nonicked/kratix-datadog-pipeline:v0.1.0"
    )
    assert "promise.image in invoke.yaml" in finding.fix[0]
    assert finding.owner == Subject("DatadogStack", "production", "team-a")


def test_agent_pods_that_cannot_pull_are_one_finding_with_the_registry_answer(
    snapshot_of: Callable[..., Snapshot],
) -> None:
    stack = Stack("production", "team-a", tier="full", env="prod")
    image = "gcr.io/datadoghq/agent:7.99.0"
    objects = healthy_platform([stack])
    pods = agent_pods(stack)[:2]
    for pod in pods:
        pod["status"]["containerStatuses"][0] = waiting(
            "agent", image, "ImagePullBackOff", f'Back-off pulling image "{image}"'
        )
        objects = replace(objects, pod)
    pulled = (
        f'Failed to pull image "{image}": rpc error: code = NotFound desc = failed to pull and unpack image '
        f'"{image}": failed to resolve reference "{image}": {image}: not found'
    )
    objects.append(event("Pod", stack.target, pods[0]["metadata"]["name"], "Failed", pulled, source="kubelet"))
    snap = snapshot_of(objects)

    [finding] = run_check(snap, "image-error")

    assert finding.object == Subject("DaemonSet", "datadog", stack.target)
    assert finding.owner == Subject("DatadogStack", "production", "team-a")
    assert finding.symptom == "agent container agent cannot start: ImagePullBackOff"
    assert f"pods: {pods[0]['metadata']['name']}, {pods[1]['metadata']['name']}" in finding.evidence
    assert f"event Failed: {pulled}" in finding.evidence
    assert finding.cause == f"the registry has no image {image} (wrong tag, or not pushed yet)"


def test_err_image_pull_for_a_private_image_says_credentials(snapshot_of: Callable[..., Snapshot]) -> None:
    stack = Stack("production", "team-a", state="in-progress", since=60)
    image = "ghcr.io/example/kratix-datadog-pipeline:0.1.0"
    user = waiting("datadog-configure", image, "ErrImagePull", "failed to authorize: 403 Forbidden")
    pod = pipeline_pod(stack, user=user, phase="Pending")
    denied = f'Failed to pull image "{image}": failed to authorize: failed to fetch anonymous token: 403 Forbidden'
    snap = snapshot_of([*healthy_platform([stack]), pod, event("Pod", "team-a", stack.pipeline_pod, "Failed", denied)])

    [finding] = run_check(snap, "image-error")

    assert finding.cause.startswith("the registry refused to serve")
    assert "imagePullSecrets" in finding.fix[0]


def test_lowercasing_keeps_the_tag() -> None:
    assert lowercase_reference("ghcr.io/Org/App:V1") == "ghcr.io/org/app:V1"
    assert lowercase_reference("registry:5000/Org/App") == "registry:5000/org/app"


def test_image_error_stays_quiet_on_a_healthy_platform(healthy: Snapshot) -> None:
    assert run_check(healthy, "image-error") == []
