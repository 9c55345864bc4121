"""Where this repository keeps what the tasks run: the OpenTofu modules, the Argo CD Applications, the pipeline.

The tasks run from a clone (`pip install -e .`), so the folders sit next to the `ops` package.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLUSTER_MODULE = ROOT / "iac"  # VPC, EKS, IRSA roles
ARGOCD_MODULE = ROOT / "iac" / "argocd"  # Argo CD and the External Secrets service account
ARGOCD_APPS = ROOT / "gitops" / "argocd" / "apps"
PROMISE_FILE = ROOT / "promises" / "promise.yaml"
PIPELINE_DIR = ROOT / "promises" / "pipelines" / "datadog-configure"


def shown(path: Path) -> str:
    """A path as the user should read it: relative to the repository when inside it."""
    try:
        return str(path.resolve().relative_to(ROOT)) or "."
    except ValueError:
        return str(path)
