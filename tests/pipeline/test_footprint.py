"""The per-node footprint: which containers the chart runs, and what they ask of a node."""

from __future__ import annotations

from typing import Any

import pytest

from datadog_configure.footprint import footprint, running_agent_containers
from datadog_configure.quantity import bytes_of, format_cpu, format_memory, millicores

MI = 2**20

# The tier settings of github.com/NoNickeD/kratix-demo that decide the container set, with its only resources (agent,
# and trace-agent in standard/full): the reference renders of chart 3.240.0 came from these.
SEED_FEATURES: dict[str, dict[str, Any]] = {
    "minimal": {
        "apm": {"portEnabled": False},
        "processAgent": {"processCollection": False},
        "networkMonitoring": {"enabled": False},
        "securityAgent": {"runtime": {"enabled": False}},
        "serviceMonitoring": {"enabled": False},
    },
    "standard": {
        "apm": {"portEnabled": True},
        "processAgent": {"processCollection": False},
        "networkMonitoring": {"enabled": False},
        "securityAgent": {"runtime": {"enabled": False}},
        "serviceMonitoring": {"enabled": True},
    },
    "full": {
        "apm": {"portEnabled": True},
        "processAgent": {"processCollection": True},
        "networkMonitoring": {"enabled": True},
        "securityAgent": {"runtime": {"enabled": True}},
        "serviceMonitoring": {"enabled": True},
    },
}


def resources(cpu: str, memory: str, cpu_limit: str, memory_limit: str) -> dict[str, Any]:
    return {
        "resources": {"requests": {"cpu": cpu, "memory": memory}, "limits": {"cpu": cpu_limit, "memory": memory_limit}}
    }


SEED_CONTAINERS: dict[str, dict[str, Any]] = {
    "minimal": {"agent": resources("100m", "256Mi", "200m", "512Mi")},
    "standard": {
        "agent": resources("200m", "512Mi", "500m", "1Gi"),
        "traceAgent": resources("100m", "256Mi", "300m", "512Mi"),
    },
    "full": {
        name: resources("100m", "384Mi", "300m", "768Mi")
        for name in ("traceAgent", "processAgent", "systemProbe", "securityAgent")
    }
    | {"agent": resources("400m", "768Mi", "1500m", "2Gi")}
    | {"traceAgent": resources("200m", "384Mi", "500m", "768Mi")},
}

# From rendering the real chart 3.240.0 with the values of github.com/NoNickeD/kratix-demo (https://github.com/DataDog/helm-charts/tree/datadog-3.240.0/charts/datadog).
REFERENCE = {
    "minimal": (["agent", "trace-agent", "system-probe"], 256, 512, ["trace-agent", "system-probe"]),
    "standard": (
        ["agent", "trace-agent", "process-agent", "system-probe"],
        768,
        1536,
        ["process-agent", "system-probe"],
    ),
    "full": (["agent", "trace-agent", "process-agent", "system-probe", "security-agent"], 2304, 5120, []),
}


@pytest.mark.parametrize("tier", ["minimal", "standard", "full"])
def test_the_container_model_reproduces_the_real_charts_render_of_the_seed_values(tier: str) -> None:
    values = {"datadog": SEED_FEATURES[tier], "agents": {"containers": SEED_CONTAINERS[tier]}}
    containers, mem_request, mem_limit, unbounded = REFERENCE[tier]

    fp = footprint(values)

    assert [c.container for c in fp.containers] == containers
    assert fp.per_node.memory_request == mem_request * MI
    assert fp.per_node.memory_limit == mem_limit * MI
    assert [c.container for c in fp.containers if not c.bounded] == unbounded


def test_turning_off_the_apm_socket_and_discovery_drops_trace_agent_and_system_probe() -> None:
    values = {"datadog": {"apm": {"socketEnabled": False, "portEnabled": False}, "discovery": {"enabled": False}}}

    assert [name for name, _ in running_agent_containers(values)] == ["agent"]


def test_the_scheduler_reserves_the_largest_init_container_when_it_exceeds_the_running_ones() -> None:
    values = {
        "agents": {
            "containers": {
                "agent": resources("100m", "128Mi", "200m", "256Mi"),
                "initContainers": resources("50m", "512Mi", "100m", "1Gi"),
            }
        },
        "datadog": {"apm": {"socketEnabled": False}, "discovery": {"enabled": False}},
    }

    assert footprint(values).per_node.memory_request == 512 * MI
    assert footprint(values).per_node.cpu_request == 100


def test_a_disabled_cluster_agent_has_no_footprint() -> None:
    fp = footprint({"clusterAgent": {"enabled": False}})

    assert fp.cluster_agent is None
    assert fp.cluster_agent_replicas == 0


@pytest.mark.parametrize(("text", "milli"), [("250m", 250), ("1", 1000), ("1.5", 1500), ("0.1", 100)])
def test_cpu_quantities_parse_to_millicores(text: str, milli: int) -> None:
    assert millicores(text) == milli


@pytest.mark.parametrize(("text", "size"), [("256Mi", 256 * MI), ("2Gi", 2048 * MI), ("1G", 10**9), ("512", 512)])
def test_memory_quantities_parse_to_bytes(text: str, size: int) -> None:
    assert bytes_of(text) == size


@pytest.mark.parametrize("bad", ["lots", "1x", "", "-1Mi"])
def test_a_quantity_that_is_not_one_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not a Kubernetes quantity"):
        bytes_of(bad)


def test_quantities_print_in_the_units_the_tier_table_uses() -> None:
    assert format_cpu(1500) == "1500m"
    assert format_memory(5 * 1024 * MI) == "5120Mi"
    assert format_memory(1536) == "1536"
    assert format_memory(3 * 1024) == "3Ki"
