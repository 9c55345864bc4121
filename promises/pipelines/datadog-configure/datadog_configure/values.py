"""The Helm values of a request, built as data: load the tier file, set the keys, dump once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from datadog_configure.request import DatadogStackRequest, Tier


def values_file(values_dir: Path, tier: Tier) -> Path:
    return values_dir / f"values-{tier.value}.yaml"


def load_tier_values(values_dir: Path, tier: Tier) -> dict[str, Any]:
    data = yaml.safe_load(values_file(values_dir, tier).read_text()) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{values_file(values_dir, tier)} must hold a mapping")
    return data


def platform_tags(request: DatadogStackRequest) -> list[str]:
    return [f"env:{request.environment}", f"tier:{request.tier.value}", "managed-by:kratix", *request.tags]


def helm_values(request: DatadogStackRequest, tier_values: dict[str, Any], default_site: str) -> dict[str, Any]:
    """The tier's values with the request's cluster name, site and tags set under one `datadog:` key."""
    values = yaml.safe_load(yaml.safe_dump(tier_values))  # a deep copy the caller's dict cannot see
    datadog = values.setdefault("datadog", {})
    datadog["clusterName"] = request.cluster_name
    datadog["site"] = request.site or default_site
    datadog["tags"] = platform_tags(request)
    return dict(values)
