"""The share-link screens: a card's links (make, see views, revoke), the link just made
(copy, e-mail, LinkedIn), LinkedIn's confirmation, the downloads, and the public page.

The public page (``/s/<token>``) needs no sign-in: whoever has the link sees the credential
in words and a live check of it. It is never cached or indexed, counts a view only when the
link works, and shows nothing of the learner but what the credential itself says.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from holder.deps import RuntimeDep, SessionDep, SettingsDep
from holder.i18n import current_language
from holder.pages.common import CsrfDep, LearnerPageDep, render
from holder.share_links.endpoints import share_links_of
from holder.share_links.files import credential_file, pdf_file
from holder.share_links.outlets import Shown, linkedin_url, mail_link
from holder.share_links.printout import credential_pdf
from holder.share_links.service import (
    DEFAULT_LIFETIME,
    LINKEDIN_LIFETIME,
    PUBLIC_PATH,
    Lifetime,
    NewLink,
    ShareLinks,
    open_link,
)
from holder.share_links.verification import verify_shared
from holder.wallet.endpoints import store_of
from holder.wallet.importing import credential_resolver
from holder.wallet.views import DetailView, detail_of
from shared.credentials.status_check import StatusCheck
from shared.errors import CredstackError, NotFound

router = APIRouter(include_in_schema=False)

# A token is what shared.tokens.new_token makes; anything else is no link of ours.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
NOTICES = {"revoked": "revoked"}  # the template words each notice
Notice = Annotated[str | None, Query(max_length=32)]


def _links(
    learner: LearnerPageDep, session: SessionDep, runtime: RuntimeDep, settings: SettingsDep
) -> ShareLinks:
    return share_links_of(session, learner, runtime, settings)


LinksPageDep = Annotated[ShareLinks, Depends(_links)]


def shown_of(detail: DetailView) -> Shown:
    """The title, issuer and dates the outlets use, in the current language."""
    view, card = detail.view, detail.card
    language = current_language()
    title = (view.achievement.name or view.name) if view is not None else None
    issuer = view.issuer.name if view is not None and view.issuer else None
    return Shown(
        title=title.pick(language) if title else next(iter(card.title.values()), ""),
        issuer=issuer.pick(language) if issuer else (card.issuer_id or ""),
        issued_at=card.issued_at,
        expires_at=card.expires_at,
        credential_id=view.id if view is not None else None,
    )


async def _detail(
    credential_id: str,
    learner: LearnerPageDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> DetailView:
    store = store_of(session, learner, runtime)
    record = await store.get(credential_id)
    return detail_of(record, store.document(record))


DetailDep = Annotated[DetailView, Depends(_detail)]


# --- the learner's side -------------------------------------------------------------------


@router.get("/credentials/{credential_id}/share-links")
async def share_links_page(
    request: Request,
    credential_id: str,
    links: LinksPageDep,
    detail: DetailDep,
    notice: Notice = None,
) -> Response:
    context = {
        "card": detail.card,
        "links": await links.of(credential_id),
        "lifetimes": list(Lifetime),
        "default_lifetime": DEFAULT_LIFETIME,
        "notice": NOTICES.get(notice or ""),
    }
    return render(request, "share_links/links.html", context)


def _created(request: Request, detail: DetailView, made: NewLink) -> Response:
    shown = shown_of(detail)
    context = {
        "card": detail.card,
        "made": made,
        "linkedin_url": linkedin_url(shown, made.url),
        "mail_link": mail_link(shown, made.url),
    }
    return render(request, "share_links/created.html", context, status_code=201)


@router.post("/credentials/{credential_id}/share-links")
async def create_share_link_page(
    request: Request,
    credential_id: str,
    _csrf: CsrfDep,
    links: LinksPageDep,
    detail: DetailDep,
    lifetime: Annotated[str, Form(max_length=8)] = DEFAULT_LIFETIME.value,
) -> Response:
    """Made and shown at once (not redirected): the address exists only in this answer."""
    chosen = Lifetime(lifetime) if lifetime in set(Lifetime) else DEFAULT_LIFETIME
    return _created(request, detail, await links.create(credential_id, chosen))


@router.post("/share-links/{link_id}/revoke")
async def revoke_share_link_page(link_id: str, _csrf: CsrfDep, links: LinksPageDep) -> Response:
    link = await links.revoke(link_id)
    return RedirectResponse(
        f"/credentials/{link.credential_id}/share-links?notice=revoked", status_code=303
    )


@router.get("/credentials/{credential_id}/linkedin")
async def linkedin_confirm_page(request: Request, detail: DetailDep) -> Response:
    context = {"card": detail.card, "lifetime": LINKEDIN_LIFETIME}
    return render(request, "share_links/linkedin.html", context)


@router.post("/credentials/{credential_id}/linkedin")
async def linkedin_page(
    credential_id: str, _csrf: CsrfDep, links: LinksPageDep, detail: DetailDep
) -> Response:
    """A share link for LinkedIn's "Credential URL", then on to LinkedIn's own form."""
    made = await links.create(credential_id, LINKEDIN_LIFETIME)
    return RedirectResponse(linkedin_url(shown_of(detail), made.url), status_code=303)


@router.get("/credentials/{credential_id}/file")
async def download_page(
    credential_id: str, learner: LearnerPageDep, session: SessionDep, runtime: RuntimeDep
) -> Response:
    store = store_of(session, learner, runtime)
    record = await store.get(credential_id)
    return credential_file(record, store.document(record))


@router.get("/credentials/{credential_id}/certificate.pdf")
async def pdf_page(
    credential_id: str, learner: LearnerPageDep, session: SessionDep, runtime: RuntimeDep
) -> Response:
    store = store_of(session, learner, runtime)
    record = await store.get(credential_id)
    return pdf_file(record, credential_pdf(detail_of(record, store.document(record))))


# --- the public side ----------------------------------------------------------------------


def _public(response: Response) -> Response:
    # render() already says no-store; a shared credential is no search engine's business.
    response.headers["X-Robots-Tag"] = "noindex, nofollow, noarchive"
    return response


@router.get(PUBLIC_PATH + "/{token}")
async def public_page(
    request: Request, token: str, session: SessionDep, runtime: RuntimeDep
) -> Response:
    try:
        if not _TOKEN.match(token):
            raise NotFound("No such link.")
        opened = await open_link(session, token, runtime.key_encryption_key)
    except CredstackError as error:
        page = render(request, "share_links/gone.html", {}, status_code=error.status_code)
        return _public(page)
    resolver = credential_resolver(runtime)
    verification = await verify_shared(
        opened.document,
        opened.record.format,
        resolver=resolver,
        # A cache of its own: the page says what the issuer's lists say now.
        status=StatusCheck(runtime.http, resolver),
    )
    context = {
        "detail": detail_of(opened.record, opened.document),
        "verification": verification,
        "link": opened.link,
    }
    return _public(render(request, "share_links/public.html", context))
