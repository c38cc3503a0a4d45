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
- ``CsrfDep`` (from ``shared.pages``): put on every state-changing POST; forms carry
  ``{{ csrf_field() }}``. Scripts that send a bearer header need no token.
- ``render(request, template_name, context, status_code=200)``: ``SITE.render`` (security
  headers, ``actor`` and ``csrf_token`` in the context).
- ``install_page_handlers(app)``: installs ``SITE`` (sign-in redirect, static files under
  ``/admin/static``); ``create_app`` calls it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from issuer.admin.auth import SESSION_COOKIE, Actor, actor_for_token, presented_token
from issuer.deps import SessionDep
from shared.clock import as_utc
from shared.credentials.microcredential.elements import element
from shared.credentials.microcredential.i18n import LocalizedText
from shared.pages import CsrfDep, PageSite, install_pages, signed_in
from shared.web import templates_for

__all__ = ["CsrfDep", "PageActorDep", "render", "safe_next", "templates"]

TEMPLATES_DIR = Path(__file__).parent / "templates"
ISSUER_DIR = Path(__file__).parent.parent
STATIC_DIR = Path(__file__).parent / "static"
LAYOUT = "issuer/admin_base.html"
LOGIN_PATH = "/admin/login"
HOME_PATH = "/admin/"
STATIC_URL = "/admin/static"
# The session cookie is sent to the pages only: the JSON API under /api/ is for bearer
# tokens, so a browser session never authorises an API call on the registrar's behalf.
COOKIE_PATH = "/admin"


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

SITE = PageSite(
    service="issuer",
    templates=templates,
    session_cookie=SESSION_COOKIE,
    login_path=LOGIN_PATH,
    home_path=HOME_PATH,
    own_pages="the issuer's own pages",
    pages_prefix=COOKIE_PATH,
    # The registrar never arrives at an admin page from a link on another site.
    samesite="strict",
    user_key="actor",
    static_dir=STATIC_DIR,
    static_url=STATIC_URL,
)
render = SITE.render
safe_next = SITE.safe_next


async def page_actor(request: Request, session: SessionDep) -> Actor:
    token = presented_token(request)
    return signed_in(request, await actor_for_token(session, token) if token else None)


PageActorDep = Annotated[Actor, Depends(page_actor)]


def install_page_handlers(app: FastAPI) -> None:
    install_pages(app, SITE)
