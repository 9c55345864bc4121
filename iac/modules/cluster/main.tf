locals {
  # The one taint that keeps application pods off the system nodes. Every platform component
  # (Argo CD in iac/argocd/main.tf, the Applications in gitops/argocd/apps/) tolerates exactly this;
  # tests/iac/test_tolerations.py fails when they drift apart.
  system_node_taint = {
    key    = "node-type"
    value  = "system"
    effect = "NO_SCHEDULE"
  }
  system_node_labels = {
    "node-type" = "system"
  }
}

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

module "eks" {
  #checkov:skip=CKV_TF_1:A registry module, pinned to one exact version; a registry source cannot name a commit hash.
  source  = "terraform-aws-modules/eks/aws"
  version = "21.10.1"

  name               = var.name
  kubernetes_version = var.kubernetes_version

  # Fail closed: the API is reached inside the VPC; the public endpoint exists only for the CIDRs
  # listed (none by default). Kubernetes still authenticates every caller through IAM.
  endpoint_private_access      = true
  endpoint_public_access       = length(var.endpoint_public_access_cidrs) > 0
  endpoint_public_access_cidrs = var.endpoint_public_access_cidrs

  # The private endpoint answers the nodes; these networks (a VPN, a bastion, a CI runner in or
  # peered with the VPC) may reach it too, on 443 only.
  security_group_additional_rules = length(var.endpoint_private_access_cidrs) == 0 ? {} : {
    api_from_operator_networks = {
      description = "Kubernetes API (private endpoint) from the operator networks"
      from_port   = 443
      to_port     = 443
      cidr_blocks = var.endpoint_private_access_cidrs
    }
  }

  # The identity that runs `tofu apply` is the first cluster admin (the tasks use it too).
  enable_cluster_creator_admin_permissions = true
  access_entries = {
    for arn in var.cluster_admin_principal_arns : arn => {
      principal_arn = arn
      policy_associations = {
        admin = {
          policy_arn   = "arn:${data.aws_partition.current.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
          access_scope = { type = "cluster" }
        }
      }
    }
  }

  enable_irsa = true

  vpc_id     = var.vpc_id
  subnet_ids = var.subnet_ids

  enabled_log_types                      = ["api", "audit", "authenticator"]
  cloudwatch_log_group_retention_in_days = var.log_retention_days

  addons = {
    coredns = {
      most_recent = true
    }
    kube-proxy = {
      most_recent = true
    }
    vpc-cni = {
      most_recent = true
      # The CNI (with its IRSA role) must exist before nodes join, since nodes get no CNI policy.
      before_compute           = true
      service_account_role_arn = aws_iam_role.vpc_cni.arn
    }
    aws-ebs-csi-driver = {
      most_recent              = true
      service_account_role_arn = aws_iam_role.ebs_csi.arn
    }
  }

  tags = var.tags

  eks_managed_node_groups = {
    # Application workloads: Datadog stacks, Promise pipelines, team services.
    default = {
      name           = "default"
      ami_type       = var.default_node_group.ami_type
      instance_types = var.default_node_group.instance_types
      capacity_type  = var.default_node_group.capacity_type
      min_size       = var.default_node_group.min_size
      desired_size   = var.default_node_group.desired_size
      max_size       = var.default_node_group.max_size

      iam_role_name            = "${var.name}-default-nodes"
      iam_role_use_name_prefix = false
      # The VPC CNI gets its permissions through IRSA, not through every node's role.
      iam_role_attach_cni_policy = false

      block_device_mappings = {
        xvda = {
          device_name = "/dev/xvda"
          ebs = {
            volume_size           = var.default_node_group.disk_size_gib
            volume_type           = "gp3"
            encrypted             = true
            delete_on_termination = true
          }
        }
      }
      update_config = {
        max_unavailable_percentage = 33
      }
      labels = {
        "node-type" = "default"
      }
    }

    # Platform components only: Argo CD, Kratix, cert-manager, External Secrets, Flux, metrics-server.
    system = {
      name           = "system"
      ami_type       = var.system_node_group.ami_type
      instance_types = var.system_node_group.instance_types
      capacity_type  = var.system_node_group.capacity_type
      min_size       = var.system_node_group.min_size
      desired_size   = var.system_node_group.desired_size
      max_size       = var.system_node_group.max_size

      iam_role_name              = "${var.name}-system-nodes"
      iam_role_use_name_prefix   = false
      iam_role_attach_cni_policy = false

      block_device_mappings = {
        xvda = {
          device_name = "/dev/xvda"
          ebs = {
            volume_size           = var.system_node_group.disk_size_gib
            volume_type           = "gp3"
            encrypted             = true
            delete_on_termination = true
          }
        }
      }
      update_config = {
        max_unavailable_percentage = 33
      }
      labels = local.system_node_labels
      taints = {
        system = local.system_node_taint
      }
    }
  }
}
