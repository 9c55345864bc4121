# Read by the invoke tasks with `tofu output -json`: the names are part of their interface.
# The first ones describe the platform cluster; `workload_clusters` describes the others.

output "cluster_name" {
  description = "EKS cluster name of the platform cluster."
  value       = module.platform.cluster_name
}

output "region" {
  description = "AWS region of the clusters."
  value       = var.region
}

output "cluster_endpoint" {
  description = "URL of the platform cluster's Kubernetes API server."
  value       = module.platform.cluster_endpoint
}

output "cluster_certificate_authority_data" {
  description = "Base64-encoded CA certificate of the platform cluster's Kubernetes API server."
  value       = module.platform.cluster_certificate_authority_data
}

output "oidc_provider_arn" {
  description = "ARN of the IAM OIDC provider that the platform cluster's IRSA roles trust."
  value       = module.platform.oidc_provider_arn
}

output "external_secrets_role_arn" {
  description = "IAM role for the platform cluster's External Secrets Operator service account (pass it to iac/argocd)."
  value       = module.platform.external_secrets_role_arn
}

output "account_id" {
  description = "AWS account that holds the clusters and their secrets."
  value       = data.aws_caller_identity.current.account_id
}

output "vpc_id" {
  description = "ID of the VPC shared by the clusters."
  value       = module.vpc.vpc_id
}

output "kratix_git_secret_name" {
  description = "Secrets Manager name of the Kratix git credentials the platform cluster's ESO role may read."
  value       = var.kratix_git_secret_name
}

output "datadog_secret_prefix" {
  description = "Secrets Manager name prefix of the Datadog secrets every cluster's ESO role may read."
  value       = var.datadog_secret_prefix
}

output "workload_clusters" {
  description = "The workload clusters by name: cluster_name, region, endpoint, certificate_authority_data, oidc_provider_arn, eso_role_arn, endpoint_public_access (read by `invoke cluster.add`)."
  value = {
    for name, cluster in module.workload : name => {
      cluster_name               = cluster.cluster_name
      region                     = var.region
      endpoint                   = cluster.cluster_endpoint
      certificate_authority_data = cluster.cluster_certificate_authority_data
      oidc_provider_arn          = cluster.oidc_provider_arn
      eso_role_arn               = cluster.external_secrets_role_arn
      endpoint_public_access     = cluster.endpoint_public_access
    }
  }

  precondition {
    condition     = !contains(keys(var.workload_clusters), var.cluster_name)
    error_message = "workload_clusters must not use the platform cluster's name (cluster_name)."
  }
}
