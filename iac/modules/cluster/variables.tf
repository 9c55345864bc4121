# The rules every cluster of the fleet is held to: the platform cluster and each workload cluster
# are instances of this module, so a bad value is refused the same way for all of them.

variable "name" {
  description = "EKS cluster name; also the prefix of its node group and IAM role names."
  type        = string

  validation {
    # IAM names derive from it: the EKS module's "<cluster>-cluster-" role prefix may have at most 38 characters.
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,27}$", var.name)) && !endswith(var.name, "-")
    error_message = "cluster name must be 1-28 characters, start with a letter, contain only letters, digits and hyphens, and not end with a hyphen."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes <major>.<minor> version of the EKS control plane, e.g. 1.34."
  type        = string

  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "kubernetes_version must look like 1.34 (major.minor, no patch)."
  }
}

variable "vpc_id" {
  description = "VPC the cluster lives in (the root module's VPC, shared by the fleet)."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the control-plane network interfaces and the nodes."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids must list at least two subnets (EKS needs two availability zones)."
  }
}

variable "endpoint_public_access_cidrs" {
  description = "IPv4 CIDRs that may reach the public API endpoint; empty turns the public endpoint off (the private one is always on)."
  type        = list(string)

  validation {
    condition     = alltrue([for cidr in var.endpoint_public_access_cidrs : can(cidrhost(cidr, 0)) && can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+/[0-9]+$", cidr)) && try(cidrhost(cidr, 0) == split("/", cidr)[0], false)])
    error_message = "endpoint_public_access_cidrs must hold IPv4 CIDRs written with their network address, e.g. 203.0.113.7/32 or 198.51.100.0/24."
  }
  validation {
    condition     = alltrue([for cidr in var.endpoint_public_access_cidrs : !endswith(cidr, "/0")])
    error_message = "endpoint_public_access_cidrs must not contain a /0: list the addresses that run kubectl and the tasks instead."
  }
}

variable "endpoint_private_access_cidrs" {
  description = "IPv4 CIDRs inside or connected to the VPC (VPN, bastion, CI runner) that may reach the private API endpoint on 443."
  type        = list(string)

  validation {
    condition     = alltrue([for cidr in var.endpoint_private_access_cidrs : can(cidrhost(cidr, 0)) && can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+/[0-9]+$", cidr)) && try(cidrhost(cidr, 0) == split("/", cidr)[0], false)])
    error_message = "endpoint_private_access_cidrs must hold IPv4 CIDRs written with their network address, e.g. 10.8.0.0/16."
  }
  validation {
    condition     = alltrue([for cidr in var.endpoint_private_access_cidrs : !endswith(cidr, "/0")])
    error_message = "endpoint_private_access_cidrs must not contain a /0: list the networks that run kubectl and the tasks."
  }
}

variable "cluster_admin_principal_arns" {
  description = "Extra IAM role/user ARNs given cluster-admin through EKS access entries (the creator is admin already)."
  type        = list(string)

  validation {
    condition     = alltrue([for arn in var.cluster_admin_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/.+$", arn))])
    error_message = "cluster_admin_principal_arns must contain IAM role or user ARNs."
  }
}

variable "log_retention_days" {
  description = "Retention of the EKS control-plane log group, in days (validated by the root module)."
  type        = number
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

  validation {
    condition     = length(var.system_node_group.instance_types) > 0
    error_message = "system_node_group.instance_types must list at least one instance type."
  }
  validation {
    # Platform components only run here; zero nodes would leave Argo CD, Flux and ESO unschedulable.
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

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.external_secrets_namespace))
    error_message = "external_secrets_namespace must be a Kubernetes namespace name (DNS label)."
  }
}

variable "external_secrets_service_account" {
  description = "Service account of the External Secrets Operator controller."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", var.external_secrets_service_account))
    error_message = "external_secrets_service_account must be a Kubernetes object name."
  }
}

variable "datadog_secret_prefix" {
  description = "Secrets Manager name prefix of the Datadog secrets; the ESO role may read every secret under it."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_+=.@-][A-Za-z0-9/_+=.@-]*/$", var.datadog_secret_prefix))
    error_message = "datadog_secret_prefix must be a Secrets Manager name prefix ending in '/', without wildcards, e.g. datadog/."
  }
}

variable "external_secrets_secret_names" {
  description = "Exact Secrets Manager names the ESO role may read besides the Datadog prefix (the platform cluster: the Kratix git credentials; workload clusters: none)."
  type        = list(string)

  validation {
    condition     = alltrue([for name in var.external_secrets_secret_names : can(regex("^[A-Za-z0-9/_+=.@-]{1,512}$", name)) && !endswith(name, "/")])
    error_message = "external_secrets_secret_names must hold Secrets Manager secret names (letters, digits, /_+=.@-), without wildcards."
  }
}

variable "tags" {
  description = "Tags for the cluster's resources, over the provider's default tags (a workload cluster sets its own Cluster tag here)."
  type        = map(string)
}
