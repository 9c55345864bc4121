"""Scheduling by cluster: the pipeline writes Kratix's destination selectors from `spec.clusterName`."""

from __future__ import annotations

from pathlib import Path

from datadog_configure.destinations import CLUSTER_LABEL as PIPELINE_CLUSTER_LABEL
from ops.names import CLUSTER_LABEL
from tests.conftest import datadog_stack
from tests.pipeline.contract import run_pipeline


def test_the_output_is_scheduled_to_the_destination_labelled_with_the_requested_cluster(tmp_path: Path) -> None:
    run = run_pipeline(tmp_path, datadog_stack(clusterName="payments.eu-west-1"))

    assert run.code == 0, run.stderr
    # One entry for the whole output (no sub-directory), so the Promise's own selectors are merged in.
    assert run.selectors == [{"directory": "", "matchLabels": {"kratix-ops/cluster": "payments.eu-west-1"}}]


def test_a_cluster_name_no_label_can_hold_is_refused_and_no_selector_is_written(tmp_path: Path) -> None:
    run = run_pipeline(tmp_path, datadog_stack(clusterName="c" * 64))

    assert run.code == 1
    assert "at most 63 characters (a label value: it selects the cluster's Kratix Destination)" in run.status["message"]
    assert run.selectors is None


def test_the_pipeline_and_the_toolkit_use_the_same_label() -> None:
    # The pipeline image cannot import ops, so it holds its own copy of the label.
    assert PIPELINE_CLUSTER_LABEL == CLUSTER_LABEL == "kratix-ops/cluster"
