"""The Datadog node agents of every tier run on every node iac/ creates, tainted ones included;
the cluster agent stays off the nodes kept for the platform components.

The agent DaemonSet's placement is modelled from the tier values as the pinned chart renders it
(datadog_configure.placement) and matched against the taints declared anywhere under iac/ with
Kubernetes' toleration rules (ops.kube.placement).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

from datadog_configure.placement import agent_pod_placement, cluster_agent_pod_placement
from ops.kube.placement import Taint, Toleration
from tests.conftest import VALUES_DIR
from tests.iac.node_taints import IAC, DeclaredTaint, UnreadableTaint, declared_taints

TIERS = ("minimal", "standard", "full")
SYSTEM = Taint("node-type", "system", "NoSchedule")


def tier_values(tier: str) -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load((VALUES_DIR / f"values-{tier}.yaml").read_text())
    return values


def not_tolerated(taints: Iterable[DeclaredTaint], tolerations: Iterable[dict[str, Any]]) -> list[str]:
    """The taints (of any effect) that none of these rendered tolerations tolerates."""
    parsed = [Toleration.of(t) for t in tolerations]
    return [f"{d.where}: {d.taint}" for d in taints if not any(t.tolerates(d.taint) for t in parsed)]


def test_iac_taints_the_system_node_group_and_the_reader_finds_it() -> None:
    assert SYSTEM in {d.taint for d in declared_taints()}


@pytest.mark.parametrize("tier", TIERS)
def test_each_tiers_agent_daemonset_tolerates_every_taint_iac_puts_on_a_node_group(tier: str) -> None:
    placement = agent_pod_placement(tier_values(tier))

    assert not_tolerated(declared_taints(), placement["tolerations"]) == []


@pytest.mark.parametrize("tier", TIERS)
def test_each_tiers_agents_select_every_linux_node(tier: str) -> None:
    """iac/ allows only AL2023 (Linux) node AMIs; the chart's own selector is `kubernetes.io/os: linux`."""
    placement = agent_pod_placement(tier_values(tier))

    assert placement["nodeSelector"] == {"kubernetes.io/os": "linux"}
    assert placement["affinity"] == {}


@pytest.mark.parametrize("tier", TIERS)
def test_the_cluster_agent_tolerates_no_taint_of_iac(tier: str) -> None:
    """One cluster agent per DatadogStack is an application workload: it stays on the untainted nodes."""
    placement = cluster_agent_pod_placement(tier_values(tier))

    assert len(not_tolerated(declared_taints(), placement["tolerations"])) == len(declared_taints())


def iac_copy(tmp_path: Path, extra_tf: str) -> Path:
    """A copy of iac/ (without the Argo CD module, which makes no nodes) with one more file."""
    root = tmp_path / "iac"
    shutil.copytree(IAC, root, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*", "argocd"))
    (root / "gpu_nodes.tf").write_text(extra_tf)
    return root


GPU_NODE_GROUP = """
resource "aws_eks_node_group" "gpu" {
  cluster_name  = var.cluster_name
  node_role_arn = "arn:aws:iam::123456789012:role/gpu-nodes"
  subnet_ids    = ["subnet-0123"]

  scaling_config {
    desired_size = 1
    max_size     = 1
    min_size     = 1
  }

  taint {
    key    = "nvidia.com/gpu"
    value  = "present"
    effect = "NO_EXECUTE"
  }
}
"""


def test_a_new_taint_in_iac_that_the_agents_do_not_tolerate_fails(tmp_path: Path) -> None:
    taints = declared_taints(iac_copy(tmp_path, GPU_NODE_GROUP))
    only_system = [{"key": "node-type", "operator": "Equal", "value": "system", "effect": "NoSchedule"}]

    assert {d.taint for d in taints} == {SYSTEM, Taint("nvidia.com/gpu", "present", "NoExecute")}
    assert not_tolerated(taints, only_system) == ["iac: aws_eks_node_group.gpu.taint: nvidia.com/gpu=present:NoExecute"]
    assert not_tolerated(taints, agent_pod_placement(tier_values("minimal"))["tolerations"]) == []


def test_a_taint_the_reader_cannot_resolve_is_an_error_not_a_pass(tmp_path: Path) -> None:
    unknown = GPU_NODE_GROUP.replace('value  = "present"', "value  = var.gpu_taint_value").replace(
        "resource ", 'variable "gpu_taint_value" {\n  type = string\n}\n\nresource ', 1
    )

    with pytest.raises(UnreadableTaint, match=r"gpu\.taint: .*cannot resolve"):
        declared_taints(iac_copy(tmp_path, unknown))


def test_a_child_modules_taint_is_read_with_the_arguments_its_caller_passes(tmp_path: Path) -> None:
    child = tmp_path / "iac" / "modules" / "gpu"
    root = iac_copy(tmp_path, 'module "gpu" {\n  source    = "./modules/gpu"\n  gpu_value = "present"\n}\n')
    child.mkdir(parents=True)
    (child / "main.tf").write_text(
        'variable "gpu_value" {\n  type = string\n}\n\n' + GPU_NODE_GROUP.replace('"present"', "var.gpu_value")
    )

    found = {str(d.taint): d.where for d in declared_taints(root)}

    assert found["nvidia.com/gpu=present:NoExecute"] == "iac/modules/gpu: aws_eks_node_group.gpu.taint"
