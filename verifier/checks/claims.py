"""Are the claims a DCQL credential query asked for in the credential that answers it?

OpenID4VP 1.0 §6 (spec notes §2): a claims query has a ``path`` (a claims path pointer of
strings, integers, and ``null`` for every item of an array), starting at the VC's root for
W3C formats; with ``claim_sets`` one of the listed sets must be present, otherwise every
claim. The wallet is not trusted to have checked (§5.6), so the verifier looks itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

MAX_CLAIMS = 50


def missing_claims(query: Mapping[str, Any], credential: Mapping[str, Any]) -> list[str]:
    """The requested claims ``credential`` lacks, as dotted paths (empty: all present)."""
    claims = [c for c in query.get("claims") or [] if isinstance(c, Mapping)][:MAX_CLAIMS]
    present = {id(claim): _present(credential, claim.get("path")) for claim in claims}
    sets = query.get("claim_sets")
    if isinstance(sets, list) and sets:
        by_id = {claim.get("id"): claim for claim in claims}
        options = [[by_id.get(i) for i in option] for option in sets if isinstance(option, list)]
        for option in options:
            if all(claim is not None and present[id(claim)] for claim in option):
                return []
        first = next((option for option in options), [])
        return [_dotted(c.get("path")) for c in first if c is not None and not present[id(c)]]
    return [_dotted(claim.get("path")) for claim in claims if not present[id(claim)]]


def _present(node: object, path: object) -> bool:
    if not isinstance(path, list) or not path:
        return False
    return _walk(node, path)


def _walk(node: object, path: Sequence[object]) -> bool:
    if not path:
        return node is not None
    head, rest = path[0], path[1:]
    if head is None:
        return isinstance(node, list) and any(_walk(item, rest) for item in node)
    if isinstance(head, int) and not isinstance(head, bool):
        return isinstance(node, list) and 0 <= head < len(node) and _walk(node[head], rest)
    if isinstance(head, str):
        return isinstance(node, Mapping) and head in node and _walk(node[head], rest)
    return False


def _dotted(path: object) -> str:
    parts = path if isinstance(path, list) else []
    return ".".join("*" if p is None else str(p)[:40] for p in parts[:10]) or "(no path)"
