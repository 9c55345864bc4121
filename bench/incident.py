"""Benchmark `invoke status` and `invoke doctor` against a large platform, side by side with kubectl.

    python bench/incident.py                        # 1000 DatadogStacks, 50 ms per request, 5 runs
    python bench/incident.py --stacks 200 --latency 0.02 --runs 1 --big 0 --no-eks

Starts the test API server (tests/kube/emulator.py) and moto's AWS server in this process, seeds
N DatadogStacks with everything they lead to (pipeline pod, Work, WorkPlacement, namespace,
HelmRepository, HelmRelease, ExternalSecret, Secret, agent DaemonSet and Deployment, agent pods),
a few broken ones for doctor to find, then adds a fixed latency to every API request.

Every client reaches the server through a proxy (bench/wire.py) that counts the bytes it sends back
and, for the EKS-shaped run, speaks TLS. Compared, interleaved in the same run on the same server:
`invoke status`, `invoke doctor` (fresh processes, so cold start counts) and the twelve `kubectl get`
calls that read the picture `status` shows (KUBECTL_PICTURE, one after another as a person or a
script runs them, one discovery cache per picture). In the EKS-shaped run the kubeconfig's user is
the exec plugin `aws eks get-token` (the aws CLI on PATH, which kubectl runs for every call), and
the toolkit makes its token in-process. For each: median wall time, API requests, bytes received
and peak memory (max RSS of the process, from GNU time). With `--big N` it also reads N stacks once
(requests and memory), and it times cold start. This is not a test: nothing asserts; it prints.
"""

from __future__ import annotations

import argparse
import base64
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.cold_start import measure as measure_cold_start  # noqa: E402
from bench.wire import WireProxy  # noqa: E402
from tests.kube.emulator import EmulatorThread  # noqa: E402
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
AGENTS = "app in (datadog,datadog-cluster-agent,datadog-clusterchecks)"
KUBECTL_PICTURE = (  # what `invoke status` shows, as kubectl calls
    ("get", "nodes"),
    ("get", "namespaces"),
    ("get", "applications", "-A"),
    ("get", "promises"),
    ("get", "gitstatestores,destinations"),
    ("get", "works", "-A"),
    ("get", "workplacements", "-A"),
    ("get", "datadogstacks", "-A"),
    ("get", "helmreleases", "-A"),
    ("get", "externalsecrets", "-A"),
    ("get", "daemonsets,deployments", "-A"),
    ("get", "pods", "-A", "-l", AGENTS),
)
REGION = "eu-central-1"


@dataclass(frozen=True)
class Run:
    wall: float
    requests: int
    received: int  # bytes the API server sent
    max_rss_mb: float
    code: int


def platform(stacks: int) -> list[dict[str, object]]:
    """N stacks in `default` (where kratix-demo's `kubectl get datadogstacks` looks), 1% of them broken."""
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
    # github.com/NoNickeD/kratix-demo's layout had the agents of stack `production` in `datadog-production`
    seed_ns = Stack("production", "default")
    objects.append(namespace("datadog-production"))
    for pod in agent_pods(seed_ns):
        pod["metadata"]["namespace"] = "datadog-production"
        objects.append(pod)
    return objects


@dataclass(frozen=True)
class Timed:
    wall: float
    max_rss_mb: float
    code: int


