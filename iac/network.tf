module "vpc" {
  #checkov:skip=CKV_TF_1:A registry module, pinned to one exact version; a registry source cannot name a commit hash.
  source  = "terraform-aws-modules/vpc/aws"
  version = "6.5.1"

  name = var.cluster_name
  cidr = var.vpc_cidr
  azs  = local.azs

  # Nodes live in the private subnets (one /20 per AZ for a /16); the small public subnets only
  # hold the NAT gateway and internet-facing load balancers.
  private_subnets = [for index, _ in local.azs : cidrsubnet(var.vpc_cidr, 4, index)]
  public_subnets  = [for index, _ in local.azs : cidrsubnet(var.vpc_cidr, 8, index + 48)]

  enable_nat_gateway   = true
  single_nat_gateway   = var.single_nat_gateway
  enable_dns_hostnames = true
  enable_dns_support   = true

  manage_default_security_group = true
  manage_default_route_table    = true
  manage_default_network_acl    = true

  enable_flow_log                                 = var.enable_vpc_flow_logs
  create_flow_log_cloudwatch_iam_role             = var.enable_vpc_flow_logs
  create_flow_log_cloudwatch_log_group            = var.enable_vpc_flow_logs
  flow_log_cloudwatch_log_group_retention_in_days = var.log_retention_days

  # Service load balancers find their subnets by these role tags.
  public_subnet_tags = {
    "kubernetes.io/role/elb" = "1"
  }
  private_subnet_tags = {
    "kubernetes.io/role/internal-elb" = "1"
  }
}
