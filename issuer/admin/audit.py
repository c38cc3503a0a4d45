"""The audit log: every issuance, status change and admin action, with who and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.clock import utcnow
from issuer.models import AuditEvent


async def record(
    session: AsyncSession,
    actor: str,
    action: str,
    *,
    target: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEvent(at=utcnow(), actor=actor, action=action, target=target, details=details or {})
    )


async def events_for(session: AsyncSession, target: str) -> list[AuditEvent]:
    rows = await session.scalars(
        select(AuditEvent).where(AuditEvent.target == target).order_by(AuditEvent.id)
    )
    return list(rows)