def timed(command: list[str], env: dict[str, str]) -> Timed:
    """Run a command: its wall time, its own peak RSS and exit code (its output shown when it failed).

    The RSS comes from GNU time (`%M`): a child forked from this process (which holds the API server
    and its objects) would report this process's size as its own high-water mark.
    """
    with tempfile.NamedTemporaryFile("r") as rss, tempfile.TemporaryFile() as out:
        wrapped = [TIME, "-f", "%M", "-o", rss.name, *command] if TIME else command
        started = time.perf_counter()
        proc = subprocess.run(wrapped, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
        wall = time.perf_counter() - started
        peak_kb = int(rss.read().split()[-1]) if TIME else 0
        if proc.returncode not in (0, 1):
            out.seek(0)
            print(f"{command[-4:]} exited {proc.returncode}: {out.read()[-2000:].decode()}", file=sys.stderr)
    return Timed(wall, peak_kb / 1024, proc.returncode)


def measure(command: list[str], env: dict[str, str], kube: EmulatorThread, wire: WireProxy) -> Run:
    """Run a command; its wall time, the API requests it made, the bytes it received, its own peak RSS."""
    before, received = len(kube.requests), wire.received
    run = timed(command, env)
    return Run(run.wall, len(kube.requests) - before, wire.received - received, run.max_rss_mb, run.code)


def measure_all(commands: list[list[str]], env: dict[str, str], kube: EmulatorThread, wire: WireProxy) -> Run:
    """Commands one after another: summed wall, requests and bytes, the largest RSS, the worst exit code."""
    runs = [measure(command, env, kube, wire) for command in commands]
    return Run(
        sum(r.wall for r in runs),
        sum(r.requests for r in runs),
        sum(r.received for r in runs),
        max(r.max_rss_mb for r in runs),
        max(r.code for r in runs),
    )


def median(runs: list[Run]) -> Run:
    return Run(
        statistics.median(r.wall for r in runs),
        int(statistics.median(r.requests for r in runs)),
        int(statistics.median(r.received for r in runs)),
        max(r.max_rss_mb for r in runs),
        max(r.code for r in runs),
    )


def aws_cli_dir() -> str | None:
    """The folder of the aws CLI kubectl's exec plugin runs (the real script, not a pyenv shim)."""
    found = shutil.which("aws")
    if found is None:
        return None
    if "/shims/" in found and shutil.which("pyenv"):
        real = subprocess.run(["pyenv", "which", "aws"], capture_output=True, text=True, check=False).stdout.strip()
        found = real or found
    return str(Path(found).parent)


def kubeconfig(path: Path, url: str, ca_pem: bytes, *, eks: bool) -> Path:
    """One context; the user is a token, or `aws eks get-token` as `aws eks update-kubeconfig` writes it."""
    cluster: dict[str, object] = {"server": url}
    if ca_pem:
        cluster["certificate-authority-data"] = base64.b64encode(ca_pem).decode()
    user: dict[str, object] = {"token": "bench"}
    if eks:
        args = ["--region", REGION, "eks", "get-token", "--cluster-name", "bench", "--output", "json"]
        user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws", "args": args}}
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "bench", "cluster": cluster}],
        "users": [{"name": "bench", "user": user}],
        "contexts": [{"name": "bench", "context": {"cluster": "bench", "user": "bench"}}],
        "current-context": "bench",
    }
    path.write_text(yaml.safe_dump(doc))
    return path


def scenario(
    stacks: int,
    latency: float,
    runs: int,
    env: dict[str, str],
    work: Path,
    *,
    tls: bool,
    kubectl: bool,
    only: tuple[str, ...] = ("status", "doctor", "kubectl"),
) -> dict[str, Run]:
    """Seed a server with `stacks` stacks; run status, doctor (and kubectl's picture), interleaved."""
    with EmulatorThread() as kube, WireProxy(("127.0.0.1", int(kube.port or 0)), tls=tls) as wire:
        started = time.perf_counter()
        kube.install_crd(*platform_crds())
        objects = platform(stacks)
        for chunk in range(0, len(objects), 2000):
            kube.seed(*objects[chunk : chunk + 2000])
        del objects
        kube.call(lambda emu: gc.freeze())  # the seeded objects: out of the cycle collector's walks (10x faster lists)
        config = kubeconfig(work / f"kubeconfig-{stacks}-{tls}", wire.url, wire.ca_pem, eks=tls)
        env = env | {"KUBECONFIG": str(config)}
        kube.set_latency(latency)
        shape = "TLS, EKS exec plugin" if tls else "plain HTTP, token"
        seeded = time.perf_counter() - started
        print(f"seeded {stacks} DatadogStacks in {seeded:.1f} s; {shape}; {latency * 1000:.0f} ms", file=sys.stderr)

        invoke = [env.get("BENCH_PYTHON", sys.executable), "-m", "invoke"]
        commands: dict[str, Callable[[], Run]] = {
            "invoke status": lambda: measure([*invoke, "status", "--output", "json"], env, kube, wire),
            "invoke doctor": lambda: measure(
                [*invoke, "doctor", "--output", "json", "--fail-on", "never"], env, kube, wire
            ),
        }
        found = shutil.which("kubectl")
        if kubectl and found:

            def picture() -> Run:
                cache = tempfile.mkdtemp(dir=work)  # one discovery cache per picture, as one shell session
                calls = [[found, "--cache-dir", cache, *call] for call in KUBECTL_PICTURE]
                return measure_all(calls, env, kube, wire)

            commands["kubectl: 12 calls"] = picture
        commands = {name: run for name, run in commands.items() if name.split()[-1] in only or name.startswith(only)}
        results: dict[str, list[Run]] = {name: [] for name in commands}
        names = list(commands)
        for index in range(runs):  # interleaved, the order rotating: load on the machine hits every side
            for name in names[index % len(names) :] + names[: index % len(names)]:
                results[name].append(commands[name]())
        kube.set_latency(0)
    return {name: median(r) for name, r in results.items()}


