# Values that every cluster of the fleet takes (name, version, node groups, endpoint CIDRs, ESO
# identity, secret names) are validated once, in modules/cluster/variables.tf, for the platform
# cluster and each workload cluster alike; this file validates what only the root module uses.

variable "region" {
  description = "AWS region of the cluster, e.g. eu-central-1."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]+$", var.region))
    error_message = "region must be an AWS region code such as eu-central-1 or us-gov-west-1."
  }
}

variable "aws_profile" {
  description = "Named AWS CLI profile to use; null uses the default credential chain (AWS_PROFILE, environment, SSO)."
  type        = string
  default     = null
}

variable "cluster_name" {
  description = "EKS cluster name; also the prefix of the VPC, node group and IAM role names."
  type        = string
  default     = "kratix-demo"
}

variable "kubernetes_version" {
  description = "Kubernetes <major>.<minor> version of the EKS control plane, e.g. 1.34."
  type        = string
  default     = "1.34"
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC, from /16 to /20; subnets are carved from it per AZ (see README)."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition = (
      can(cidrhost(var.vpc_cidr, 0))
      && can(regex("^[0-9.]+/[0-9]+$", var.vpc_cidr))
      && try(tonumber(split("/", var.vpc_cidr)[1]) >= 16 && tonumber(split("/", var.vpc_cidr)[1]) <= 20, false)
    )
    error_message = "vpc_cidr must be an IPv4 CIDR with a prefix length from /16 to /20, e.g. 10.0.0.0/16."
  }
}

variable "az_count" {
  description = "Number of availability zones to spread subnets and nodes over."
  type        = number
  default     = 3

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 6 && floor(var.az_count) == var.az_count
    error_message = "az_count must be a whole number from 2 (EKS needs two AZs) to 6."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all AZs (cheaper) instead of one per AZ (survives an AZ outage)."
  type        = bool
  default     = true
}

variable "enable_vpc_flow_logs" {
  description = "Send VPC flow logs to CloudWatch Logs."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Retention of the EKS control-plane and VPC flow log groups, in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}

variable "endpoint_public_access_cidrs" {
  description = "IPv4 CIDRs that may reach the clusters' public API endpoints, e.g. [\"203.0.113.7/32\"]. Empty (the default) turns the public endpoints off: then `invoke kubeconfig`, `invoke setup` and iac/argocd need network reach to the private endpoint (endpoint_private_access_cidrs). No /0."
  type        = list(string)
  default     = []
}

variable "endpoint_private_access_cidrs" {
  description = "IPv4 CIDRs inside or connected to the VPC (a VPN, a bastion, a CI runner) that may reach the clusters' private API endpoints on 443; the nodes always may."
  type        = list(string)
  default     = []
}

variable "cluster_admin_principal_arns" {
  description = "Extra IAM role/user ARNs given cluster-admin through EKS access entries (the creator is admin already)."
  type        = list(string)
  default     = []
}

variable "default_node_group" {
  description = "Size and instance types of the untainted node group for application workloads."
  type = object({
    instance_types = list(string)
    min_size       = number
    desired_size   = number
    max_size       = number
    ami_type       = optional(string, "AL2023_x86_64_STANDARD")
    capacity_type  = optional(string, "ON_DEMAND")
    disk_size_gib  = optional(number, 50)
  })
  default = {
    instance_types = ["t3.large"]
    min_size       = 1
    desired_size   = 2
    max_size       = 4
  }
}

variable "system_node_group" {
  description = "Size and instance types of the node group tainted node-type=system:NoSchedule for platform components."
  type = object({
    instance_types = list(string)
    min_size       = number
    desired_size   = number
    max_size       = number
    ami_type       = optional(string, "AL2023_x86_64_STANDARD")
    capacity_type  = optional(string, "ON_DEMAND")
    disk_size_gib  = optional(number, 50)
  })
  default = {
    instance_types = ["t3.large"]
    min_size       = 2
    desired_size   = 2
    max_size       = 3
  }
}

variable "external_secrets_namespace" {
  description = "Namespace of the External Secrets Operator; its service account is the only one trusted by the ESO role."
  type        = string
  default     = "external-secrets"
}

variable "external_secrets_service_account" {
  description = "Service account of the External Secrets Operator controller (created by the iac/argocd module)."
  type        = string
  default     = "external-secrets"
}

variable "datadog_secret_prefix" {
  description = "Secrets Manager name prefix of the Datadog API/app key secrets; ESO may read every secret under it."
  type        = string
  default     = "datadog/"
}

variable "kratix_git_secret_name" {
  description = "Secrets Manager name of the Kratix state-store git credentials (JSON with username and password)."
  type        = string
  default     = "kratix/git-credentials"
}

variable "workload_clusters" {
  description = "Workload clusters to create beside the platform cluster, by name (1-28 characters, like cluster_name). Each gets the platform cluster's settings unless it sets its own, and its own IRSA role for External Secrets (Datadog secrets only)."
  type = map(object({
    kubernetes_version = optional(string)
    default_node_group = optional(object({
      instance_types = list(string)
      min_size       = number
      desired_size   = number
      max_size       = number
      ami_type       = optional(string, "AL2023_x86_64_STANDARD")
      capacity_type  = optional(string, "ON_DEMAND")
      disk_size_gib  = optional(number, 50)
    }))
    system_node_group = optional(object({
      instance_types = list(string)
      min_size       = number
      desired_size   = number
      max_size       = number
      ami_type       = optional(string, "AL2023_x86_64_STANDARD")
      capacity_type  = optional(string, "ON_DEMAND")
      disk_size_gib  = optional(number, 50)
    }))
    tags = optional(map(string), {})
  }))
  default = {}
}

variable "tags" {
  description = "Extra tags for every AWS resource (added to Project, Cluster and ManagedBy)."
  type        = map(string)
  default     = {}
}
