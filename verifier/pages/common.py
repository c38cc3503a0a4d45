"""What every verifier page shares: templates, the signed-in employer, rendering.

Other pages import these names (keep them stable):

- ``templates``: Jinja2 over ``verifier/pages/templates`` plus ``shared/templates``. A page
  extends ``LAYOUT`` (``verifier/base.html``) and fills ``{% block title %}`` and
  ``{% block page %}``. Filters: ``pick`` (a ``{language: text}`` map or ``LocalizedText`` in
  the reader's language), ``when`` (a date and time in words, UTC), ``day``.
- ``EmployerPageDep``: the signed-in employer (session cookie, or a bearer header for
  scripts); without one the browser is sent to ``/employer/login?next=…`` (303).
- ``TrustOperatorPageDep``: the same, refused (403, in words) unless an operator: the trust
  list's forms use it; templates read ``employer.is_operator`` to hide what a member may
  not do.
- ``CsrfDep``, ``discard_changes`` (``shared.pages``): on every state-changing form, and
  first thing in a form's error path.
- ``render(request, template, context, status_code=200)``: ``SITE.render``.
- ``install_page_handlers(app)``: installs ``SITE`` (sign-in redirect, static files under
  ``/employer/static``); ``create_app`` calls it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from pydantic import ValidationError

from shared.clock import as_utc
from shared.credentials.microcredential.i18n import LocalizedText
from shared.pages import CsrfDep, PageSite, discard_changes, install_pages, signed_in
from shared.runtime import SessionDep
from shared.web import templates_for
from verifier.deps import CHANGE_TRUST_LIST
from verifier.employers.auth import SESSION_COOKIE, presented_token
from verifier.employers.service import Employer, Employers, require_operator

__all__ = [
    "CsrfDep",
    "EmployerPageDep",
    "TrustOperatorPageDep",
    "discard_changes",
    "render",
    "templates",
]

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
LAYOUT = "verifier/base.html"
PAGES = "/employer"
LOGIN_PATH = f"{PAGES}/login"
HOME_PATH = f"{PAGES}/"
STATIC_URL = f"{PAGES}/static"


def pick_text(value: LocalizedText | Mapping[str, Any] | str | None, accept: str | None) -> str:
    """A multilingual value in the reader's language, else its default language; a mapping
    another issuer wrote that is no valid ``LocalizedText`` shows its first text."""
    if not value:  # None, empty, or a template's Undefined
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, LocalizedText):
        return value.pick(accept)
    try:
        return LocalizedText.model_validate(value).pick(accept)
    except ValidationError:
        return next((str(v) for v in value.values() if isinstance(v, str) and v.strip()), "")


@pass_context
def _pick(context: Context, value: Any) -> str:
    request = context.get("request")
    accept = request.headers.get("accept-language") if isinstance(request, Request) else None
    return pick_text(value, accept)


def when(value: datetime | str | None) -> str:
    """``2 December 2026, 11:20 UTC``: unambiguous for a reader anywhere."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    else:
        parsed = value
    moment = as_utc(parsed).astimezone(UTC)
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"


def day(value: datetime | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value.day} {value:%B %Y}"
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return f"{parsed.day} {parsed:%B %Y}"


def _templates() -> Jinja2Templates:
    built = templates_for(TEMPLATES_DIR)
    built.env.filters.update(pick=_pick, when=when, day=day)
    built.env.globals.update(layout=LAYOUT, static_url=STATIC_URL)
    return built


templates = _templates()

SITE = PageSite(
    service="verifier",
    templates=templates,
    session_cookie=SESSION_COOKIE,
    login_path=LOGIN_PATH,
    home_path=HOME_PATH,
    own_pages="the verifier's own pages",
    # The cookie goes to the employer's pages only: the JSON API takes bearer tokens, so a
    # browser session never authorises an API call.
    pages_prefix=PAGES,
    samesite="strict",
    user_key="employer",
    static_dir=STATIC_DIR,
    static_url=STATIC_URL,
)
render = SITE.render


async def page_employer(request: Request, session: SessionDep) -> Employer:
    token = presented_token(request)
    return signed_in(request, await Employers(session).employer_for_token(token) if token else None)


EmployerPageDep = Annotated[Employer, Depends(page_employer)]


async def page_trust_operator(employer: EmployerPageDep) -> Employer:
    require_operator(employer, CHANGE_TRUST_LIST)
    return employer


TrustOperatorPageDep = Annotated[Employer, Depends(page_trust_operator)]


def install_page_handlers(app: FastAPI) -> None:
    install_pages(app, SITE)
