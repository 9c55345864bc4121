"""Parse and validate a DatadogStack request: every rule names the field, the value and what is allowed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# DNS-1123 subdomain: what Kubernetes allows for a custom resource's metadata.name.
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
# The chart's rule for datadog.clusterName: dot-separated tokens that start with a letter (the chart allows
# < 80 chars). It is also the value of the label that selects the cluster's Kratix Destination
# (placement.CLUSTER_LABEL), and a label value has at most 63 characters: so < 64 here.
CLUSTER_NAME = re.compile(r"^([a-z]([a-z0-9-]*[a-z0-9])?\.)*[a-z]([a-z0-9-]*[a-z0-9])?$")
CLUSTER_NAME_MAX = 64
# A Datadog tag "key:value": starts with a letter; letters, digits, _ - . / and : after that.
TAG = re.compile(r"^[A-Za-z][A-Za-z0-9_./-]*:[A-Za-z0-9_./:-]+$")
TAG_MAX = 200
TAGS_MAX = 20
RESERVED_TAG_KEYS = ("env", "tier", "managed-by")
ENVIRONMENT_MAX = 32
# Datadog sites (https://docs.datadoghq.com/getting_started/site/).
SITES = (
    "datadoghq.com",
    "us3.datadoghq.com",
    "us5.datadoghq.com",
    "datadoghq.eu",
    "ap1.datadoghq.com",
    "ap2.datadoghq.com",
    "ddog-gov.com",
)


class Tier(StrEnum):
    MINIMAL = "minimal"
    STANDARD = "standard"
    FULL = "full"


DEFAULT_TIER = Tier.MINIMAL
DEFAULT_ENVIRONMENT = "dev"


class InvalidRequest(ValueError):
    """A request the pipeline refuses: one line naming the field, the value and what is allowed."""

    def __init__(self, field: str, value: object, allowed: str) -> None:
        self.field, self.value, self.allowed = field, value, allowed
        super().__init__(f"{field}: {value!r} is not allowed; {allowed}")


@dataclass(frozen=True)
class DatadogStackRequest:
    """A validated request, with the API's defaults applied."""

    name: str
    namespace: str
    group: str
    tier: Tier
    environment: str
    cluster_name: str
    site: str | None
    tags: tuple[str, ...]

    @property
    def secret_path(self) -> str:
        """Where the Datadog keys for this environment live in AWS Secrets Manager."""
        return f"datadog/{self.environment}/api-keys"


def parse_request(obj: dict[str, Any]) -> DatadogStackRequest:
    """Validate a DatadogStack object (as Kratix writes it to /kratix/input/object.yaml)."""
    meta = _mapping(obj.get("metadata"), "metadata")
    name = _text(meta.get("name"), "metadata.name")
    if len(name) > 63 or not DNS_SUBDOMAIN.fullmatch(name):
        raise InvalidRequest("metadata.name", name, "lowercase letters, digits, '-' and '.', at most 63 characters")
    namespace = _text(meta.get("namespace") or "default", "metadata.namespace")
    if not DNS_LABEL.fullmatch(namespace) or len(namespace) > 63:
        raise InvalidRequest("metadata.namespace", namespace, "a DNS label (lowercase letters, digits and '-')")
    group = str(obj.get("apiVersion", "")).partition("/")[0]
    if not group:
        raise InvalidRequest(
            "apiVersion", obj.get("apiVersion"), "<group>/<version>, e.g. platform.srekubecraft.io/v1alpha1"
        )
    spec = _mapping(obj.get("spec"), "spec")
    return DatadogStackRequest(
        name=name,
        namespace=namespace,
        group=group,
        tier=_tier(spec.get("tier")),
        environment=_environment(spec.get("environment")),
        cluster_name=_cluster_name(spec.get("clusterName")),
        site=_site(spec.get("site")),
        tags=_tags(spec.get("tags")),
    )


def _mapping(value: object, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidRequest(field, value, "a mapping")
    return value


def _text(value: object, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidRequest(field, value, "a non-empty string")
    return value


def _tier(value: object) -> Tier:
    if value is None:
        return DEFAULT_TIER
    allowed = ", ".join(t.value for t in Tier)
    if not isinstance(value, str) or value not in {t.value for t in Tier}:
        raise InvalidRequest("spec.tier", value, f"one of {allowed}")
    return Tier(value)


def _environment(value: object) -> str:
    if value is None:
        return DEFAULT_ENVIRONMENT
    if not isinstance(value, str) or len(value) > ENVIRONMENT_MAX or not DNS_LABEL.fullmatch(value):
        raise InvalidRequest(
            "spec.environment",
            value,
            f"a DNS label of at most {ENVIRONMENT_MAX} characters (lowercase letters, digits and '-'), e.g. dev, prod",
        )
    return value


def _cluster_name(value: object) -> str:
    if value is None or value == "":
        raise InvalidRequest("spec.clusterName", value, "required: the cluster's name as Datadog should show it")
    if not isinstance(value, str) or len(value) >= CLUSTER_NAME_MAX or not CLUSTER_NAME.fullmatch(value):
        raise InvalidRequest(
            "spec.clusterName",
            value,
            f"dot-separated lowercase words that start with a letter, at most {CLUSTER_NAME_MAX - 1} characters "
            "(a label value: it selects the cluster's Kratix Destination)",
        )
    return value


def _site(value: object) -> str | None:
    if value is None:
        return None
    if value not in SITES:
        raise InvalidRequest("spec.site", value, f"one of {', '.join(SITES)}")
    return str(value)


def _tags(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidRequest("spec.tags", value, "a list of key:value strings")
    if len(value) > TAGS_MAX:
        raise InvalidRequest("spec.tags", f"{len(value)} tags", f"at most {TAGS_MAX} tags")
    for index, tag in enumerate(value):
        field = f"spec.tags[{index}]"
        if not isinstance(tag, str) or len(tag) > TAG_MAX or not TAG.fullmatch(tag):
            raise InvalidRequest(field, tag, "key:value, starting with a letter (letters, digits, _ - . / :)")
        if tag.partition(":")[0].lower() in RESERVED_TAG_KEYS:
            reserved = ", ".join(RESERVED_TAG_KEYS)
            raise InvalidRequest(field, tag, f"any key but {reserved} (the platform sets those)")
    return tuple(value)
