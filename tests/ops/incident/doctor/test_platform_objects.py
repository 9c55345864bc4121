"""The objects the checks are tested on validate against the controllers' real CRDs (status included)."""

from __future__ import annotations

from tests.objects import (
    Stack,
    app_condition,
    argocd_app,
    cluster_secret_store,
    destination,
    git_state_store,
    healthy_platform,
    install_failed,
    ownership_error,
    promise,
    stack_external_secret,
    values_error,
    work,
    workplacement,
)
from tests.support.crd_schema import crd_errors, served_kinds

PROD = Stack("production", "team-a", tier="full", env="prod")


def every_custom_object() -> list[dict[str, object]]:
    broken = [
        install_failed(PROD, ownership_error("ClusterRole", "datadog", None, "datadog", PROD.target)),
        values_error(PROD),
        workplacement(PROD, write_error="authentication required"),
        work(PROD, failing="authentication required"),
        git_state_store(ready=False, reason="SecretNotFound", message="Secret git-credentials not found"),
        destination(ready=False),
        promise(available=False),
        promise(available=None, name="unreconciled"),
        cluster_secret_store(ready=False),
        argocd_app("kratix-config", sync="Unknown", conditions=[app_condition("ComparisonError", "boom")]),
        stack_external_secret(PROD, ready=False),
    ]
    served = served_kinds()
    objects = [*healthy_platform([PROD, Stack("s", "team-b", state="failed")]), *broken]
    return [o for o in objects if (o["apiVersion"], o["kind"]) in served]


def test_every_custom_object_the_checks_read_is_valid_for_its_crd() -> None:
    objects = every_custom_object()
    kinds = {o["kind"] for o in objects}

    assert kinds >= {"Application", "Promise", "GitStateStore", "Destination", "Work", "WorkPlacement"}
    assert kinds >= {"HelmRelease", "HelmRepository", "ExternalSecret", "ClusterSecretStore"}
    for obj in objects:
        assert crd_errors(obj) == [], f"{obj['kind']} {obj['metadata']['name']}"  # type: ignore[index]
