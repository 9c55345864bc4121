"""gitops/argocd/charts/kratix-config: its values schema and the objects it renders.

There is no helm binary in the test environment, so the templates keep to one construct,
`{{ .Values.<path> | quote }}`, which the test renders itself.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import jsonschema
import yaml

from tests.iac.argocd_applications import (
    KRATIX_CONFIG_CHART,
    REGION_PLACEHOLDER,
    helm_values,
    load_applications,
)
from tests.support import crd_schema

VALUE = re.compile(r"\{\{\s*\.Values\.([A-Za-z0-9_.]+)\s*\|\s*quote\s*\}\}")


def merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Helm's merge of an Application's values over the chart's values.yaml."""
    result = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


def application_values(region: str = "eu-central-1") -> dict[str, Any]:
    """The values Argo CD passes to the chart once `invoke argocd.apps` filled in the region."""
    chart_defaults = yaml.safe_load((KRATIX_CONFIG_CHART / "values.yaml").read_text())
    values = merged(chart_defaults, helm_values(load_applications()["kratix-config"]))
    values["secretStore"]["region"] = values["secretStore"]["region"].replace(REGION_PLACEHOLDER, region)
    return values


def schema_errors(values: dict[str, Any]) -> list[str]:
    schema = json.loads((KRATIX_CONFIG_CHART / "values.schema.json").read_text())
    validator = jsonschema.Draft7Validator(schema)
    return [f"{'.'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(values)]


def render(values: dict[str, Any]) -> list[dict[str, Any]]:
    documents = []
    for template in sorted((KRATIX_CONFIG_CHART / "templates").glob("*.yaml")):

        def value(match: re.Match[str], source: str = template.name) -> str:
            node: Any = values
            for key in match.group(1).split("."):
                assert isinstance(node, dict) and key in node, f"{source}: no value {match.group(1)}"
                node = node[key]
            return json.dumps(str(node))

        text = VALUE.sub(value, template.read_text())
        assert "{{" not in text, f"{template.name} uses template syntax this test cannot render"
        documents += [document for document in yaml.safe_load_all(text) if document]
    return documents


def test_the_applications_values_satisfy_the_chart_schema_once_the_region_is_filled_in() -> None:
    assert schema_errors(application_values()) == []


def test_the_chart_schema_rejects_the_unreplaced_region_placeholder() -> None:
    errors = schema_errors(application_values(region=REGION_PLACEHOLDER))
    assert len(errors) == 1 and errors[0].startswith("secretStore.region:")


def test_the_chart_schema_rejects_its_own_defaults_without_a_repository_url_and_region() -> None:
    defaults = yaml.safe_load((KRATIX_CONFIG_CHART / "values.yaml").read_text())
    paths = sorted(error.split(":")[0] for error in schema_errors(defaults))
    assert paths == ["secretStore.region", "stateStore.url"]


def test_the_chart_renders_the_store_the_credentials_the_state_store_and_the_destination() -> None:
    kinds = {(document["kind"], document["metadata"]["name"]) for document in render(application_values())}
    assert kinds == {
        ("ClusterSecretStore", "aws-secrets-manager"),
        ("ExternalSecret", "git-credentials"),
        ("GitStateStore", "default"),
        ("Destination", "platform"),
    }


def test_every_rendered_object_validates_against_its_crd() -> None:
    for document in render(application_values()):
        assert crd_schema.crd_errors(document) == [], document["kind"]


def test_the_state_store_reads_the_secret_the_external_secret_writes() -> None:
    documents = {document["kind"]: document for document in render(application_values())}
    written = documents["ExternalSecret"]
    secret_ref = documents["GitStateStore"]["spec"]["secretRef"]
    assert secret_ref == {"name": written["spec"]["target"]["name"], "namespace": written["metadata"]["namespace"]}
    assert written["spec"]["secretStoreRef"] == {
        "kind": "ClusterSecretStore",
        "name": documents["ClusterSecretStore"]["metadata"]["name"],
    }
    assert documents["Destination"]["spec"]["stateStoreRef"] == {"kind": "GitStateStore", "name": "default"}
