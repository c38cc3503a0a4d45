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
- ``CsrfDep``: put on every state-changing form POST. The form must carry ``csrf_token``, an
  HMAC of the session token (or, before sign-in, of a random pre-session cookie) under a key
  derived from the KEK; a missing or wrong token is refused with 403.
- ``render(request, template, context, status_code=200)``: an HTML response that is never
  cached and never framed; it adds ``learner`` and ``csrf_token`` to the context.
- ``pick(text_map, request, learner)``: the same choice of language in Python code.
- ``install_page_handlers(app)``: registers the sign-in redirect; ``create_app`` calls it.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape
from pydantic import ValidationError

from holder.deps import SESSION_COOKIE, RuntimeDep, SessionDep, SettingsDep, accounts
from holder.models import Learner
from shared.credentials.microcredential.elements import element
from shared.credentials.microcredential.i18n import LocalizedText
from shared.errors import Forbidden, NotFound
from shared.tokens import keyed_digest, purpose_key
from shared.web import templates_for

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
LAYOUT = "wallet_base.html"
LOGIN_PATH = "/login"
HOME_PATH = "/"
CSRF_FIELD = "csrf_token"
# Before sign-in there is no session to bind the token to; this random cookie stands in, so
# that the sign-up and login forms are protected too (login CSRF would sign the learner into
# an attacker's wallet, where the credentials they receive next would land).
PRESESSION_COOKIE = "credstack_wallet_presession"
_CSRF_KEY_LABEL = b"credstack/holder/csrf-key/v1"

# The pages run no inline script; frames and foreign form targets are refused outright.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


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


# --- CSRF --------------------------------------------------------------------------------


def csrf_token_for(secret: str, kek: bytes) -> str:
    """The form token for one session (or pre-session) secret: HMAC-SHA256 under a key
    derived from the KEK, so it can be checked without storing anything."""
    return keyed_digest(purpose_key(kek, _CSRF_KEY_LABEL), secret).hex()


def _csrf_secret(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRESESSION_COOKIE)


def _csrf_token_for_page(request: Request) -> str:
    """The token forms on this page carry; starts a pre-session when there is no session."""
    secret = _csrf_secret(request) or getattr(request.state, "new_presession", None)
    if secret is None:
        secret = secrets.token_urlsafe(32)
        request.state.new_presession = secret
    kek: bytes = request.app.state.runtime.key_encryption_key
    return csrf_token_for(secret, kek)


async def check_csrf(request: Request, runtime: RuntimeDep) -> None:
    form = await request.form()  # Starlette caches it: the route's Form() fields still work
    sent = form.get(CSRF_FIELD)
    secret = _csrf_secret(request)
    expected = csrf_token_for(secret, runtime.key_encryption_key) if secret else None
    if (
        not isinstance(sent, str)
        or expected is None
        or not hmac.compare_digest(sent.encode(), expected.encode())
    ):
        raise Forbidden(
            "This form did not come from your wallet's own page, or the page is too old. "
            "Go back, reload the page and send the form again.",
            code="csrf_failed",
        )


CsrfDep = Annotated[None, Depends(check_csrf)]


@pass_context
def csrf_field(context: Context) -> Markup:
    token = context.get(CSRF_FIELD, "")
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, escape(token))


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
    built.env.globals.update(csrf_field=csrf_field, element_label=element_label, layout=LAYOUT)
    return built


templates = _templates()


def render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    """A page; ``learner`` (for the layout) and ``csrf_token`` (for forms) are added."""
    full = {
        "learner": getattr(request.state, "learner", None),
        CSRF_FIELD: _csrf_token_for_page(request),
        **context,
    }
    response: Response = templates.TemplateResponse(
        request, template, full, status_code=status_code, headers=SECURITY_HEADERS
    )
    new_presession = getattr(request.state, "new_presession", None)
    if new_presession is not None:
        set_cookie(request, response, PRESESSION_COOKIE, new_presession, max_age=None)
    return response


def cookie_secure(request: Request) -> bool:
    """Secure cookies when the wallet is published over https (always, in production)."""
    return bool(request.app.state.settings.base_url.startswith("https://"))


def set_cookie(
    request: Request, response: Response, name: str, value: str, *, max_age: int | None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request),
    )


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    ttl: int = request.app.state.settings.session_ttl_seconds
    set_cookie(request, response, SESSION_COOKIE, token, max_age=ttl)


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=cookie_secure(request)
    )


# --- sign-in -----------------------------------------------------------------------------


class SignInRequired(Exception):
    """Raised by ``LearnerPageDep``; answered with a redirect to the login page."""

    def __init__(self, next_path: str):
        super().__init__("sign-in required")
        self.next_path = next_path


def safe_next(path: str | None) -> str:
    """Where to go after signing in: only a page of ours, never another site."""
    if path and path.startswith("/") and not path.startswith(("//", "/\\", "/api/")):
        return path
    return HOME_PATH


def login_url(next_path: str) -> str:
    return f"{LOGIN_PATH}?{urlencode({'next': next_path})}"


async def page_learner(
    request: Request, session: SessionDep, runtime: RuntimeDep, settings: SettingsDep
) -> Learner:
    # Pages use the cookie only: a bearer token is for API clients, which get JSON errors.
    token = request.cookies.get(SESSION_COOKIE)
    learner = await accounts(session, runtime, settings).learner_for_token(token) if token else None
    if learner is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        # After a POST the form is gone; send the learner back to the start, not the action.
        raise SignInRequired(here if request.method == "GET" else HOME_PATH)
    request.state.learner = learner
    return learner


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
    async def on_sign_in_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        response = RedirectResponse(login_url(exc.next_path), status_code=303)
        # A cookie that no longer signs anyone in (expired, logged out) is only clutter.
        if request.cookies.get(SESSION_COOKIE):
            clear_session_cookie(request, response)
        return response

    app.add_exception_handler(SignInRequired, on_sign_in_required)


# --- static files ------------------------------------------------------------------------

_STATIC_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*\.(css|js|svg|png)$")

static_router = APIRouter(include_in_schema=False)


@static_router.get("/static/{name}")
async def static_file(name: str) -> Response:
    """The pages' style sheet and images (and scripts, if a page ever needs one). Only plain
    file names from holder/pages/static are served, so no path leads elsewhere."""
    path = STATIC_DIR / name
    if not _STATIC_NAME.match(name) or not path.is_file():
        raise NotFound("No such file.")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})
