"""The Kratix pipeline contract, through the image's own entry point: input in, output and status out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import VALUES_DIR, datadog_stack
from tests.pipeline.contract import run_pipeline

EXPECTED_FILES = ["external-secret.yaml", "helm-release.yaml", "helm-repository.yaml", "namespace.yaml"]
ADDED_KEYS = ("clusterName", "site", "tags")


def tier_values(tier: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((VALUES_DIR / f"values-{tier}.yaml").read_text())
    return data


@pytest.mark.parametrize("tier", ["minimal", "standard", "full"])
def test_every_tier_is_configured_with_its_own_values(tmp_path: Path, tier: str) -> None:
    run = run_pipeline(tmp_path, datadog_stack(tier=tier, environment="prod"))

    assert run.code == 0, run.stderr
    assert sorted(run.outputs) == EXPECTED_FILES
    values = run.manifest("helm-release.yaml")["spec"]["values"]
    without_added = {**values, "datadog": {k: v for k, v in values["datadog"].items() if k not in ADDED_KEYS}}
    assert without_added == tier_values(tier)
    assert values["datadog"]["clusterName"] == "kratix-demo"
    assert values["datadog"]["tags"] == ["env:prod", f"tier:{tier}", "managed-by:kratix"]
    assert values["datadog"]["site"] == "datadoghq.eu"
    assert run.status["message"] == f"Datadog {tier} tier configured"
    assert run.status["tier"] == tier
    assert run.status["environment"] == "prod"
    assert run.status["targetNamespace"] == run.manifest("namespace.yaml")["metadata"]["name"]


def test_status_reports_the_agent_pods_per_node_requests_and_limits(tmp_path: Path) -> None:
    run = run_pipeline(tmp_path, datadog_stack(tier="full"))

    assert run.status["perNode"] == {
        "containers": ["agent", "trace-agent", "process-agent", "system-probe", "security-agent"],
        "requests": {"cpu": "900m", "memory": "2304Mi"},
        "limits": {"cpu": "2900m", "memory": "5120Mi"},
    }
    assert run.status["clusterAgent"] == {
        "replicas": 1,
        "requests": {"cpu": "200m", "memory": "256Mi"},
        "limits": {"cpu": "500m", "memory": "512Mi"},
    }
    assert "kratix" not in run.status  # status-writer fails the Job on a top-level `kratix` key


def test_the_apis_defaults_apply_when_tier_and_environment_are_omitted(tmp_path: Path) -> None:
    run = run_pipeline(tmp_path, datadog_stack())

    assert run.code == 0, run.stderr
    assert run.status["tier"] == "minimal"
    assert run.status["environment"] == "dev"
    secret = run.manifest("external-secret.yaml")
    assert {d["remoteRef"]["key"] for d in secret["spec"]["data"]} == {"datadog/dev/api-keys"}
    assert [d["remoteRef"]["property"] for d in secret["spec"]["data"]] == ["api-key", "app-key"]


def test_extra_tags_and_site_reach_the_chart(tmp_path: Path) -> None:
    run = run_pipeline(tmp_path, datadog_stack(site="datadoghq.com", tags=["team:payments", "cost-center:42"]))

    values = run.manifest("helm-release.yaml")["spec"]["values"]["datadog"]
    assert values["site"] == "datadoghq.com"
    assert values["tags"][-2:] == ["team:payments", "cost-center:42"]


def test_the_helm_values_hold_one_datadog_key_so_cluster_name_and_tags_reach_the_chart(tmp_path: Path) -> None:
    # github.com/NoNickeD/kratix-demo pasted text and produced two `datadog:` keys; YAML loaders silently
    # kept the second one.
    class StrictLoader(yaml.SafeLoader):
        pass

    def no_duplicates(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
        keys = [loader.construct_object(k) for k, _ in node.value]
        duplicated = {k for k in keys if keys.count(k) > 1}
        assert not duplicated, f"duplicate keys {duplicated}"
        return loader.construct_mapping(node)

    StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, no_duplicates)
    run = run_pipeline(tmp_path, datadog_stack(tier="standard"))

    release = yaml.load(run.outputs["helm-release.yaml"], Loader=StrictLoader)
    assert release["spec"]["values"]["datadog"]["clusterName"] == "kratix-demo"


def test_an_upgrade_keeps_the_namespace_and_changes_the_values(tmp_path: Path) -> None:
    before = run_pipeline(tmp_path / "1", datadog_stack(tier="minimal"))
    after = run_pipeline(tmp_path / "2", datadog_stack(tier="standard"))

    assert sorted(before.outputs) == sorted(after.outputs)
    assert before.status["targetNamespace"] == after.status["targetNamespace"]
    for name in ("namespace.yaml", "helm-repository.yaml", "external-secret.yaml", "helm-release.yaml"):
        assert before.manifest(name)["metadata"]["name"] == after.manifest(name)["metadata"]["name"]
    assert "processAgent" not in before.manifest("helm-release.yaml")["spec"]["values"]["agents"]["containers"]
    assert "processAgent" in after.manifest("helm-release.yaml")["spec"]["values"]["agents"]["containers"]
    assert after.status["message"] == "Datadog standard tier configured"


def test_requests_with_the_same_name_in_two_namespaces_get_two_namespaces(tmp_path: Path) -> None:
    team_a = run_pipeline(tmp_path / "a", datadog_stack(name="production", namespace="team-a"))
    team_b = run_pipeline(tmp_path / "b", datadog_stack(name="production", namespace="team-b"))

    assert team_a.status["targetNamespace"] != team_b.status["targetNamespace"]


def test_every_object_says_which_promise_request_tier_and_environment_it_belongs_to(tmp_path: Path) -> None:
    run = run_pipeline(tmp_path, datadog_stack(name="production", namespace="team-a", tier="full", environment="prod"))

    for filename in run.outputs:
        labels = run.manifest(filename)["metadata"]["labels"]
        assert labels["kratix.io/promise-name"] == "datadog-stack", filename
        assert labels["kratix.io/resource-name"] == "production", filename
        assert labels["kratix.io/resource-namespace"] == "team-a", filename
        assert labels["platform.srekubecraft.io/tier"] == "full", filename
        assert labels["platform.srekubecraft.io/environment"] == "prod", filename


def test_the_helm_release_pins_the_chart_and_reads_both_keys_from_the_synced_secret(tmp_path: Path) -> None:
    run = run_pipeline(tmp_path, datadog_stack())

    spec = run.manifest("helm-release.yaml")["spec"]
    assert spec["chart"]["spec"]["version"] == "3.240.0"
    secret_name = run.manifest("external-secret.yaml")["spec"]["target"]["name"]
    assert [(v["name"], v["valuesKey"], v["targetPath"], v.get("optional", False)) for v in spec["valuesFrom"]] == [
        (secret_name, "api-key", "datadog.apiKey", False),
        (secret_name, "app-key", "datadog.appKey", False),
    ]


BAD_REQUESTS = [
    ("spec.tier", {"tier": "huge"}, "'huge'", "minimal, standard, full"),
    ("spec.tier", {"tier": 3}, "3", "minimal, standard, full"),
    ("spec.environment", {"environment": "Prod"}, "'Prod'", "DNS label"),
    ("spec.environment", {"environment": "dev_1"}, "'dev_1'", "DNS label"),
    ("spec.environment", {"environment": "e" * 33}, "'" + "e" * 33 + "'", "at most 32"),
    ("spec.clusterName", {"clusterName": None}, "None", "required"),
    ("spec.clusterName", {"clusterName": "Kratix_Demo"}, "'Kratix_Demo'", "lowercase"),
    ("spec.clusterName", {"clusterName": "1cluster"}, "'1cluster'", "start with a letter"),
    ("spec.site", {"site": "datadoghq.org"}, "'datadoghq.org'", "datadoghq.eu"),
    ("spec.tags[0]", {"tags": ["payments"]}, "'payments'", "key:value"),
    ("spec.tags[1]", {"tags": ["team:a", "env:prod"]}, "'env:prod'", "the platform sets those"),
    ("spec.tags", {"tags": [f"k{i}:v" for i in range(21)]}, "'21 tags'", "at most 20"),
]


@pytest.mark.parametrize(
    ("field", "spec", "shown", "allowed"), BAD_REQUESTS, ids=[f"{b[0]}={b[2]}" for b in BAD_REQUESTS]
)
def test_a_bad_request_fails_names_the_field_value_and_what_is_allowed_and_writes_nothing(
    tmp_path: Path, field: str, spec: dict[str, Any], shown: str, allowed: str
) -> None:
    run = run_pipeline(tmp_path, datadog_stack(**spec))

    assert run.code == 1
    assert run.outputs == {}
    message = run.status["message"]
    assert message.startswith(f"Invalid request: {field}: {shown} is not allowed")
    assert allowed in message
    assert run.status["error"]["field"] == field
    assert f"ERROR: {message}" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("field", "obj"),
    [
        ("metadata.name", {**datadog_stack(), "metadata": {"name": "Production", "namespace": "default"}}),
        ("spec", {**datadog_stack(), "spec": "full"}),
    ],
)
def test_a_malformed_object_is_refused_the_same_way(tmp_path: Path, field: str, obj: dict[str, Any]) -> None:
    run = run_pipeline(tmp_path, obj)

    assert run.code == 1
    assert run.outputs == {}
    assert run.status["error"]["field"] == field


def test_a_container_the_promise_misconfigured_exits_3_with_a_plain_message(tmp_path: Path) -> None:
    run = run_pipeline(tmp_path, datadog_stack(), drop=("DATADOG_CHART_VERSION",))

    assert run.code == 3
    assert "DATADOG_CHART_VERSION is not set" in run.stderr
    assert "Traceback" not in run.stderr
    assert run.outputs == {}
