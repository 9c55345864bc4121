"""Benchmark `invoke status` and `invoke doctor` against a real kube-apiserver with 1000 DatadogStacks.

    python bench/real_apiserver.py                  # 1000 DatadogStacks, 3 runs each
    python bench/real_apiserver.py --stacks 200 --runs 1

The variant of bench/incident.py on the upstream server: builds it when needed
(tests/realapi/build.sh, cached outside the work tree), starts kube-apiserver and etcd on 127.0.0.1
(tests/realapi/server.py), installs the platform's CRDs and seeds the platform as the `realapi` tier does
(tests/realapi/fleet.py: N stacks with status, namespace and HelmRelease, 3 with every object;
create + PUT `/status`, concurrently: the real server takes objects one by one), then runs
`invoke status` and `invoke doctor` as a user does (a fresh process each). No latency is added: the
figures are the real server's (TLS, JSON, paging at 500 objects). API requests are counted from the
server's own `apiserver_request_total`. This is not a test: nothing asserts; it prints figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.incident import Run, median, timed  # noqa: E402
from tests.realapi.crds import install_platform_crds  # noqa: E402
from tests.realapi.fleet import fleet, platform_objects, team_namespaces  # noqa: E402
from tests.realapi.seed import Seeder  # noqa: E402
from tests.realapi.server import Http, RealApiServer, built_binaries  # noqa: E402


def requests_served(api: Http) -> int:
    """The server's count of requests answered so far (all verbs, all codes)."""
    text = api.get("/metrics")["raw"]
    return sum(
        int(float(line.rsplit(" ", 1)[1])) for line in text.splitlines() if line.startswith("apiserver_request_total{")
    )


def measure(command: list[str], env: dict[str, str], api: Http) -> Run:
    """Wall time, requests (from the server's own counter), peak RSS; bytes are not counted here (0)."""
    before = requests_served(api)
    run = timed(command, env)
    served = requests_served(api) - before - 1  # less the metrics request that read `before`
    return Run(run.wall, served, 0, run.max_rss_mb, run.code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3, help="runs of each command (the median wall time is shown)")
    args = parser.parse_args()

    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    started = time.perf_counter()
    binaries = built_binaries()
    print(f"binaries ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    shm = Path("/dev/shm")
    work = Path(tempfile.mkdtemp(prefix="bench-real-apiserver-", dir=shm if shm.is_dir() else None))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INVOKE_", "AWS_"))}
    env |= {
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_CONFIG_FILE": str(work / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(work / "none"),
    }
    sm = boto3.client("secretsmanager", region_name="eu-central-1", endpoint_url=env["AWS_ENDPOINT_URL"],
                      aws_access_key_id="bench", aws_secret_access_key="bench")  # fmt: skip
    for name in ("dev", "prod", "staging"):
        sm.create_secret(Name=f"datadog/{name}/api-keys", SecretString=json.dumps({"api-key": "k", "app-key": "a"}))

    with RealApiServer(binaries, work / "server") as server:
        print(f"kube-apiserver ready in {server.ready_seconds:.1f} s", file=sys.stderr)
        started = time.perf_counter()
        install_platform_crds(server.admin)
        crds = time.perf_counter() - started
        objects = platform_objects(fleet(args.stacks))
        seeder = Seeder(server.admin)
        started = time.perf_counter()
        seeder.seed(team_namespaces())
        seeder.seed(objects)
        seeded = time.perf_counter() - started
        print(f"CRDs in {crds:.1f} s; seeded {len(objects)} objects ({args.stacks} DatadogStacks, "
              f"{seeder.requests} requests) in {seeded:.1f} s", file=sys.stderr)  # fmt: skip
        env["KUBECONFIG"] = str(server.kubeconfig)
        invoke = [sys.executable, "-m", "invoke"]
        status = [*invoke, "status", "--output", "json"]
        doctor = [*invoke, "doctor", "--output", "json", "--fail-on", "never"]
        rows = [
            ("invoke status", median([measure(status, env, server.admin) for _ in range(args.runs)])),
            ("invoke doctor", median([measure(doctor, env, server.admin) for _ in range(args.runs)])),
        ]
    moto.stop()
    shutil.rmtree(work, ignore_errors=True)

    print(f"\nreal kube-apiserver ({binaries.apiserver.parent}), {args.stacks} DatadogStacks, {len(objects)} objects, "
          f"median of {args.runs} run(s)")  # fmt: skip
    print(f"{'what':<24} {'wall s':>7} {'requests':>9} {'peak MB':>8} {'exit':>5}")
    for name, run in rows:
        print(f"{name:<24} {run.wall:>7.2f} {run.requests:>9} {run.max_rss_mb:>8.0f} {run.code:>5}")


if __name__ == "__main__":
    main()
