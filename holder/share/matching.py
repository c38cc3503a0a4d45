"""Which of the learner's credentials answer which query, for DCQL and Presentation Exchange.

Both query languages come down to the same thing for the consent page and the response: a
list of queries, each with an id, what it asks for and why, and a test a stored credential
passes or not; and rules about which queries must be answered. ``Query`` and ``QuerySet``
are that shape; dcql.py and presentation_exchange.py implement them.

Credentials are matched as the wallet stores them (``ldp_vc`` objects, ``jwt_vc_json``
JWTs): a query for the other format does not match, because the wallet presents the
credential exactly as its issuer signed it.

Type names. DCQL's ``meta.type_values`` are fully expanded IRIs, and JSON-LD expansion of
an Open Badges credential depends on which OB context it names: ``AchievementCredential``
expands to ``…vocab.html#OpenBadgeCredential`` in the OB 3.0.x contexts and to
``…vocab.html#AchievementCredential`` in the 3.0.0 ``context.json`` our credentials are
signed with. The wallet does no JSON-LD processing; it expands the few type names below to
every IRI they stand for in the contexts we know, and counts an alternative as matched
when all of its IRIs are among a credential's expansions. Limits: a type defined in any
other context is compared by its name as written (DCQL's rule for types no context
defines), so a verifier that expands such a type to an IRI will not find it here; and the
expansion does not look at which context the credential actually names.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from holder.i18n import _
from holder.models import StoredCredential
from holder.wallet.summary import credential_object
from shared.credentials.formats.base import SignedDocument
from shared.errors import InvalidInput

VC_VOCAB = "https://www.w3.org/2018/credentials#"
OB_VOCAB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
# The OB 3.0 beta and plugfest contexts' vocabulary, still in credentials issued in 2022-23.
OB_BETA_VOCAB = "https://imsglobal.github.io/openbadges-specification/ob_v3p0.html#"

TYPE_IRIS: dict[str, frozenset[str]] = {
    "VerifiableCredential": frozenset({VC_VOCAB + "VerifiableCredential"}),
    "OpenBadgeCredential": frozenset(
        {OB_VOCAB + "OpenBadgeCredential", OB_BETA_VOCAB + "OpenBadgeCredential"}
    ),
    "AchievementCredential": frozenset(
        {
            OB_VOCAB + "OpenBadgeCredential",
            OB_VOCAB + "AchievementCredential",
            OB_BETA_VOCAB + "OpenBadgeCredential",
        }
    ),
}

LDP_VC = "ldp_vc"
JWT_VC_JSON = "jwt_vc_json"
WALLET_FORMATS = (LDP_VC, JWT_VC_JSON)
# Every name verifiers use for each wallet format: OpenID4VP 1.0 and DCQL name the
# credential format; Presentation Exchange and draft-era ``vp_formats`` also name the
# presentation format or the family.
FORMAT_FAMILIES = {
    LDP_VC: frozenset({"ldp_vc", "ldp_vp", "ldp"}),
    JWT_VC_JSON: frozenset({"jwt_vc_json", "jwt_vp_json", "jwt_vc", "jwt_vp", "jwt"}),
}


def expanded_types(types: Iterable[str]) -> frozenset[str]:
    """Each type as written plus every IRI ``TYPE_IRIS`` knows for it."""
    expanded: set[str] = set()
    for name in types:
        expanded.add(name)
        expanded |= TYPE_IRIS.get(name, frozenset())
    return frozenset(expanded)


def short_type(iri: str) -> str:
    """``…vocab.html#OpenBadgeCredential`` → ``OpenBadgeCredential``, for people to read."""
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1] or iri


