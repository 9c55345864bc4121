"""Entry point of the pipeline image: `python -m datadog_configure`.

Exit codes: 0 configured; 1 the request is invalid (status says why, nothing written); 3 the
container is misconfigured (an environment variable the Promise sets is missing).
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Any

from datadog_configure.pipeline import run
from datadog_configure.settings import MissingSetting, PipelineSettings

TERMINATION_LOG = Path("/dev/termination-log")


def _report_failure(message: str, status: dict[str, Any], obj: Any) -> None:
    """Make the reason visible where an SRE looks: the log, the pod's termination message, the request."""
    print(f"ERROR: {message}", file=sys.stderr)
    if TERMINATION_LOG.parent.is_dir() and os.access(TERMINATION_LOG.parent, os.W_OK):
        with contextlib.suppress(OSError):
            TERMINATION_LOG.write_text(message)
    # A failed container stops the Job before status-writer runs, so status.yaml never lands:
    # publish the message to the request's status subresource directly when running under Kratix.
    if os.environ.get("KRATIX_CRD_PLURAL"):
        from kratix_sdk import KratixSDK, Status

        try:
            KratixSDK().publish_status(obj, Status(status))
        except Exception as err:  # the validation error is what matters; say why publishing failed
            print(f"WARNING: could not publish the status: {type(err).__name__}: {err}", file=sys.stderr)


def main() -> int:
    import kratix_sdk

    root = Path(os.environ.get("KRATIX_ROOT", "/"))  # "/" in the cluster; a folder to try the image locally
    kratix_sdk.set_input_dir(root / "kratix/input")
    kratix_sdk.set_output_dir(root / "kratix/output")
    kratix_sdk.set_metadata_dir(root / "kratix/metadata")
    try:
        settings = PipelineSettings.from_environ()
    except MissingSetting as err:
        print(f"ERROR: {err}", file=sys.stderr)
        return 3
    sdk = kratix_sdk.KratixSDK()
    outcome = run(sdk, settings)
    if outcome.result is None:
        _report_failure(str(outcome.status["message"]), outcome.status, sdk.read_resource_input())
        return 1
    result = outcome.result
    print(f"{outcome.status['message']}: {len(result.manifests)} manifests for namespace {result.target_namespace}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
