"""Every taint `iac/` puts on a node group, wherever it is declared.

Walks every folder under `iac/` that holds `.tf` files (root and child modules alike) and collects
the `taints` maps or lists of module calls (terraform-aws-modules/eks node groups) and the `taint`
blocks of resources (aws_eks_node_group), with `var.*`/`local.*` resolved in their own module.
A child module's variables without a default take the arguments of the module blocks that call
it. A taint whose key, value or effect cannot be resolved is an error, never skipped: the test
that uses these must not pass on a taint it could not read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ops.kube.placement import Taint
from tests.iac.terraform_module import CLUSTER_MODULE, RootModule, load_root_module

IAC = CLUSTER_MODULE
# EKS node group API spelling -> Kubernetes spelling
EKS_EFFECTS = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}
TAINT_KEYS = ("taints", "taint")


class UnreadableTaint(AssertionError):
    """A taint in iac/ whose fields are expressions this static reader cannot resolve."""


@dataclass(frozen=True)
class DeclaredTaint:
    taint: Taint
    where: str  # module folder and the path of the block in it


def module_dirs(root: Path = IAC) -> list[Path]:
    return sorted({tf.parent for tf in root.rglob("*.tf") if ".terraform" not in tf.parts})


def _callers(module_dir: Path, root: Path) -> list[tuple[RootModule, str]] | None:
    """(caller module, call name) of every `module` block in the tree whose source is module_dir
    and that makes at least one instance with the defaults (None: no block calls it at all)."""
    found, called = [], False
    for caller_dir in module_dirs(root):
        caller = load_root_module(caller_dir)
        for call, body in caller.modules.items():
            source = str(body.get("source", ""))
            if source.startswith(".") and (caller_dir / source).resolve() == module_dir.resolve():
                called = True
                each = caller.resolve(body.get("for_each", body.get("count", 1)))
                if each not in ({}, [], 0):  # for_each over an empty default (or count = 0): no instance
                    found.append((caller, call))
    return found if called else None


def _as_called(module: RootModule, caller: RootModule, call: str) -> RootModule:
    """The module with the call's arguments (resolved in the caller) as its variables' values."""
    arguments = caller.resolve(caller.modules[call])
    variables = {
        name: {**body, "default": arguments[name]} if name in arguments else body
        for name, body in module.variables.items()
    }
    return RootModule(
        module.path, variables, module.outputs, module.locals, module.modules, module.resources, module.data
    )


def _instances(module_dir: Path, root: Path) -> list[RootModule]:
    module = load_root_module(module_dir)
    callers = _callers(module_dir, root)
    if callers is None:
        return [module]  # a root module
    return [_as_called(module, caller, call) for caller, call in callers]


def _found(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    """(path, value) of every `taints`/`taint` entry anywhere under node."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in TAINT_KEYS:
                yield f"{path}.{key}", value
            else:
                yield from _found(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _found(value, f"{path}[{index}]")


def _entries(value: Any) -> list[Any]:
    if isinstance(value, dict) and "key" not in value:
        return list(value.values())  # a map of taints (the EKS module's `taints = { name = {...} }`)
    if isinstance(value, list):
        return value  # a list of taints, or repeated `taint { }` blocks
    return [value]


def _taint(raw: Any, where: str) -> Taint:
    if not isinstance(raw, dict) or not isinstance(raw.get("key"), str) or not isinstance(raw.get("effect"), str):
        raise UnreadableTaint(f"{where}: cannot read a taint from {raw!r}")
    fields = {name: str(raw.get(name) or "") for name in ("key", "value", "effect")}
    if any("${" in text for text in fields.values()):
        raise UnreadableTaint(f"{where}: taint {fields} has expressions this reader cannot resolve")
    effect = EKS_EFFECTS.get(fields["effect"], fields["effect"])
    if effect not in EKS_EFFECTS.values():
        raise UnreadableTaint(f"{where}: unknown taint effect {fields['effect']!r}")
    return Taint(fields["key"], fields["value"], effect)


def declared_taints(root: Path = IAC) -> list[DeclaredTaint]:
    """Every taint the `.tf` files under root put on node groups."""
    found: list[DeclaredTaint] = []
    for module_dir in module_dirs(root):
        # a module no default instance calls still declares its taints for the instances one configures
        for module in _instances(module_dir, root) or [load_root_module(module_dir)]:
            blocks = {f"module.{name}": body for name, body in module.modules.items()}
            blocks |= {f"{kind}.{name}": body for (kind, name), body in module.resources.items()}
            for address, body in blocks.items():
                for path, value in _found(body, address):
                    where = f"{module_dir.relative_to(root.parent)}: {path}"
                    for raw in _entries(module.resolve(value)):
                        found.append(DeclaredTaint(_taint(raw, where), where))
    return list({(d.taint, d.where): d for d in found}.values())


@dataclass(frozen=True)
class DeclaredNodeGroup:
    name: str
    desired_size: Any  # a number once resolved; the expression text when it cannot be
    taints: frozenset[Taint]
    where: str


def declared_node_groups(root: Path = IAC) -> list[DeclaredNodeGroup]:
    """The EKS managed node groups (module `eks_managed_node_groups`, resource aws_eks_node_group)."""
    found = []
    for module_dir in module_dirs(root):
        for module in _instances(module_dir, root):
            groups: list[tuple[str, str, Any, Any]] = []
            for call, body in module.modules.items():
                for name, group in module.resolve(body.get("eks_managed_node_groups") or {}).items():
                    groups.append((f"module.{call}.{name}", name, group.get("desired_size"), group.get("taints")))
            for (kind, name), body in module.resources.items():
                if kind == "aws_eks_node_group":
                    resolved = module.resolve(body)
                    scaling = resolved.get("scaling_config") or [{}]
                    scaling = scaling[0] if isinstance(scaling, list) else scaling
                    groups.append((f"{kind}.{name}", name, scaling.get("desired_size"), resolved.get("taint")))
            for address, name, size, taints in groups:
                where = f"{module_dir.relative_to(root.parent)}: {address}"
                parsed = frozenset(_taint(raw, where) for raw in _entries(taints)) if taints else frozenset()
                found.append(DeclaredNodeGroup(name, size, parsed, where))
    return found
