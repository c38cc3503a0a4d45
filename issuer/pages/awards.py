"""The award pages: the award form, an award with its QR code, and the list of awards.

A new offer's link and PIN are stored nowhere (only their hashes are), so the page that
shows the QR code gets them back from a short-lived cookie set when the offer is made:
HttpOnly, SameSite=Strict and sent only to that award's page. That way awarding is a
POST that redirects (reloading the page cannot award twice) and the page can still be
reloaded while the registrar reads the QR code out or prints it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError

from issuer.awards.offers import NewOffer
from issuer.awards.registrar import MAX_PAGE, Registrar, offer_state
from issuer.awards.schemas import OfferOut, RecipientIn
from issuer.catalogue.service import Catalogue
from issuer.deps import RuntimeDep, SessionDep, SettingsDep
from issuer.pages.common import SITE, CsrfDep, PageActorDep, render
from issuer.settings import IssuerSettings
from issuer.status.service import MAX_REASON_LENGTH
from shared.credentials.microcredential.elements import element_at
from shared.credentials.microcredential.validation import InvalidMicroCredential, Problem
from shared.pages import discard_changes
from shared.qr import qr_svg

router = APIRouter(prefix="/admin", include_in_schema=False)

NEW_OFFER_COOKIE = "credstack_issuer_new_offer"
NEW_OFFER_SECONDS = 15 * 60
PAGE_SIZE = 50

FormText = Annotated[str, Form()]


def _award_path(award_id: str) -> str:
    return f"/admin/awards/{award_id}"


def _show_offer(request: Request, award_id: str, offer: NewOffer) -> Response:
    """Go to the award's page, handing it the new offer's secrets to show once more."""
    response = RedirectResponse(_award_path(award_id), status_code=303)
    value = offer.uri_token + (f".{offer.tx_code}" if offer.tx_code else "")
    SITE.set_cookie(
        request,
        response,
        NEW_OFFER_COOKIE,
        value,
        max_age=NEW_OFFER_SECONDS,
        path=_award_path(award_id),
    )
    return response


def _inline_qr(offer: NewOffer, settings: IssuerSettings) -> Markup:
    """The offer link's QR code, inlined in the page (it prints with it, no second request).

    Marked safe because it is our own SVG: shapes only, the link is not written in it as text.
    """
    return Markup(qr_svg(offer.links(settings)["credential_offer_uri"]))  # noqa: S704


def _problems_of(exc: ValidationError) -> list[Problem]:
    """The form's errors, placed on their EU element where they have one (grade, dates)."""
    problems = []
    for error in exc.errors():
        found = element_at(tuple(error["loc"]))
        field = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        problems.append(Problem(found.label if found else None, field, message))
    return problems


@router.get("/achievements/{achievement_id}/award")
async def award_form(
    request: Request,
    achievement_id: str,
    actor: PageActorDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    item = await Catalogue(session, settings.base_url).current(achievement_id)
    return render(request, "issuer/award_form.html", {"item": item, "values": {}})


@router.post("/achievements/{achievement_id}/award")
async def award(
    request: Request,
    achievement_id: str,
    actor: PageActorDep,
    _csrf: CsrfDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    name: FormText = "",
    email: FormText = "",
    student_id: FormText = "",
    grade: FormText = "",
    activity_start: FormText = "",
    activity_end: FormText = "",
    tx_code: Annotated[str | None, Form()] = None,
) -> Response:
    values = {
        "name": name,
        "email": email,
        "student_id": student_id,
        "grade": grade,
        "activity_start": activity_start,
        "activity_end": activity_end,
    }
    try:
        given = RecipientIn.model_validate({**values, "tx_code": tx_code is not None})
        made, offer = await Registrar(session, settings, runtime.key_encryption_key).award(
            achievement_id, given.recipient(), with_tx_code=given.tx_code, actor=actor.name
        )
    except (ValidationError, InvalidMicroCredential) as exc:
        problems = exc.problems if isinstance(exc, InvalidMicroCredential) else _problems_of(exc)
        await discard_changes(request, session)
        item = await Catalogue(session, settings.base_url).current(achievement_id)
        context = {
            "item": item,
            "values": {**values, "tx_code": tx_code is not None},
            "problems": problems,
        }
        return render(request, "issuer/award_form.html", context, status_code=400)
    return _show_offer(request, made.id, offer)


@router.get("/awards")
async def awards_list(
    request: Request,
    actor: PageActorDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    achievement_id: str | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = PAGE_SIZE,
) -> Response:
    page = await Registrar(session, settings, runtime.key_encryption_key).page(
        achievement_id=achievement_id or None, limit=limit, offset=offset
    )
    items = await Catalogue(session, settings.base_url).items()
    return render(
        request,
        "issuer/awards.html",
        {"page": page, "rows": page.rows, "items": items, "achievement_id": achievement_id},
    )


@router.get("/awards/{award_id}")
async def award_page(
    request: Request,
    award_id: str,
    actor: PageActorDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
) -> Response:
    registrar = Registrar(session, settings, runtime.key_encryption_key)
    record = await registrar.record(award_id)
    remembered = request.cookies.get(NEW_OFFER_COOKIE)
    fresh = None
    # A suspended or revoked award's page shows no QR code, even one made just before.
    if remembered and record.award.status == "active":
        uri_token, _, pin = remembered.partition(".")
        fresh = await registrar.shown_offer(award_id, uri_token, pin or None)
    context = {
        "record": record,
        "entry": record.entry,
        "offers": [
            (offer, offer_state(offer, settings.tx_code_max_failures)) for offer in record.offers
        ],
        "fresh": OfferOut.of(award_id, fresh, settings) if fresh else None,
        "fresh_qr": _inline_qr(fresh, settings) if fresh else None,
        "max_reason": MAX_REASON_LENGTH,
    }
    response = render(request, "issuer/award.html", context)
    if remembered and fresh is None:  # redeemed, withdrawn or expired: nothing left to show
        response.delete_cookie(NEW_OFFER_COOKIE, path=_award_path(award_id))
    return response


@router.post("/awards/{award_id}/offers")
async def new_offer(
    request: Request,
    award_id: str,
    actor: PageActorDep,
    _csrf: CsrfDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    tx_code: Annotated[str | None, Form()] = None,
) -> Response:
    registrar = Registrar(session, settings, runtime.key_encryption_key)
    made, offer = await registrar.new_offer(
        award_id, with_tx_code=tx_code is not None, actor=actor.name
    )
    return _show_offer(request, made.id, offer)
