"""What the pipeline needs from its environment: set on the container by the Promise."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

VALUES_DIR = Path(__file__).resolve().parent.parent / "values"


class MissingSetting(RuntimeError):
    """The Promise did not set an environment variable the pipeline needs."""


@dataclass(frozen=True)
class PipelineSettings:
    chart_version: str
    chart_repository: str
    default_site: str
    promise_name: str
    secret_store: str = "aws-secrets-manager"
    values_dir: Path = VALUES_DIR

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> PipelineSettings:
        def need(name: str) -> str:
            value = environ.get(name, "").strip()
            if not value:
                raise MissingSetting(f"environment variable {name} is not set; the Promise's container sets it")
            return value

        return cls(
            chart_version=need("DATADOG_CHART_VERSION"),
            chart_repository=need("DATADOG_CHART_REPOSITORY"),
            default_site=need("DATADOG_SITE"),
            promise_name=need("KRATIX_PROMISE_NAME"),
            secret_store=environ.get("DATADOG_SECRET_STORE", "aws-secrets-manager"),
            values_dir=Path(environ.get("DATADOG_VALUES_DIR", str(VALUES_DIR))),
        )
