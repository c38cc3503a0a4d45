"""The JSONPath subset Presentation Exchange requests use, evaluated without any scripting.

Supported: the root ``$``, member access ``.name`` and ``['name']`` / ``["name"]``, array
indexes ``[0]`` (negative counts from the end), and wildcards ``[*]`` / ``.*``. Filters
(``?(...)``), script expressions, recursive descent (``..``) and slices are refused when the
request is read, so a verifier cannot make the wallet run code or walk a whole document
(PE security considerations; checklist C.7).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from shared.errors import InvalidInput

MAX_PATH_CHARS = 256
MAX_STEPS = 16

_NAME = re.compile(r"\.([A-Za-z_@$][A-Za-z0-9_@$-]*)")
_QUOTED = re.compile(r"""\[\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\]""")
_INDEX = re.compile(r"\[\s*(-?[0-9]{1,6})\s*\]")
_WILDCARD = re.compile(r"\[\s*\*\s*\]|\.\*")

Step = str | int | None  # member name, array index, or None for "every item"


@dataclass(frozen=True)
class JsonPath:
    text: str
    steps: tuple[Step, ...]

    def values(self, document: Any) -> list[Any]:
        """Every value the path selects in ``document`` (empty when nothing is there)."""
        return select(document, self.steps, wildcard_objects=True)


def compile_path(text: str) -> JsonPath:
    """Parse ``text`` or raise InvalidInput naming what is not supported."""
    if not isinstance(text, str) or not text.startswith("$") or len(text) > MAX_PATH_CHARS:
        raise InvalidInput(f"Unsupported JSONPath {text!r}: it must start with $.")
    steps: list[Step] = []
    position = 1
    while position < len(text):
        if text.startswith("..", position):
            raise InvalidInput(f"Unsupported JSONPath {text!r}: no recursive descent (..).")
        step, position = _next_step(text, position)
        steps.append(step)
        if len(steps) > MAX_STEPS:
            raise InvalidInput(f"Unsupported JSONPath {text!r}: too many steps.")
    return JsonPath(text, tuple(steps))


def _next_step(text: str, position: int) -> tuple[Step, int]:
    if match := _WILDCARD.match(text, position):
        return None, match.end()
    if match := _NAME.match(text, position):
        return match.group(1), match.end()
    if match := _QUOTED.match(text, position):
        quoted = match.group(1) if match.group(1) is not None else match.group(2)
        return re.sub(r"\\(.)", r"\1", quoted), match.end()
    if match := _INDEX.match(text, position):
        return int(match.group(1)), match.end()
    raise InvalidInput(
        f"Unsupported JSONPath {text!r} at {text[position : position + 20]!r}: only .name, "
        "['name'], [n] and [*] are understood."
    )


def select(value: Any, steps: tuple[Step, ...], *, wildcard_objects: bool) -> list[Any]:
    """The values ``steps`` lead to. A ``None`` step takes every array item, and also every
    member value when ``wildcard_objects`` (JSONPath's ``*``; a DCQL ``null`` takes array
    items only)."""
    return list(_walk(value, steps, wildcard_objects))


def _walk(value: Any, steps: tuple[Step, ...], wildcard_objects: bool) -> Iterator[Any]:
    if not steps:
        yield value
        return
    step, rest = steps[0], steps[1:]
    if step is None:
        children: list[Any] = []
        if isinstance(value, list):
            children = value
        elif isinstance(value, dict) and wildcard_objects:
            children = list(value.values())
        for child in children:
            yield from _walk(child, rest, wildcard_objects)
    elif isinstance(step, int):
        if isinstance(value, list) and -len(value) <= step < len(value):
            yield from _walk(value[step], rest, wildcard_objects)
    elif isinstance(value, dict) and step in value:
        yield from _walk(value[step], rest, wildcard_objects)
