"""The node groups the README's per-cluster figures assume are the ones iac/ makes by default."""

from __future__ import annotations

from pathlib import Path

from ops.stacks.agent_nodes import DEFAULT_NODE_GROUPS
from tests.iac.node_taints import declared_node_groups, declared_taints


def test_the_default_node_groups_of_the_tier_table_are_iacs_with_their_default_sizes_and_taints() -> None:
    declared = {g.name: (g.desired_size, g.taints) for g in declared_node_groups()}

    assert declared == {g.name: (g.nodes, frozenset(g.taints)) for g in DEFAULT_NODE_GROUPS}


def test_a_module_called_for_each_of_an_empty_default_adds_no_node_group_but_its_taints_count(tmp_path: Path) -> None:
    root = tmp_path / "iac"
    child = root / "modules" / "gpu"
    child.mkdir(parents=True)
    (root / "main.tf").write_text(
        'variable "gpu_clusters" {\n  type    = map(number)\n  default = {}\n}\n\n'
        'module "gpu" {\n  source   = "./modules/gpu"\n  for_each = var.gpu_clusters\n  size     = each.value\n}\n'
    )
    (child / "main.tf").write_text(
        'variable "size" {\n  type = number\n}\n\n'
        'resource "aws_eks_node_group" "gpu" {\n  scaling_config {\n    desired_size = var.size\n  }\n'
        '  taint {\n    key    = "nvidia.com/gpu"\n    value  = "present"\n    effect = "NO_SCHEDULE"\n  }\n}\n'
    )

    assert declared_node_groups(root) == []
    assert [str(d.taint) for d in declared_taints(root)] == ["nvidia.com/gpu=present:NoSchedule"]
