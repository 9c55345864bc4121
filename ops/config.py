"""Settings from invoke's config layers (invoke.yaml, then INVOKE_* variables, then flags)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ops.errors import BadInput


@dataclass(frozen=True)
class Settings:
    cluster_name: str
    region: str
    aws_profile: str | None
    promise_name: str
    api_group: str
    pipeline_name: str
    pipeline_image: str
    statestore_url: str
    statestore_branch: str
    statestore_path: str
    destination_path: str
    datadog_site: str
    chart_version: str
    chart_repository: str
    secret_store: str
    wait_interval: float = 2.0  # seconds between a wait's first polls (it backs off from there)

    @classmethod
    def from_config(cls, config: Any) -> Settings:
        """Build from invoke's merged config (a Context's `config`); a missing key names itself."""

        def get(section: str, key: str) -> str:
            try:
                value = config[section][key]
            except (KeyError, TypeError):
                raise BadInput(
                    f"{section}.{key}", None, "set it in invoke.yaml or INVOKE_" + f"{section}_{key}".upper()
                ) from None
            return "" if value is None else str(value)

        return cls(
            cluster_name=get("cluster", "name"),
            region=get("cluster", "region"),
            aws_profile=get("aws", "profile") or None,
            promise_name=get("promise", "name"),
            api_group=get("promise", "group"),
            pipeline_name=get("promise", "pipeline"),
            pipeline_image=get("promise", "image"),
            statestore_url=get("statestore", "url"),
            statestore_branch=get("statestore", "branch"),
            statestore_path=get("statestore", "path"),
            destination_path=get("statestore", "destination"),
            datadog_site=get("datadog", "site"),
            chart_version=get("datadog", "chart_version"),
            chart_repository=get("datadog", "chart_repository"),
            secret_store=get("datadog", "secret_store"),
            wait_interval=_seconds("waits.interval", (config.get("waits") or {}).get("interval", 2.0)),
        )


def _seconds(field: str, value: Any) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = 0.0
    if not seconds > 0:
        raise BadInput(field, value, "a number of seconds above 0")
    return seconds
