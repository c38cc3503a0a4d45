"""ISCED-F 2013 fields of education and training, by code, with their names (``isced-f.json``).

The catalogue entry keeps the field's name (``field_of_study``, a text in the entry's
languages), not its code: that is what Open Badges' ``fieldOfStudy`` carries and what
wallets add up by. The designer offers the fields by name and writes the name in each of the
entry's languages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).with_name("isced-f.json")
FALLBACK_LANGUAGE = "en"  # UNESCO's own wording, used where we have no translation


@dataclass(frozen=True)
class IscedField:
    code: str
    names: dict[str, str]  # language → name

    @property
    def broad(self) -> bool:
        return len(self.code) == 2

    def name_in(self, language: str) -> str:
        return self.names.get(language) or self.names[FALLBACK_LANGUAGE]

    def texts(self, languages: list[str]) -> dict[str, str]:
        """The name in each of ``languages``, in that order (a LocalizedText's JSON form)."""
        return {language: self.name_in(language) for language in languages}


@cache
def isced_fields() -> tuple[IscedField, ...]:
    document = json.loads(DATA_FILE.read_text("utf-8"))
    return tuple(
        IscedField(item["code"], {k: v for k, v in item.items() if k != "code"})
        for item in document["fields"]
    )


def isced_field(code: str) -> IscedField | None:
    return next((field for field in isced_fields() if field.code == code), None)


def isced_code_named(texts: dict[str, str]) -> str | None:
    """The code of the field a stored name means (any of its languages), narrow fields first:
    a name shared by a broad field and its only narrow field ("Education") is the narrow one."""
    written = {text.casefold() for text in texts.values()}
    for field in sorted(isced_fields(), key=lambda f: f.broad):
        if any(name.casefold() in written for name in field.names.values()):
            return field.code
    return None
