"""The Promise against the real Kratix CRD, its API as a structural schema, the examples against the API."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from datadog_configure import request as rules
from tests.conftest import EXAMPLES, ROOT, invoke_yaml
from tests.pipeline.test_contract import BAD_REQUESTS
from tests.support import crd_schema

PROMISE: dict[str, Any] = yaml.safe_load((ROOT / "promises" / "promise.yaml").read_text())
API: dict[str, Any] = PROMISE["spec"]["api"]
VERSION: dict[str, Any] = API["spec"]["versions"][0]
SCHEMA: dict[str, Any] = VERSION["schema"]["openAPIV3Schema"]
SPEC = SCHEMA["properties"]["spec"]
K8S_VERSION = "1.32"


def test_the_promise_is_valid_against_kratixs_promise_crd() -> None:
    assert crd_schema.crd_errors(PROMISE) == []


def test_the_embedded_api_is_a_valid_apiextensions_v1_crd() -> None:
    kubernetes_validate.validate(API, K8S_VERSION, strict=True)
    assert API["spec"]["scope"] == "Namespaced"  # Kratix's webhook refuses cluster-scoped APIs
    assert API["metadata"]["name"] == f"{API['spec']['names']['plural']}.{API['spec']['group']}"


def test_the_embedded_api_schema_is_structural() -> None:
    for path, node in crd_schema.iter_schema_nodes(SCHEMA):
        assert "type" in node or node.get("x-kubernetes-int-or-string"), f"{path or '<root>'} has no type"
        assert not ("properties" in node and "additionalProperties" in node), path
        if "default" in node:
            assert crd_schema.structural_errors(node, node["default"]) == [], f"default of {path} is invalid"
    assert set(SCHEMA["properties"]) == {"spec"}  # Kratix injects status; metadata may not be constrained


def defaulted(obj: dict[str, Any]) -> dict[str, Any]:
    """The object after the API server applies the schema's defaults to spec."""
    spec = dict(obj.get("spec") or {})
    for name, prop in SPEC["properties"].items():
        if "default" in prop and name not in spec:
            spec[name] = prop["default"]
    return {**obj, "spec": spec}


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_each_example_request_is_valid_against_the_api(example: Path) -> None:
    obj = yaml.safe_load(example.read_text())

    assert obj["apiVersion"] == f"{API['spec']['group']}/{VERSION['name']}"
    assert obj["kind"] == API["spec"]["names"]["kind"]
    assert (
        crd_schema.structural_errors(
            {
                **SCHEMA,
                "properties": {
                    **SCHEMA["properties"],
                    "metadata": {"type": "object"},
                    "apiVersion": {"type": "string"},
                    "kind": {"type": "string"},
                },
            },
            defaulted(obj),
        )
        == []
    )


API_EXPRESSIBLE = [b for b in BAD_REQUESTS if not b[0].startswith("spec.tags[1]")]  # reserved keys: pipeline only


@pytest.mark.parametrize(
    ("field", "spec"), [(b[0], b[1]) for b in API_EXPRESSIBLE], ids=[b[0] + "=" + b[2] for b in API_EXPRESSIBLE]
)
def test_the_api_refuses_what_the_pipeline_refuses(field: str, spec: dict[str, Any]) -> None:
    obj = defaulted({"spec": {"clusterName": "kratix-demo", **spec}})
    obj["spec"] = {k: v for k, v in obj["spec"].items() if v is not None}

    assert crd_schema.structural_errors(SCHEMA, obj) != [], f"the API accepts {spec}"


def test_the_api_and_the_pipeline_allow_the_same_values() -> None:
    props = SPEC["properties"]
    assert props["tier"]["enum"] == [t.value for t in rules.Tier]
    assert props["tier"]["default"] == rules.DEFAULT_TIER.value
    assert props["environment"]["default"] == rules.DEFAULT_ENVIRONMENT
    assert props["environment"]["pattern"] == rules.DNS_LABEL.pattern
    assert props["environment"]["maxLength"] == rules.ENVIRONMENT_MAX
    assert props["clusterName"]["pattern"] == rules.CLUSTER_NAME.pattern
    assert props["clusterName"]["maxLength"] == rules.CLUSTER_NAME_MAX - 1
    assert props["site"]["enum"] == list(rules.SITES)
    assert props["tags"]["items"]["pattern"] == rules.TAG.pattern
    assert props["tags"]["maxItems"] == rules.TAGS_MAX
    assert SPEC["required"] == ["clusterName"]
    for pattern in (props["environment"]["pattern"], props["clusterName"]["pattern"]):
        re.compile(pattern)  # also RE2: no look-arounds or back-references
        assert not re.search(r"\(\?[=!<]|\\[1-9]", pattern)


def test_kubectl_get_shows_name_tier_env_status_and_age() -> None:
    columns = [(c["name"], c["jsonPath"]) for c in VERSION["additionalPrinterColumns"] if not c.get("priority")]

    assert columns == [
        ("Tier", ".spec.tier"),
        ("Env", ".spec.environment"),
        ("Status", '.status.conditions[?(@.type=="Reconciled")].message'),
        ("Age", ".metadata.creationTimestamp"),
    ]


def test_the_promise_runs_the_pipeline_with_the_settings_in_invoke_yaml() -> None:
    config = invoke_yaml()
    pipeline = PROMISE["spec"]["workflows"]["resource"]["configure"][0]
    container = pipeline["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"]}

    assert PROMISE["metadata"]["name"] == config["promise"]["name"]
    assert API["spec"]["group"] == config["promise"]["group"]
    assert pipeline["metadata"]["name"] == config["promise"]["pipeline"]
    assert container["image"] == config["promise"]["image"]
    assert container["image"] == container["image"].lower()  # uppercase gives InvalidImageName
    assert env == {
        "DATADOG_CHART_VERSION": config["datadog"]["chart_version"],
        "DATADOG_CHART_REPOSITORY": config["datadog"]["chart_repository"],
        "DATADOG_SITE": config["datadog"]["site"],
        "DATADOG_SECRET_STORE": config["datadog"]["secret_store"],
    }
    assert container["securityContext"]["runAsNonRoot"] is True
    assert set(container["resources"]) == {"requests", "limits"}
