"""Kratix scheduling: Works no Destination takes, requests waiting on Works, paused Promises and
requests, and Destinations whose folder in the state store no Argo CD Application syncs.

The words are Kratix's (https://github.com/syntasso/kratix/blob/main/internal/controller/scheduler.go,
lib/resourceutil/util.go): a Work's `ScheduleSucceeded=False UnscheduledWorkloads: No matching
destination found for workloadGroups: [<id>]`, a request's `WorksSucceeded=Unknown WorksPending:
Some works associated with this resource are not ready: [<work>]`, and `Reconciled=Unknown
PausedReconciliation: Paused` under the label `kratix.io/paused: "true"`
(https://docs.kratix.io/main/reference/resources/reconciliation-labels). A Work's selectors are the
union of its workload group's `destinationSelectors[].matchLabels`; a Destination matches when its
labels hold every one of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ops.incident.doctor.common import DOCS, finding, kubectl, latest_event_line, named, older_than, owner_by_labels
from ops.incident.doctor.finding import Finding, Severity, Subject
from ops.incident.doctor.registry import check
from ops.incident.snapshot import Snapshot
from ops.kube.fields import Json, condition, condition_line, labels_of, name_of, namespace_of
from ops.names import CLUSTER_LABEL, PAUSED_LABEL, STACK_KIND

if TYPE_CHECKING:
    from ops.incident.doctor.aws_keys import ApiKeysReader

KRATIX_CONFIG = "gitops/argocd/charts/kratix-config"
PROMISE_FILE = "promises/promise.yaml"
WORKS_PENDING_AFTER = 120.0  # seconds: Kratix requeues an unscheduled Work every 60 s
LIST = re.compile(r"\[(?P<items>[^\]]*)\]")
SCHEDULE_REASONS = {"UnscheduledWorkloads", "DestinationSelectorMismatch", "FailedToScheduleWorkloads"}


def _listed(message: str) -> list[str]:
    """The names in Kratix's `...: [a,b]` messages."""
    match = LIST.search(message)
    return [x.strip() for x in match["items"].split(",") if x.strip()] if match else []


def _labels_text(labels: Mapping[str, str]) -> str:
    return "{" + ", ".join(f"{k}={v}" for k, v in sorted(labels.items())) + "}"


def group_selectors(group: Json) -> tuple[dict[str, str], list[str]]:
    """The matchLabels a workload group needs (merged as Kratix merges them) and where they come from."""
    selectors: dict[str, str] = {}
    sources: list[str] = []
    for scheduling in group.get("destinationSelectors") or []:
        selectors.update({str(k): str(v) for k, v in (scheduling.get("matchLabels") or {}).items()})
        if scheduling.get("source"):
            sources.append(str(scheduling["source"]))
    return selectors, list(dict.fromkeys(sources))


def matches(destination: Json, selectors: Mapping[str, str]) -> bool:
    labels = labels_of(destination)
    return all(labels.get(k) == v for k, v in selectors.items())


def resume_command(kind: str, name: str, namespace: str | None = None) -> str:
    """Removing the label resumes reconciliation (Kratix re-runs the workflows of a resumed request)."""
    return kubectl("label", kind.lower(), name, f"{PAUSED_LABEL}-", namespace=namespace)


def _request_subject(snap: Snapshot, work: Json) -> Subject | None:
    resource = (work.get("spec") or {}).get("resourceName")
    promise = (work.get("spec") or {}).get("promiseName")
    if resource and promise == snap.promise_name:
        return Subject(STACK_KIND, str(resource), namespace_of(work))
    return None


