"""Suite-wide fixtures: the repository's paths and settings as a user's invoke.yaml gives them."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
import yaml

from ops.config import Settings

# Tests never reach beyond loopback: boto3 must not probe the instance metadata address (169.254.169.254)
# when a test leaves it without credentials. Set at import, before any test (or child process) starts.
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

# A shell without job control starts a background job (`invoke check &`) with Ctrl-C ignored, and every
# child inherits that: the tests of what Ctrl-C does would then see nothing. Python's own handler, as in a
# terminal.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

pytest_plugins = ["tests.kube.fixtures", "tests.aws", "tests.programs", "tests.objects", "tests.tasks.inprocess"]

ROOT = Path(__file__).resolve().parents[1]
PIPELINE_DIR = ROOT / "promises" / "pipelines" / "datadog-configure"
VALUES_DIR = PIPELINE_DIR / "values"
EXAMPLES = sorted((ROOT / "promises" / "examples").glob("*.yaml"))


def invoke_yaml() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "invoke.yaml").read_text())
    return data


@pytest.fixture
def settings() -> Settings:
    return Settings.from_config(invoke_yaml())


def datadog_stack(name: str = "production", namespace: str = "default", **spec: Any) -> dict[str, Any]:
    """A DatadogStack request as Kratix's reader writes it to /kratix/input/object.yaml."""
    spec.setdefault("clusterName", "kratix-demo")
    return {
        "apiVersion": "platform.srekubecraft.io/v1alpha1",
        "kind": "DatadogStack",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": "4f1c0a3e-1b7e-4c55-9a43-7c1f2b8d9e10",
            "generation": 1,
            "labels": {"kratix.io/promise-name": "datadog-stack"},
        },
        "spec": spec,
        "status": {"message": "Pending"},
    }
