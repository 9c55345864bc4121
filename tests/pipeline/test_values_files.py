"""The tier values files: every container that runs is bounded, and nothing deprecated remains."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from datadog_configure.footprint import footprint, lookup
from tests.conftest import VALUES_DIR

TIERS = ["minimal", "standard", "full"]
# Deprecated in the chart: apm.enabled (use apm.portEnabled) and processAgent.enabled (read by no template).
DEPRECATED = ("datadog.apm.enabled", "datadog.processAgent.enabled")


def load(tier: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((VALUES_DIR / f"values-{tier}.yaml").read_text())
    return data


@pytest.mark.parametrize("tier", TIERS)
def test_every_container_that_runs_in_a_tier_has_requests_and_limits(tier: str) -> None:
    fp = footprint(load(tier))

    assert fp.unbounded == ()
    assert fp.cluster_agent is not None and fp.cluster_agent.bounded


@pytest.mark.parametrize("tier", TIERS)
def test_limits_are_never_below_requests(tier: str) -> None:
    fp = footprint(load(tier))
    everything = [*fp.containers, fp.init_containers, fp.cluster_agent]

    for c in everything:
        assert c is not None
        assert c.cpu_limit is not None and c.cpu_request is not None and c.cpu_limit >= c.cpu_request, c
        assert c.memory_limit is not None and c.memory_request is not None
        assert c.memory_limit >= c.memory_request, c


@pytest.mark.parametrize("tier", TIERS)
def test_no_deprecated_key_and_nothing_the_pipeline_sets_is_in_a_tier_file(tier: str) -> None:
    values = load(tier)

    for path in (*DEPRECATED, "datadog.clusterName", "datadog.tags", "datadog.site", "datadog.apiKey"):
        assert lookup(values, path) is None, f"{path} in values-{tier}.yaml"


def test_no_resources_are_set_for_containers_that_do_not_run() -> None:
    for tier in TIERS:
        values = load(tier)
        running = {c.values_key.split(".")[-1] for c in footprint(values).containers} | {"initContainers"}
        assert set(values["agents"]["containers"]) == running, tier


def test_the_tiers_grow_from_minimal_to_full() -> None:
    nodes = [footprint(load(t)).per_node for t in TIERS]

    assert nodes[0].memory_request < nodes[1].memory_request < nodes[2].memory_request
    assert nodes[0].cpu_request < nodes[1].cpu_request < nodes[2].cpu_request