@check("work-unscheduled", "Kratix Work that no Destination matches", {"works", "destinations", "datadogstacks"})
def work_unscheduled(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    if not snap.readable("destinations"):
        return []
    destinations = snap.items("destinations")
    found = []
    for work in snap.items("works"):
        scheduled = condition(work, "ScheduleSucceeded")
        if scheduled is None or scheduled.status != "False" or scheduled.reason not in SCHEDULE_REASONS:
            continue
        ns, name = namespace_of(work), name_of(work)
        groups = (work.get("spec") or {}).get("workloadGroups") or []
        named_ids = _listed(scheduled.message)
        stuck = [g for g in groups if g.get("id") in named_ids] or groups
        evidence = [condition_line(scheduled) + f" ({snap.age(scheduled.last_transition_time)} ago)"]
        wanted: dict[str, str] = {}
        sources: list[str] = []
        for group in stuck:
            selectors, from_ = group_selectors(group)
            wanted.update(selectors)
            sources += from_
            evidence.append(
                f"workload group {group.get('id', '?')} ({group.get('directory', '.')}): destinationSelectors "
                f"{_labels_text(selectors)}" + (f" (from the {' and the '.join(from_)})" if from_ else "")
            )
        evidence.append(
            "Destinations: " + (", ".join(f"{name_of(d)} {_labels_text(labels_of(d))}" for d in destinations) or "none")
        )
        promise = str((work.get("spec") or {}).get("promiseName") or "")
        root = Subject("Promise", promise) if promise and ("promise" in sources or not sources) else None
        request = _request_subject(snap, work)
        selector_text = ",".join(f"{k}={v}" for k, v in sorted(wanted.items()))
        if scheduled.reason == "UnscheduledWorkloads":
            symptom = f"Work {ns}/{name} is not scheduled: no Destination matches its selectors"
            cause = (
                f"no Destination has the labels {_labels_text(wanted)}"
                if destinations
                else "there is no Destination at all"
            ) + ": Kratix writes nothing to Git and retries every minute"
            first = (
                f"give the Destination that should get it the labels {selector_text} (in {KRATIX_CONFIG}, then "
                f"`argocd app sync kratix-config`), or change the destinationSelectors of Promise {promise} "
                f"({PROMISE_FILE}, then `invoke promise.apply`)"
            )
            if CLUSTER_LABEL in wanted:  # the request names a cluster no Destination stands for
                cluster = wanted[CLUSTER_LABEL]
                known = sorted({c for d in destinations if (c := labels_of(d).get(CLUSTER_LABEL))})
                first = (
                    f"the request names cluster {cluster} (spec.clusterName), which has no Destination: "
                    f"`invoke cluster.add {cluster}` registers it, or set spec.clusterName to one of: "
                    f"{', '.join(known) or 'none (run `invoke kratix.apply`)'}; " + first
                )
        elif scheduled.reason == "DestinationSelectorMismatch":
            symptom = f"Work {ns}/{name} is misplaced: its Destination no longer matches its selectors"
            cause = (
                "the selectors or the Destination's labels changed after it was written: Kratix leaves the old "
                "files where they are (kratix.io/misplaced) and writes no update"
            )
            first = (
                f"restore the Destination's labels {selector_text} (in {KRATIX_CONFIG}), or delete the misplaced "
                f"WorkPlacements once another Destination matches: kubectl -n {ns} delete workplacement "
                f"-l kratix.io/work={name},kratix.io/misplaced=true"
            )
        else:
            symptom = f"Work {ns}/{name} could not be scheduled"
            cause = "Kratix failed to create or update its WorkPlacements: the controller's log says why"
            first = kubectl(
                "logs",
                "deploy/kratix-platform-controller-manager",
                "-c",
                "manager",
                "--tail=50",
                namespace="kratix-platform-system",
            )
        found.append(
            finding(
                snap,
                "work-unscheduled",
                Severity.ERROR,
                Subject("Work", name, ns),
                owner=request or owner_by_labels(snap, work),
                symptom=symptom,
                evidence=evidence,
                cause=cause,
                fix=[
                    first,
                    kubectl("describe", "work", name, namespace=ns),
                    kubectl("get", "destinations", "--show-labels"),
                ],
                docs=DOCS["kratix-destination"],
                root=root,
            )
        )
    return found


@check("request-works-pending", "DatadogStack waiting on its Works", {"datadogstacks", "works"})
def request_works_pending(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    works = {(namespace_of(w), name_of(w)): w for w in snap.items("works")} if snap.readable("works") else {}
    found = []
    for request in snap.items("datadogstacks"):
        if _paused(request):
            continue  # kratix-paused has it
        works_cond = condition(request, "WorksSucceeded")
        reconciled = condition(request, "Reconciled")
        waiting = works_cond if works_cond is not None and works_cond.status != "True" else None
        if waiting is None and reconciled is not None and reconciled.reason == "WorksPending":
            waiting = reconciled
        if waiting is None or not older_than(snap, waiting.last_transition_time, WORKS_PENDING_AFTER):
            continue
        ns, name = namespace_of(request), name_of(request)
        evidence = [condition_line(waiting) + f" ({snap.age(waiting.last_transition_time)} ago)"]
        if reconciled is not None and reconciled is not waiting:
            evidence.append(condition_line(reconciled))
        names = _listed(waiting.message) or [
            name_of(w)
            for (w_ns, _), w in works.items()
            if w_ns == ns and (w.get("spec") or {}).get("resourceName") == name
        ]
        root, causes = None, []
        for work_name in names[:5]:
            work = works.get((ns, work_name))
            if work is None:
                evidence.append(f"Work {ns}/{work_name} not found")
                continue
            ready, scheduled = condition(work, "Ready"), condition(work, "ScheduleSucceeded")
            evidence.append(f"Work {ns}/{work_name}: {condition_line(ready)}; {condition_line(scheduled)}")
            if ready is not None and ready.status != "True" and root is None:
                root = Subject("Work", work_name, ns)
                causes.append(_work_cause(ready.reason, work_name))
        if len(names) > 5:
            evidence.append(f"{len(names)} Works: {named(names)}")
        first_work = names[0] if names else f"-l kratix.io/resource-name={name}"
        found.append(
            finding(
                snap,
                "request-works-pending",
                Severity.ERROR,
                Subject(STACK_KIND, name, ns),
                owner=Subject(STACK_KIND, name, ns),
                symptom=f"DatadogStack {ns}/{name} is waiting on its Works: {waiting.reason}",
                evidence=evidence,
                cause="; ".join(causes) or "Kratix has not scheduled or written its Works yet",
                fix=[kubectl("describe", "work", first_work, namespace=ns), kubectl("get", "works", namespace=ns)],
                docs=DOCS["kratix-status"],
                root=root,
            )
        )
    return found


def _work_cause(reason: str, work: str) -> str:
    return {
        "UnscheduledWorkloads": f"its Work {work} has no Destination to go to (see work-unscheduled)",
        "Misplaced": f"its Work {work} sits on a Destination that no longer matches (see work-unscheduled)",
        "WorkplacementsFailing": f"writing its Work {work} to Git fails (see workplacement-write-failed)",
        "FailedToScheduleWorkloads": f"Kratix could not schedule its Work {work} (see work-unscheduled)",
    }.get(reason, f"its Work {work} is not ready ({reason or 'no reason yet'})")


def _paused(obj: Mapping[str, Any]) -> bool:
    return labels_of(obj).get(PAUSED_LABEL) == "true"


@check("kratix-paused", "Promise or request paused (kratix.io/paused)", {"promises", "datadogstacks", "events"})
def kratix_paused(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    promises = {name_of(p): p for p in snap.items("promises")} if snap.readable("promises") else {}
    found = []
    for name, promise in promises.items():
        available = condition(promise, "Available")
        if not _paused(promise) or (available is not None and available.reason == "PausedReconciliation"):
            continue  # promise-unavailable reports a paused Promise with its condition
        found.append(_paused_finding(snap, promise, Subject("Promise", name), None))
    for request in snap.items("datadogstacks"):
        reconciled = condition(request, "Reconciled")
        own = _paused(request)
        if not own and (reconciled is None or reconciled.reason != "PausedReconciliation"):
            continue
        promise_name = labels_of(request).get("kratix.io/promise-name") or snap.promise_name
        by_promise = not own and _paused(promises.get(promise_name) or {})
        root = Subject("Promise", promise_name) if by_promise else None
        subject = Subject(STACK_KIND, name_of(request), namespace_of(request))
        found.append(_paused_finding(snap, request, subject, root))
    return found


def _paused_finding(snap: Snapshot, obj: Json, subject: Subject, root: Subject | None) -> Finding:
    reconciled = condition(obj, "Reconciled")
    available = condition(obj, "Available")
    evidence = [f"label {PAUSED_LABEL}={labels_of(obj).get(PAUSED_LABEL)}"] if _paused(obj) else []
    evidence += [
        condition_line(c) for c in (available, reconciled) if c is not None and c.reason == "PausedReconciliation"
    ]
    event = latest_event_line(snap, subject.kind, subject.namespace, subject.name, {"PausedReconciliation"})
    if event:
        evidence.append(event)
    target = root or subject
    resume = resume_command(target.kind, target.name, target.namespace)
    if root is not None:
        evidence.append(f"Promise {root.name} carries {PAUSED_LABEL}=true")
        cause = f"its Promise {root.name} is paused: Kratix reconciles none of its requests"
    elif subject.kind == "Promise":
        cause = "the Promise is paused: Kratix reconciles neither it nor any of its requests"
    else:
        cause = "the request is paused: Kratix runs none of its workflows, whatever changes"
    return finding(
        snap,
        "kratix-paused",
        Severity.WARNING,
        subject,
        owner=subject if subject.kind == STACK_KIND else None,
        symptom=f"{subject} is paused ({PAUSED_LABEL}): changes to it are not applied",
        evidence=evidence,
        cause=cause + " (removing the label resumes it; Kratix then re-runs the workflows)",
        fix=[resume, kubectl("describe", target.kind.lower(), target.name, namespace=target.namespace)],
        docs=DOCS["kratix-rerun"],
        root=root,
    )


# Destinations and Argo CD ---------------------------------------------------------------------------
def _repo(url: str) -> str:
    url = url.strip().lower().rstrip("/")
    url = re.sub(r"\.git$", "", url)
    return re.sub(r"^(ssh://)?git@([^:/]+)[:/]", r"https://\2/", url)


def _path(*parts: str) -> str:
    joined = "/".join(p.strip("/") for p in parts if p and p.strip("/") not in {"", "."})
    return re.sub(r"/+", "/", joined)


def destination_path(destination: Json, store: Json | None) -> str:
    """<GitStateStore spec.path>/<Destination spec.path> (the Destination's name when unset; "." is the root)."""
    own = (destination.get("spec") or {}).get("path")
    own = name_of(destination) if own is None or own == "" else str(own)
    return _path(str(((store or {}).get("spec") or {}).get("path") or ""), own)


def _sources(app: Json) -> list[Json]:
    spec = app.get("spec") or {}
    return [s for s in [spec.get("source"), *(spec.get("sources") or [])] if isinstance(s, dict)]


def _syncs(source: Json, repo: str, branch: str, path: str) -> bool:
    if _repo(str(source.get("repoURL", ""))) != repo:
        return False
    revision = str(source.get("targetRevision") or "HEAD")
    if revision not in {"HEAD", branch}:
        return False
    app_path = _path(str(source.get("path") or ""))
    if app_path == path or app_path.startswith(path + "/"):
        return True
    recurse = bool((source.get("directory") or {}).get("recurse"))
    return recurse and (not app_path or path.startswith(app_path + "/"))


def _related(app_path: str, path: str) -> bool:
    return app_path == path or app_path.startswith(path + "/") or not app_path or path.startswith(app_path + "/")


@check(
    "destination-not-synced",
    "Kratix Destination whose state-store folder no Argo CD Application syncs",
    {"destinations", "gitstatestores", "applications"},
)
def destination_not_synced(snap: Snapshot, aws: ApiKeysReader | None) -> list[Finding]:
    if not (snap.readable("destinations") and snap.readable("gitstatestores") and snap.readable("applications")):
        return []
    stores = {name_of(s): s for s in snap.items("gitstatestores")}
    apps = snap.items("applications")
    found = []
    for dest in snap.items("destinations"):
        ref = (dest.get("spec") or {}).get("stateStoreRef") or {}
        store = stores.get(str(ref.get("name", ""))) if ref.get("kind", "GitStateStore") == "GitStateStore" else None
        if store is None:
            continue  # a bucket, or a store that does not exist (destination-not-ready says so)
        spec = store.get("spec") or {}
        url, branch = str(spec.get("url", "")), str(spec.get("branch") or "main")
        path = destination_path(dest, store)
        own = (dest.get("spec") or {}).get("path") or name_of(dest)
        if any(_syncs(s, _repo(url), branch, path) for app in apps for s in _sources(app)):
            continue
        same_repo = [
            (name_of(a), _path(str(s.get("path") or "")), str(s.get("targetRevision") or "HEAD"))
            for a in apps
            for s in _sources(a)
            if _repo(str(s.get("repoURL", ""))) == _repo(url)
        ]
        same_repo.sort(key=lambda row: not _related(row[1], path))  # the near misses first
        apps_text = [f"{app} {app_path or '/'}@{revision}" for app, app_path, revision in same_repo]
        found.append(
            finding(
                snap,
                "destination-not-synced",
                Severity.WARNING,
                Subject("Destination", name_of(dest)),
                symptom=f"Destination {name_of(dest)}: no Argo CD Application syncs what Kratix writes for it",
                evidence=[
                    f"Kratix writes to {url} branch {branch}, folder {path}/ (GitStateStore {name_of(store)} path "
                    f"{spec.get('path') or '/'} + Destination path {own})",
                    "Applications on that repository: " + (named(apps_text) if apps_text else "none"),
                ],
                cause="what Kratix schedules to this Destination reaches Git but never a cluster (unless another "
                "cluster's Argo CD syncs it): requests stay without their HelmRelease",
                fix=[
                    f"point an Application at {path} on {branch} (gitops/argocd/apps/kratix-platform-workloads.yaml: "
                    f"spec.source.path {path}, directory.recurse true), then `invoke argocd.apps`",
                    "argocd app list -o wide",
                ],
                docs=DOCS["kratix-destination"],
            )
        )
    return found


CHECKS = (work_unscheduled, request_works_pending, kratix_paused, destination_not_synced)
