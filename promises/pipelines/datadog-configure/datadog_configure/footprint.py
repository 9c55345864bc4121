"""What the agent DaemonSet asks of every node, computed from the Helm values.

Which containers run follows the datadog chart 3.240.0 (README "Tiers"): the agent always;
trace-agent while any APM listener is on (the socket is on by default); process-agent for process
collection, network or service monitoring; system-probe for discovery (on by default since agent
7.78), network or service monitoring, or runtime security; security-agent for runtime security or
compliance.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from datadog_configure.quantity import bytes_of, format_cpu, format_memory, millicores

Values = dict[str, Any]


def lookup(values: Values, path: str, default: Any = None) -> Any:
    node: Any = values
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def _on(values: Values, path: str, default: bool = False) -> bool:
    return bool(lookup(values, path, default))


def _network_or_service(v: Values) -> bool:
    return _on(v, "datadog.networkMonitoring.enabled") or _on(v, "datadog.serviceMonitoring.enabled")


def _runtime_security(v: Values) -> bool:
    return _on(v, "datadog.securityAgent.runtime.enabled")


# (container name in the pod, key under agents.containers, runs when)
AGENT_CONTAINERS: tuple[tuple[str, str, Callable[[Values], bool]], ...] = (
    ("agent", "agent", lambda v: True),
    (
        "trace-agent",
        "traceAgent",
        lambda v: _on(v, "datadog.apm.socketEnabled", True) or _on(v, "datadog.apm.portEnabled"),
    ),
    (
        "process-agent",
        "processAgent",
        lambda v: _on(v, "datadog.processAgent.processCollection") or _network_or_service(v),
    ),
    (
        "system-probe",
        "systemProbe",
        lambda v: _on(v, "datadog.discovery.enabled", True) or _network_or_service(v) or _runtime_security(v),
    ),
    (
        "security-agent",
        "securityAgent",
        lambda v: _runtime_security(v) or _on(v, "datadog.securityAgent.compliance.enabled"),
    ),
)


@dataclass(frozen=True)
class Totals:
    cpu_request: int
    cpu_limit: int
    memory_request: int
    memory_limit: int

    def times(self, count: int) -> Totals:
        """What `count` such pods ask for together (one per node: the agents on `count` nodes)."""
        return Totals(
            self.cpu_request * count, self.cpu_limit * count, self.memory_request * count, self.memory_limit * count
        )

    def as_status(self) -> dict[str, dict[str, str]]:
        return {
            "requests": {"cpu": format_cpu(self.cpu_request), "memory": format_memory(self.memory_request)},
            "limits": {"cpu": format_cpu(self.cpu_limit), "memory": format_memory(self.memory_limit)},
        }


@dataclass(frozen=True)
class ContainerResources:
    """One container's requests and limits; None where the values set nothing (unbounded)."""

    container: str
    values_key: str
    cpu_request: int | None  # millicores
    cpu_limit: int | None
    memory_request: int | None  # bytes
    memory_limit: int | None

    @property
    def bounded(self) -> bool:
        return None not in (self.cpu_request, self.cpu_limit, self.memory_request, self.memory_limit)

    @property
    def totals(self) -> Totals:
        return Totals(self.cpu_request or 0, self.cpu_limit or 0, self.memory_request or 0, self.memory_limit or 0)


@dataclass(frozen=True)
class Footprint:
    """The agent pod on each node, and the cluster agent (one Deployment, not per node)."""

    containers: tuple[ContainerResources, ...]
    init_containers: ContainerResources
    cluster_agent: ContainerResources | None
    cluster_agent_replicas: int
    # the DaemonSet pod's tolerations as the chart renders them (datadog_configure.placement)
    agent_tolerations: tuple[Mapping[str, Any], ...] = ()

    @property
    def unbounded(self) -> tuple[str, ...]:
        everything = [*self.containers, self.init_containers]
        if self.cluster_agent is not None:
            everything.append(self.cluster_agent)
        return tuple(c.container for c in everything if not c.bounded)

    @property
    def per_node(self) -> Totals:
        """What the scheduler reserves per node: the containers' sum, or the largest init container."""

        def total(attr: str) -> int:
            running = sum(getattr(c, attr) or 0 for c in self.containers)
            return max(running, getattr(self.init_containers, attr) or 0)

        return Totals(total("cpu_request"), total("cpu_limit"), total("memory_request"), total("memory_limit"))


def _resources(values: Values, container: str, key: str) -> ContainerResources:
    res = lookup(values, key, {}) or {}

    def quantity(kind: str, name: str, parse: Callable[[object], int]) -> int | None:
        raw = lookup(res, f"{kind}.{name}")
        return None if raw is None else parse(raw)

    return ContainerResources(
        container=container,
        values_key=key.removesuffix(".resources"),
        cpu_request=quantity("requests", "cpu", millicores),
        cpu_limit=quantity("limits", "cpu", millicores),
        memory_request=quantity("requests", "memory", bytes_of),
        memory_limit=quantity("limits", "memory", bytes_of),
    )


def running_agent_containers(values: Values) -> tuple[tuple[str, str], ...]:
    """(container, values key) of every container of the agent pod these values run."""
    return tuple((name, key) for name, key, runs in AGENT_CONTAINERS if runs(values))


def footprint(values: Values) -> Footprint:
    from datadog_configure.placement import agent_pod_placement  # it reads the values with `lookup`

    containers = tuple(
        _resources(values, name, f"agents.containers.{key}.resources") for name, key in running_agent_containers(values)
    )
    cluster_agent = (
        _resources(values, "cluster-agent", "clusterAgent.resources")
        if _on(values, "clusterAgent.enabled", True)
        else None
    )
    return Footprint(
        containers=containers,
        init_containers=_resources(values, "init containers", "agents.containers.initContainers.resources"),
        cluster_agent=cluster_agent,
        cluster_agent_replicas=int(lookup(values, "clusterAgent.replicas", 1)) if cluster_agent else 0,
        agent_tolerations=tuple(agent_pod_placement(values)["tolerations"]),
    )
