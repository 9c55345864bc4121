"""The configure workflow: a request in, manifests and a status out (the Kratix pipeline contract)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import yaml

from datadog_configure.destinations import destination_selectors
from datadog_configure.footprint import Footprint, footprint
from datadog_configure.manifests import Manifest, build_manifests
from datadog_configure.naming import target_namespace
from datadog_configure.request import DatadogStackRequest, InvalidRequest, parse_request
from datadog_configure.settings import PipelineSettings
from datadog_configure.values import helm_values, load_tier_values


@dataclass(frozen=True)
class ConfigureResult:
    request: DatadogStackRequest
    target_namespace: str
    manifests: tuple[Manifest, ...]
    footprint: Footprint
    status: dict[str, Any]


def configure(obj: dict[str, Any], settings: PipelineSettings) -> ConfigureResult:
    """Everything the pipeline decides, with no I/O but reading the tier file. Raises InvalidRequest."""
    request = parse_request(obj)
    namespace = target_namespace(request)
    values = helm_values(request, load_tier_values(settings.values_dir, request.tier), settings.default_site)
    agents = footprint(values)
    manifests = build_manifests(request, namespace, values, settings)
    return ConfigureResult(request, namespace, manifests, agents, success_status(request, namespace, agents, settings))


def success_status(
    request: DatadogStackRequest, namespace: str, agents: Footprint, settings: PipelineSettings
) -> dict[str, Any]:
    # status-writer merges top-level keys shallowly: every key is written whole, and `error` is cleared.
    status: dict[str, Any] = {
        "message": f"Datadog {request.tier.value} tier configured",
        "tier": request.tier.value,
        "environment": request.environment,
        "targetNamespace": namespace,
        "clusterName": request.cluster_name,
        "chartVersion": settings.chart_version,
        "secretPath": request.secret_path,
        "perNode": {"containers": [c.container for c in agents.containers], **agents.per_node.as_status()},
        "error": None,
    }
    if agents.cluster_agent is not None:
        status["clusterAgent"] = {
            "replicas": agents.cluster_agent_replicas,
            **agents.cluster_agent.totals.as_status(),
        }
    return status


def failure_status(error: InvalidRequest) -> dict[str, Any]:
    return {
        "message": f"Invalid request: {error}",
        "error": {"field": error.field, "value": str(error.value), "allowed": error.allowed},
    }


class KratixIO(Protocol):
    """The part of kratix_sdk.KratixSDK the pipeline uses (a protocol, so tests and ops can pass their own)."""

    def read_resource_input(self) -> Any: ...
    def write_output(self, relative_path: str, content: bytes) -> None: ...
    def write_status(self, status: Any) -> None: ...
    def write_destination_selectors(self, selectors: Any) -> None: ...


def dump(body: dict[str, Any]) -> bytes:
    return yaml.safe_dump(body, sort_keys=False).encode()


@dataclass(frozen=True)
class RunOutcome:
    """What one run did: a result, or the error that refused the request; and the status written."""

    status: dict[str, Any]
    result: ConfigureResult | None = None
    error: InvalidRequest | None = None


def run(sdk: KratixIO, settings: PipelineSettings) -> RunOutcome:
    """Read /kratix/input, write /kratix/output, /kratix/metadata/destination-selectors.yaml and status.yaml.

    On an invalid request no manifest (and no selector) is written; the status says which field, value and
    what is allowed.
    """
    from kratix_sdk import DestinationSelector, Status

    obj = sdk.read_resource_input().data
    try:
        result = configure(obj, settings)
    except InvalidRequest as error:
        status = failure_status(error)
        sdk.write_status(Status(status))
        return RunOutcome(status=status, error=error)
    for manifest in result.manifests:
        sdk.write_output(manifest.filename, dump(manifest.body))
    sdk.write_destination_selectors(
        [DestinationSelector(match_labels=s["matchLabels"]) for s in destination_selectors(result.request)]
    )
    sdk.write_status(Status(result.status))
    return RunOutcome(status=result.status, result=result)
