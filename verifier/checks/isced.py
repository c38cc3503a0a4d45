"""ISCED-F 2013 fields of study: a credential's field as a code, and whether it is in the
field a request asks for.

A credential says its field either as an alignment to ISCED-F (``targetFramework`` naming
ISCED, ``targetCode`` the code) or in words (OB ``fieldOfStudy``, which our issuers fill with
the ISCED-F broad or narrow field's English name). Where one name is both a broad and a
narrow field (ICT, Education), the narrow code is taken: it is the only narrow field there.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

from shared.credentials.microcredential.readmodel import AchievementView

CODE = re.compile(r"^\d{2,4}$")


@cache
def field_names() -> dict[str, str]:
    text = resources.files(__package__).joinpath("data", "isced-f-2013.json").read_text("utf-8")
    fields: dict[str, str] = json.loads(text)["fields"]
    return fields


@cache
def _codes_by_name() -> dict[str, str]:
    by_name: dict[str, str] = {}
    for code, name in sorted(field_names().items(), key=lambda item: len(item[0])):
        by_name[_folded(name)] = code  # longer (narrower) codes overwrite broad ones
    return by_name


def field_name(code: str) -> str | None:
    return field_names().get(code)


def isced_code(achievement: AchievementView) -> str | None:
    """The ISCED-F code of an achievement's field: an alignment's, else its name's."""
    for alignment in achievement.other_alignments:
        code = (alignment.code or "").strip()
        if "isced" in (alignment.framework or "").lower() and CODE.match(code):
            return code
    if achievement.field_of_study is None:
        return None
    for text in achievement.field_of_study.texts().values():
        if (named := _codes_by_name().get(_folded(text))) is not None:
            return named
    return None


def in_field(code: str | None, wanted: str) -> bool:
    """A credential in field ``code`` counts for ``wanted`` when it is that field or a
    narrower one inside it (0613 is in 061 and in 06, but 06 is not known to be 0613)."""
    return code is not None and code.startswith(wanted)


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()
