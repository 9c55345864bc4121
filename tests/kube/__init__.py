"""A local Kubernetes API server for the tests (kmock's emulator, made to answer like kube-apiserver)."""
