"""Catalogue files: a JSON document ``{"entries": [CatalogueEntry, ...]}``.

The demo catalogue beside this module is what a laptop run offers out of the box.
"""

from __future__ import annotations

import json
from importlib import resources

from shared.credentials.microcredential.model import CatalogueEntry
from shared.credentials.microcredential.validation import (
    InvalidMicroCredential,
    Problem,
    load_catalogue_entry,
)
from shared.errors import InvalidInput

DEMO_CATALOGUE_FILE = "demo-catalogue.json"


def load_catalogue(text: str) -> list[CatalogueEntry]:
    """Every entry of a catalogue file; one error listing the problems of all bad entries."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(f"The catalogue is not valid JSON: {exc}") from exc
    entries = document.get("entries") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise InvalidInput('A catalogue is a JSON object with a list under "entries".')
    loaded: list[CatalogueEntry] = []
    problems: list[Problem] = []
    for index, data in enumerate(entries):
        try:
            loaded.append(load_catalogue_entry(data if isinstance(data, dict) else {}))
        except InvalidMicroCredential as exc:
            problems.extend(
                Problem(p.element, f"entries[{index}].{p.field}", p.message) for p in exc.problems
            )
    if problems:
        raise InvalidMicroCredential(problems)
    return loaded


def demo_catalogue() -> list[CatalogueEntry]:
    text = resources.files(__package__).joinpath("data", DEMO_CATALOGUE_FILE).read_text("utf-8")
    return load_catalogue(text)
