"""Which of the forms a page offers the client asked for: HTTP proactive negotiation on the
``Accept`` header (RFC 9110 §12.5.1).

Each offered media type takes the weight (``q``) of the most specific range that matches it
(``type/subtype`` over ``type/*`` over ``*/*``); the highest weight wins, and a tie goes to
the form offered first. Malformed ranges are skipped rather than refused: the fallback (the
first form) is harmless, and clients send all sorts of things.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class _Range:
    type: str
    subtype: str
    quality: float

    def specificity(self, media_type: str) -> int | None:
        """2 for an exact match, 1 for ``type/*``, 0 for ``*/*``; None if it does not match."""
        kind, _, sub = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != kind:
            return None
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == sub else None


def preferred_media_type(accept: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type the client weighs highest; the first offered when the client
    says nothing; None when it accepts none of them (every match weighs ``q=0``)."""
    ranges = _ranges(accept or "")
    if not ranges:
        return offered[0]
    best, best_quality = None, 0.0
    for media_type in offered:
        quality = _quality(media_type, ranges)
        if quality > best_quality:
            best, best_quality = media_type, quality
    return best


def _quality(media_type: str, ranges: list[_Range]) -> float:
    matches = [
        (specificity, item.quality)
        for item in ranges
        if (specificity := item.specificity(media_type)) is not None
    ]
    return max(matches)[1] if matches else 0.0


def _ranges(accept: str) -> list[_Range]:
    ranges = []
    for item in accept.split(","):
        media, *params = item.split(";")
        kind, slash, sub = media.strip().lower().partition("/")
        if not slash or not kind or not sub or (kind == "*" and sub != "*"):
            continue
        quality = _q(params)
        if quality is not None:
            ranges.append(_Range(kind, sub, quality))
    return ranges


def _q(params: list[str]) -> float | None:
    for param in params:
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "q":
            try:
                quality = float(value.strip())
            except ValueError:
                return None
            return quality if 0.0 <= quality <= 1.0 else None
    return 1.0
