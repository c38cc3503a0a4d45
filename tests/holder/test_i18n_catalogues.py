"""The wallet's words are all in the catalogues, and every template marks its words.

The catalogue test extracts with Babel at test time (``holder.i18n.catalogue.extract``), so
a string added to a template or a Python message without a translation in every shipped
language fails here. The template tests read the raw templates: visible text outside
``_()`` / ``{% trans %}`` fails, and so does a word-like string literal in an expression.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from jinja2 import Environment

from holder.i18n import LANGUAGES, SOURCE_LANGUAGE, compiled, gettext, ngettext, use_language
from holder.i18n.catalogue import extract, missing, read_catalogue, shipped_languages
from holder.pages.common import TEMPLATES_DIR, templates

# Words the same in every language: acronyms, brand and format names.
ALLOWED_WORDS = {
    "ECTS", "EQF", "NQF", "QR", "JSON", "JWT", "DID", "PDF", "credstack", "wallet", "LinkedIn",
    "Open", "Badges", "ESCO", "UTC", "KiB", "MiB",
}  # fmt: skip
GETTEXT_CALLS = {"_", "gettext", "ngettext", "pgettext", "npgettext"}
VISIBLE_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]")


@pytest.fixture(scope="module")
def template_catalogue() -> Catalog:
    return extract()


def test_the_shipped_languages_are_the_seven_of_credstacks_alliances() -> None:
    assert set(LANGUAGES) == {"en", "de", "fr", "es", "it", "nl", "pl"}
    assert SOURCE_LANGUAGE == "en"


def test_extraction_finds_the_wallets_templates_python_and_shared_labels(
    template_catalogue: Catalog,
) -> None:
    """The extractor sees all three kinds of source, so the completeness test means
    something: a template label, a Python error and an EU element's name."""
    ids = {m.id for m in template_catalogue}
    assert "Check status of all" in ids  # wallet/cards.html
    assert "Enter a valid e-mail address." in ids  # holder/accounts/service.py
    assert "Notional workload (ECTS)" in ids  # shared element label shown by the wallet
    assert len(template_catalogue) > 200


@pytest.mark.parametrize("language", shipped_languages())
def test_every_wallet_message_is_translated(language: str, template_catalogue: Catalog) -> None:
    """Every message of the templates and the Python code has a reviewed (not fuzzy),
    non-empty translation."""
    gaps = missing(language, template_catalogue)
    assert not gaps, f"{len(gaps)} messages lack a {language} translation:\n" + "\n".join(
        str(gap) for gap in gaps
    )


@pytest.mark.parametrize("language", shipped_languages())
def test_translations_keep_the_placeholders(language: str) -> None:
    """A translation that drops or renames ``%(name)s`` would raise or lose the value."""
    wrong = []
    for message in read_catalogue(language):
        if not message.id or not message.string or message.fuzzy:
            continue
        ids = [str(text) for text in _as_tuple(message.id)]
        strings = [str(text) for text in _as_tuple(message.string)]
        wanted = {frozenset(PLACEHOLDER.findall(text)) for text in ids}
        for text in strings:
            if frozenset(PLACEHOLDER.findall(text)) not in wanted:
                wrong.append(f"{ids[0]!r} → {text!r}")
    assert not wrong, "\n".join(wrong)


def _as_tuple(value: object) -> tuple[object, ...]:
    return tuple(value) if isinstance(value, tuple | list) else (value,)


def test_a_fuzzy_or_empty_translation_shows_the_english() -> None:
    """Fuzzy entries are a guess awaiting review: the English shows until it is confirmed."""
    catalog = Catalog(locale="de", domain="messages")
    catalog.add("Check status now", "Status jetzt prüfen")
    catalog.add("Check status of all", "Alle prüfen?", flags=["fuzzy"])
    catalog.add("Delete", "")
    translated = compiled(catalog)
    assert translated.gettext("Check status now") == "Status jetzt prüfen"
    assert translated.gettext("Check status of all") == "Check status of all"
    assert translated.gettext("Delete") == "Delete"


