"""The emulator's fixtures as a pytest plugin: same as `tests.kube.fixtures` (register one of them)."""

from tests.kube.fixtures import kube, kubeconfig

__all__ = ["kube", "kubeconfig"]
