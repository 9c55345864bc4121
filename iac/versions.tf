terraform {
  # 1.6: first OpenTofu release; optional() object attributes and cross-field validation need >= 1.3.
  required_version = ">= 1.6.0"

  # No backend block: state is local (iac/terraform.tfstate) unless you copy backend.tf.example to
  # backend.tf and run `tofu init -backend-config=backend-s3.hcl` (see README.md).

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}
