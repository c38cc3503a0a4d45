"""The wallet's own words in the learner's language: message catalogues and the current choice.

Python code marks what a learner reads with these (never f-strings: the catalogue needs the
text with its placeholders)::

    from holder.i18n import _, lazy_gettext, ngettext

    raise NotFound(_("That credential is not in your wallet."))
    _("Received from %(issuer)s", issuer=name)              # placeholders by name
    ngettext("%(num)d credential", "%(num)d credentials", n)  # ``num`` is n
    LABELS = {"ldp_vc": lazy_gettext("Signed JSON-LD credential")}  # module level: lazy

Templates use Jinja2's i18n extension (newstyle: placeholders by name, escaped)::

    {{ _("Cards") }}   {{ _("Hello %(name)s", name=learner.display_name) }}
    {{ ngettext("%(num)d card", "%(num)d cards", cards|length) }}

A literal ``%`` in a template message is written ``%%``.

Each request's language is chosen once (``LanguageMiddleware``): ``?lang=xx`` (remembered in
a cookie), else that cookie, else the browser's ``Accept-Language``, else English; a
signed-in learner's own choice then wins (``holder.pages.common``). Catalogues are the
``.po`` files under ``holder/locale``, compiled in memory on first use: a fresh clone needs
no build step. Messages still fuzzy or untranslated show in English. See docs/translations.md.
"""

from __future__ import annotations

import functools
import gettext as gettext_module
import math
from collections.abc import Iterable
from contextvars import ContextVar, Token
from datetime import date, datetime, timedelta
from decimal import Decimal
from http.cookies import SimpleCookie
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from babel import Locale
from babel.core import negotiate_locale
from babel.dates import format_date, format_timedelta
from babel.lists import format_list
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import LazyProxy
from jinja2 import Environment
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.languages import LANGUAGE_NAMES

LOCALE_DIR = Path(__file__).parent.parent / "locale"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"
# The languages the wallet's words are shipped in (shared with the issuer's e-mails).
LANGUAGES = tuple(LANGUAGE_NAMES)
LANGUAGE_COOKIE = "credstack_wallet_lang"
LANGUAGE_QUERY = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
# How dates and numbers are written: English as written in Europe ("1 July 2025").
_FORMAT_LOCALES = {"en": "en_GB"}

_current: ContextVar[str] = ContextVar("holder_language", default=SOURCE_LANGUAGE)


# --- catalogues ----------------------------------------------------------------------------


@functools.cache
def translations(language: str) -> gettext_module.NullTranslations:
    """The compiled catalogue of one language (English and unknown languages: the source)."""
    po_file = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == SOURCE_LANGUAGE or not po_file.is_file():
        return gettext_module.NullTranslations()
    with po_file.open("rb") as po:
        return compiled(read_po(po, locale=language, domain=DOMAIN))


def compiled(catalog: Catalog) -> gettext_module.GNUTranslations:
    """A catalogue compiled in memory, as ``msgfmt`` would write it to a ``.mo`` file."""
    binary = BytesIO()
    # Fuzzy entries are a translator's guess awaiting review: the English is shown instead.
    write_mo(binary, catalog, use_fuzzy=False)
    binary.seek(0)
    return gettext_module.GNUTranslations(binary)


def current_language() -> str:
    """The language of the words on the page being made (``en``, ``de``, …)."""
    return _current.get()


def use_language(language: str) -> Token[str]:
    """Make ``language`` (one of ``LANGUAGES``) the current one for this request."""
    return _current.set(language if language in LANGUAGE_NAMES else SOURCE_LANGUAGE)


def _catalogue() -> gettext_module.NullTranslations:
    return translations(_current.get())


# --- marking messages ----------------------------------------------------------------------


def gettext(message: str, **variables: Any) -> str:
    """``message`` in the current language, its ``%(name)s`` placeholders filled."""
    text = _catalogue().gettext(message)
    return text % variables if variables else text


_ = gettext


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """The form for ``num`` in the current language; ``%(num)d`` is ``num``."""
    text = _catalogue().ngettext(singular, plural, num)
    return text % {"num": num, **variables}


def pgettext(context: str, message: str, **variables: Any) -> str:
    """Like ``gettext`` for a short word whose translation depends on where it stands."""
    text = _catalogue().pgettext(context, message)
    return text % variables if variables else text


def lazy_gettext(message: str, **variables: Any) -> LazyProxy:
    """Translated when it is shown, not when it is defined: for module-level constants."""
    return LazyProxy(gettext, message, enable_cache=False, **variables)


def lazy_ngettext(singular: str, plural: str, num: int, **variables: Any) -> LazyProxy:
    return LazyProxy(ngettext, singular, plural, num, enable_cache=False, **variables)


def lazy_pgettext(context: str, message: str, **variables: Any) -> LazyProxy:
    return LazyProxy(pgettext, context, message, enable_cache=False, **variables)


# --- choosing the language -----------------------------------------------------------------


