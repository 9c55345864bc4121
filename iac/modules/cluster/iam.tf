# IRSA roles, one per service account, each trusted only by that service account.

locals {
  irsa_service_accounts = {
    ebs_csi          = "kube-system:ebs-csi-controller-sa"
    vpc_cni          = "kube-system:aws-node"
    external_secrets = "${var.external_secrets_namespace}:${var.external_secrets_service_account}"
  }

  # Secrets Manager ARNs end in "-" plus six random characters, hence "-??????" for a named secret.
  secretsmanager_arn_prefix = "arn:${data.aws_partition.current.partition}:secretsmanager:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:secret:"
}

data "aws_iam_policy_document" "irsa_trust" {
  for_each = local.irsa_service_accounts

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [module.eks.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${module.eks.oidc_provider}:sub"
      values   = ["system:serviceaccount:${each.value}"]
    }

    condition {
      test     = "StringEquals"
      variable = "${module.eks.oidc_provider}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "ebs_csi" {
  name               = "${var.name}-ebs-csi"
  description        = "EBS CSI controller of ${var.name} (IRSA)"
  assume_role_policy = data.aws_iam_policy_document.irsa_trust["ebs_csi"].json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "ebs_csi" {
  role       = aws_iam_role.ebs_csi.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"
}

resource "aws_iam_role" "vpc_cni" {
  name               = "${var.name}-vpc-cni"
  description        = "VPC CNI (aws-node) of ${var.name} (IRSA)"
  assume_role_policy = data.aws_iam_policy_document.irsa_trust["vpc_cni"].json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "vpc_cni" {
  role       = aws_iam_role.vpc_cni.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonEKS_CNI_Policy"
}

resource "aws_iam_role" "external_secrets" {
  name               = "${var.name}-external-secrets"
  description        = "External Secrets Operator of ${var.name}: read the Datadog secrets and the named ones (IRSA)"
  assume_role_policy = data.aws_iam_policy_document.irsa_trust["external_secrets"].json
  tags               = var.tags
}

# Read-only, two actions, the Datadog prefix and the named secrets only. No ListSecrets (it cannot
# be scoped to a resource), so ExternalSecrets must name their keys; `dataFrom.find` will be denied.
data "aws_iam_policy_document" "external_secrets" {
  statement {
    sid    = "ReadDatadogSecrets"
    effect = "Allow"
    actions = [
      "secretsmanager:GetSecretValue",
      "secretsmanager:DescribeSecret",
    ]
    resources = ["${local.secretsmanager_arn_prefix}${var.datadog_secret_prefix}*"]
  }

  # One statement per named secret (the platform cluster: the Kratix git credentials).
  dynamic "statement" {
    for_each = var.external_secrets_secret_names
    content {
      effect = "Allow"
      actions = [
        "secretsmanager:GetSecretValue",
        "secretsmanager:DescribeSecret",
      ]
      resources = ["${local.secretsmanager_arn_prefix}${statement.value}-??????"]
    }
  }
}

resource "aws_iam_role_policy" "external_secrets" {
  name   = "read-platform-secrets"
  role   = aws_iam_role.external_secrets.id
  policy = data.aws_iam_policy_document.external_secrets.json
}