@dataclass(frozen=True)
class Candidate:
    """One of the learner's credentials, readied for matching.

    ``credential`` is the credential as a JSON object (a VC-JWT's ``vc``, completed with
    the registered claims it leaves out); ``jwt_claims`` the VC-JWT's whole payload, which
    Presentation Exchange paths such as ``$.vc.type`` address.
    """

    id: str
    format: str
    document: SignedDocument
    credential: dict[str, Any]
    jwt_claims: dict[str, Any] | None
    types: frozenset[str]
    summary: dict[str, Any]

    @classmethod
    def of(cls, record: StoredCredential, document: SignedDocument) -> Candidate:
        opened = credential_object(document, record.format)
        claims = opened if isinstance(document, str) else None
        credential = _vc_of_jwt(opened) if claims is not None else opened
        raw_types = credential.get("type")
        types = [raw_types] if isinstance(raw_types, str) else raw_types
        names = [name for name in types if isinstance(name, str)] if isinstance(types, list) else []
        return cls(
            id=record.id,
            format=record.format,
            document=document,
            credential=credential,
            jwt_claims=claims,
            types=expanded_types(names),
            summary=dict(record.summary),
        )

    @property
    def subject_id(self) -> str | None:
        subject = self.credential.get("credentialSubject")
        value = subject.get("id") if isinstance(subject, dict) else None
        return value if isinstance(value, str) else None


def _vc_of_jwt(claims: Mapping[str, Any]) -> dict[str, Any]:
    """The ``vc`` claim with ``iss``, ``jti`` and ``sub`` filled in where it leaves them out
    (VC Data Model 1.1 §6.3.1), so paths into it find what the credential says."""
    vc = claims.get("vc")
    credential: dict[str, Any] = copy.deepcopy(vc) if isinstance(vc, dict) else {}
    if isinstance(claims.get("iss"), str):
        credential.setdefault("issuer", claims["iss"])
    if isinstance(claims.get("jti"), str):
        credential.setdefault("id", claims["jti"])
    subject = credential.get("credentialSubject")
    if isinstance(subject, dict) and isinstance(claims.get("sub"), str):
        subject.setdefault("id", claims["sub"])
    return credential


class Query(Protocol):
    """One thing the verifier asks for: a DCQL credential query or a PE input descriptor."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str | None: ...

    @property
    def purpose(self) -> str | None: ...

    @property
    def multiple(self) -> bool: ...

    def asks_for(self) -> list[str]:
        """What the query requires, in words (formats, types, claims), for the consent page."""
        ...

    def matches(self, candidate: Candidate) -> bool: ...


class QuerySet(Protocol):
    @property
    def queries(self) -> Sequence[Query]: ...

    def is_required(self, query_id: str) -> bool:
        """Whether the request cannot be answered without this query."""
        ...

    def unmet(self, answered: set[str]) -> list[str]:
        """The requirements that answering ``answered`` (query ids) leaves unmet, in words."""
        ...


@dataclass(frozen=True)
class Pick:
    query: Query
    candidate: Candidate


def matches_for(query: Query, candidates: Iterable[Candidate]) -> list[Candidate]:
    return [candidate for candidate in candidates if query.matches(candidate)]


def checked_picks(
    query_set: QuerySet,
    candidates: Sequence[Candidate],
    selections: Mapping[str, Sequence[str]],
) -> list[Pick]:
    """The learner's choices, each checked: the query exists, the credential is theirs and
    presentable, it answers that query, and every required query is answered."""
    queries = {query.id: query for query in query_set.queries}
    mine = {candidate.id: candidate for candidate in candidates}
    picks: list[Pick] = []
    answered: set[str] = set()
    for query_id, credential_ids in selections.items():
        query = queries.get(query_id)
        if query is None:
            raise InvalidInput(_("The request has no query %(query)r.", query=query_id))
        chosen = list(dict.fromkeys(credential_ids))
        if len(chosen) > 1 and not query.multiple:
            raise InvalidInput(_("Pick one credential for %(query)r.", query=query_id))
        for credential_id in chosen:
            candidate = mine.get(credential_id)
            if candidate is None:
                raise InvalidInput(
                    _("Credential %(credential)r is not in your wallet.", credential=credential_id)
                )
            if not query.matches(candidate):
                raise InvalidInput(
                    _(
                        "Credential %(credential)r does not answer what %(query)r asks for.",
                        credential=credential_id,
                        query=query_id,
                    )
                )
            picks.append(Pick(query, candidate))
        if chosen:
            answered.add(query_id)
    if unmet := query_set.unmet(answered):
        raise InvalidInput(_("The request is not answered yet:") + " " + " ".join(unmet))
    if not picks:
        raise InvalidInput(_("Pick at least one credential to share."))
    return picks
