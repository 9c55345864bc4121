"""The nodes a tier's agents run on in iac/'s default cluster, and what that costs per cluster."""

from __future__ import annotations

from typing import Any

from datadog_configure.footprint import footprint
from datadog_configure.request import Tier
from datadog_configure.values import load_tier_values
from ops.kube.placement import Taint
from ops.stacks.agent_nodes import NodeGroup, agents_per_cluster
from tests.conftest import VALUES_DIR

ONE_CONTAINER: dict[str, Any] = {
    "datadog": {"apm": {"socketEnabled": False}, "discovery": {"enabled": False}},
    "agents": {
        "containers": {"agent": {"resources": {"requests": {"cpu": "100m", "memory": "256Mi"}}}},
    },
}


def test_every_tier_runs_on_every_default_node_and_counts_all_four() -> None:
    for tier in Tier:
        cluster = agents_per_cluster(footprint(load_tier_values(VALUES_DIR, tier)))

        assert cluster.runs_on == "every node: 2 default + 2 system"
        assert cluster.nodes == 4
        assert cluster.total == cluster.per_node.times(4)
        assert cluster.share_of("system") == cluster.per_node.times(2)


def test_agents_without_the_toleration_leave_the_system_nodes_out_and_cost_only_the_others() -> None:
    cluster = agents_per_cluster(footprint(ONE_CONTAINER))

    assert cluster.runs_on == "2 default (not system: taint node-type=system:NoSchedule)"
    assert cluster.total.as_status()["requests"] == {"cpu": "200m", "memory": "512Mi"}
    assert cluster.share_of("system") is None


def test_a_toleration_of_just_the_system_taint_covers_the_system_group_but_not_another() -> None:
    values = {
        **ONE_CONTAINER,
        "agents": {
            **ONE_CONTAINER["agents"],
            "tolerations": [{"key": "node-type", "operator": "Equal", "value": "system", "effect": "NoSchedule"}],
        },
    }
    groups = (
        NodeGroup("default", 3),
        NodeGroup("system", 2, (Taint("node-type", "system", "NoSchedule"),)),
        NodeGroup("gpu", 1, (Taint("nvidia.com/gpu", "present", "NoExecute"),)),
    )

    cluster = agents_per_cluster(footprint(values), groups)

    assert cluster.runs_on == "3 default + 2 system (not gpu: taint nvidia.com/gpu=present:NoExecute)"
    assert cluster.nodes == 5
