"""The fleet: the platform cluster and the workload clusters are instances of iac/modules/cluster,
and the platform cluster's existing state moves into its instance instead of being replaced."""

from __future__ import annotations

from tests.iac.terraform_module import CLUSTER_MODULE, FLEET_CLUSTER_MODULE, expression, load_root_module

# What the root module held before the refactor; each must move, or `apply` would replace the cluster.
MOVED_FROM_THE_ROOT = {
    "module.eks",
    "aws_iam_role.ebs_csi",
    "aws_iam_role_policy_attachment.ebs_csi",
    "aws_iam_role.vpc_cni",
    "aws_iam_role_policy_attachment.vpc_cni",
    "aws_iam_role.external_secrets",
    "aws_iam_role_policy.external_secrets",
}


def test_the_platform_clusters_resources_move_into_its_module_instance() -> None:
    moved = dict(load_root_module(CLUSTER_MODULE).moved)
    assert set(moved) == MOVED_FROM_THE_ROOT
    assert all(to == f"module.platform.{source}" for source, to in moved.items())
    child = load_root_module(FLEET_CLUSTER_MODULE)
    targets = {"module.eks"} | {f"{kind}.{name}" for kind, name in child.resources}
    assert set(moved) <= targets


def test_the_root_module_holds_no_cluster_resource_of_its_own() -> None:
    root = load_root_module(CLUSTER_MODULE)
    assert set(root.modules) == {"vpc", "platform", "workload"}
    assert not any(kind.startswith(("aws_iam_", "aws_eks_")) for kind, _ in root.resources)


def test_there_is_one_workload_cluster_per_entry_of_the_workload_clusters_variable() -> None:
    root = load_root_module(CLUSTER_MODULE)
    call = root.modules["workload"]
    assert call["for_each"] == "${var.workload_clusters}"
    assert call["name"] == "${each.key}"
    assert root.variables["workload_clusters"]["default"] == {}


def test_a_workload_cluster_takes_the_platform_settings_unless_it_sets_its_own() -> None:
    call = load_root_module(CLUSTER_MODULE).modules["workload"]
    assert expression(call["kubernetes_version"]) == "coalesce(each.value.kubernetes_version, var.kubernetes_version)"
    for group in ("default_node_group", "system_node_group"):
        assert expression(call[group]) == f"each.value.{group} != null ? each.value.{group} : var.{group}"
    assert expression(call["tags"]) == "merge(each.value.tags, {Cluster = each.key})"


def test_a_workload_entry_has_the_shape_of_the_platform_settings() -> None:
    variables = load_root_module(CLUSTER_MODULE).variables
    entry = expression(variables["workload_clusters"]["type"])
    for group in ("default_node_group", "system_node_group"):
        shape = expression(variables[group]["type"])
        assert f"{group} = optional({shape})" in entry, group
    assert "kubernetes_version = optional(string)" in entry


def test_the_cluster_module_takes_node_groups_of_the_same_shape() -> None:
    root = load_root_module(CLUSTER_MODULE).variables
    child = load_root_module(FLEET_CLUSTER_MODULE).variables
    for group in ("default_node_group", "system_node_group"):
        assert child[group]["type"] == root[group]["type"], group
