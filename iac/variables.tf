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

  validation {
    # IAM names derive from it: the EKS module's "<cluster>-cluster-" role prefix may have at most 38 characters.
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,27}$", var.cluster_name)) && !endswith(var.cluster_name, "-")
    error_message = "cluster_name must be 1-28 characters, start with a letter, contain only letters, digits and hyphens, and not end with a hyphen."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes <major>.<minor> version of the EKS control plane, e.g. 1.34."
  type        = string
  default     = "1.34"

  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "kubernetes_version must look like 1.34 (major.minor, no patch)."
  }
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

variable "endpoint_public_access" {
  description = "Expose the Kubernetes API endpoint on the internet (restricted by endpoint_public_access_cidrs)."
  type        = bool
  default     = true
}

variable "endpoint_public_access_cidrs" {
  description = "CIDRs allowed to reach the public API endpoint. Narrow this to your own addresses."
  type        = list(string)
  default     = ["0.0.0.0/0"]

  validation {
    condition     = length(var.endpoint_public_access_cidrs) > 0 && alltrue([for cidr in var.endpoint_public_access_cidrs : can(cidrhost(cidr, 0))])
    error_message = "endpoint_public_access_cidrs must be a non-empty list of CIDRs such as 203.0.113.7/32."
  }
}

variable "cluster_admin_principal_arns" {
  description = "Extra IAM role/user ARNs given cluster-admin through EKS access entries (the creator is admin already)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.cluster_admin_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/.+$", arn))])
    error_message = "cluster_admin_principal_arns must contain IAM role or user ARNs."
  }
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

  validation {
    condition     = length(var.default_node_group.instance_types) > 0
    error_message = "default_node_group.instance_types must list at least one instance type."
  }
  validation {
    condition = (
      var.default_node_group.min_size >= 0
      && var.default_node_group.min_size <= var.default_node_group.desired_size
      && var.default_node_group.desired_size <= var.default_node_group.max_size
      && var.default_node_group.max_size >= 1
    )
    error_message = "default_node_group needs 0 <= min_size <= desired_size <= max_size and max_size >= 1."
  }
  validation {
    condition     = contains(["AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD"], var.default_node_group.ami_type)
    error_message = "default_node_group.ami_type must be AL2023_x86_64_STANDARD or AL2023_ARM_64_STANDARD."
  }
  validation {
    condition     = contains(["ON_DEMAND", "SPOT"], var.default_node_group.capacity_type)
    error_message = "default_node_group.capacity_type must be ON_DEMAND or SPOT."
  }
  validation {
    condition     = var.default_node_group.disk_size_gib >= 20 && var.default_node_group.disk_size_gib <= 16384
    error_message = "default_node_group.disk_size_gib must be from 20 to 16384."
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

  validation {
    condition     = length(var.system_node_group.instance_types) > 0
    error_message = "system_node_group.instance_types must list at least one instance type."
  }
  validation {
    # Platform components only run here; zero nodes would leave Argo CD and Kratix unschedulable.
    condition = (
      var.system_node_group.min_size >= 1
      && var.system_node_group.min_size <= var.system_node_group.desired_size
      && var.system_node_group.desired_size <= var.system_node_group.max_size
    )
    error_message = "system_node_group needs 1 <= min_size <= desired_size <= max_size."
  }
  validation {
    condition     = contains(["AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD"], var.system_node_group.ami_type)
    error_message = "system_node_group.ami_type must be AL2023_x86_64_STANDARD or AL2023_ARM_64_STANDARD."
  }
  validation {
    # Spot interruptions would take the control loops of the whole platform down at once.
    condition     = var.system_node_group.capacity_type == "ON_DEMAND"
    error_message = "system_node_group.capacity_type must be ON_DEMAND."
  }
  validation {
    condition     = var.system_node_group.disk_size_gib >= 20 && var.system_node_group.disk_size_gib <= 16384
    error_message = "system_node_group.disk_size_gib must be from 20 to 16384."
  }
}

variable "external_secrets_namespace" {
  description = "Namespace of the External Secrets Operator; its service account is the only one trusted by the ESO role."
  type        = string
  default     = "external-secrets"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.external_secrets_namespace))
    error_message = "external_secrets_namespace must be a Kubernetes namespace name (DNS label)."
  }
}

variable "external_secrets_service_account" {
  description = "Service account of the External Secrets Operator controller (created by the iac/argocd module)."
  type        = string
  default     = "external-secrets"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", var.external_secrets_service_account))
    error_message = "external_secrets_service_account must be a Kubernetes object name."
  }
}

variable "datadog_secret_prefix" {
  description = "Secrets Manager name prefix of the Datadog API/app key secrets; ESO may read every secret under it."
  type        = string
  default     = "datadog/"

  validation {
    condition     = can(regex("^[A-Za-z0-9_+=.@-][A-Za-z0-9/_+=.@-]*/$", var.datadog_secret_prefix))
    error_message = "datadog_secret_prefix must be a Secrets Manager name prefix ending in '/', without wildcards, e.g. datadog/."
  }
}

variable "kratix_git_secret_name" {
  description = "Secrets Manager name of the Kratix state-store git credentials (JSON with username and password)."
  type        = string
  default     = "kratix/git-credentials"

  validation {
    condition     = can(regex("^[A-Za-z0-9/_+=.@-]{1,512}$", var.kratix_git_secret_name)) && !endswith(var.kratix_git_secret_name, "/")
    error_message = "kratix_git_secret_name must be a Secrets Manager secret name (letters, digits, /_+=.@-), without wildcards."
  }
}

variable "tags" {
  description = "Extra tags for every AWS resource (added to Project, Cluster and ManagedBy)."
  type        = map(string)
  default     = {}
}
