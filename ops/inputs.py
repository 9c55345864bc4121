"""Files a user hands a task (request files), read with the API server's own limits.

At most 1 MiB (the API server refuses larger request bodies; etcd's default object limit is 1.5 MiB),
a regular file, UTF-8, YAML with no duplicate keys (the API server's strict decoding refuses them
too) and alias expansion bounded, so a "billion laughs" file is refused instead of filling memory.

    doc = load_yaml_mapping(Path("request.yaml"), "--file")   # BadInput naming the flag otherwise
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

from ops.errors import BadInput

MAX_BYTES = 1024 * 1024
MAX_NODES = 10_000  # YAML nodes once every alias is expanded: a DatadogStack has a few dozen


# libyaml's parser when PyYAML was built with it (the wheels are): a tenth of the pure-Python parser's time
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that refuses duplicate keys (PyYAML keeps the last one silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
            except TypeError:  # an unhashable key: the base class says so
                break
            if duplicate:
                mark = key_node.start_mark
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} twice, line {mark.line + 1}", mark
                )
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """How many nodes the document has once aliases are expanded (stops counting past `limit`)."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node, depth: int) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        if depth > 100:
            return limit + 1
        total = 1
        if isinstance(node, yaml.SequenceNode):
            for child in node.value:
                total += size(child, depth + 1)
                if total > limit:
                    break
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                total += size(key, depth + 1) + size(value, depth + 1)
                if total > limit:
                    break
        sizes[id(node)] = total
        return total

    return size(root, 0)


def read_text(path: Path, field: str, *, max_bytes: int = MAX_BYTES, noun: str = "file") -> str:
    """The text of a regular file of at most `max_bytes`, as UTF-8; BadInput naming `field` otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise BadInput(field, str(path), f"a path to an existing {noun}") from None
    except OSError as err:
        raise BadInput(field, str(path), f"a readable file ({err.strerror})") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise BadInput(field, str(path), "a regular file (this is a directory, a device or a pipe)")
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise BadInput(field, str(path), f"a file of at most {max_bytes // 1024} KiB, as the API server accepts")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BadInput(field, str(path), f"UTF-8 text (byte {err.start} is not)") from None


def load_yaml_documents(text: str, field: str, where: str) -> list[Any]:
    """Every non-empty YAML document of `text`, strictly (no duplicate keys, bounded aliases)."""
    docs: list[Any] = []
    try:
        loader = _StrictLoader(text)
        try:
            while loader.check_node():
                node = loader.get_node()
                if node is not None and _expanded_size(node, MAX_NODES) > MAX_NODES:
                    raise BadInput(field, where, f"YAML of at most {MAX_NODES} nodes once aliases are expanded")
                doc = loader.construct_document(node)
                if doc is not None:
                    docs.append(doc)
        finally:
            loader.dispose()
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(err, "problem", None) or ""
        if problem.startswith("duplicate key"):
            raise BadInput(field, where, f"YAML without duplicate keys ({problem.removeprefix('duplicate ')})") from err
        raise BadInput(field, where, f"valid YAML{line}") from err
    return docs


def load_yaml_mapping(path: Path, field: str, *, what: str = "mapping") -> dict[str, Any]:
    """The one YAML mapping in the file at `path`, read within the limits above."""
    docs = load_yaml_documents(read_text(path, field, noun="YAML file"), field, str(path))
    if len(docs) != 1 or not isinstance(docs[0], dict):
        raise BadInput(field, str(path), f"exactly one {what} document")
    if not all(isinstance(key, str) for key in docs[0]):
        raise BadInput(field, str(path), "a mapping whose keys are strings")
    return docs[0]
