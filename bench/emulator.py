"""How fast the test API server (tests/kube/emulator.py) serves the lists `invoke status` reads.

Seeds `platform(N)` from bench/incident.py (N DatadogStacks and everything they lead to), then reads,
page by page (`limit`, then `continue`), every list `invoke status` reads, and GETs single objects.
Prints per-page times and MB/s. This is not a test: nothing asserts; it prints.

    python bench/emulator.py [--stacks 1000] [--limit 500] [--rounds 3]
    python bench/emulator.py --against /tmp/old_emulator.py   # e.g. `git show main:tests/kube/emulator.py`

With `--against FILE`, a second emulator module (another version of tests/kube/emulator.py) gets the
very same stored objects and the very same requests, interleaved: its times are shown beside, and
every answer (status, headers but Date, body bytes) is compared; a difference is reported and exit is 1.
"""

from __future__ import annotations

import argparse
import copy
import gc
import http.client
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.incident import AGENTS, platform  # noqa: E402
from tests.kube import emulator as ours  # noqa: E402
from tests.objects import GROUP, platform_crds  # noqa: E402

LISTS = (  # what `invoke status` lists, as paths and label selectors
    ("pods -l agents", "/api/v1/pods", AGENTS),
    ("helmreleases", "/apis/helm.toolkit.fluxcd.io/v2/helmreleases", ""),
    ("works", "/apis/platform.kratix.io/v1alpha1/works", ""),
    ("workplacements", "/apis/platform.kratix.io/v1alpha1/workplacements", ""),
    ("datadogstacks", f"/apis/{GROUP}/v1alpha1/datadogstacks", ""),
    ("externalsecrets", "/apis/external-secrets.io/v1/externalsecrets", ""),
    ("deployments", "/apis/apps/v1/deployments", ""),
    ("daemonsets", "/apis/apps/v1/daemonsets", ""),
    ("namespaces", "/api/v1/namespaces", ""),
)
GETS = 300  # single-object GETs timed (DatadogStacks by name)
DISCOVERY = (  # compared, not timed
    "/version",
    "/api",
    "/api/v1",
    "/apis",
    "/apis/apps/v1",
    f"/apis/{GROUP}",
    f"/apis/{GROUP}/v1alpha1",
    "/apis/platform.kratix.io/v1alpha1",
    "/apis/nowhere.example.com/v1",
    "/api/v1/namespaces/default/pods/missing",
)


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]  # all but Date
    body: bytes
    seconds: float


@dataclass
class Side:
    """One emulator (a module providing EmulatorThread) with a keep-alive connection to it."""

    name: str
    module: ModuleType
    thread: Any = None
    conn: http.client.HTTPConnection | None = None
    pages: dict[str, list[list[float]]] = field(default_factory=dict)  # list name -> rounds -> page seconds
    sizes: dict[str, list[int]] = field(default_factory=dict)
    gets: list[float] = field(default_factory=list)

    def get(self, path: str) -> Answer:
        assert self.conn is not None
        started = time.perf_counter()
        self.conn.request("GET", path, headers={"Accept": "application/json"})
        response = self.conn.getresponse()
        body = response.read()
        seconds = time.perf_counter() - started
        headers = [(k, v) for k, v in response.getheaders() if k.lower() != "date"]
        return Answer(response.status, headers, body, seconds)


def load_module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"emulator_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def start(side: Side) -> None:
    side.thread = side.module.EmulatorThread().start()
    side.conn = http.client.HTTPConnection("127.0.0.1", int(side.thread.port))


def seed(first: Side, others: list[Side], stacks: int) -> float:
    """Seed the first side; give the others the very same stored objects (uids, versions and all)."""
    started = time.perf_counter()
    kube = first.thread
    kube.install_crd(*platform_crds())
    objects = platform(stacks)
    for chunk in range(0, len(objects), 2000):
        kube.seed(*objects[chunk : chunk + 2000])
    seconds = time.perf_counter() - started

    def dump(emu: Any) -> tuple[list[tuple[Any, Any]], int]:
        state = [(key, copy.deepcopy(obj.raw)) for key, obj in emu.objects.items() if not obj.deleted]
        return state, next(emu._rv)

    state, rv = kube.call(dump)
    for side in others:

        def load(emu: Any) -> None:
            for key, raw in state:
                emu.objects[key] = copy.deepcopy(raw)
                if raw.get("kind") == "CustomResourceDefinition":
                    emu.register_crd(raw)
            emu._rv = iter(range(rv + 1, 10**12))

        side.thread.call(load, timeout=120)
    for side in [first, *others]:
        side.thread.call(lambda emu: gc.freeze())  # as bench/incident.py does
    return seconds


def read_list(side: Side, path: str, selector: str, limit: int) -> list[Answer]:
    """Every page of a list, as a client pages it."""
    query: dict[str, str] = {"limit": str(limit)}
    if selector:
        query["labelSelector"] = selector
    answers = []
    while True:
        answer = side.get(f"{path}?{urlencode(query, quote_via=quote)}")
        answers.append(answer)
        if answer.status != 200:
            break
        token = _continue_of(answer.body)
        if not token:
            break
        query["continue"] = token
    return answers


def _continue_of(body: bytes) -> str:
    import json

    meta = json.loads(body).get("metadata") or {}
    return str(meta.get("continue") or "")


