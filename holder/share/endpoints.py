"""The sharing API: open a verifier's request, then share picked credentials or decline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from holder.deps import LearnerDep, RuntimeDep, SessionDep, SettingsDep
from holder.share.request import parse_link
from holder.share.schemas import (
    OpenRequestIn,
    OutcomeOut,
    PresentationRequestOut,
    SharedOut,
    ShareIn,
)
from holder.share.service import Outcome, Sharing


def _no_store(response: Response) -> None:
    """Requests and outcomes name the learner's credentials: no cache may keep them."""
    response.headers["Cache-Control"] = "no-store"


router = APIRouter(
    prefix="/api/v1/presentation-requests", tags=["sharing"], dependencies=[Depends(_no_store)]
)


def get_sharing(
    learner: LearnerDep, session: SessionDep, runtime: RuntimeDep, settings: SettingsDep
) -> Sharing:
    return Sharing(session, runtime, settings, learner)


SharingDep = Annotated[Sharing, Depends(get_sharing)]


@router.post("", status_code=status.HTTP_201_CREATED)
async def open_request(body: OpenRequestIn, sharing: SharingDep) -> PresentationRequestOut:
    """Fetch and check the verifier's request; list the learner's matching credentials.

    Nothing is sent to the verifier until ``/share``.
    """
    if body.link is not None:
        params = parse_link(body.link)
    else:
        params = {"request_uri": str(body.request_uri)}
        if body.client_id is not None:
            params["client_id"] = body.client_id
    record = await sharing.open(params)
    return PresentationRequestOut.of(await sharing.view(record.id))


@router.get("/{request_id}")
async def get_request(request_id: str, sharing: SharingDep) -> PresentationRequestOut:
    return PresentationRequestOut.of(await sharing.view(request_id))


@router.post("/{request_id}/share")
async def share(request_id: str, body: ShareIn, sharing: SharingDep) -> OutcomeOut:
    """Sign and send one presentation per picked credential (the learner's consent)."""
    return _outcome(await sharing.share(request_id, body.as_lists()))


@router.post("/{request_id}/decline")
async def decline(request_id: str, sharing: SharingDep) -> OutcomeOut:
    """Tell the verifier the learner declined (access_denied); no credential is sent."""
    return _outcome(await sharing.decline(request_id))


def _outcome(outcome: Outcome) -> OutcomeOut:
    return OutcomeOut(
        status=outcome.status,
        redirect_uri=outcome.redirect_uri,
        error_description=outcome.error,
        shared=[SharedOut(query_id=q, credential_id=c) for q, c in outcome.shared],
    )
