"""The platform's lifecycle: the cluster (OpenTofu), kubeconfig, Argo CD, the stores Kratix and
ESO use, secrets, setup and teardown."""