def test_the_shipped_catalogue_is_what_the_pages_use() -> None:
    use_language("de")
    try:
        assert gettext("Check status of all") == "Status aller prüfen"
        assert ngettext("%(num)s credential restored.", "%(num)s credentials restored.", 3) == (
            "3 Nachweise wiederhergestellt."
        )
    finally:
        use_language("en")
    assert gettext("Check status of all") == "Check status of all"


# --- templates mark every word --------------------------------------------------------------


def _templates() -> list[Path]:
    return sorted(path for path in TEMPLATES_DIR.rglob("*.html"))


def _unmarked_literals(env: Environment, source: str) -> list[str]:
    """Word-like string literals in expressions that are not inside a gettext call."""
    found = []
    calls: list[str | None] = []  # per open parenthesis: the name called, if any
    previous: tuple[str, str] = ("", "")
    for _lineno, kind, value in env.lex(source):
        if (kind, value) == ("operator", "("):
            calls.append(previous[1] if previous[0] == "name" else None)
        elif (kind, value) == ("operator", ")") and calls:
            calls.pop()
        elif kind == "string":
            text = value.strip("'\"")
            in_gettext = any(call in GETTEXT_CALLS for call in calls)
            compared = previous in (("operator", "=="), ("operator", "!="))  # not shown
            if not in_gettext and not compared and _looks_like_words(text):
                found.append(text)
        elif kind == "block_end" or kind == "variable_end":
            calls.clear()
        if kind != "whitespace":
            previous = (kind, value)
    return found


def _looks_like_words(text: str) -> bool:
    if not re.search(r"[A-Za-z]{2,}", text) or "://" in text or text.startswith(("/", "#")):
        return False
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", text)
    if all(word in ALLOWED_WORDS for word in words):
        return False
    # Identifiers and CSS classes are lower-case single tokens; people's words are not.
    return " " in text.strip() or text[:1].isupper()


class _VisibleText(HTMLParser):
    """Text nodes and visible attribute values of a template with its Jinja removed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("code", "pre", "script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value and "://" not in value:
                self._check(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("code", "pre", "script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._check(data)

    def _check(self, text: str) -> None:
        words = re.findall(r"[^\W\d_][\w'-]*", text)
        if any(word not in ALLOWED_WORDS for word in words):
            self.found.append(" ".join(text.split()))


_TRANS_BLOCK = re.compile(r"{%-?\s*trans\b.*?{%-?\s*endtrans\s*-?%}", re.S)
_JINJA = re.compile(r"{#.*?#}|{%.*?%}|{{.*?}}", re.S)


def visible_unmarked_text(source: str) -> list[str]:
    stripped = _JINJA.sub(" ", _TRANS_BLOCK.sub(" ", source))
    parser = _VisibleText()
    parser.feed(stripped)
    return parser.found


def test_the_text_check_catches_an_unmarked_label() -> None:
    """The check below can fail: plain text and a bare literal are caught, marked are not."""
    assert visible_unmarked_text("<h1>Your stack</h1>") == ["Your stack"]
    assert visible_unmarked_text('<input placeholder="Your name">') == ["Your name"]
    assert visible_unmarked_text('<h1>{{ _("Your stack") }}</h1><b>ECTS</b>') == []
    assert visible_unmarked_text("<p>{% trans %}Hi {{ x }}{% endtrans %}</p>") == []
    env = templates.env
    assert _unmarked_literals(env, "{{ x or 'Unknown issuer' }}") == ["Unknown issuer"]
    assert _unmarked_literals(env, "{{ x or _('Unknown issuer') }}") == []
    assert _unmarked_literals(env, "{{ 'checkbox' if y else 'radio' }}") == []
    assert _unmarked_literals(env, "{% if e == 'Not Found' %}x{% endif %}") == []


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES_DIR)))
def test_templates_mark_every_visible_word(path: Path) -> None:
    source = path.read_text("utf-8")
    unmarked = visible_unmarked_text(source) + _unmarked_literals(templates.env, source)
    assert not unmarked, f"{path.name}: wrap these in {{{{ _('…') }}}}: {unmarked}"
