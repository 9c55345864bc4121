"""What the in-process EKS token costs: signed here (the fast path) against an `sts` client presigning it.

    python bench/eks_token.py                       # 9 interleaved runs of each, this interpreter
    python bench/eks_token.py --runs 15 --python .venv-user/bin/python

Each run is a fresh process that times `mint()` once (botocore's imports included, as a run of
`invoke status` pays them), with example keys in the environment and no AWS config, region
eu-central-1. "after kubernetes" first imports the kubernetes client, as `status` has by the time it
needs a token (both share urllib3 and dateutil). "sts client" is the same `mint()` with the fast path
turned off (what every token cost before). Nothing is sent anywhere. This is not a test: it prints
medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import sys, time
if sys.argv[1] == "after-kubernetes":
    import kubernetes.client
from ops.kube import eks_token
if sys.argv[2] == "client":
    eks_token.sts_endpoint = lambda session, region: None  # every token through an sts client
started = time.perf_counter()
eks_token.mint(eks_token.EksExec("kratix-demo", "eu-central-1"))
print(time.perf_counter() - started)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="interleaved runs of each (medians are shown)")
    parser.add_argument("--python", default=sys.executable, help="the interpreter to run mint() with")
    args = parser.parse_args()
    python = os.path.abspath(args.python)  # not resolve(): a venv's python is a symlink to its base
    with tempfile.TemporaryDirectory(prefix="eks-token-") as work:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {
            "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "AWS_CONFIG_FILE": str(Path(work) / "none"),
            "AWS_SHARED_CREDENTIALS_FILE": str(Path(work) / "none"),
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        variants = [(when, path) for when in ("cold", "after-kubernetes") for path in ("client", "here")]
        seconds: dict[tuple[str, str], list[float]] = {v: [] for v in variants}
        for _ in range(args.runs):
            for when, path in variants:
                done = subprocess.run(
                    [python, "-c", CHILD, when, path], cwd=ROOT, env=env, capture_output=True, text=True, check=True
                )
                seconds[(when, path)].append(float(done.stdout.strip()))
    for when in ("cold", "after-kubernetes"):
        client, here = (statistics.median(seconds[(when, p)]) for p in ("client", "here"))
        print(f"mint(), {when}: sts client {client:.3f} s, signed here {here:.3f} s ({here / client:.2f}x)")


if __name__ == "__main__":
    main()
