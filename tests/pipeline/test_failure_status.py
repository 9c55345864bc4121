"""A refused request under Kratix: the reason reaches the request's status, not only the log.

A failing container stops the Job before status-writer runs, so the pipeline publishes the status
itself through the API (the Role Kratix gives resource pipelines allows patching `<plural>/status`).
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import datadog_stack
from tests.kube.emulator import EmulatorThread
from tests.objects import (
    datadog_stack_crd,
)
from tests.pipeline.contract import run_pipeline


def test_a_refused_request_gets_the_reason_in_its_status(
    tmp_path: Path, kube: EmulatorThread, kubeconfig: Path
) -> None:
    kube.install_crd(datadog_stack_crd())
    obj = datadog_stack(name="production", namespace="team-a", tags=["env:prod"])  # env is the platform's
    stored = kube.seed(obj)[0]

    run = run_pipeline(tmp_path, stored, env={"KRATIX_CRD_PLURAL": "datadogstacks", "KUBECONFIG": str(kubeconfig)})

    assert run.code == 1
    live = kube.get("platform.srekubecraft.io/v1alpha1", "DatadogStack", "production", "team-a")
    assert live is not None
    assert live["status"]["message"] == (
        "Invalid request: spec.tags[0]: 'env:prod' is not allowed; any key but env, tier, managed-by "
        "(the platform sets those)"
    )
    assert live["status"]["error"] == {
        "field": "spec.tags[0]",
        "value": "env:prod",
        "allowed": "any key but env, tier, managed-by (the platform sets those)",
    }
    assert live["spec"] == stored["spec"]
    assert kube.writes() == [
        ("PATCH", "/apis/platform.srekubecraft.io/v1alpha1/namespaces/team-a/datadogstacks/production/status")
    ]


def test_an_unreachable_api_does_not_hide_the_validation_error(
    tmp_path: Path, kube: EmulatorThread, kubeconfig: Path
) -> None:
    kube.fail(503, path="/apis/platform.srekubecraft.io")

    run = run_pipeline(
        tmp_path, datadog_stack(tier="huge"), env={"KRATIX_CRD_PLURAL": "datadogstacks", "KUBECONFIG": str(kubeconfig)}
    )

    assert run.code == 1
    assert "ERROR: Invalid request: spec.tier: 'huge' is not allowed" in run.stderr
    assert "WARNING: could not publish the status" in run.stderr
    assert run.status["error"]["field"] == "spec.tier"
