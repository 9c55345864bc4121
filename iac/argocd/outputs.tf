# Read by the invoke tasks with `tofu output -json`.

output "argocd_namespace" {
  description = "Namespace Argo CD runs in (and where Applications must be created)."
  value       = kubernetes_namespace_v1.argocd.metadata[0].name
}

output "argocd_server_service" {
  description = "Name of the argocd-server Service (ports 80 and 443), e.g. for kubectl port-forward."
  value       = "${local.argocd_fullname}-server"
}

output "argocd_release_name" {
  description = "Helm release name of Argo CD."
  value       = helm_release.argocd.name
}
