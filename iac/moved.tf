# The platform cluster's resources lived in this root module before the fleet refactor; these
# blocks move them in the state, so upgrading plans no replacement of the cluster or its roles.

moved {
  from = module.eks
  to   = module.platform.module.eks
}

moved {
  from = aws_iam_role.ebs_csi
  to   = module.platform.aws_iam_role.ebs_csi
}

moved {
  from = aws_iam_role_policy_attachment.ebs_csi
  to   = module.platform.aws_iam_role_policy_attachment.ebs_csi
}

moved {
  from = aws_iam_role.vpc_cni
  to   = module.platform.aws_iam_role.vpc_cni
}

moved {
  from = aws_iam_role_policy_attachment.vpc_cni
  to   = module.platform.aws_iam_role_policy_attachment.vpc_cni
}

moved {
  from = aws_iam_role.external_secrets
  to   = module.platform.aws_iam_role.external_secrets
}

moved {
  from = aws_iam_role_policy.external_secrets
  to   = module.platform.aws_iam_role_policy.external_secrets
}
