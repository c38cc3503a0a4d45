"""Text in several languages, and choosing the one a reader asked for.

A ``LocalizedText`` is one text in a default language plus translations. Its JSON form is a
plain mapping whose first key is the default language::

    {"en": "Digital Content Development", "de": "Digitale Inhaltsentwicklung"}

so catalogue files stay readable. Language tags are normalised to the shape Open Badges 3.0
accepts for ``inLanguage`` (``pt-BR``, ``zh-Hant-TW``), so that ``pt-br`` and ``pt-BR`` are one
language everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, model_serializer, model_validator

# The OB 3.0 ``inLanguage`` pattern (language, optional script, optional region), matched
# case-insensitively so that we can normalise what people type.
_TAG = re.compile(r"^([a-z]{2,4})(?:-([a-z]{4}))?(?:-([a-z]{2}|[0-9]{3}))?$", re.IGNORECASE)
UNDETERMINED = "und"  # BCP 47's tag for "language not known", used for other issuers' text


def normalise_language_tag(tag: str) -> str:
    """``PT-br`` → ``pt-BR``; raises ValueError for a tag OB 3.0 would not accept."""
    match = _TAG.match(tag.strip())
    if match is None:
        raise ValueError(f"{tag!r} is not a language tag such as 'en', 'de-AT' or 'zh-Hant-TW'")
    language, script, region = match.groups()
    parts = [language.lower()]
    if script:
        parts.append(script.title())
    if region:
        parts.append(region.upper())
    return "-".join(parts)


LanguageTag = Annotated[str, AfterValidator(normalise_language_tag)]


def _non_empty(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValueError("text must not be empty")
    return text


NonEmptyText = Annotated[str, AfterValidator(_non_empty)]


def parse_accept_language(header: str | None) -> list[str]:
    """The language ranges of an Accept-Language header, most preferred first.

    Ranges with ``q=0`` are dropped; malformed entries are ignored rather than refused,
    because browsers and wallets send all sorts of things and the fallback is harmless.
    """
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        name, _, params = item.strip().partition(";")
        name = name.strip()
        if not name:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        if name != "*":
            try:
                name = normalise_language_tag(name)
            except ValueError:
                continue
        # Sort by quality, then by the order the client gave (stable for equal weights).
        weighted.append((-quality, position, name))
    return [name for _, _, name in sorted(weighted)]


def negotiate_language(available: Iterable[str], accept_language: str | None, default: str) -> str:
    """The available language that best serves the reader; ``default`` when none does.

    For each range in preference order: the same tag; then the range cut back a subtag at a
    time (RFC 4647 lookup: ``de-AT`` is served by ``de``); then a more specific tag of the
    same language (``de`` is served by ``de-AT``). ``*`` means "anything", i.e. the default.
    """
    tags = list(available)
    by_lower = {tag.lower(): tag for tag in tags}
    for wanted in parse_accept_language(accept_language):
        if wanted == "*":
            return default
        lowered = wanted.lower()
        candidate = lowered
        while candidate:
            if candidate in by_lower:
                return by_lower[candidate]
            candidate = candidate.rpartition("-")[0]
        for tag in tags:
            if tag.lower().startswith(lowered + "-"):
                return tag
    return default


class LocalizedText(BaseModel):
    """A text in its default ``language``, with optional ``translations`` keyed by language."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    language: LanguageTag
    text: NonEmptyText
    translations: dict[LanguageTag, NonEmptyText] = {}

    @model_validator(mode="before")
    @classmethod
    def _from_mapping(cls, data: Any) -> Any:
        """Accept the compact ``{"en": "...", "de": "..."}`` form (first key = default)."""
        if not isinstance(data, Mapping) or "text" in data:
            return data
        if not data:
            raise ValueError("a text needs at least its default language")
        items = list(data.items())
        (language, text), rest = items[0], items[1:]
        return {"language": language, "text": text, "translations": dict(rest)}

    @model_validator(mode="after")
    def _translations_differ_from_default(self) -> LocalizedText:
        if self.language in self.translations:
            raise ValueError(
                f"the translations repeat the default language {self.language!r}; "
                "give that text once, as the first entry"
            )
        return self

    @model_serializer
    def _to_mapping(self) -> dict[str, str]:
        return self.texts()

    @classmethod
    def of(cls, language: str, text: str, **translations: str) -> LocalizedText:
        """``LocalizedText.of("en", "Title", de="Titel")``: handy in code and tests."""
        return cls(language=language, text=text, translations=translations)

    def texts(self) -> dict[str, str]:
        """Every language's text, the default first."""
        return {self.language: self.text, **self.translations}

    def languages(self) -> list[str]:
        return list(self.texts())

    def get(self, language: str) -> str | None:
        """The text in exactly this language (tag case does not matter), or None."""
        try:
            wanted = normalise_language_tag(language)
        except ValueError:
            return None
        return self.texts().get(wanted)

    def pick_language(self, accept_language: str | None = None) -> str:
        return negotiate_language(self.languages(), accept_language, self.language)

    def pick(self, accept_language: str | None = None) -> str:
        """The text for a reader whose Accept-Language header is ``accept_language``."""
        return self.texts()[self.pick_language(accept_language)]

    def __str__(self) -> str:
        return self.text
