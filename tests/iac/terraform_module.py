"""Read an OpenTofu module's `.tf` files into plain Python, for static checks.

python-hcl2 8.x keeps expressions as text (`"${var.region}"`); `RootModule.resolve` replaces
`var.*` references with variable defaults and `local.*` references with the locals, and leaves
everything it cannot know (data sources, module outputs, variables without default) as text.
`RootModule.instance` gives a child module as one module call sees it: its variables take the
call's arguments (resolved in the caller) as their values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import hcl2

REPO = Path(__file__).resolve().parents[2]
CLUSTER_MODULE = REPO / "iac"
ARGOCD_MODULE = REPO / "iac" / "argocd"
ROOT_MODULES = (CLUSTER_MODULE, ARGOCD_MODULE)
# One cluster of the fleet (EKS, node groups, IRSA roles), called by CLUSTER_MODULE.
FLEET_CLUSTER_MODULE = REPO / "iac" / "modules" / "cluster"

_OPTIONS = hcl2.SerializationOptions(with_comments=False, explicit_blocks=False, strip_string_quotes=True)
_REFERENCE = re.compile(r"\$\{(var|local)\.([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+)*)\}")
_UNRESOLVED = object()


@dataclass(frozen=True)
class RootModule:
    path: Path
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    modules: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (type, name) -> body, for `resource` and `data` blocks
    resources: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    data: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    # (from, to) addresses of the `moved` blocks
    moved: list[tuple[str, str]] = field(default_factory=list)

    def instance(self, caller: RootModule, call: str) -> RootModule:
        """This module as `caller`'s `module "<call>"` block instantiates it."""
        arguments = caller.resolve(caller.modules[call])
        variables = {
            name: {**body, "default": arguments[name]} if name in arguments else body
            for name, body in self.variables.items()
        }
        return RootModule(self.path, variables, self.outputs, self.locals, self.modules, self.resources, self.data)

    def resolve(self, value: Any, depth: int = 0) -> Any:
        """`value` with every resolvable `var.*`/`local.*` reference replaced."""
        if depth > 20:
            raise RecursionError(f"reference cycle in {self.path}")
        if isinstance(value, dict):
            return {k: self.resolve(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v, depth + 1) for v in value]
        if not isinstance(value, str):
            return value
        whole = _REFERENCE.fullmatch(value)
        if whole:
            found = self._lookup(whole, depth)
            return value if found is _UNRESOLVED else found

        def substitute(match: re.Match[str]) -> str:
            found = self._lookup(match, depth)
            return match.group(0) if found is _UNRESOLVED or isinstance(found, (dict, list)) else str(found)

        return _REFERENCE.sub(substitute, value)

    def _lookup(self, match: re.Match[str], depth: int) -> Any:
        kind, name, attributes = match.groups()
        if kind == "var":
            variable = self.variables.get(name, {})
            if "default" not in variable:
                return _UNRESOLVED
            found = self.resolve(variable["default"], depth + 1)
        elif name in self.locals:
            found = self.resolve(self.locals[name], depth + 1)
        else:
            return _UNRESOLVED
        for attribute in filter(None, attributes.split(".")):
            if not isinstance(found, dict) or attribute not in found:
                return _UNRESOLVED
            found = found[attribute]
        return found


@cache
def load_root_module(path: Path) -> RootModule:
    module = RootModule(path=path)
    for tf_file in sorted(path.glob("*.tf")):
        with tf_file.open() as handle:
            parsed = hcl2.load(handle, serialization_options=_OPTIONS)
        for block in parsed.get("variable", []):
            module.variables.update(block)
        for block in parsed.get("output", []):
            module.outputs.update(block)
        for block in parsed.get("locals", []):
            module.locals.update(block)
        for block in parsed.get("module", []):
            module.modules.update(block)
        module.moved.extend((expression(block["from"]), expression(block["to"])) for block in parsed.get("moved", []))
        for kind, target in (("resource", module.resources), ("data", module.data)):
            for block in parsed.get(kind, []):
                for type_name, bodies in block.items():
                    for name, body in bodies.items():
                        target[(type_name, name)] = body
    return module


def load_tfvars(path: Path) -> dict[str, Any]:
    """The assignments of a .tfvars file (or a .tfvars.example)."""
    with path.open() as handle:
        return hcl2.load(handle, serialization_options=_OPTIONS)


def expression(value: Any) -> str:
    """The text of an HCL expression as python-hcl2 keeps it, without `${` and `}`."""
    text = str(value)
    return text[2:-1] if text.startswith("${") and text.endswith("}") else text
