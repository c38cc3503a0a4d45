"""The audit log: every issuance, status change and admin action, with who and when."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.models import AuditEvent
from shared.clock import utcnow


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


async def record_many(
    session: AsyncSession,
    actor: str,
    action: str,
    events: Iterable[tuple[str | None, dict[str, Any] | None]],
) -> None:
    """Many events of one action at once (a cohort), as ``(target, details)`` pairs.

    One INSERT for all: added as ORM objects, SQLite would insert them one statement each
    to fetch every generated id (10,000 awards: about 5 s).
    """
    now = utcnow()
    rows = [
        {"at": now, "actor": actor, "action": action, "target": target, "details": details or {}}
        for target, details in events
    ]
    if rows:
        await session.execute(insert(AuditEvent), rows)


async def events_for(session: AsyncSession, target: str) -> list[AuditEvent]:
    rows = await session.scalars(
        select(AuditEvent).where(AuditEvent.target == target).order_by(AuditEvent.id)
    )
    return list(rows)
