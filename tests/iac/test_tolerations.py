"""The system node group's taint, and the tolerations of everything meant to run there."""

from __future__ import annotations

from typing import Any

from tests.iac.argocd_applications import CHART_POD_COMPONENTS, at_path, helm_values, load_applications
from tests.iac.terraform_module import ARGOCD_MODULE, CLUSTER_MODULE, FLEET_CLUSTER_MODULE, load_root_module

# EKS node group API spelling -> Kubernetes spelling
EKS_EFFECTS = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}


def system_node_group() -> dict[str, Any]:
    module = load_root_module(FLEET_CLUSTER_MODULE)
    return module.resolve(module.modules["eks"]["eks_managed_node_groups"]["system"])


def expected_toleration() -> dict[str, str]:
    """The toleration that matches the system node group's only taint."""
    (taint,) = system_node_group()["taints"].values()
    return {"key": taint["key"], "operator": "Equal", "value": taint["value"], "effect": EKS_EFFECTS[taint["effect"]]}


def scheduling_problems(values: dict[str, Any], components: tuple[str, ...], where: str) -> list[str]:
    """Components in Helm `values` that would not tolerate, or not select, the system nodes."""
    toleration = expected_toleration()
    selector = system_node_group()["labels"]
    problems = []
    for component in components:
        settings = at_path(values, component)
        name = f"{where} {component or '<top level>'}"
        if settings.get("tolerations") != [toleration]:
            problems.append(f"{name}: tolerations {settings.get('tolerations')} != [{toleration}]")
        if settings.get("nodeSelector") != selector:
            problems.append(f"{name}: nodeSelector {settings.get('nodeSelector')} != {selector}")
    return problems


def test_the_system_node_group_is_tainted_node_type_system_no_schedule() -> None:
    group = system_node_group()
    assert list(group["taints"].values()) == [{"key": "node-type", "value": "system", "effect": "NO_SCHEDULE"}]
    assert group["labels"] == {"node-type": "system"}


def test_the_default_node_group_is_not_tainted() -> None:
    module = load_root_module(FLEET_CLUSTER_MODULE)
    assert "taints" not in module.modules["eks"]["eks_managed_node_groups"]["default"]


def test_every_cluster_of_the_fleet_is_an_instance_of_the_module_with_the_taint() -> None:
    calls = load_root_module(CLUSTER_MODULE).modules
    assert {name: call["source"] for name, call in calls.items() if name != "vpc"} == {
        "platform": "./modules/cluster",
        "workload": "./modules/cluster",
    }


def test_argocd_tolerates_the_taint_of_the_system_node_group() -> None:
    module = load_root_module(ARGOCD_MODULE)
    values = module.resolve(module.locals["argocd_values"])
    assert scheduling_problems(values, ("global",), "argo-cd chart") == []
    assert module.resolve(module.locals["system_node_toleration"]) == expected_toleration()


def test_every_platform_chart_tolerates_the_taint_of_the_system_node_group() -> None:
    problems = []
    for name, application in load_applications().items():
        chart = application["spec"]["source"].get("chart")
        if chart is None:
            continue
        assert chart in CHART_POD_COMPONENTS, f"{name}: list the pod-running components of chart {chart}"
        problems += scheduling_problems(helm_values(application), CHART_POD_COMPONENTS[chart], name)
    assert problems == []


def test_every_toleration_in_the_applications_is_the_system_toleration() -> None:
    def tolerations(node: Any) -> list[Any]:
        if isinstance(node, dict):
            found = [node["tolerations"]] if "tolerations" in node else []
            return found + [t for value in node.values() for t in tolerations(value)]
        if isinstance(node, list):
            return [t for value in node for t in tolerations(value)]
        return []

    found = [t for application in load_applications().values() for t in tolerations(helm_values(application))]
    assert found
    assert all(each == [expected_toleration()] for each in found)


def test_a_wrong_effect_or_a_missing_component_is_reported() -> None:
    wrong = {
        "tolerations": [{"key": "node-type", "operator": "Equal", "value": "system", "effect": "NoExecute"}],
        "nodeSelector": {"node-type": "system"},
    }
    problems = scheduling_problems(wrong, ("", "webhook"), "example")
    assert len(problems) == 3
    assert "example <top level>: tolerations" in problems[0]
    assert problems[1].startswith("example webhook: tolerations None")
    assert problems[2].startswith("example webhook: nodeSelector None")
