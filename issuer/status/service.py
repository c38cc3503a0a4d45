"""Revoking, suspending and reinstating awards, and the lists their bits live in.

An award has one revocation bit and one suspension bit, shared by every copy of its
credential (one per format), so a change here reaches all of them. Revocation is final: its
bit is never cleared and a revoked award accepts no further change. Suspension is reversible.

Two changes can hit one list at the same moment (two registrars, or a script and a person).
The award's row is changed first with a conditional UPDATE, which both settles races on the
same award and, on SQLite, opens the write transaction before the list is read; the list is
then read ``FOR UPDATE`` (a row lock on PostgreSQL), so its bits are always read, changed and
written back as one step and no other change is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.admin.audit import record
from issuer.models import Award, Organisation, StatusList
from shared.clock import as_utc, utcnow
from shared.credentials.status_list import Bitstring, StatusPurpose
from shared.errors import Conflict, InvalidInput, NotFound

MAX_REASON_LENGTH = 2000


class AwardStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class StatusAction(StrEnum):
    REVOKE = "revoke"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"


@dataclass(frozen=True)
class _Transition:
    to: AwardStatus
    allowed_from: frozenset[AwardStatus]
    purpose: StatusPurpose
    bit: bool
    reason_required: bool
    past_tense: str


_TRANSITIONS = {
    StatusAction.REVOKE: _Transition(
        AwardStatus.REVOKED,
        frozenset({AwardStatus.ACTIVE, AwardStatus.SUSPENDED}),
        StatusPurpose.REVOCATION,
        bit=True,
        reason_required=True,
        past_tense="revoked",
    ),
    StatusAction.SUSPEND: _Transition(
        AwardStatus.SUSPENDED,
        frozenset({AwardStatus.ACTIVE}),
        StatusPurpose.SUSPENSION,
        bit=True,
        reason_required=True,
        past_tense="suspended",
    ),
    StatusAction.REINSTATE: _Transition(
        AwardStatus.ACTIVE,
        frozenset({AwardStatus.SUSPENDED}),
        StatusPurpose.SUSPENSION,
        bit=False,
        reason_required=False,
        past_tense="reinstated",
    ),
}


@dataclass(frozen=True)
class StatusListSummary:
    """One list as the registrar's overview shows it."""

    id: str
    organisation: str
    purpose: str
    sequence: int
    size: int
    allocated: int
    set_bits: int  # revoked (revocation list) or currently suspended (suspension list)
    updated_at: datetime


class AwardStatuses:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def revoke(self, award_id: str, *, reason: str | None, actor: str) -> Award:
        return await self.change(award_id, StatusAction.REVOKE, reason=reason, actor=actor)

    async def suspend(self, award_id: str, *, reason: str | None, actor: str) -> Award:
        return await self.change(award_id, StatusAction.SUSPEND, reason=reason, actor=actor)

    async def reinstate(self, award_id: str, *, reason: str | None, actor: str) -> Award:
        return await self.change(award_id, StatusAction.REINSTATE, reason=reason, actor=actor)

    async def change(
        self, award_id: str, action: StatusAction, *, reason: str | None, actor: str
    ) -> Award:
        """Apply ``action`` to the award, flip its bit and record who did it and why."""
        transition = _TRANSITIONS[action]
        reason = _clean_reason(reason, required=transition.reason_required, action=action)
        award = await self._award(award_id)
        previous = AwardStatus(award.status)
        now = utcnow()
        changed = await self._session.execute(
            update(Award)
            .where(Award.id == award_id, Award.status.in_(transition.allowed_from))
            .values(status=transition.to, status_reason=reason, status_changed_at=now)
            .execution_options(synchronize_session=False)
        )
        await self._session.refresh(award)
        if changed.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult
            raise Conflict(_refusal(award, action, AwardStatus(award.status)))
        if transition.purpose is StatusPurpose.REVOCATION:
            list_id, index = award.revocation_list_id, award.revocation_index
        else:
            list_id, index = award.suspension_list_id, award.suspension_index
        await self._set_bit(list_id, index, transition.bit, now)
        await record(
            self._session,
            actor,
            f"award.{action.value}",
            target=f"award:{award.id}",
            details={"reason": reason, "from": previous.value, "to": transition.to.value},
        )
        return award

    async def _award(self, award_id: str) -> Award:
        award = await self._session.get(Award, award_id)
        if award is None:
            raise NotFound(f"No award {award_id}.")
        return award

    async def _set_bit(self, list_id: str, index: int, value: bool, now: datetime) -> None:
        status_list = await self._session.scalar(
            select(StatusList)
            .where(StatusList.id == list_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if status_list is None:
            raise NotFound(f"Status list {list_id} is missing.")
        bits = Bitstring(status_list.bits)
        bits.set(index, value)
        status_list.bits = bits.to_bytes()
        status_list.updated_at = now
        await self._session.flush()

    async def published_list(self, list_id: str) -> StatusList:
        status_list = await self._session.get(StatusList, list_id)
        if status_list is None:
            raise NotFound(f"No status list {list_id}.")
        return status_list

    async def summaries(self) -> list[StatusListSummary]:
        rows = await self._session.execute(
            select(StatusList, Organisation.slug)
            .join(Organisation, Organisation.id == StatusList.organisation_id)
            .order_by(Organisation.slug, StatusList.purpose, StatusList.sequence)
        )
        return [
            StatusListSummary(
                id=status_list.id,
                organisation=slug,
                purpose=status_list.purpose,
                sequence=status_list.sequence,
                size=status_list.size,
                allocated=status_list.allocated,
                set_bits=int.from_bytes(status_list.bits, "big").bit_count(),
                updated_at=as_utc(status_list.updated_at),
            )
            for status_list, slug in rows
        ]


def _clean_reason(reason: str | None, *, required: bool, action: StatusAction) -> str | None:
    reason = (reason or "").strip() or None
    if reason is None and required:
        raise InvalidInput(f"Give a reason to {action.value} an award; it stays internal.")
    if reason is not None and len(reason) > MAX_REASON_LENGTH:
        raise InvalidInput(f"The reason is longer than {MAX_REASON_LENGTH} characters.")
    return reason


def _refusal(award: Award, action: StatusAction, current: AwardStatus) -> str:
    if current is AwardStatus.REVOKED and action is StatusAction.REVOKE:
        return f"Award {award.id} is revoked already; revocation is final."
    if current is AwardStatus.REVOKED:
        return (
            f"Award {award.id} is revoked, and revocation is final: it cannot be "
            f"{_TRANSITIONS[action].past_tense}."
        )
    if action is StatusAction.SUSPEND:
        return f"Award {award.id} is suspended already."
    return f"Award {award.id} is not suspended, so there is nothing to reinstate."
