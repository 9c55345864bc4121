data "aws_caller_identity" "current" {}

data "aws_availability_zones" "available" {
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
