variable "region" {
  description = "AWS region of the cluster (output `region` of ../)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]+$", var.region))
    error_message = "region must be an AWS region code such as eu-central-1."
  }
}

variable "aws_profile" {
  description = "Named AWS CLI profile to use; null uses the default credential chain."
  type        = string
  default     = null
}

variable "cluster_name" {
  description = "EKS cluster to install Argo CD into (output `cluster_name` of ../)."
  type        = string
  default     = "kratix-demo"

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,27}$", var.cluster_name)) && !endswith(var.cluster_name, "-")
    error_message = "cluster_name must be 1-28 characters: letters, digits and hyphens, starting with a letter."
  }
}

variable "argocd_namespace" {
  description = "Namespace for Argo CD. The Applications in gitops/argocd/apps/ expect `argocd`."
  type        = string
  default     = "argocd"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.argocd_namespace))
    error_message = "argocd_namespace must be a Kubernetes namespace name (DNS label)."
  }
}

variable "argocd_release_name" {
  description = "Helm release name of Argo CD; with a name containing \"argocd\" the server Service is <release>-server."
  type        = string
  default     = "argocd"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$", var.argocd_release_name))
    error_message = "argocd_release_name must be a Helm release name: lowercase letters, digits and hyphens, at most 53 characters."
  }
}

variable "argocd_chart_version" {
  description = "Exact version of the argo-cd chart from https://argoproj.github.io/argo-helm (no ranges)."
  type        = string
  default     = "10.1.1"

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", var.argocd_chart_version))
    error_message = "argocd_chart_version must be an exact version such as 10.1.1, not a range."
  }
}

variable "argocd_server_insecure" {
  description = "Serve the Argo CD API/UI over plain HTTP (set when TLS ends at an ingress); false keeps the chart's TLS."
  type        = bool
  default     = false
}

variable "external_secrets_role_arn" {
  description = "IRSA role for the External Secrets Operator (output `external_secrets_role_arn` of ../)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.external_secrets_role_arn))
    error_message = "external_secrets_role_arn must be an IAM role ARN."
  }
}

variable "external_secrets_namespace" {
  description = "Namespace of the External Secrets Operator; must match the cluster module's variable of the same name."
  type        = string
  default     = "external-secrets"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.external_secrets_namespace))
    error_message = "external_secrets_namespace must be a Kubernetes namespace name (DNS label)."
  }
}

variable "external_secrets_service_account" {
  description = "Service account of the ESO controller; must match the cluster module's variable (the role trusts only it)."
  type        = string
  default     = "external-secrets"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", var.external_secrets_service_account))
    error_message = "external_secrets_service_account must be a Kubernetes object name."
  }
}