def cold_start(env: dict[str, str], work: Path) -> tuple[float, float]:
    """`invoke --list` here, and in a folder whose tasks.py has one task (invoke's own floor): bench/cold_start.py."""
    measured = measure_cold_start(env.get("BENCH_PYTHON", sys.executable), env, work, runs=21)  # 0.2 s each: noisy
    return measured.listed, measured.floor


def table(title: str, rows: dict[str, Run], against: str | None) -> None:
    print(f"\n{title}")
    print("| what | wall s | x kubectl | requests | MB received | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    base = rows.get(against) if against else None
    for name, run in rows.items():
        ratio = f"{run.wall / base.wall:.2f}" if base else "-"
        print(
            f"| {name} | {run.wall:.2f} | {ratio} | {run.requests} | {run.received / 1e6:.1f} | {run.max_rss_mb:.0f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every API request")
    parser.add_argument("--runs", type=int, default=5, help="interleaved runs of each side (medians are shown)")
    parser.add_argument("--big", type=int, default=10000, help="also read this many stacks once (0: skip)")
    parser.add_argument("--no-eks", action="store_true", help="skip the TLS + EKS exec plugin run")
    parser.add_argument(
        "--only", default="status,doctor,kubectl", help="which of status, doctor, kubectl to run (comma-separated)"
    )
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="the Python that runs invoke: one where `pip install -e .` alone was run is what users have "
        "(the test extra adds kubernetes-validate, which the kubernetes client then imports at start)",
    )
    args = parser.parse_args()
    only = tuple(name.strip() for name in args.only.split(",") if name.strip())

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
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(work / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(work / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "BENCH_PYTHON": args.python,
    }
    aws_dir = aws_cli_dir()
    if aws_dir:
        env["PATH"] = f"{aws_dir}{os.pathsep}{env.get('PATH', '')}"
    import boto3

    sm = boto3.client("secretsmanager", region_name=REGION, endpoint_url=env["AWS_ENDPOINT_URL"],
                      aws_access_key_id="bench", aws_secret_access_key="bench")  # fmt: skip
    for name in ("dev", "prod", "staging"):
        sm.create_secret(Name=f"datadog/{name}/api-keys", SecretString=json.dumps({"api-key": "k", "app-key": "a"}))

    kubectl = "kubectl: 12 calls"
    plain = scenario(args.stacks, args.latency, args.runs, env, work, tls=False, kubectl=True, only=only)
    eks = {}
    if not args.no_eks and aws_dir:
        eks = scenario(args.stacks, args.latency, args.runs, env, work, tls=True, kubectl=True, only=only)
    big = {}
    if args.big:
        big = scenario(args.big, args.latency, 1, env, work, tls=False, kubectl=False, only=only)
    ours, floor = cold_start(env, work)
    moto.stop()

    head = f"{args.stacks} DatadogStacks, {args.latency * 1000:.0f} ms per request, medians of {args.runs} runs"
    table(f"{head}; plain HTTP, token user", plain, kubectl)
    if eks:
        table(f"{head}; TLS, user = exec plugin `aws eks get-token`", eks, kubectl)
    elif not args.no_eks:
        print("\nthe aws CLI is not installed: no EKS-shaped run")
    if big:
        table(f"{args.big} DatadogStacks, one run", big, None)
        for name, run in big.items():
            if name not in plain:
                continue
            print(f"{name}: memory {run.max_rss_mb / plain[name].max_rss_mb:.2f}x the {args.stacks}-stack figure")
    print(
        f"\ncold start: `invoke --list` {ours:.2f} s, a bare invoke with one task {floor:.2f} s ({ours / floor:.2f}x)"
    )


if __name__ == "__main__":
    main()
