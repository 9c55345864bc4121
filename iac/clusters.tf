# The fleet: the platform cluster (Argo CD, Kratix) and the workload clusters, all instances of
# modules/cluster (EKS, two node groups, IRSA roles), all in the VPC of network.tf.

module "platform" {
  source = "./modules/cluster"

  name                             = var.cluster_name
  kubernetes_version               = var.kubernetes_version
  vpc_id                           = module.vpc.vpc_id
  subnet_ids                       = module.vpc.private_subnets
  endpoint_public_access_cidrs     = var.endpoint_public_access_cidrs
  endpoint_private_access_cidrs    = var.endpoint_private_access_cidrs
  cluster_admin_principal_arns     = var.cluster_admin_principal_arns
  log_retention_days               = var.log_retention_days
  default_node_group               = var.default_node_group
  system_node_group                = var.system_node_group
  external_secrets_namespace       = var.external_secrets_namespace
  external_secrets_service_account = var.external_secrets_service_account
  datadog_secret_prefix            = var.datadog_secret_prefix
  # Only the platform cluster runs Kratix, which needs the state-store git credentials.
  external_secrets_secret_names = [var.kratix_git_secret_name]
  # The provider's default tags already name this cluster.
  tags = {}
}

module "workload" {
  source   = "./modules/cluster"
  for_each = var.workload_clusters

  name                             = each.key
  kubernetes_version               = coalesce(each.value.kubernetes_version, var.kubernetes_version)
  vpc_id                           = module.vpc.vpc_id
  subnet_ids                       = module.vpc.private_subnets
  endpoint_public_access_cidrs     = var.endpoint_public_access_cidrs
  endpoint_private_access_cidrs    = var.endpoint_private_access_cidrs
  cluster_admin_principal_arns     = var.cluster_admin_principal_arns
  log_retention_days               = var.log_retention_days
  default_node_group               = each.value.default_node_group != null ? each.value.default_node_group : var.default_node_group
  system_node_group                = each.value.system_node_group != null ? each.value.system_node_group : var.system_node_group
  external_secrets_namespace       = var.external_secrets_namespace
  external_secrets_service_account = var.external_secrets_service_account
  datadog_secret_prefix            = var.datadog_secret_prefix
  # A workload cluster's Datadog stacks need their keys and nothing else.
  external_secrets_secret_names = []
  tags                          = merge(each.value.tags, { Cluster = each.key })
}
