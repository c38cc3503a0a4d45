"""DCQL (OpenID4VP 1.0 §6): reading a ``dcql_query`` and matching W3C credentials against it.

Supported: ``credentials`` with ``id``, ``format`` (``ldp_vc`` and ``jwt_vc_json`` match;
other formats are read but nothing in this wallet answers them), ``meta.type_values``,
``claims`` (claims path pointers with optional ``values``), ``claim_sets``, ``multiple``;
and ``credential_sets`` (``options``, ``required``). ``trusted_authorities`` is read and not
used: the verifier checks the issuer anyway (VP "Security Checks"), and the wallet has no
trust list of its own. There is no selective disclosure in these formats, so a matched
credential is presented whole, whichever claims the query names.

Claims paths start at the credential (the VC root, VC Data Model ``credentialSubject`` and
so on), also for ``jwt_vc_json``; a path that starts with ``vc`` is read against the
VC-JWT's payload instead, for verifiers that address the JWT claims.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from holder.i18n import _, all_of, any_of
from holder.share.jsonpath import Step, select
from holder.share.matching import WALLET_FORMATS, Candidate, short_type
from shared.errors import InvalidInput

MAX_QUERIES = 20
MAX_CLAIMS = 50
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SCALAR = (str, int, float, bool)


def _invalid(description: str) -> InvalidInput:
    return InvalidInput(f"The dcql_query is not valid: {description}")


@dataclass(frozen=True)
class ClaimQuery:
    id: str | None
    path: tuple[Step, ...]
    values: tuple[Any, ...] | None

    def matches(self, candidate: Candidate) -> bool:
        document: Any = candidate.credential
        if self.path[0] == "vc" and candidate.jwt_claims is not None:
            document = candidate.jwt_claims
        found = select(document, self.path, wildcard_objects=False)
        if self.values is None:
            return bool(found)
        return any(_same(value, wanted) for value in found for wanted in self.values)

    def describe(self) -> str:
        path = " › ".join(_("(every item)") if step is None else str(step) for step in self.path)
        if self.values is None:
            return path
        return f"{path} = {any_of(self.values)}"


def _same(value: Any, wanted: Any) -> bool:
    """Exact match, with booleans and numbers kept apart (``True == 1`` in Python)."""
    if isinstance(value, bool) or isinstance(wanted, bool):
        return value is wanted
    return bool(value == wanted)


@dataclass(frozen=True)
class CredentialQuery:
    id: str
    format: str
    type_values: tuple[tuple[str, ...], ...]
    claims: tuple[ClaimQuery, ...]
    claim_sets: tuple[tuple[str, ...], ...]
    multiple: bool

    name = None
    purpose = None  # DCQL carries no purpose; the consent page shows the claims instead

    def matches(self, candidate: Candidate) -> bool:
        if candidate.format != self.format or self.format not in WALLET_FORMATS:
            return False
        if self.type_values and not any(
            set(alternative) <= candidate.types for alternative in self.type_values
        ):
            return False
        return self._claims_match(candidate)

    def _claims_match(self, candidate: Candidate) -> bool:
        if not self.claim_sets:
            return all(claim.matches(candidate) for claim in self.claims)
        by_id = {claim.id: claim for claim in self.claims}
        return any(all(by_id[cid].matches(candidate) for cid in group) for group in self.claim_sets)

    def asks_for(self) -> list[str]:
        asked = [_("format %(format)s", format=self.format)]
        if self.type_values:
            alternatives = [
                all_of(short_type(iri) for iri in alternative) for alternative in self.type_values
            ]
            asked.append(_("a credential of type %(types)s", types=any_of(alternatives)))
        if not self.claims:
            asked.append(_("the whole credential"))
        elif self.claim_sets:
            by_id = {claim.id: claim for claim in self.claims}
            options = [
                ", ".join(by_id[cid].describe() for cid in group) for group in self.claim_sets
            ]
            asked.append(_("one of: %(options)s", options=any_of(options)))
        else:
            asked.extend(claim.describe() for claim in self.claims)
        return asked


@dataclass(frozen=True)
class CredentialSet:
    options: tuple[tuple[str, ...], ...]
    required: bool


@dataclass(frozen=True)
class DcqlQuery:
    credentials: tuple[CredentialQuery, ...]
    credential_sets: tuple[CredentialSet, ...]

    @property
    def queries(self) -> Sequence[CredentialQuery]:
        return self.credentials

    def is_required(self, query_id: str) -> bool:
        if not self.credential_sets:
            return True
        return any(
            all(query_id in option for option in cset.options)
            for cset in self.credential_sets
            if cset.required
        )

    def unmet(self, answered: set[str]) -> list[str]:
        """OpenID4VP 1.0 §6.4.2: without credential_sets every query is required; with
        them, each required set needs one option whose queries are all answered."""
        if not self.credential_sets:
            return [
                _("%(query)r needs a credential.", query=query.id)
                for query in self.credentials
                if query.id not in answered
            ]
        return [
            _(
                "Answer one of: %(options)s.",
                options=any_of("+".join(option) for option in cset.options),
            )
            for cset in self.credential_sets
            if cset.required and not any(set(option) <= answered for option in cset.options)
        ]


def parse_dcql(query: Mapping[str, Any]) -> DcqlQuery:
    credentials = query.get("credentials")
    if not isinstance(credentials, list) or not credentials:
        raise _invalid("credentials must be a non-empty array.")
    if len(credentials) > MAX_QUERIES:
        raise _invalid(f"more than {MAX_QUERIES} credential queries.")
    parsed = tuple(_credential_query(item) for item in credentials)
    ids = [item.id for item in parsed]
    if len(set(ids)) != len(ids):
        raise _invalid("credential query ids must be unique.")
    sets = query.get("credential_sets")
    credential_sets: tuple[CredentialSet, ...] = ()
    if sets is not None:
        if not isinstance(sets, list) or not sets:
            raise _invalid("credential_sets must be a non-empty array.")
        credential_sets = tuple(_credential_set(item, set(ids)) for item in sets)
    return DcqlQuery(parsed, credential_sets)


def _credential_query(item: Any) -> CredentialQuery:
    if not isinstance(item, dict):
        raise _invalid("each credential query is an object.")
    query_id, fmt, meta = item.get("id"), item.get("format"), item.get("meta")
    if not isinstance(query_id, str) or not _ID.match(query_id):
        raise _invalid("a credential query id is made of letters, digits, _ and -.")
    if not isinstance(fmt, str) or not fmt:
        raise _invalid(f"{query_id!r} names no format.")
    if not isinstance(meta, dict):
        raise _invalid(f"{query_id!r} has no meta object.")
    type_values: tuple[tuple[str, ...], ...] = ()
    if fmt in WALLET_FORMATS:
        type_values = _type_values(query_id, meta.get("type_values"))
    claims = _claims(query_id, item.get("claims"))
    claim_sets = _claim_sets(query_id, item.get("claim_sets"), claims)
    multiple = item.get("multiple", False)
    if not isinstance(multiple, bool):
        raise _invalid(f"{query_id!r}: multiple is true or false.")
    return CredentialQuery(query_id, fmt, type_values, claims, claim_sets, multiple)


def _type_values(query_id: str, value: Any) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list) or not value:
        raise _invalid(f"{query_id!r}: meta.type_values must be a non-empty array of arrays.")
    alternatives = []
    for alternative in value:
        if not isinstance(alternative, list) or not all(isinstance(t, str) for t in alternative):
            raise _invalid(f"{query_id!r}: each type_values entry is an array of type IRIs.")
        alternatives.append(tuple(alternative))
    return tuple(alternatives)


def _claims(query_id: str, value: Any) -> tuple[ClaimQuery, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not value or len(value) > MAX_CLAIMS:
        raise _invalid(f"{query_id!r}: claims must be a non-empty array (at most {MAX_CLAIMS}).")
    claims = []
    for claim in value:
        if not isinstance(claim, dict):
            raise _invalid(f"{query_id!r}: each claims query is an object.")
        path = claim.get("path")
        if (
            not isinstance(path, list)
            or not path
            or not all(step is None or isinstance(step, str | int) for step in path)
            or any(isinstance(step, bool) or (isinstance(step, int) and step < 0) for step in path)
        ):
            raise _invalid(f"{query_id!r}: a claims path is an array of names, indexes and null.")
        values = claim.get("values")
        if values is not None and (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, _SCALAR) for v in values)
        ):
            raise _invalid(f"{query_id!r}: claim values are strings, numbers or booleans.")
        claim_id = claim.get("id")
        if claim_id is not None and (not isinstance(claim_id, str) or not _ID.match(claim_id)):
            raise _invalid(f"{query_id!r}: a claim id is made of letters, digits, _ and -.")
        claims.append(ClaimQuery(claim_id, tuple(path), tuple(values) if values else None))
    return tuple(claims)


def _claim_sets(
    query_id: str, value: Any, claims: tuple[ClaimQuery, ...]
) -> tuple[tuple[str, ...], ...]:
    if value is None:
        return ()
    known = {claim.id for claim in claims}
    if not claims or None in known:
        raise _invalid(f"{query_id!r}: claim_sets need claims that all have ids.")
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(group, list) and group and set(group) <= known for group in value)
    ):
        raise _invalid(f"{query_id!r}: claim_sets must list ids of its claims.")
    return tuple(tuple(group) for group in value)


def _credential_set(item: Any, ids: set[str]) -> CredentialSet:
    if not isinstance(item, dict):
        raise _invalid("each credential set is an object.")
    options, required = item.get("options"), item.get("required", True)
    if (
        not isinstance(options, list)
        or not options
        or not all(isinstance(o, list) and o and set(o) <= ids for o in options)
    ):
        raise _invalid("credential set options must list credential query ids.")
    if not isinstance(required, bool):
        raise _invalid("a credential set's required is true or false.")
    return CredentialSet(tuple(tuple(option) for option in options), required)
