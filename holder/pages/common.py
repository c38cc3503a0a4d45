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
  files under ``/static``); ``create_app`` calls it.
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
    """The learner's own setting first, then what the browser asks for."""
    header = request.headers.get("accept-language") if request is not None else None
    if learner is None:
        return header
    return f"{learner.language}, {header}" if header else learner.language


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
    """``2025-07-01`` from a datetime or an ISO 8601 string; other values as they are."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return str(value)


# --- templates and rendering -------------------------------------------------------------


def number(value: Decimal | float | None) -> str:
    """``5`` for 5.0 and ``2.5`` for 2.50: ECTS as people write them."""
    if value is None:
        return ""
    return f"{Decimal(str(value)).normalize():f}"


def http_url(value: Any) -> str | None:
    """The value if it is an http(s) URL, else None: only those become links, so an issuer's
    ``javascript:`` URL stays text."""
    if isinstance(value, str) and value.lower().startswith(("https://", "http://")):
        return value
    return None


def element_label(key: str) -> str:
    """The name the EU recommendation gives an element (``workload`` → Notional workload)."""
    return element(key).label


# What learners read instead of protocol names.
FORMAT_LABELS = {"ldp_vc": "Signed JSON-LD credential", "jwt_vc_json": "Signed JWT credential"}
SOURCE_LABELS = {
    "oid4vci": "received from the issuer",
    "import": "imported from a file",
    "backup": "restored from a backup",
}


def format_label(value: str) -> str:
    return FORMAT_LABELS.get(value, value)


def source_label(value: str) -> str:
    return SOURCE_LABELS.get(value, value)


def _templates() -> Jinja2Templates:
    built = templates_for(TEMPLATES_DIR)
    built.env.filters.update(pick=_pick_filter, day=day, number=number, http_url=http_url)
    built.env.filters.update(format_label=format_label, source_label=source_label)
    built.env.globals.update(element_label=element_label, layout=LAYOUT)
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
    return signed_in(request, learner)


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
