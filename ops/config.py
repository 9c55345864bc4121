"""Settings from invoke's config layers (invoke.yaml, then INVOKE_* variables, then flags)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from datadog_configure.request import SITES
from ops.errors import BadInput, one_of


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
    request_timeout: float = 30.0  # seconds one request to the API server may take, first byte to last

    @classmethod
    def from_config(cls, config: Any) -> Settings:
        """Build from invoke's merged config (a Context's `config`), every key checked once, here.

        A missing key, a value of the wrong type (versions are strings: YAML reads 3.10 as 3.1) or a
        value outside its allowed set is BadInput naming the key, the value and what is allowed.
        """
        sections = {name: _section(config, name) for name in SECTIONS}

        def get(section: str, key: str) -> str:
            values = sections[section]
            if key not in values:
                raise BadInput(
                    f"{section}.{key}", None, "set it in invoke.yaml or INVOKE_" + f"{section}_{key}".upper()
                )
            value = values[key]
            if value is None and (section, key) in OPTIONAL:
                return ""
            if not isinstance(value, str):
                hint = " in quotes (YAML reads 3.10 as the number 3.1)" if key.endswith("version") else ""
                raise BadInput(f"{section}.{key}", value, f"a string{hint}")
            if (section, key) not in OPTIONAL and not value.strip():
                raise BadInput(f"{section}.{key}", value, "a value (it is empty)")
            if value != value.strip() or any(ch in value for ch in "\r\n\t\0"):
                raise BadInput(f"{section}.{key}", value, "one word or URL, without spaces or line breaks at the ends")
            return value

        site = get("datadog", "site")
        one_of("datadog.site", site, SITES)
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
            statestore_path=_relative_path("statestore.path", get("statestore", "path")),
            destination_path=_relative_path("statestore.destination", get("statestore", "destination")),
            datadog_site=site,
            chart_version=get("datadog", "chart_version"),
            chart_repository=get("datadog", "chart_repository"),
            secret_store=get("datadog", "secret_store"),
            wait_interval=_seconds("waits.interval", sections["waits"].get("interval", 2.0)),
            request_timeout=_seconds("waits.request", sections["waits"].get("request", 30.0)),
        )


# The sections of invoke.yaml this toolkit reads; `waits` may be left out.
SECTIONS = ("cluster", "aws", "promise", "statestore", "datadog", "waits")
OPTIONAL = {("aws", "profile")}


def _section(config: Any, name: str) -> Mapping[str, Any]:
    try:
        value = config[name]
    except (KeyError, TypeError):
        value = None
    if value is None and name == "waits":
        return {}
    if value is None:
        raise BadInput(name, None, f"a {name}: section in invoke.yaml")
    if isinstance(value, Mapping) or hasattr(value, "keys"):  # invoke hands out a DataProxy
        return {str(key): item for key, item in value.items()}
    raise BadInput(name, value, f"a mapping of {name}.* settings")


def _relative_path(field: str, value: str) -> str:
    """A folder inside the state-store repository: relative, no `..`, no backslashes."""
    parts = PurePosixPath(value).parts
    if PurePosixPath(value).is_absolute() or ".." in parts or "\\" in value or not parts:
        raise BadInput(field, value, "a folder inside the repository (relative, without ..)")
    return value


def _seconds(field: str, value: Any) -> float:
    if isinstance(value, bool):
        raise BadInput(field, value, "a number of seconds above 0")
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = 0.0
    if not 0 < seconds < 3600:
        raise BadInput(field, value, "a number of seconds above 0 and below 3600")
    return seconds
