# The External Secrets Operator's service account is created here rather than by its chart:
# the IRSA role ARN is an output of the cluster module, and keeping it out of the Application
# manifests means nothing in git carries an account id. The ESO Application sets
# serviceAccount.create=false and uses this account by name.

resource "kubernetes_namespace_v1" "external_secrets" {
  metadata {
    name = var.external_secrets_namespace
  }
}

resource "kubernetes_service_account_v1" "external_secrets" {
  metadata {
    name      = var.external_secrets_service_account
    namespace = kubernetes_namespace_v1.external_secrets.metadata[0].name
    annotations = {
      "eks.amazonaws.com/role-arn" = var.external_secrets_role_arn
    }
  }
}
