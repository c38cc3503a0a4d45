"""What every registrar page shares: templates, sign-in, the same-origin check, rendering.

Other pages import these names (keep them stable):

- ``templates``: Jinja2 over ``issuer/pages/templates``, then every ``issuer/<capability>/
  templates`` folder (so a capability's pages may keep their templates beside them), then
  ``shared/templates``; autoescaped. Put templates under an ``issuer/`` subfolder. A page
  extends ``LAYOUT`` (``issuer/admin_base.html``) and fills ``{% block title %}`` and
  ``{% block page %}`` (the layout keeps ``content`` for its navigation). The filters ``pick``
  (a text in the registrar's language) and ``others`` (its other languages) take a
  ``LocalizedText`` or its JSON mapping; ``element_label("workload")`` names an EU element.
- ``PageActorDep``: the signed-in registrar (session cookie, or a bearer header for scripts);
  without one the browser is sent to ``/admin/login?next=…`` (303).
- ``SameOriginDep``: put on every state-changing POST. It is our CSRF protection, together
  with the SameSite=Strict session cookie: a form needs no hidden field, but a request
  whose ``Origin`` (or, lacking it, ``Referer``) is not this service's own origin is refused
  with 403.
- ``render(request, template_name, context, status_code=200)``: an HTML response that is
  never cached and never framed.
- ``install_page_handlers(app)``: registers the sign-in redirect; ``create_app`` calls it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from issuer.admin.auth import SESSION_COOKIE, Actor, actor_for_token, presented_token
from issuer.deps import SessionDep, SettingsDep
from shared.clock import as_utc
from shared.credentials.microcredential.elements import element
from shared.credentials.microcredential.i18n import LocalizedText
from shared.errors import Forbidden
from shared.web import templates_for

TEMPLATES_DIR = Path(__file__).parent / "templates"
ISSUER_DIR = Path(__file__).parent.parent
STATIC_DIR = Path(__file__).parent / "static"
LAYOUT = "issuer/admin_base.html"
LOGIN_PATH = "/admin/login"
HOME_PATH = "/admin/"
# The session cookie is sent to the pages only: the JSON API under /api/ is for bearer
# tokens, so a browser session never authorises an API call on the registrar's behalf.
COOKIE_PATH = "/admin"

# Defence in depth behind autoescaping: no inline or foreign scripts (a page that needs one
# serves it as a file), no framing (clickjacking), no forms posting elsewhere.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _as_text(value: LocalizedText | Mapping[str, str] | None) -> LocalizedText | None:
    if value is None or isinstance(value, LocalizedText):
        return value
    return LocalizedText.model_validate(value)


def _accept_language(context: Context) -> str | None:
    request = context.get("request")
    return request.headers.get("accept-language") if isinstance(request, Request) else None


@pass_context
def pick(context: Context, value: LocalizedText | Mapping[str, str] | None) -> str:
    """The text in the registrar's language (Accept-Language), else the default language."""
    text = _as_text(value)
    return text.pick(_accept_language(context)) if text else ""


@pass_context
def pick_language(context: Context, value: LocalizedText | Mapping[str, str] | None) -> str:
    text = _as_text(value)
    return text.pick_language(_accept_language(context)) if text else ""


@pass_context
def others(
    context: Context, value: LocalizedText | Mapping[str, str] | None
) -> list[tuple[str, str]]:
    """The languages not shown by ``pick``, so a page can list them beside it."""
    text = _as_text(value)
    if text is None:
        return []
    shown = text.pick_language(_accept_language(context))
    return [(language, body) for language, body in text.texts().items() if language != shown]


def utc(value: datetime) -> datetime:
    return as_utc(value).astimezone(UTC)


def element_label(key: str) -> str:
    return element(key).label


def element_mandatory(key: str) -> bool:
    return element(key).mandatory


def linkable(uri: str | None) -> bool:
    """Whether a URI from a catalogue entry may become a link: web addresses only.

    The model accepts any absolute URI, and ``javascript:`` is one; such values are shown as
    text.
    """
    return uri is not None and urlsplit(uri).scheme in ("http", "https")


def _templates() -> Jinja2Templates:
    beside_capabilities = sorted(
        path for path in ISSUER_DIR.glob("*/templates") if path != TEMPLATES_DIR
    )
    built = templates_for(TEMPLATES_DIR, *beside_capabilities)
    built.env.filters.update(pick=pick, pick_language=pick_language, others=others, utc=utc)
    built.env.globals.update(
        element_label=element_label,
        element_mandatory=element_mandatory,
        linkable=linkable,
        layout=LAYOUT,
    )
    return built


templates = _templates()


def render(
    request: Request, template_name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    """A page; ``actor`` (the signed-in registrar, for the layout) is added when known."""
    full = {"actor": getattr(request.state, "actor", None), **context}
    response: Response = templates.TemplateResponse(
        request, template_name, full, status_code=status_code, headers=SECURITY_HEADERS
    )
    return response


class SignInRequired(Exception):
    """Raised by ``PageActorDep``; answered with a redirect to the sign-in page."""

    def __init__(self, next_path: str):
        super().__init__("sign-in required")
        self.next_path = next_path


def safe_next(path: str | None) -> str:
    """Where to go after signing in: only a page of ours, never another site."""
    return path if path and path.startswith(f"{COOKIE_PATH}/") else HOME_PATH


def login_url(next_path: str) -> str:
    return f"{LOGIN_PATH}?{urlencode({'next': next_path})}"


async def page_actor(request: Request, session: SessionDep) -> Actor:
    token = presented_token(request)
    actor = await actor_for_token(session, token) if token else None
    if actor is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        # After a POST the form is gone; send the registrar back to the page, not the action.
        raise SignInRequired(here if request.method == "GET" else HOME_PATH)
    request.state.actor = actor
    return actor


PageActorDep = Annotated[Actor, Depends(page_actor)]


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` in lower case, without default ports; None if not a URL."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    default = 443 if parts.scheme == "https" else 80
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 literal keeps its brackets in an origin
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


async def same_origin(request: Request, settings: SettingsDep) -> None:
    expected = origin_of(settings.base_url)
    sent = request.headers.get("origin") or request.headers.get("referer")
    if sent is None or origin_of(sent) != expected:
        raise Forbidden(
            f"This form can only be sent from the issuer's own pages at {expected}; "
            "open the page there and submit it again."
        )


SameOriginDep = Annotated[None, Depends(same_origin)]


def session_cookie_secure(base_url: str) -> bool:
    return base_url.startswith("https://")


def install_page_handlers(app: FastAPI) -> None:
    async def on_sign_in_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        response = RedirectResponse(login_url(exc.next_path), status_code=303)
        # A cookie that no longer signs anyone in (a revoked token) is only clutter.
        if request.cookies.get(SESSION_COOKIE):
            response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)
        return response

    app.add_exception_handler(SignInRequired, on_sign_in_required)
