"""What the three web apps share: error handlers, response headers, the health endpoint,
templating."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import CredstackError
from shared.validation_words import sentence

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).parent / "templates"
HTML_PREFIXES_EXCLUDED = ("/api/", "/.well-known/")


def wants_html(request: Request) -> bool:
    """Screens get an HTML error page; the API and protocol endpoints get JSON."""
    if request.url.path.startswith(HTML_PREFIXES_EXCLUDED):
        return False
    return "text/html" in request.headers.get("accept", "")


def presented_token(request: Request, cookie_name: str) -> str | None:
    """The bearer token of ``Authorization: Bearer …`` (scripts), else the session cookie
    ``cookie_name`` (pages): how every service's users sign in."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(cookie_name)


def templates_for(*directories: Path) -> Jinja2Templates:
    """A Jinja2 environment over the service's templates plus the shared ones.

    Autoescaping is on for every template: values from credentials are untrusted.
    """
    return Jinja2Templates(directory=[*directories, TEMPLATES_DIR])


def install_error_handlers(app: FastAPI) -> None:
    async def on_credstack_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CredstackError)
        headers = {"Cache-Control": "no-store", **exc.headers}
        if exc.status_code == 401:
            headers["WWW-Authenticate"] = f'Bearer error="{exc.code}"'
        if wants_html(request):
            templates: Jinja2Templates = request.app.state.error_templates
            return templates.TemplateResponse(
                request,
                "error.html",
                {"error": exc},
                status_code=exc.status_code,
                headers=headers,
            )
        return JSONResponse(exc.to_dict(), status_code=exc.status_code, headers=headers)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = " ".join(sentence(error) for error in exc.errors())
        body = {"error": "invalid_request", "error_description": problems}
        return JSONResponse(body, status_code=400, headers={"Cache-Control": "no-store"})

    async def on_http_error(request: Request, exc: Exception) -> Response:
        # Routing errors (404, 405) keep the same JSON shape as every other error.
        assert isinstance(exc, StarletteHTTPException)
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return await on_credstack_error(
            request, CredstackError(str(exc.detail), code=code, status_code=exc.status_code)
        )

    app.state.error_templates = templates_for()
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(CredstackError, on_credstack_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden"}


def health_router(service_name: str) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz(request: Request) -> JSONResponse:
        """Liveness and database reachability, for load balancers and `credstack up`."""
        try:
            async with request.app.state.runtime.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:  # the health check reports, it does not raise
            log.exception("health check: database unreachable")
            return JSONResponse(
                {"status": "unavailable", "service": service_name, "database": "unreachable"},
                status_code=503,
            )
        return JSONResponse({"status": "ok", "service": service_name, "database": "ok"})

    return router


access_log = logging.getLogger("credstack.access")


def install_access_log(app: FastAPI) -> None:
    """Log each request by its route template, never its concrete path or query.

    Paths and queries carry bearer secrets (offer tokens, codes, request ids), so uvicorn's
    own access log is off and this one writes ``GET /credential-offer/{token} 200 3ms``.
    """
    app.add_middleware(_AccessLog)


class _AccessLog:
    """Pure ASGI: it reads the status from the response's start message and passes the
    body through untouched (``@app.middleware("http")`` re-streamed every body through a
    task and a memory stream, about a millisecond per request under load)."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers if the app fails before it starts a response

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, send_noting_status)
        finally:
            template = getattr(scope.get("route"), "path", "(unmatched)")
            elapsed_ms = (time.perf_counter() - started) * 1000
            access_log.info("%s %s %s %.0fms", scope["method"], template, status, elapsed_ms)


API_PREFIX = "/api/"
_NOSNIFF = (b"x-content-type-options", b"nosniff")
_NO_STORE = (b"cache-control", b"no-store")


def install_response_headers(app: FastAPI) -> None:
    """Headers every response of the three services carries, whoever made it (a route, an
    error handler, a 404 from routing):

    - ``X-Content-Type-Options: nosniff``: a JSON body holding text from a credential is
      never run as a script or shown as HTML because a browser guessed its type;
    - ``Cache-Control: no-store`` on ``/api/`` answers that say nothing about caching: they
      name learners and carry credentials, and no shared or browser cache may keep them.
    """
    app.add_middleware(_ResponseHeaders)


class _ResponseHeaders:
    """Pure ASGI, so that streamed responses stream and nothing but the headers is touched."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        is_api = str(scope.get("path", "")).startswith(API_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if _NOSNIFF[0] not in names:
                    headers.append(_NOSNIFF)
                if is_api and _NO_STORE[0] not in names:
                    headers.append(_NO_STORE)
                message = {**message, "headers": headers}
            await send(message)

        await self._app(scope, receive, send_with_headers)
