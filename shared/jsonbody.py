"""Parsing JSON that arrives from outside, with a bound on how deeply it nests.

Python's JSON decoder recurses once per level: a body of ``"[" * 2000`` raises
RecursionError (a 500 where the caller expects ValueError), and a few hundred levels that
do parse still make every later walk of the value (validation, canonicalisation) recurse as
deeply. Nothing credstack exchanges nests deeper than a couple of dozen levels.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64


class TooDeeplyNested(ValueError):
    """The JSON nests deeper than allowed; a ValueError, like any other malformed JSON."""

    def __init__(self, max_depth: int) -> None:
        super().__init__(f"the JSON is nested more than {max_depth} levels deep")


def loads(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads``, but ValueError (TooDeeplyNested) for JSON nested past ``max_depth``."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise TooDeeplyNested(max_depth) from None
    if _depth_exceeds(value, max_depth):
        raise TooDeeplyNested(max_depth)
    return value


def _depth_exceeds(value: Any, max_depth: int) -> bool:
    # Iterative, so that checking the depth cannot itself run out of stack.
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > max_depth:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False
