"""Benchmark `invoke status` and `invoke doctor` against a large platform, and the seed's way.

    python bench/incident.py                       # 1000 DatadogStacks, 50 ms per request
    python bench/incident.py --stacks 200 --latency 0.02 --runs 1

Starts the test API server (tests/kube/emulator.py) and moto's AWS server in this process, seeds
N DatadogStacks with everything they lead to (pipeline pod, Work, WorkPlacement, namespace,
HelmRepository, HelmRelease, ExternalSecret, Secret, agent DaemonSet and Deployment, agent pods),
a few broken ones for doctor to find, then adds a fixed latency to every API request. It runs
`invoke status` and `invoke doctor` as a user does (a fresh process, so cold start counts) and the
seed Taskfile's `status` (its four sequential kubectl calls, a cold discovery cache) when kubectl is
installed, and prints wall time, API requests and peak memory (max RSS) for each.
This is not a test: nothing asserts; it prints figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.kube.emulator import EmulatorThread, kubeconfig_text  # noqa: E402
from tests.objects import (  # noqa: E402
    REFUSED,
    Stack,
    agent_pods,
    failed_pipeline_pod,
    healthy_platform,
    namespace,
    oom_killed,
    platform_crds,
    stack_external_secret,
    stack_objects,
)

TIME = shutil.which("time", path="/usr/bin:/bin")  # GNU time, for each command's own peak RSS
SEED_STATUS = (  # the seed Taskfile's `task status`, in order
    ("get", "applications", "-n", "argocd"),
    ("get", "datadogstacks"),
    ("get", "pods", "-n", "datadog-production"),
    ("get", "helmrelease", "-A"),
)


@dataclass(frozen=True)
class Run:
    wall: float
    requests: int
    max_rss_mb: float
    code: int


def platform(stacks: int) -> list[dict[str, object]]:
    """N stacks in `default` (where the seed's `kubectl get datadogstacks` looks), 1% of them broken."""
    envs = ("dev", "prod", "staging")
    all_stacks = [Stack(f"stack-{i:04d}", "default", tier=("minimal", "standard", "full")[i % 3], env=envs[i % 3])
                  for i in range(stacks)]  # fmt: skip
    objects = healthy_platform()
    broken = max(1, stacks // 100)
    for index, s in enumerate(all_stacks):
        if index < broken:  # a refused request: failed pipeline with its pod
            failed = Stack(s.name, s.namespace, s.tier, s.env, state="failed")
            objects += [failed.manifest(), failed_pipeline_pod(failed, REFUSED)]
            continue
        objs = stack_objects(s)
        if index < 2 * broken:  # an agent looping on OOMKilled
            pods = agent_pods(s)
            pods[0]["status"]["containerStatuses"][0] = oom_killed(pods[0]["status"]["containerStatuses"][0])
            objs = [
                o for o in objs if not (o["kind"] == "Pod" and o["metadata"]["name"] == pods[0]["metadata"]["name"])
            ]
            objs.append(pods[0])
        if index < 3 * broken and index >= 2 * broken:  # ExternalSecret failing
            objs = [o for o in objs if o["kind"] != "ExternalSecret"] + [stack_external_secret(s, ready=False)]
        objects += objs
    # the seed's layout had the agents of stack `production` in `datadog-production`
    seed_ns = Stack("production", "default")
    objects.append(namespace("datadog-production"))
    for pod in agent_pods(seed_ns):
        pod["metadata"]["namespace"] = "datadog-production"
        objects.append(pod)
    return objects


def measure(command: list[str], env: dict[str, str], kube: EmulatorThread) -> Run:
    """Run a command; its wall time, the API requests it made, and its own peak RSS.

    The RSS comes from GNU time (`%M`): a child forked from this process (which holds the API server
    and its objects) would report this process's size as its own high-water mark.
    """
    before = len(kube.requests)
    with tempfile.NamedTemporaryFile("r") as rss, tempfile.TemporaryFile() as out:
        timed = [TIME, "-f", "%M", "-o", rss.name, *command] if TIME else command
        started = time.perf_counter()
        proc = subprocess.run(timed, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
        wall = time.perf_counter() - started
        peak_kb = int(rss.read().split()[-1]) if TIME else 0
    return Run(wall, len(kube.requests) - before, peak_kb / 1024, proc.returncode)


def measure_all(commands: list[list[str]], env: dict[str, str], kube: EmulatorThread) -> Run:
    """Commands one after another, as a Taskfile task runs them: summed wall and requests, the largest RSS."""
    runs = [measure(command, env, kube) for command in commands]
    return Run(
        sum(r.wall for r in runs),
        sum(r.requests for r in runs),
        max(r.max_rss_mb for r in runs),
        max(r.code for r in runs),
    )


def median(runs: list[Run]) -> Run:
    wall = statistics.median(r.wall for r in runs)
    return Run(wall, runs[-1].requests, max(r.max_rss_mb for r in runs), runs[-1].code)


def cold_start(env: dict[str, str]) -> tuple[float, float]:
    """`invoke --list` (what every task pays) and importing what `status` needs (kubernetes, rich)."""

    def timed(*args: str) -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, *args], cwd=ROOT, env=env, check=True, capture_output=True)
        return time.perf_counter() - started

    listing = statistics.median(timed("-m", "invoke", "--list") for _ in range(3))
    imports = (
        "import ops.tasks.incident, ops.incident.snapshot, ops.incident.status, ops.render.status,"
        " kubernetes.client, rich.table"
    )
    status_path = statistics.median(timed("-c", imports) for _ in range(3))
    return listing, status_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every API request")
    parser.add_argument("--runs", type=int, default=3, help="runs of each command (the median wall time is shown)")
    args = parser.parse_args()

    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs every request otherwise
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    work = Path(tempfile.mkdtemp(prefix="bench-incident-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INVOKE_", "AWS_"))}
    env |= {
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_CONFIG_FILE": str(work / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(work / "none"),
    }
    import boto3

    sm = boto3.client("secretsmanager", region_name="eu-central-1", endpoint_url=env["AWS_ENDPOINT_URL"],
                      aws_access_key_id="bench", aws_secret_access_key="bench")  # fmt: skip
    for name in ("dev", "prod", "staging"):
        sm.create_secret(Name=f"datadog/{name}/api-keys", SecretString=json.dumps({"api-key": "k", "app-key": "a"}))

    with EmulatorThread() as kube:
        started = time.perf_counter()
        kube.install_crd(*platform_crds())
        objects = platform(args.stacks)
        for chunk in range(0, len(objects), 2000):
            kube.seed(*objects[chunk : chunk + 2000])
        seeded = time.perf_counter() - started
        kubeconfig = work / "kubeconfig.yaml"
        kubeconfig.write_text(kubeconfig_text({"bench": kube.url}, "bench"))
        env["KUBECONFIG"] = str(kubeconfig)
        kube.set_latency(args.latency)
        print(f"seeded {len(objects)} objects ({args.stacks} DatadogStacks) in {seeded:.1f} s; "
              f"latency {args.latency * 1000:.0f} ms per request", file=sys.stderr)  # fmt: skip

        invoke = [sys.executable, "-m", "invoke"]
        status = [*invoke, "status", "--output", "json"]
        doctor = [*invoke, "doctor", "--output", "json", "--fail-on", "never"]
        rows = [
            ("invoke status", median([measure(status, env, kube) for _ in range(args.runs)])),
            ("invoke doctor", median([measure(doctor, env, kube) for _ in range(args.runs)])),
        ]
        kubectl = shutil.which("kubectl")
        if kubectl:
            runs = []
            for _ in range(args.runs):
                cache = tempfile.mkdtemp(dir=work)  # a cold discovery cache, as on a fresh shell
                commands = [[kubectl, "--kubeconfig", str(kubeconfig), "--cache-dir", cache, *c] for c in SEED_STATUS]
                runs.append(measure_all(commands, env, kube))
            rows.append(("seed: 4 kubectl calls", median(runs)))
        kube.set_latency(0)
        listing, status_imports = cold_start(env)
    moto.stop()

    print(f"\n{args.stacks} DatadogStacks, {len(objects)} objects, {args.latency * 1000:.0f} ms per request, "
          f"median of {args.runs} run(s)")  # fmt: skip
    print(f"{'what':<24} {'wall s':>7} {'requests':>9} {'peak MB':>8}")
    for name, run in rows:
        print(f"{name:<24} {run.wall:>7.2f} {run.requests:>9} {run.max_rss_mb:>8.0f}")
    if not shutil.which("kubectl"):
        print("seed: kubectl is not installed, not measured")
    print(f"cold start: `invoke --list` {listing:.2f} s; imports of the status path {status_imports:.2f} s")


if __name__ == "__main__":
    main()
