"""The platform's CRDs on the real API server, installed as Argo CD installs them: server-side apply.

The upstream CRDs come from vendor/crds/ byte for byte; the DatadogStack CRD from the Promise's
`spec.api`, with the status subresource Kratix adds. kube-apiserver v1.20 (the one build.sh can
make) refuses some of today's upstream CRDs; for those, and only those, a test copy made by
`for_v1_20` is applied instead (README.md beside this file says why). `install_platform_crds`
returns the names of the CRDs that needed it, so a test notices when that list changes.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import ROOT
from tests.objects import datadog_stack_crd
from tests.realapi.server import ApiError, Http

Json = dict[str, Any]
VENDORED = ROOT / "vendor" / "crds"
CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
# Argo CD's application controller applies with this field manager under ServerSideApply=true.
INSTALLER = "argocd-controller"
# Keys v1.20's structural schemas do not know (CEL rules came in 1.25, selectableFields in 1.30).
NEWER_THAN_1_20 = ("x-kubernetes-validations", "selectableFields")


# The two largest vendored CRDs (2 MB of the 3.5), for kinds the toolkit never reads or writes: each
# CRD makes v1.20 rebuild its whole OpenAPI document, and these two would double the tier's start-up.
NOT_LOADED = frozenset({"applicationsets.argoproj.io", "secretstores.external-secrets.io"})


def vendored_crds() -> list[Json]:
    docs: list[Json] = []
    for path in sorted(VENDORED.rglob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d and d.get("kind") == "CustomResourceDefinition"]
    return [d for d in docs if d["metadata"]["name"] not in NOT_LOADED]


def for_v1_20(crd: Json) -> Json:
    """A copy v1.20 accepts: without CEL rules and selectableFields, and without the defaults it reads
    as null (`default: null`, and `default: ""`, which v1.20 refuses as `Invalid value: "null"`)."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: strip(v)
                for k, v in node.items()
                if k not in NEWER_THAN_1_20 and not (k == "default" and v in (None, ""))
            }
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    stripped: Json = strip(copy.deepcopy(crd))
    return stripped


def apply_crd(api: Http, crd: Json) -> None:
    name = crd["metadata"]["name"]
    api.request(
        "PATCH",
        f"{CRD_PATH}/{name}?fieldManager={INSTALLER}&force=true",
        crd,
        content_type="application/apply-patch+yaml",
    )


def install_platform_crds(api: Http) -> list[str]:
    """Apply every vendored CRD and the DatadogStack CRD; wait until all are Established.

    Returns the names of the CRDs applied as their v1.20 test copy.
    """
    copies: list[str] = []
    crds = [*vendored_crds(), datadog_stack_crd()]
    for crd in crds:
        try:
            apply_crd(api, crd)
        except ApiError as err:
            if err.status not in (400, 422, 500):
                raise
            apply_crd(api, for_v1_20(crd))
            copies.append(crd["metadata"]["name"])
    wait_established(api, [c["metadata"]["name"] for c in crds])
    return sorted(copies)


def wait_established(api: Http, names: list[str], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    pending = set(names)
    while pending and time.monotonic() < deadline:
        for name in sorted(pending):
            conditions = (api.get(f"{CRD_PATH}/{name}").get("status") or {}).get("conditions") or []
            if any(c.get("type") == "Established" and c.get("status") == "True" for c in conditions):
                pending.discard(name)
        if pending:
            time.sleep(0.1)
    if pending:
        raise RuntimeError(f"CRDs not Established within {timeout:.0f} s: {sorted(pending)}")


def crd_file(name: str) -> Path:
    """The vendored file that defines the CRD `name` (for messages)."""
    for path in VENDORED.rglob("*.yaml"):
        if f"name: {name}" in path.read_text():
            return path
    raise KeyError(name)
