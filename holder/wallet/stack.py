"""How a learner's micro-credentials add up: ECTS by field and by EQF level, and progress
toward the programmes their stackability statements name.

Revoked and suspended credentials do not count: the issuer has withdrawn them (for now).
An expired credential still counts: the learning it records happened. Each achievement
counts once: a micro-credential received twice (two offers, or both formats of one award)
is the same learning. A credential bound to another identity (an import from someone
else's export) is not the learner's learning to claim: it is listed apart, not added.

Fields of study are grouped whatever language the reader reads them in: two credentials
are in one field when they carry the same ISCED-F code (an alignment to ISCED-F) or the
same name in their default language (letter case and spacing aside). A field is named in
every language any of its credentials names it in, so that each reader sees it in their own;
its default language is that of the newest credential.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from holder.i18n import _
from holder.models import StoredCredential
from holder.wallet.summary import credential_object
from holder.wallet.views import REVOKED, SUSPENDED, CardView, card_of
from shared.credentials.formats.base import SignedDocument
from shared.credentials.microcredential.i18n import UNDETERMINED, LocalizedText
from shared.credentials.microcredential.parse import parse_credential
from shared.credentials.microcredential.readmodel import (
    AchievementView,
    AlignmentView,
    CredentialView,
)
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
class FieldTotal(Total):
    """One field of study: its name (None: the credentials that name no field)."""

    name: LocalizedText | None = None


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
    by_field: dict[str, FieldTotal]  # by the name in its default language; "Other" last
    by_level: dict[int | None, Total]  # None: no EQF level given
    programmes: list[ProgrammeProgress]
    not_counted: list[CardView]  # revoked or suspended
    # Bound to another identity: shown apart, never in the totals.
    other_identity: list[CardView] = field(default_factory=list)
    repeated: list[CardView] = field(default_factory=list)  # an achievement counted already

    def fields_named(self, name_of: Callable[[LocalizedText], str]) -> list[tuple[str, FieldTotal]]:
        """The fields as one reader sees them: each named by ``name_of`` (which picks the
        reader's language), in the alphabetical order of those names, "Other" last."""
        named = [
            (name_of(total.name) if total.name else _("Other"), total)
            for total in self.by_field.values()
        ]
        return sorted(named, key=lambda item: (item[1].name is None, item[0].casefold()))


class _Fields:
    """The field groups, found by any of their keys (ISCED-F code, folded default name). A
    credential with both a code and a name may join two groups into one."""

    def __init__(self) -> None:
        self._by_key: dict[str, FieldTotal] = {}

    def of(self, achievement: AchievementView | None, card: CardView) -> FieldTotal:
        name, code = _field_of(achievement, card)
        keys = [f"isced:{code}"] if code else []
        # A credential that names no field counts as "Other", as would one named so.
        keys.append(f"name:{_folded(name.text if name else OTHER_FIELD)}")
        found = _distinct(self._by_key[key] for key in keys if key in self._by_key)
        group = found[0] if found else FieldTotal()
        for other in found[1:]:
            group.ects += other.ects
            group.count += other.count
            group.name = _in_more_languages(group.name, other.name)
            self._by_key.update({key: group for key, g in self._by_key.items() if g is other})
        group.name = _in_more_languages(group.name, name)
        self._by_key.update(dict.fromkeys(keys, group))
        return group

    def totals(self) -> dict[str, FieldTotal]:
        """By the name in its default language, in that order; "Other" last."""
        groups = sorted(
            _distinct(self._by_key.values()),
            key=lambda group: (group.name is None, group.name.text if group.name else ""),
        )
        return {group.name.text if group.name else OTHER_FIELD: group for group in groups}


def _distinct(groups: Iterable[FieldTotal]) -> list[FieldTotal]:
    """Each group once, in order (groups are told apart by identity, not by their totals)."""
    return list({id(group): group for group in groups}.values())


def _in_more_languages(
    name: LocalizedText | None, other: LocalizedText | None
) -> LocalizedText | None:
    """``name`` with the languages only ``other`` has; its own texts win."""
    if name is None or other is None:
        return name or other
    translations = {**other.texts(), **name.translations}
    translations.pop(name.language, None)
    return LocalizedText(language=name.language, text=name.text, translations=translations)


def _field_of(
    achievement: AchievementView | None, card: CardView
) -> tuple[LocalizedText | None, str | None]:
    """The field's name (in every language given) and its ISCED-F code, where given."""
    name = achievement.field_of_study if achievement else None
    if name is None and card.field_of_study and card.field_of_study.strip():
        name = LocalizedText(language=UNDETERMINED, text=card.field_of_study)
    isced = _isced_alignment(achievement) if achievement else None
    if isced is None or isced.code is None:
        return name, None
    code = isced.code.strip()
    return name or isced.name or LocalizedText.of(UNDETERMINED, f"ISCED-F {code}"), code


def _isced_alignment(achievement: AchievementView) -> AlignmentView | None:
    for alignment in achievement.other_alignments:
        if "isced" in (alignment.framework or "").lower() and (alignment.code or "").strip():
            return alignment
    return None


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def _parsed(record: StoredCredential, document: SignedDocument) -> CredentialView | None:
    try:
        return parse_credential(credential_object(document, record.format))
    except CredstackError:
        return None


def build_stack(items: Iterable[tuple[StoredCredential, SignedDocument]]) -> Stack:
    total = Total()
    by_field = _Fields()
    by_level: dict[int | None, Total] = {}
    programmes: dict[str, ProgrammeProgress] = {}
    not_counted: list[CardView] = []
    other_identity: list[CardView] = []
    repeated: list[CardView] = []
    counted: set[tuple[str, ...]] = set()
    for record, document in items:
        card = card_of(record)
        if card.status in NOT_COUNTED:
            not_counted.append(card)
            continue
        if card.bound_to_me is False:
            other_identity.append(card)
            continue
        view = _parsed(record, document)
        # The document is the truth; the stored summary stands in for what parsing misses.
        achievement = view.achievement if view else None
        ects = achievement.ects if achievement and achievement.ects is not None else card.ects
        level = (achievement.eqf_level if achievement else None) or card.eqf_level
        same_as = _achievement_key(achievement, card, ects, level)
        if same_as is not None and same_as in counted:
            repeated.append(card)
            continue
        if same_as is not None:
            counted.add(same_as)
        total.add(ects)
        by_field.of(achievement, card).add(ects)
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
        by_field=by_field.totals(),
        by_level=dict(sorted(by_level.items(), key=lambda item: (item[0] is None, item[0] or 0))),
        programmes=sorted(programmes.values(), key=lambda p: (-p.ects, p.key)),
        not_counted=not_counted,
        other_identity=other_identity,
        repeated=repeated,
    )


def _achievement_key(
    achievement: AchievementView | None, card: CardView, ects: Decimal | None, level: int | None
) -> tuple[str, ...] | None:
    """What makes two credentials one achievement: the same issuer, achievement id (the
    course's URI), title (in its default language), ECTS and EQF level. A course whose id is
    reused with other content is counted apart: better a changed course counted than hidden.
    None when there is neither id nor title to go by."""
    title = achievement.name.text if achievement and achievement.name else None
    title = title or next(iter(card.title.values()), None)
    identifier = achievement.id if achievement is not None else None
    if not (title or identifier):
        return None
    workload = str(ects.normalize()) if ects is not None else ""
    return (
        card.issuer_id or "",
        identifier or "",
        _folded(title or ""),
        workload,
        str(level or ""),
    )