def parse_accept_language(header: str | None) -> list[str]:
    """The language tags of an ``Accept-Language`` header, most wanted first."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _sep, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*" or len(tag) > 35:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, tag))
    return [tag for _q, _p, tag in sorted(ranked)]


def negotiate(preferred: Iterable[str | None]) -> str | None:
    """The first shipped language the tags ask for (``de-AT`` is German), or None."""
    tags = [tag.replace("_", "-") for tag in preferred if tag]
    return negotiate_locale(tags, LANGUAGES, sep="-")


def language_for_headers(query: str | None, cookie: str | None, accept: str | None) -> str:
    """``?lang=``, else the cookie, else ``Accept-Language``, else the source language."""
    for asked in (query, cookie):
        if asked in LANGUAGE_NAMES:
            return asked
    return negotiate(parse_accept_language(accept)) or SOURCE_LANGUAGE


class LanguageMiddleware:
    """Chooses each request's language before any route or error handler runs, and
    remembers a ``?lang=`` choice in a cookie (signed-out pages have no account to keep it).

    Pure ASGI: the choice is a context variable of the request's task, seen by the route,
    the templates and the error handlers alike.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        headers = {name.decode("latin-1").lower(): value for name, value in scope["headers"]}
        query = parse_qs(scope.get("query_string", b"").decode("latin-1")).get(LANGUAGE_QUERY)
        asked = query[-1] if query and query[-1] in LANGUAGE_NAMES else None
        cookie = _cookie_value(headers.get("cookie", b"").decode("latin-1"))
        accept = headers.get("accept-language", b"").decode("latin-1")
        language = language_for_headers(asked, cookie, accept)
        scope.setdefault("state", {})["language_asked"] = asked
        token = use_language(language)

        async def send_remembering(message: Message) -> None:
            if message["type"] == "http.response.start" and asked and asked != cookie:
                headers = list(message.get("headers", []))
                headers.append((b"set-cookie", _language_cookie(scope, asked)))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self._app(scope, receive, send_remembering)
        finally:
            _current.reset(token)


def _cookie_value(header: str) -> str | None:
    try:
        jar = SimpleCookie(header)
    except Exception:  # a malformed Cookie header is the browser's problem, not a 500
        return None
    morsel = jar.get(LANGUAGE_COOKIE)
    return morsel.value if morsel is not None else None


def _language_cookie(scope: Scope, language: str) -> bytes:
    app = scope.get("app")
    settings = getattr(getattr(app, "state", None), "settings", None)
    secure = "; Secure" if getattr(settings, "cookies_secure", False) else ""
    return (
        f"{LANGUAGE_COOKIE}={language}; Max-Age={COOKIE_MAX_AGE}; Path=/; "
        f"SameSite=Lax; HttpOnly{secure}"
    ).encode("latin-1")


# --- dates and numbers ---------------------------------------------------------------------


def _format_locale() -> Locale:
    language = current_language()
    return Locale.parse(_FORMAT_LOCALES.get(language, language))


def format_day(value: date | datetime) -> str:
    """A date as the current language writes it: 1 July 2025, 1. Juli 2025, 1 juillet 2025."""
    day = value.date() if isinstance(value, datetime) else value
    return format_date(day, format="long", locale=_format_locale())


def format_number(value: Decimal | float | int) -> str:
    """A number as the current language writes it: 7.5 in English, 7,5 in German."""
    return format_decimal(Decimal(str(value)).normalize(), locale=_format_locale())


def format_duration(seconds: int) -> str:
    """A wait in words, rounded up to whole seconds, minutes or hours: "2 Minuten"."""
    for unit, length in ((3600, 3600), (60, 60)):
        if seconds >= length:
            seconds = math.ceil(seconds / unit) * unit
            break
    return format_timedelta(
        timedelta(seconds=max(seconds, 1)), threshold=1, locale=_format_locale()
    )


def any_of(items: Iterable[object]) -> str:
    """``a, b or c`` in the current language."""
    return format_list([str(item) for item in items], style="or", locale=_format_locale())


def all_of(items: Iterable[object]) -> str:
    """``a, b and c`` in the current language."""
    return format_list([str(item) for item in items], style="standard", locale=_format_locale())


# --- templates -----------------------------------------------------------------------------


def _template_gettext(message: str) -> str:
    # Jinja's newstyle wrapper fills the placeholders itself (and escapes them).
    return _catalogue().gettext(message)


def _template_ngettext(singular: str, plural: str, num: int) -> str:
    return _catalogue().ngettext(singular, plural, num)


def _template_pgettext(context: str, message: str) -> str:
    return _catalogue().pgettext(context, message)


def _template_npgettext(context: str, singular: str, plural: str, num: int) -> str:
    return _catalogue().npgettext(context, singular, plural, num)


def install_jinja(env: Environment) -> None:
    """Jinja2's i18n extension on ``env``, translating into the current request's language:
    ``_``, ``gettext``, ``ngettext``, ``pgettext`` and ``{% trans %}``; and the globals
    ``current_language()`` (for ``<html lang>``) and ``language_names``."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_template_gettext,
        ngettext=_template_ngettext,
        newstyle=True,
        pgettext=_template_pgettext,
        npgettext=_template_npgettext,
    )
    env.globals.update(current_language=current_language, language_names=LANGUAGE_NAMES)
