# Read by the invoke tasks with `tofu output -json`: the names are part of their interface.

output "cluster_name" {
  description = "EKS cluster name."
  value       = module.eks.cluster_name
}

output "region" {
  description = "AWS region of the cluster."
  value       = var.region
}

output "cluster_endpoint" {
  description = "URL of the Kubernetes API server."
  value       = module.eks.cluster_endpoint
}

output "cluster_certificate_authority_data" {
  description = "Base64-encoded CA certificate of the Kubernetes API server."
  value       = module.eks.cluster_certificate_authority_data
}

output "oidc_provider_arn" {
  description = "ARN of the IAM OIDC provider that IRSA roles trust."
  value       = module.eks.oidc_provider_arn
}

output "external_secrets_role_arn" {
  description = "IAM role for the External Secrets Operator service account (pass it to iac/argocd)."
  value       = aws_iam_role.external_secrets.arn
}

output "account_id" {
  description = "AWS account that holds the cluster and its secrets."
  value       = data.aws_caller_identity.current.account_id
}

output "vpc_id" {
  description = "ID of the cluster VPC."
  value       = module.vpc.vpc_id
}

output "kratix_git_secret_name" {
  description = "Secrets Manager name of the Kratix git credentials the ESO role may read."
  value       = var.kratix_git_secret_name
}

output "datadog_secret_prefix" {
  description = "Secrets Manager name prefix of the Datadog secrets the ESO role may read."
  value       = var.datadog_secret_prefix
}
