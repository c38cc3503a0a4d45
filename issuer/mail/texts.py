"""The few sentences of an offer e-mail, in the languages credstack's alliances span.

The catalogue is a small JSON file beside this module (``messages.json``): one mapping per
language, the same keys in each (a test holds them to that).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from shared.credentials.microcredential.i18n import normalise_language_tag

CATALOGUE = Path(__file__).parent / "messages.json"
DEFAULT_LANGUAGE = "en"


@cache
def catalogue() -> dict[str, dict[str, str]]:
    loaded: dict[str, dict[str, str]] = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    return loaded


def languages() -> list[str]:
    return list(catalogue())


def supported(tag: str | None) -> str | None:
    """The catalogue language serving ``tag`` (``de-AT`` → ``de``), or None."""
    if not tag:
        return None
    try:
        language = normalise_language_tag(tag).split("-")[0]
    except ValueError:
        return None
    return language if language in catalogue() else None


def texts(language: str) -> dict[str, str]:
    return catalogue()[supported(language) or DEFAULT_LANGUAGE]
