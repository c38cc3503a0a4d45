"""The wallet's message catalogues: what is marked for translation, and how far each language is.

    python -m holder.i18n.catalogue update   # extract, then merge into every language's .po
    python -m holder.i18n.catalogue check    # list what a language still lacks (exit 1 if any)
    python -m holder.i18n.catalogue init xx  # start a new language

Messages are extracted with Babel from the wallet's Python (``_``, ``gettext``, ``ngettext``,
``lazy_gettext``, …) and templates (``{{ _("…") }}``, ``{% trans %}``), plus the labels the
wallet shows from shared tables (the EU elements' names and values), which no extractor can
see because the wallet passes them to ``gettext`` as values. The test suite runs ``missing``
for every shipped language. See docs/translations.md.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from holder.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, SOURCE_LANGUAGE

HOLDER_DIR = Path(__file__).resolve().parent.parent
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
}
METHOD_MAP = [
    ("i18n/**.py", "ignore"),  # this package's docstring examples are not messages
    ("migrations/**.py", "ignore"),
    ("**.py", "python"),
    ("pages/templates/**.html", "jinja2"),
    ("**/templates/**.html", "jinja2"),
]
OPTIONS_MAP = {
    "**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "false"},
    "pages/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "false"},
}


def _shared_labels() -> Iterator[tuple[str, str]]:
    """The texts from shared tables that the wallet translates as values: (text, where)."""
    from shared.credentials.microcredential import vocab
    from shared.credentials.microcredential.elements import ELEMENTS

    for element in ELEMENTS:
        yield element.label, "shared/credentials/microcredential/elements.py"
    # The values of the coded EU elements (participation, supervision, integration).
    for coded in (vocab.ParticipationMode, vocab.Supervision, vocab.IntegrationOption):
        for member in coded:
            yield member.label, "shared/credentials/microcredential/data/vocabulary.json"


def extract() -> Catalog:
    """Every message the wallet shows, as a template catalogue (no translations)."""
    catalog = Catalog(domain=DOMAIN, project="credstack wallet", charset="utf-8")
    found = extract_from_dir(
        str(HOLDER_DIR),
        method_map=METHOD_MAP,
        options_map=OPTIONS_MAP,
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
    )
    for filename, lineno, message, comments, context in found:
        where = f"holder/{Path(filename).as_posix()}"
        catalog.add(message, None, [(where, lineno)], auto_comments=comments, context=context)
    for label, where in _shared_labels():
        catalog.add(label, None, [(where, 0)])
    return catalog


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(language: str) -> Catalog:
    with po_path(language).open("rb") as po:
        return read_po(po, locale=language, domain=DOMAIN)


def write_catalogue(language: str, catalog: Catalog) -> None:
    path = po_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as po:
        write_po(po, catalog, width=100, sort_output=True, omit_header=False)


def shipped_languages() -> list[str]:
    return [language for language in LANGUAGES if language != SOURCE_LANGUAGE]


@dataclass(frozen=True)
class Gap:
    """One message a language lacks: untranslated, fuzzy (awaiting review) or not there."""

    language: str
    message: str
    why: str

    def __str__(self) -> str:
        return f"{self.language}: {self.why}: {self.message!r}"


def _key(message: Message) -> str:
    msgid = message.id
    return msgid[0] if isinstance(msgid, tuple | list) else str(msgid)


def missing(language: str, template: Catalog | None = None) -> list[Gap]:
    """What ``language`` lacks of the messages the wallet shows now."""
    template = template if template is not None else extract()
    translated = read_catalogue(language)
    gaps = []
    for message in template:
        if not message.id:
            continue
        have = translated.get(message.id, message.context)
        if have is None:
            gaps.append(Gap(language, _key(message), "missing"))
        elif have.fuzzy:
            gaps.append(Gap(language, _key(message), "fuzzy"))
        elif not _complete(have.string):
            gaps.append(Gap(language, _key(message), "untranslated"))
    return gaps


def _complete(string: str | Iterable[str] | None) -> bool:
    if isinstance(string, str):
        return bool(string.strip())
    return string is not None and all(part.strip() for part in string)


def update(languages: Iterable[str] | None = None) -> Catalog:
    """Extract, then merge into each language: new messages arrive empty, changed ones fuzzy,
    gone ones are kept as obsolete (commented out) so that no translation is lost."""
    template = extract()
    for language in languages or shipped_languages():
        catalog = read_catalogue(language) if po_path(language).is_file() else None
        if catalog is None:
            catalog = Catalog(locale=language, domain=DOMAIN, project="credstack wallet")
        catalog.update(template, no_fuzzy_matching=False, update_header_comment=False)
        write_catalogue(language, catalog)
    return template


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        update()
        return 0
    if command == "init" and len(argv) == 2:
        update([argv[1]])
        return 0
    if command == "check":
        template = extract()
        gaps = [gap for language in shipped_languages() for gap in missing(language, template)]
        for gap in gaps:
            print(gap)
        print(f"{len(template)} messages; {len(gaps)} gaps")
        return 1 if gaps else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
