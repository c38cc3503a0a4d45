"""The e-mail outbox: every message to learners and its state; in development without a mail
server, also each message as the learner would see it (the messages stay here instead of
being sent)."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from issuer.deps import RuntimeDep, SessionDep, SettingsDep
from issuer.mail.compose import render as render_message
from issuer.mail.service import Mailer, describe, mail_available, sends_for_real
from issuer.pages.common import PageActorDep, render
from shared.qr import qr_png

router = APIRouter(prefix="/admin/outbox", include_in_schema=False)
PAGE_SIZE = 50


@router.get("")
async def outbox(
    request: Request,
    actor: PageActorDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> Response:
    rows, total = await Mailer(session, settings, runtime.key_encryption_key).recent(
        limit=PAGE_SIZE, offset=offset
    )
    context = {
        "rows": [(message, name, describe(message)) for message, name in rows],
        "total": total,
        "offset": offset,
        "page_size": PAGE_SIZE,
        "available": mail_available(settings),
        "for_real": sends_for_real(settings),
        "server": settings.smtp_host,
    }
    return render(request, "issuer/outbox.html", context)


@router.get("/{message_id}")
async def outbox_message(
    request: Request,
    message_id: str,
    actor: PageActorDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
) -> Response:
    message, letter = await Mailer(session, settings, runtime.key_encryption_key).local_letter(
        message_id
    )
    qr_src = ""
    if letter.offer_link is not None:
        # Inline, as the e-mail has it: nothing else serves the offer's code under this page.
        png = base64.b64encode(qr_png(letter.offer_link, box_size=6)).decode()
        qr_src = f"data:image/png;base64,{png}"
    shown = render_message(letter, qr_src=qr_src)
    context = {
        "message": message,
        "letter": letter,
        "shown": shown,
        # Our own template's output, escaped when it was rendered.
        "body": Markup(shown.body_html),  # noqa: S704
        "sender": settings.mail_from_name or settings.display_name,
        "sender_address": settings.mail_from_address,
        "description": describe(message),
    }
    return render(request, "issuer/outbox_message.html", context)
