"""What the server-rendered pages of the three services share, written once.

A service describes its pages with a ``PageSite`` (its templates, session cookie, sign-in
page, static folder) and calls ``install_pages(app, site)`` in ``create_app``. Then:

- ``site.render(request, template, context, status_code=200)``: an HTML page with the
  security headers (CSP without inline script or style, no framing, never cached, no
  sniffing); the context gets ``csrf_token`` and the signed-in person (under
  ``site.user_key``, from ``request.state.page_user``). Templates write ``{{ csrf_field() }}``
  inside every form that changes something.
- ``CsrfDep``: put on every state-changing page POST. The form must carry ``csrf_token``, an
  HMAC of the session cookie (or, before sign-in, of a random pre-session cookie, so login
  forms are protected too) under a key derived from the KEK for this service; a missing or
  wrong token, or an ``Origin``/``Referer`` of another site, is refused with 403. A request
  that authenticates with an ``Authorization`` header (a script, never a browser's ambient
  credential) needs no token, but a foreign ``Origin`` is refused all the same.
- ``SignInRequired(next_path)``: raised by a service's "signed-in person" dependency; the
  browser is sent (303) to the sign-in page with a ``next`` that ``site.safe_next`` keeps
  on this site's pages.
- ``site.set_cookie`` / ``site.clear_cookie``: HttpOnly, the site's SameSite, Secure when
  the service is published over https.
- ``discard_changes(request, session)``: the one form-error path. A page that catches a
  ``CredstackError`` to show its form again calls it first: whatever the service flushed
  before raising is rolled back, not committed with the re-rendered form.
- Static files: Starlette's ``StaticFiles`` over ``site.static_dir`` at ``site.static_url``.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape
from sqlalchemy import inspect as orm_inspect
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import Forbidden
from shared.settings import ServiceSettings
from shared.tokens import keyed_digest, purpose_key

CSRF_FIELD = "csrf_token"

# Defence in depth behind autoescaping: no inline or foreign scripts (a page that needs one
# serves it as a static file), no inline styles, no framing (clickjacking), no form posting
# elsewhere, no <base> rewriting relative links.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
STATIC_CACHE_SECONDS = 3600
User = TypeVar("User")


@dataclass(frozen=True)
class PageSite:
    """One service's pages: where they live and how their visitors sign in."""

    service: str  # "issuer", "holder", "verifier": keys the CSRF MAC apart per service
    templates: Jinja2Templates
    session_cookie: str
    login_path: str
    home_path: str
    own_pages: str  # in the refusal: "This form did not come from <own_pages>, …"
    pages_prefix: str = "/"  # the cookies' path; where ``next`` may lead after sign-in
    samesite: Literal["strict", "lax"] = "lax"
    user_key: str = "user"  # the signed-in person's name in the templates
    static_dir: Path | None = None
    static_url: str = "/static"
    presession_cookie: str = field(default="")

    def __post_init__(self) -> None:
        if not self.presession_cookie:
            object.__setattr__(self, "presession_cookie", f"credstack_{self.service}_presession")
        self.templates.env.globals.update(csrf_field=csrf_field)

    # --- rendering ---------------------------------------------------------------------

    def render(
        self,
        request: Request,
        template: str,
        context: Mapping[str, Any],
        status_code: int = 200,
    ) -> Response:
        """A page, with the signed-in person and the forms' CSRF token in its context."""
        full = {
            self.user_key: getattr(request.state, "page_user", None),
            CSRF_FIELD: self._csrf_token_for_page(request),
            **context,
        }
        response: Response = self.templates.TemplateResponse(
            request, template, full, status_code=status_code, headers=SECURITY_HEADERS
        )
        new_presession = getattr(request.state, "new_presession", None)
        if new_presession is not None:
            # Site-wide: a public form outside the signed-in pages (the verifier's /verify)
            # is protected by it too. It is a random value that signs nobody in.
            self.set_cookie(request, response, self.presession_cookie, new_presession, path="/")
        return response

    # --- cookies -----------------------------------------------------------------------

    def set_cookie(
        self,
        request: Request,
        response: Response,
        name: str,
        value: str,
        *,
        max_age: int | None = None,
        path: str | None = None,
        samesite: Literal["strict", "lax"] | None = None,
    ) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=path or self.pages_prefix,
            httponly=True,
            samesite=samesite or self.samesite,
            secure=cookies_secure(request),
        )

    def clear_cookie(
        self, request: Request, response: Response, name: str, *, path: str | None = None
    ) -> None:
        response.delete_cookie(
            name,
            path=path or self.pages_prefix,
            httponly=True,
            samesite=self.samesite,
            secure=cookies_secure(request),
        )

    def set_session_cookie(
        self, request: Request, response: Response, token: str, *, max_age: int
    ) -> None:
        self.set_cookie(request, response, self.session_cookie, token, max_age=max_age)

    def clear_session_cookie(self, request: Request, response: Response) -> None:
        self.clear_cookie(request, response, self.session_cookie)

    # --- sign-in -----------------------------------------------------------------------

    def safe_next(self, path: str | None) -> str:
        """Where to go after signing in: a page of this site, never another site or the API."""
        if (
            path
            and path.startswith(self.pages_prefix)
            and not path.startswith(("//", "/\\", "/api/"))
            and "\\" not in path
            and path.isprintable()
        ):
            return path
        return self.home_path

    def login_url(self, next_path: str) -> str:
        return f"{self.login_path}?{urlencode({'next': next_path})}"

    def signed_in_response(
        self, request: Request, token: str, next_path: str | None, *, max_age: int
    ) -> Response:
        """After a successful sign-in form: the session cookie, and on to ``next``."""
        response = RedirectResponse(self.safe_next(next_path), status_code=303)
        self.set_session_cookie(request, response, token, max_age=max_age)
        return response

    def signed_out_response(self, request: Request, to: str) -> Response:
        response = RedirectResponse(to, status_code=303)
        self.clear_session_cookie(request, response)
        return response

    # --- CSRF --------------------------------------------------------------------------

    def csrf_token_for(self, secret: str, kek: bytes) -> str:
        """The form token for one session (or pre-session) secret: HMAC-SHA256 under a key
        derived from the KEK, so it can be checked without storing anything."""
        label = f"credstack/{self.service}/csrf-key/v1".encode()
        return keyed_digest(purpose_key(kek, label), secret).hex()

    def _csrf_secret(self, request: Request) -> str | None:
        return request.cookies.get(self.session_cookie) or request.cookies.get(
            self.presession_cookie
        )

    def _csrf_token_for_page(self, request: Request) -> str:
        """The token forms on this page carry; starts a pre-session when there is none."""
        secret = self._csrf_secret(request) or getattr(request.state, "new_presession", None)
        if secret is None:
            secret = secrets.token_urlsafe(32)
            request.state.new_presession = secret
        return self.csrf_token_for(secret, _kek(request))

    def refuse_forged(self) -> Forbidden:
        return Forbidden(
            f"This form did not come from {self.own_pages}, or the page is too old. "
            "Go back, reload the page and send the form again.",
            code="csrf_failed",
        )


