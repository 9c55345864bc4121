"""Help texts of the flags several tasks share (imported by every `invoke` start: constants only)."""

KUBE_FLAGS = {
    "kubeconfig": "kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)",
    "context": "kubeconfig context (default: the current context)",
}
