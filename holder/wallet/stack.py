"""How a learner's micro-credentials add up: ECTS by field and by EQF level, and progress
toward the programmes their stackability statements name.

Revoked and suspended credentials do not count: the issuer has withdrawn them (for now).
An expired credential still counts: the learning it records happened.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from holder.models import StoredCredential
from holder.wallet.summary import credential_object
from holder.wallet.views import REVOKED, SUSPENDED, CardView, card_of
from shared.credentials.formats.base import SignedDocument
from shared.credentials.microcredential.i18n import LocalizedText
from shared.credentials.microcredential.parse import parse_credential
from shared.credentials.microcredential.readmodel import CredentialView
from shared.errors import CredstackError

OTHER_FIELD = "Other"
NOT_COUNTED = (REVOKED, SUSPENDED)


@dataclass
class Total:
    ects: Decimal = Decimal(0)
    count: int = 0

    def add(self, ects: Decimal | None) -> None:
        self.ects += ects or 0
        self.count += 1


@dataclass
class ProgrammeProgress:
    """A programme some credentials stack toward, and what they add up to so far."""

    key: str  # its URL, or its name when the issuer gave no URL
    url: str | None
    name: LocalizedText
    ects: Decimal = Decimal(0)
    credentials: list[CardView] = field(default_factory=list)


@dataclass
class Stack:
    total: Total
    by_field: dict[str, Total]
    by_level: dict[int | None, Total]  # None: no EQF level given
    programmes: list[ProgrammeProgress]
    not_counted: list[CardView]


def _parsed(record: StoredCredential, document: SignedDocument) -> CredentialView | None:
    try:
        return parse_credential(credential_object(document, record.format))
    except CredstackError:
        return None


def build_stack(items: Iterable[tuple[StoredCredential, SignedDocument]]) -> Stack:
    total = Total()
    by_field: dict[str, Total] = {}
    by_level: dict[int | None, Total] = {}
    programmes: dict[str, ProgrammeProgress] = {}
    not_counted: list[CardView] = []
    for record, document in items:
        card = card_of(record)
        if card.status in NOT_COUNTED:
            not_counted.append(card)
            continue
        view = _parsed(record, document)
        # The document is the truth; the stored summary stands in for what parsing misses.
        achievement = view.achievement if view else None
        ects = achievement.ects if achievement and achievement.ects is not None else card.ects
        level = (achievement.eqf_level if achievement else None) or card.eqf_level
        total.add(ects)
        by_field.setdefault(card.field_of_study or OTHER_FIELD, Total()).add(ects)
        by_level.setdefault(level, Total()).add(ects)
        stackability = view.achievement.stackability if view else None
        for programme in stackability.stackable_toward if stackability else ():
            key = programme.url or programme.name.text
            progress = programmes.setdefault(
                key, ProgrammeProgress(key=key, url=programme.url, name=programme.name)
            )
            progress.ects += ects or 0
            progress.credentials.append(card)
    return Stack(
        total=total,
        by_field=dict(sorted(by_field.items(), key=lambda item: (item[0] == OTHER_FIELD, item[0]))),
        by_level=dict(sorted(by_level.items(), key=lambda item: (item[0] is None, item[0] or 0))),
        programmes=sorted(programmes.values(), key=lambda p: (-p.ects, p.key)),
        not_counted=not_counted,
    )