def _kek(request: Request) -> bytes:
    kek: bytes = request.app.state.runtime.key_encryption_key
    return kek


def site_of(request: Request) -> PageSite:
    site: PageSite = request.app.state.page_site
    return site


def cookies_secure(request: Request) -> bool:
    """Secure cookies in production and whenever the service is published over https."""
    settings: ServiceSettings = request.app.state.settings
    return settings.cookies_secure


@pass_context
def csrf_field(context: Context) -> Markup:
    """The hidden input every state-changing form carries."""
    token = context.get(CSRF_FIELD, "")
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, escape(token))


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


def _foreign_origin(request: Request) -> bool:
    """Whether the browser says the form was sent from another site. Browsers send
    ``Origin`` with every form POST; ``Referer`` stands in when a proxy strips it.

    Ours is the published base URL, or the address this request came to (a development node
    reached as 127.0.0.1 rather than localhost): another site's page can claim neither.
    """
    sent = request.headers.get("origin") or request.headers.get("referer")
    if sent is None:
        return False
    ours = {origin_of(request.app.state.settings.base_url), origin_of(str(request.base_url))}
    return origin_of(sent) not in ours


async def check_csrf(request: Request) -> None:
    site = site_of(request)
    if _foreign_origin(request):
        raise site.refuse_forged()
    if request.headers.get("authorization"):
        # Browsers never add this header by themselves: the request is a script's, which
        # carries its credential explicitly; there is no ambient cookie to abuse.
        return
    form = await request.form()  # Starlette caches it: the route's Form() fields still work
    sent = form.get(CSRF_FIELD)
    secret = site._csrf_secret(request)
    expected = site.csrf_token_for(secret, _kek(request)) if secret else None
    if (
        not isinstance(sent, str)
        or expected is None
        or not hmac.compare_digest(sent.encode(), expected.encode())
    ):
        raise site.refuse_forged()


CsrfDep = Annotated[None, Depends(check_csrf)]


class SignInRequired(Exception):
    """Raised by a service's signed-in-person dependency; answered with a redirect to the
    sign-in page."""

    def __init__(self, next_path: str):
        super().__init__("sign-in required")
        self.next_path = next_path


def signed_in(request: Request, user: User | None) -> User:
    """The signed-in person for a page dependency, remembered for the layout; without one,
    ``SignInRequired`` (the browser goes to the sign-in page)."""
    if user is None:
        raise sign_in_required(request)
    request.state.page_user = user
    return user


def sign_in_required(request: Request) -> SignInRequired:
    """The exception for this request: back to this page after sign-in, or, after a POST
    (whose form is gone), to the start."""
    if request.method != "GET":
        return SignInRequired(site_of(request).home_path)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return SignInRequired(here)


async def discard_changes(request: Request, session: AsyncSession) -> None:
    """Roll back the request's unit of work before a failed form is shown again.

    A service may have flushed rows before it raised; without this the session dependency
    would commit them with the re-rendered page. The signed-in person, loaded earlier in the
    same session, is read again so the page's layout can still show them.
    """
    await session.rollback()
    user = getattr(request.state, "page_user", None)
    state = orm_inspect(user, raiseerr=False) if user is not None else None
    if state is not None and state.persistent:
        await session.refresh(user)


def install_pages(app: FastAPI, site: PageSite) -> None:
    """Register the site: its sign-in redirect and its static files."""
    app.state.page_site = site

    async def on_sign_in_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        response = RedirectResponse(site.login_url(site.safe_next(exc.next_path)), 303)
        # A cookie that no longer signs anyone in (expired, revoked) is only clutter.
        if request.cookies.get(site.session_cookie):
            site.clear_session_cookie(request, response)
        return response

    app.add_exception_handler(SignInRequired, on_sign_in_required)
    if site.static_dir is not None:
        app.mount(site.static_url, CachedStaticFiles(directory=site.static_dir), name="static")


class CachedStaticFiles(StaticFiles):
    """Style sheets, scripts and images: cacheable for an hour, never sniffed."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = f"public, max-age={STATIC_CACHE_SECONDS}"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
