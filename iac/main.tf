data "aws_caller_identity" "current" {}

data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:Zone names differ per region and account, so no fixed allow-list fits; the subnets take the first az_count names, and a change of that set shows as subnet replacements in the plan that apply asks about.
  # Local Zones and Wavelength Zones cannot host EKS control-plane subnets.
  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

locals {
  azs = slice(data.aws_availability_zones.available.names, 0, var.az_count)

  tags = merge(
    {
      Project   = "kratix-ops"
      Cluster   = var.cluster_name
      ManagedBy = "opentofu"
    },
    var.tags,
  )
}
