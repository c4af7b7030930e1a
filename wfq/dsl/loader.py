"""Safe YAML (and so JSON) loading with limits, and cutting one item's text out of a document.

Limits refused with DSLParseError: text over `max_bytes`, nesting deeper than MAX_DEPTH (checked on
the event stream, before any recursive code runs), aliases that expand the document far beyond its
written size (alias bombs) or refer to themselves, values JSON cannot hold, and strings holding a
NUL or a lone surrogate (the database cannot store them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

from wfq.errors import DSLParseError
from wfq.storable import NUL_MESSAGE, text_problem

MAX_DEPTH = 100
PARSE_ERROR = "Definition could not be parsed: "
_TOO_DEEP = f"the document nests deeper than {MAX_DEPTH}"
_LIBYAML_TOO_DEEP = "exceeded maximum nesting depth"

if TYPE_CHECKING:  # CSafeLoader (libyaml) has SafeLoader's interface but is not its subclass
    _Base = yaml.SafeLoader
else:
    _Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):
    """SafeLoader that keeps timestamps as the strings they were written as (JSON has no dates)."""


def _timestamp_as_text(loader: _Loader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


@dataclass(frozen=True, slots=True)
class Loaded:
    """A loaded document: its data, the composed node tree (for text positions) and the text."""

    data: Any
    node: Any
    text: str


def load(text: str | bytes, *, max_bytes: int = 1 << 20) -> Loaded:
    """Load YAML or JSON text safely.

    Raises:
        DSLParseError: the text is not YAML, is too large, too deep, or an alias bomb.
    """
    if isinstance(text, bytes):
        size = len(text)
        text = text.decode("utf-8", errors="replace")
    else:
        size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise DSLParseError(
            f"{PARSE_ERROR}the definition is {size} bytes, more than the limit of {max_bytes}"
        )
    try:
        nodes, aliases = _scan_events(text)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is not None and aliases:
                _check_expansion(node, limit=100_000 + 4 * nodes)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        if _LIBYAML_TOO_DEEP in str(exc):  # libyaml >= 0.2.5 stops at its own depth limit first
            raise DSLParseError(f"{PARSE_ERROR}{_TOO_DEEP}") from exc
        raise DSLParseError(f"{PARSE_ERROR}{exc}") from exc
    _check_json(data, "")
    return Loaded(data, node, text)


def _scan_events(text: str) -> tuple[int, int]:
    """Walk the event stream (iterative, no recursion) to bound depth; count nodes and aliases."""
    depth = nodes = aliases = 0
    for event in yaml.parse(text, Loader=_Base):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            nodes += 1
            if depth > MAX_DEPTH:
                raise DSLParseError(f"{PARSE_ERROR}{_TOO_DEEP}")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.ScalarEvent):
            nodes += 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
    return nodes, aliases


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_expansion(root: Any, *, limit: int) -> None:
    """Compute the size and depth of the tree with every alias expanded, without recursion."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(root, False)]
    on_path: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            on_path.discard(key)
            if size[key] > limit:
                raise DSLParseError(
                    f"{PARSE_ERROR}aliases expand the document to more than {limit} nodes"
                )
            if depth[key] > MAX_DEPTH:
                raise DSLParseError(
                    f"{PARSE_ERROR}aliases nest the document deeper than {MAX_DEPTH}"
                )
            continue
        if key in size:
            continue
        if key in on_path:
            raise DSLParseError(f"{PARSE_ERROR}an alias refers to a node that contains it")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((kid, False) for kid in _children(node) if id(kid) not in size)


def _check_json(value: Any, path: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                where = f" in '{path}'" if path else ""
                raise DSLParseError(f"{PARSE_ERROR}mapping key {key!r}{where} is not a string")
            _check_text(key, path)
            _check_json(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json(item, f"{path}[{index}]")
    elif isinstance(value, str):
        _check_text(value, path)
    elif value is not None and not isinstance(value, (int, float, bool)):
        raise DSLParseError(
            f"{PARSE_ERROR}value at '{path}' has the YAML type {type(value).__name__}, "
            "which JSON cannot hold"
        )


def _check_text(text: str, path: str) -> None:
    """A NUL or a lone surrogate (written as a YAML escape, `"\\0"`) cannot be stored."""
    problem = text_problem(text)
    if problem:
        where = f"at '{path}'" if path else "at the top"
        kind = "a NUL character (\\u0000)" if problem == NUL_MESSAGE else "a lone UTF-16 surrogate"
        raise DSLParseError(
            f"{PARSE_ERROR}a string {where} contains {kind}, which cannot be stored"
        )


def _mapping_entry(node: Any, key: str) -> tuple[Any, Any] | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


def section_text(loaded: Loaded, keys: tuple[str, ...], expected: Any) -> str | None:
    """The text of the entry at `keys` (e.g. ("workflows", "wf1")), dedented to column 0.

    Returns None when the cut text does not load back to `expected` (flow style spread over odd
    lines, aliases defined elsewhere ...); the caller then renders the value instead.
    """
    node, entry = loaded.node, None
    for key in keys:
        entry = _mapping_entry(node, key)
        if entry is None:
            return None
        node = entry[1]
    assert entry is not None
    key_node, value_node = entry
    lines = loaded.text.splitlines(keepends=True)
    end = value_node.end_mark
    # A block value ends where the next token starts: keep that line only if the value ends in it.
    ends_inside = end.line < len(lines) and lines[end.line][: end.column].strip() != ""
    column = key_node.start_mark.column
    block = lines[key_node.start_mark.line : end.line + (1 if ends_inside else 0)]
    if not block:
        return None
    block[0] = block[0][column:]
    block[1:] = [line[column:] if line[:column].strip() == "" else line for line in block[1:]]
    cut = "".join(block).rstrip() + "\n"
    try:
        again = yaml.load(cut, Loader=_Loader)
    except yaml.YAMLError:
        return None
    if again != {keys[-1]: expected}:
        return None
    return cut


def render(value: Any) -> str:
    """Serialise data as block YAML (used when a section cannot be cut out of the text)."""
    return str(yaml.safe_dump(value, sort_keys=False, default_flow_style=False, allow_unicode=True))
