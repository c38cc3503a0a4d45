"""Admin API: awarding micro-credentials and offering them; the offers' public QR codes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from issuer.awards.offers import Offers, offer_link
from issuer.awards.registrar import MAX_OFFSET, MAX_PAGE, MAX_QUERY_LENGTH, Registrar
from issuer.awards.schemas import AwardIn, AwardList, AwardOut, AwardSummary, NewOfferIn, OfferOut
from issuer.deps import AdminDep, RuntimeDep, SessionDep, SettingsDep
from issuer.mail.schemas import MessageOut
from issuer.mail.service import Mailer
from shared.qr import qr_png, qr_svg

router = APIRouter(prefix="/api/v1/awards", tags=["awards"])
# Public: whoever holds the offer link may see it as a QR code (a phone scans the screen).
qr_router = APIRouter(prefix="/credential-offer", tags=["offers"])

# A QR code stands for a live bearer secret: no cache may keep it after the offer ends.
NO_STORE = {"Cache-Control": "no-store"}


@router.post("", status_code=201, response_model_exclude_none=True)
async def create_award(
    body: AwardIn, actor: AdminDep, session: SessionDep, settings: SettingsDep, runtime: RuntimeDep
) -> OfferOut:
    """Award a micro-credential and make its first offer (with a PIN when ``tx_code``)."""
    registrar = Registrar(session, settings, runtime.key_encryption_key)
    award, offer = await registrar.award(
        body.achievement_id, body.recipient(), with_tx_code=body.tx_code, actor=actor.name
    )
    return OfferOut.of(award.id, offer, settings)


@router.get("")
async def list_awards(
    actor: AdminDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    achievement_id: str | None = None,
    q: Annotated[
        str | None,
        Query(
            max_length=MAX_QUERY_LENGTH,
            description="Only awards whose learner's name, e-mail or student id contains this "
            "(any case)",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> AwardList:
    """Awards, newest first, optionally of one micro-credential or found by their learner."""
    registrar = Registrar(session, settings, runtime.key_encryption_key)
    page = await registrar.page(achievement_id=achievement_id, query=q, limit=limit, offset=offset)
    return AwardList(
        items=[AwardSummary.of(row) for row in page.rows],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{award_id}")
async def get_award(
    award_id: str, actor: AdminDep, session: SessionDep, settings: SettingsDep, runtime: RuntimeDep
) -> AwardOut:
    registrar = Registrar(session, settings, runtime.key_encryption_key)
    award = AwardOut.of(await registrar.record(award_id), settings)
    mailer = Mailer(session, settings, runtime.key_encryption_key)
    award.email = [MessageOut.of(message) for message in await mailer.messages_for(award_id)]
    return award


@router.post("/{award_id}/offers", status_code=201, response_model_exclude_none=True)
async def create_offer(
    award_id: str,
    actor: AdminDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    body: NewOfferIn | None = None,
) -> OfferOut:
    """A fresh offer for the award; its earlier unredeemed offers stop working."""
    registrar = Registrar(session, settings, runtime.key_encryption_key)
    award, offer = await registrar.new_offer(
        award_id, with_tx_code=body.tx_code if body else None, actor=actor.name
    )
    return OfferOut.of(award.id, offer, settings)


@qr_router.get("/{uri_token}/qr.png", response_class=Response)
async def offer_qr_png(
    uri_token: str, session: SessionDep, settings: SettingsDep, runtime: RuntimeDep
) -> Response:
    """The ``openid-credential-offer://`` link as a PNG QR code, while the offer is live."""
    await Offers(session, settings, runtime.key_encryption_key).live_by_uri_token(uri_token)
    png = qr_png(offer_link(settings.base_url, uri_token))
    return Response(png, media_type="image/png", headers=NO_STORE)


@qr_router.get("/{uri_token}/qr.svg", response_class=Response)
async def offer_qr_svg(
    uri_token: str, session: SessionDep, settings: SettingsDep, runtime: RuntimeDep
) -> Response:
    """The same QR code as SVG (sharp in print and on large screens)."""
    await Offers(session, settings, runtime.key_encryption_key).live_by_uri_token(uri_token)
    svg = qr_svg(offer_link(settings.base_url, uri_token))
    return Response(svg, media_type="image/svg+xml", headers=NO_STORE)
