"""What every wallet page shares: templates, sign-in, CSRF protection, rendering, languages.

Other pages import these names (keep them stable):

- ``templates``: Jinja2 over ``holder/pages/templates`` plus ``shared/templates``, autoescaped.
  A page extends ``LAYOUT`` (``wallet_base.html``: one phone-first column, the navigation
  Cards · Stack · Receive · Share · Account) and fills ``{% block title %}`` and
  ``{% block page %}``. Filters: ``pick`` (a multilingual value in the learner's language),
  ``day`` (the date of an ISO timestamp), ``number`` (5, not 5.0), ``http_url`` (the value
  if it may be a link).
  Globals: ``csrf_field()`` (the hidden input every state-changing form carries),
  ``element_label("workload")`` (an EU element's name).
- ``LearnerPageDep``: the signed-in learner (session cookie); without one the browser is sent
  to ``/login?next=…`` (303).
- ``CsrfDep`` (``shared.pages``): put on every state-changing form POST; the form carries
  ``{{ csrf_field() }}``, bound to the session (or, before sign-in, a pre-session cookie).
- ``render(request, template, context, status_code=200)``: ``SITE.render`` (security
  headers; ``learner`` and ``csrf_token`` in the context).
- ``pick(text_map, request, learner)``: the same choice of language in Python code.
- ``install_page_handlers(app)``: installs ``SITE`` (the sign-in redirect and the static
  files under ``/static``), the language choice (``holder.i18n.LanguageMiddleware``) and
  the wallet's own error page; ``create_app`` calls it.

Languages (``holder.i18n``, docs/translations.md): templates mark their words with
``{{ _("…") }}`` / ``{% trans %}``; ``current_language()`` is the page's language (for
``<html lang>``); ``language_link(request, "de")`` is this page in another language.
A signed-in learner's page is in ``interface_language(learner)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from pydantic import ValidationError

from holder.deps import SESSION_COOKIE, RuntimeDep, SessionDep, SettingsDep, accounts
from holder.i18n import (
    LanguageMiddleware,
    current_language,
    format_day,
    format_number,
    gettext,
    install_jinja,
    lazy_gettext,
    use_language,
)
from holder.models import Learner
from shared.credentials.microcredential.elements import element
from shared.credentials.microcredential.i18n import LocalizedText
from shared.pages import (
    CSRF_FIELD,
    CsrfDep,
    PageSite,
    SignInRequired,
    install_pages,
    signed_in,
)
from shared.web import templates_for

__all__ = ["CSRF_FIELD", "CsrfDep", "LearnerPageDep", "render", "safe_next", "templates"]

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
LAYOUT = "wallet_base.html"
LOGIN_PATH = "/login"
HOME_PATH = "/"


# --- languages ---------------------------------------------------------------------------


def _accept_language(request: Request | None, learner: Learner | None) -> str | None:
    """The learner's own setting first, then the language of the wallet's words on this page,
    then what the browser asks for."""
    header = request.headers.get("accept-language") if request is not None else None
    preferred = [learner.language] if learner is not None else []
    preferred.append(current_language())
    if header:
        preferred.append(header)
    return ", ".join(preferred)


def pick(
    text_map: LocalizedText | Mapping[str, Any] | str | None,
    request: Request | None,
    learner: Learner | None,
) -> str:
    """The text of a multilingual value in the learner's language, else its default language.

    Accepts a ``LocalizedText``, its JSON mapping (first key = default language), or a plain
    string. A mapping another issuer wrote may not be a valid ``LocalizedText`` (odd language
    tags, empty texts): then its first non-empty text is shown rather than nothing.
    """
    if text_map is None:
        return ""
    if isinstance(text_map, str):
        return text_map
    if isinstance(text_map, LocalizedText):
        return text_map.pick(_accept_language(request, learner))
    try:
        text = LocalizedText.model_validate(text_map)
    except ValidationError:
        return next((str(v) for v in text_map.values() if isinstance(v, str) and v.strip()), "")
    return text.pick(_accept_language(request, learner))


@pass_context
def _pick_filter(context: Context, value: Any) -> str:
    request = context.get("request")
    learner = context.get("learner")
    return pick(
        value,
        request if isinstance(request, Request) else None,
        learner if isinstance(learner, Learner) else None,
    )


def day(value: datetime | str | None) -> str:
    """The date of a datetime or an ISO 8601 string as the learner's language writes it
    (1 July 2025, 1. Juli 2025); other values as they are."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_day(value)
    try:
        return format_day(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
    except ValueError:
        return str(value)


# --- templates and rendering -------------------------------------------------------------


def number(value: Decimal | float | None) -> str:
    """``5`` for 5.0 and ``2.5`` for 2.50 (``2,5`` in German): ECTS as people write them."""
    if value is None:
        return ""
    return format_number(value)


def http_url(value: Any) -> str | None:
    """The value if it is an http(s) URL, else None: only those become links, so an issuer's
    ``javascript:`` URL stays text."""
    if isinstance(value, str) and value.lower().startswith(("https://", "http://")):
        return value
    return None


def element_label(key: str) -> str:
    """The name the EU recommendation gives an element (``workload`` → Notional workload),
    in the learner's language."""
    return gettext(element(key).label)


# What learners read instead of protocol names.
FORMAT_LABELS = {
    "ldp_vc": lazy_gettext("Signed JSON-LD credential"),
    "jwt_vc_json": lazy_gettext("Signed JWT credential"),
}
SOURCE_LABELS = {
    "oid4vci": lazy_gettext("received from the issuer"),
    "import": lazy_gettext("imported from a file"),
    "backup": lazy_gettext("restored from a backup"),
}


def format_label(value: str) -> str:
    return str(FORMAT_LABELS.get(value, value))


def source_label(value: str) -> str:
    return str(SOURCE_LABELS.get(value, value))


def language_link(request: Request, language: str) -> str:
    """This page (its query kept) in another language: a relative link with ``?lang=``."""
    url = request.url.include_query_params(lang=language)
    return f"{url.path}?{url.query}"


def translate(value: Any) -> str:
    """A label that comes from shared tables (an EU element's value such as "Online"), in
    the learner's language; holder.i18n.catalogue lists those texts for the translators."""
    return gettext(str(value)) if value else ""


def _templates() -> Jinja2Templates:
    built = templates_for(TEMPLATES_DIR)
    built.env.filters.update(pick=_pick_filter, day=day, number=number, http_url=http_url)
    built.env.filters.update(
        format_label=format_label, source_label=source_label, translate=translate
    )
    built.env.globals.update(element_label=element_label, layout=LAYOUT)
    built.env.globals.update(language_link=language_link)
    install_jinja(built.env)
    return built


templates = _templates()

SITE = PageSite(
    service="holder",
    templates=templates,
    session_cookie=SESSION_COOKIE,
    login_path=LOGIN_PATH,
    home_path=HOME_PATH,
    own_pages="your wallet's own page",
    # Lax: an "open in wallet" link from an issuer's page must arrive signed in.
    samesite="lax",
    user_key="learner",
    static_dir=STATIC_DIR,
    # Before sign-in there is no session to bind the token to; this random cookie stands
    # in, so that the sign-up and login forms are protected too (login CSRF would sign the
    # learner into an attacker's wallet, where the credentials they receive next would land).
    presession_cookie="credstack_wallet_presession",
)
render = SITE.render
safe_next = SITE.safe_next
PRESESSION_COOKIE = SITE.presession_cookie


def csrf_token_for(secret: str, kek: bytes) -> str:
    """The token a form of the session (or pre-session) ``secret`` carries."""
    return SITE.csrf_token_for(secret, kek)


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    ttl: int = request.app.state.settings.session_ttl_seconds
    SITE.set_session_cookie(request, response, token, max_age=ttl)


def clear_session_cookie(request: Request, response: Response) -> None:
    SITE.clear_session_cookie(request, response)


# --- sign-in -----------------------------------------------------------------------------


async def page_learner(
    request: Request, session: SessionDep, runtime: RuntimeDep, settings: SettingsDep
) -> Learner:
    # Pages use the cookie only: a bearer token is for API clients, which get JSON errors.
    token = request.cookies.get(SESSION_COOKIE)
    learner = await accounts(session, runtime, settings).learner_for_token(token) if token else None
    signed_in_learner = signed_in(request, learner)
    if not getattr(request.state, "language_asked", None):
        # The learner's own choice wins over the browser's, except for a ``?lang=`` link
        # followed just now.
        use_language(interface_language(signed_in_learner))
    return signed_in_learner


def interface_language(learner: Learner) -> str:
    """The language of the wallet's words for ``learner``: their choice (made at sign-up from
    the browser's, or in the account), else the browser's (accounts older than the choice)."""
    return learner.interface_language or current_language()


LearnerPageDep = Annotated[Learner, Depends(page_learner)]


async def optional_page_learner(
    request: Request, session: SessionDep, runtime: RuntimeDep, settings: SettingsDep
) -> Learner | None:
    """The signed-in learner, or None: for pages that also have a signed-out face."""
    try:
        return await page_learner(request, session, runtime, settings)
    except SignInRequired:
        return None


OptionalLearnerPageDep = Annotated[Learner | None, Depends(optional_page_learner)]


def install_page_handlers(app: FastAPI) -> None:
    install_pages(app, SITE)
    app.add_middleware(LanguageMiddleware)
    # Error pages in the wallet's layout and the learner's language (templates/error.html).
    app.state.error_templates = templates
