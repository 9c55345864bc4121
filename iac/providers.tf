provider "aws" {
  region = var.region
  # null: the default credential chain (AWS_PROFILE, SSO cache, environment, instance role).
  profile = var.aws_profile

  default_tags {
    tags = local.tags
  }
}
