"""Validate objects against the openAPIV3Schema of a real CustomResourceDefinition.

A structural check like the API server's (types, required, enums, patterns, int-or-string,
preserve-unknown-fields), strict about unknown fields the way `kubectl apply --validate=strict` is.
It does not run CEL `x-kubernetes-validations` rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

# The upstream CRDs, vendored at pinned versions (vendor/crds/README.md says which).
SCHEMAS = Path(__file__).resolve().parents[2] / "vendor" / "crds"


def to_json_schema(node: Any) -> Any:
    """Translate a Kubernetes structural schema into plain JSON Schema (draft 7)."""
    if isinstance(node, list):
        return [to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("x-kubernetes-") or key in {"nullable", "format", "default", "example"}:
            continue
        if key in {"properties", "patternProperties", "definitions"}:
            out[key] = {k: to_json_schema(v) for k, v in value.items()}
        elif key in {"items", "additionalProperties", "not"} and isinstance(value, dict):
            out[key] = to_json_schema(value)
        elif key in {"allOf", "anyOf", "oneOf"}:
            out[key] = [to_json_schema(v) for v in value]
        else:
            out[key] = value
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out.setdefault("anyOf", [{"type": "integer"}, {"type": "string"}])
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    if (
        node.get("type") == "object"
        and "properties" in node
        and "additionalProperties" not in node
        and not node.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def load_yaml_documents(path: Path) -> list[dict[str, Any]]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ten times faster on the big CRDs
    return [d for d in yaml.load_all(path.read_text(), Loader=loader) if d]


@cache
def _crds() -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) -> openAPIV3Schema of every served version of the vendored upstream CRDs."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(SCHEMAS.rglob("*.yaml")):
        for doc in load_yaml_documents(path):
            if doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            for version in spec["versions"]:
                if version.get("served"):
                    found[(f"{spec['group']}/{version['name']}", spec["names"]["kind"])] = version["schema"][
                        "openAPIV3Schema"
                    ]
    return found


def served_kinds() -> set[tuple[str, str]]:
    return set(_crds())


def structural_errors(schema: dict[str, Any], obj: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(to_json_schema(schema))
    return [
        f"{'.'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}"
        for e in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path)))
    ]


def crd_errors(obj: dict[str, Any]) -> list[str]:
    """Errors of `obj` against the upstream CRD that serves its apiVersion and kind."""
    key = (obj.get("apiVersion", ""), obj.get("kind", ""))
    schema = _crds().get(key)
    if schema is None:
        return [f"no served CRD for {key[0]} {key[1]} under {SCHEMAS}"]
    return structural_errors(schema, obj)


def iter_schema_nodes(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every sub-schema with its path, for checks of structural rules."""
    if isinstance(node, dict):
        yield path, node
        for key in ("properties", "patternProperties"):
            for name, child in (node.get(key) or {}).items():
                yield from iter_schema_nodes(child, f"{path}.{name}")
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                yield from iter_schema_nodes(node[key], f"{path}[]")
