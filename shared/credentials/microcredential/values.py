"""Reading JSON values leniently: what is missing or malformed becomes None or is skipped.

Credentials from other issuers come in many shapes (one value or a list, a string or a
JSON-LD value object); these helpers give the parser one shape to work with.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeGuard

from shared.credentials.microcredential.i18n import LocalizedText, normalise_language_tag


def text(node: Mapping[str, Any], term: str, language: str) -> LocalizedText | None:
    """``term`` (a string or language value objects) with ``termTranslations`` merged in."""
    found: dict[str, str] = {}
    for tag, value in [*_language_values(node.get(term), language), *_map_values(node, term)]:
        try:
            tag = normalise_language_tag(tag)
        except ValueError:
            continue
        if value.strip() and tag not in found:
            found[tag] = value.strip()
    if not found:
        return None
    default = language if language in found else next(iter(found))
    default_text = found.pop(default)
    return LocalizedText(language=default, text=default_text, translations=found)


def _language_values(value: Any, language: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for item in items(value):
        if isinstance(item, str):
            pairs.append((language, item))
        elif is_map(item) and isinstance(item.get("@value"), str):
            pairs.append((string(item.get("@language")) or language, item["@value"]))
    return pairs


def _map_values(node: Mapping[str, Any], term: str) -> list[tuple[str, str]]:
    translations = node.get(f"{term}Translations")
    if not is_map(translations):
        return []
    pairs = []
    for tag, value in translations.items():
        texts = [item for item in items(value) if isinstance(item, str)]
        if isinstance(tag, str) and texts:
            pairs.append((tag, texts[0]))
    return pairs


def language_tag(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return normalise_language_tag(value)
    except ValueError:
        return None


def items(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def strings(value: Any) -> list[str]:
    return [item for item in items(value) if isinstance(item, str)]


def string(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def is_map(value: Any) -> TypeGuard[Mapping[str, Any]]:
    return isinstance(value, Mapping)


def number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def day(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None
