locals {
  # Must match local.system_node_taint of the cluster module (../modules/cluster/main.tf); EKS
  # spells the effect NO_SCHEDULE, Kubernetes NoSchedule. tests/iac/test_tolerations.py checks both
  # agree.
  system_node_toleration = {
    key      = "node-type"
    operator = "Equal"
    value    = "system"
    effect   = "NoSchedule"
  }
  system_node_selector = {
    "node-type" = "system"
  }

  # argo-cd chart values. `global` scheduling applies to every component, hook jobs included.
  argocd_values = {
    global = {
      tolerations  = [local.system_node_toleration]
      nodeSelector = local.system_node_selector
    }
    configs = {
      params = {
        "server.insecure" = var.argocd_server_insecure
      }
    }
    # No SSO here; log in as admin with the generated argocd-initial-admin-secret.
    dex = {
      enabled = false
    }
  }

  # The chart names the server Service <fullname>-server, where fullname is the release name
  # when it contains "argocd" and <release>-argocd otherwise.
  argocd_fullname = length(regexall("argocd", var.argocd_release_name)) > 0 ? var.argocd_release_name : "${var.argocd_release_name}-argocd"
}

resource "kubernetes_namespace_v1" "argocd" {
  metadata {
    name = var.argocd_namespace
  }
}

resource "helm_release" "argocd" {
  name       = var.argocd_release_name
  repository = "https://argoproj.github.io/argo-helm"
  chart      = "argo-cd"
  version    = var.argocd_chart_version
  namespace  = kubernetes_namespace_v1.argocd.metadata[0].name

  wait    = true
  timeout = 600

  values = [yamlencode(local.argocd_values)]
}
