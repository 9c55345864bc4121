output "cluster_name" {
  description = "EKS cluster name."
  value       = module.eks.cluster_name
}

output "cluster_endpoint" {
  description = "URL of the Kubernetes API server (private inside the VPC; public only for the listed CIDRs)."
  value       = module.eks.cluster_endpoint
}

output "cluster_certificate_authority_data" {
  description = "Base64-encoded CA certificate of the Kubernetes API server."
  value       = module.eks.cluster_certificate_authority_data
}

output "oidc_provider_arn" {
  description = "ARN of the IAM OIDC provider that the cluster's IRSA roles trust."
  value       = module.eks.oidc_provider_arn
}

output "external_secrets_role_arn" {
  description = "IAM role for the cluster's External Secrets Operator service account."
  value       = aws_iam_role.external_secrets.arn
}

output "endpoint_public_access" {
  description = "Whether the API endpoint is reachable from the internet (for the listed CIDRs only)."
  value       = length(var.endpoint_public_access_cidrs) > 0
}