def compare(label: str, answers: dict[str, list[Answer]]) -> list[str]:
    names = list(answers)
    base = answers[names[0]]
    problems = []
    for name in names[1:]:
        other = answers[name]
        if len(other) != len(base):
            problems.append(f"{label}: {name} answered {len(other)} pages, {names[0]} {len(base)}")
            continue
        for index, (a, b) in enumerate(zip(base, other, strict=True)):
            if (a.status, a.headers, a.body) != (b.status, b.headers, b.body):
                problems.append(
                    f"{label} page {index}: {names[0]} {a.status} {a.headers} {a.body[:200]!r}, "
                    f"{name} {b.status} {b.headers} {b.body[:200]!r}"
                )
    return problems


def run(sides: list[Side], stacks: int, limit: int, rounds: int) -> list[str]:
    problems: list[str] = []
    names = [f"stack-{i:04d}" for i in range(0, stacks, max(1, stacks // GETS))][:GETS]
    for round_ in range(rounds):
        order = sides[round_ % len(sides) :] + sides[: round_ % len(sides)]  # interleaved, rotating
        for label, path, selector in LISTS:
            answers: dict[str, list[Answer]] = {}
            for side in order:
                answers[side.name] = read_list(side, path, selector, limit)
                side.pages.setdefault(label, []).append([a.seconds for a in answers[side.name]])
                side.sizes[label] = [len(a.body) for a in answers[side.name]]
            problems += compare(f"round {round_} {label}", {s.name: answers[s.name] for s in sides})
        gets: dict[str, list[Answer]] = {side.name: [] for side in sides}
        for name in names:
            for side in order:
                answer = side.get(f"/apis/{GROUP}/v1alpha1/namespaces/default/datadogstacks/{name}")
                gets[side.name].append(answer)
                side.gets.append(answer.seconds)
        problems += compare(f"round {round_} GETs", gets)
        for path in DISCOVERY:
            problems += compare(f"round {round_} {path}", {side.name: [side.get(path)] for side in order})
    return problems


def report(sides: list[Side], limit: int, rounds: int) -> None:
    print(
        f"\npages of limit={limit}. first: the first read of each list (round 1: nothing cached yet), s; "
        f"again: median of rounds 2-{rounds}, s per list, ms per page (min-max), MB/s"
    )
    columns = ("first s", "again s", "again ms/page", "again MB/s")
    print("| list | pages | MB |" + "".join(f" {side.name}: {c} |" for side in sides for c in columns))
    print("|" + "---|" * (3 + len(columns) * len(sides)))
    totals = {side.name: [0.0, 0.0] for side in sides}
    total_bytes = 0
    for label, _, _ in LISTS:
        sizes = sides[0].sizes[label]
        mb = sum(sizes) / 1e6
        total_bytes += sum(sizes)
        row = f"| {label} | {len(sizes)} | {mb:.2f} |"
        for side in sides:
            first, *again = side.pages[label]
            again = again or [first]
            pages = [t * 1000 for r in again for t in r]
            per_list = statistics.median(sum(r) for r in again)
            totals[side.name][0] += sum(first)
            totals[side.name][1] += per_list
            spread = f"{statistics.median(pages):.1f} ({min(pages):.1f}-{max(pages):.1f})"
            row += f" {sum(first):.3f} | {per_list:.3f} | {spread} | {mb / per_list:.0f} |"
        print(row)
    row = f"| all lists | | {total_bytes / 1e6:.2f} |"
    for side in sides:
        first, again = totals[side.name]
        row += f" {first:.3f} | {again:.3f} | | {total_bytes / 1e6 / again:.0f} |"
    print(row)
    for side in sides:
        print(f"{side.name}: GET one DatadogStack: median {statistics.median(side.gets) * 1000:.2f} ms")
    print("(the client reads in this process: its time is in the figures, as a client's is in a test)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks", type=int, default=1000)
    parser.add_argument("--limit", type=int, default=500, help="page size (what the toolkit and kubectl ask)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--against", type=Path, help="another emulator module to compare with (answers and times)")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the (first) server thread here")
    args = parser.parse_args()

    sides = [Side("this", ours)]
    if args.against:
        sides.append(Side("against", load_module(args.against)))
    for side in sides:
        start(side)
    seconds = seed(sides[0], sides[1:], args.stacks)
    count = sides[0].thread.call(lambda emu: len(emu.objects))
    print(f"seeded {args.stacks} DatadogStacks ({count} objects) in {seconds:.1f} s", file=sys.stderr)
    profiler = _profile(sides[0], args.profile)
    problems = run(sides, args.stacks, args.limit, args.rounds)
    if profiler:
        profiler()
    for side in sides:
        side.thread.stop()
    report(sides, args.limit, args.rounds)
    for problem in problems[:5]:
        print(f"DIFFERENT: {problem}")
    if args.against:
        print("answers: identical" if not problems else f"answers: {len(problems)} differences")
    sys.exit(1 if problems else 0)


def _profile(side: Side, path: Path | None) -> Callable[[], None] | None:
    """cProfile the server thread (enabled from inside its loop) until the returned function is called."""
    if path is None:
        return None
    import cProfile

    profile = cProfile.Profile()
    side.thread.call(lambda emu: profile.enable())

    def stop() -> None:
        side.thread.call(lambda emu: profile.disable())
        profile.dump_stats(str(path))
        print(f"profile: {path}", file=sys.stderr)

    return stop


if __name__ == "__main__":
    main()
