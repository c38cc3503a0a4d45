"""Texts in several languages: the reader gets the language they asked for, or the default."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.credentials.microcredential.i18n import (
    LocalizedText,
    negotiate_language,
    normalise_language_tag,
    parse_accept_language,
)

TITLE = LocalizedText.model_validate(
    {
        "en": "Data Literacy",
        "de": "Datenkompetenz",
        "pt-BR": "Letramento em dados",
        "fr-CA": "Littératie",
    }
)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "Data Literacy"),
        ("", "Data Literacy"),
        ("de", "Datenkompetenz"),
        ("de-AT,de;q=0.9,en;q=0.8", "Datenkompetenz"),  # de-AT served by de
        ("pt", "Letramento em dados"),  # pt served by the more specific pt-BR
        ("PT-br", "Letramento em dados"),  # tag case does not matter
        ("fr-FR, fr;q=0.5", "Littératie"),  # fr-FR → fr → fr-CA
        ("it, de;q=0.3", "Datenkompetenz"),  # first range unavailable, next one wins
        ("en;q=0.2, de;q=0.9", "Datenkompetenz"),  # quality, not order, decides
        ("it, *;q=0.1", "Data Literacy"),  # * means the default
        ("de;q=0, it", "Data Literacy"),  # q=0 means "not this one"
        ("zz-invalid-tag-x, de", "Datenkompetenz"),  # junk ranges are skipped
    ],
)
def test_pick_follows_accept_language(header: str | None, expected: str) -> None:
    assert TITLE.pick(header) == expected


def test_accept_language_is_ordered_by_quality_then_position() -> None:
    assert parse_accept_language("fr;q=0.8, de, en-gb;q=0.8, *;q=0.1") == [
        "de",
        "fr",
        "en-GB",
        "*",
    ]


def test_negotiation_works_on_any_list_of_languages() -> None:
    """Pages and templates can negotiate without a LocalizedText."""
    assert negotiate_language(["en", "sl"], "sl-SI, en;q=0.5", default="en") == "sl"
    assert negotiate_language(["en"], "ja", default="en") == "en"


@pytest.mark.parametrize(
    ("tag", "normalised"),
    [("EN", "en"), ("pt-br", "pt-BR"), ("zh-hant-tw", "zh-Hant-TW"), ("es-419", "es-419")],
)
def test_language_tags_are_normalised_to_the_ob3_shape(tag: str, normalised: str) -> None:
    assert normalise_language_tag(tag) == normalised


@pytest.mark.parametrize("tag", ["", "english", "en_GB", "e", "en-GB-oxendict"])
def test_tags_ob3_would_refuse_are_refused(tag: str) -> None:
    with pytest.raises(ValueError, match="language tag"):
        normalise_language_tag(tag)


def test_the_first_key_of_the_json_form_is_the_default_language() -> None:
    text = LocalizedText.model_validate({"de": "Titel", "en": "Title"})
    assert (text.language, text.text, text.translations) == ("de", "Titel", {"en": "Title"})
    assert text.model_dump() == {"de": "Titel", "en": "Title"}
    assert LocalizedText.of("de", "Titel", en="Title") == text
    assert text.get("EN") == "Title"
    assert text.get("fr") is None


def test_a_translation_repeating_the_default_language_is_refused() -> None:
    with pytest.raises(ValidationError, match="repeat the default language"):
        LocalizedText(language="en", text="Title", translations={"EN": "Other title"})


@pytest.mark.parametrize("value", [{}, {"en": ""}, {"en": "Title", "de": " "}, {"xx_y": "a"}])
def test_empty_texts_and_bad_tags_are_refused(value: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        LocalizedText.model_validate(value)
