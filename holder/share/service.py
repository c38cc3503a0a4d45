"""Sharing credentials with a verifier: open a request, show it, then share or decline.

The rules, in order:

1. ``open`` resolves the verifier's request (request.py), reads its query (DCQL or
   Presentation Exchange) and stores it for the learner as ``pending``. Nothing is sent.
2. ``view`` lists, per query, the learner's credentials that match it. Only credentials
   bound to the learner's own DID are offered (the verifier checks holder binding, so
   another subject's credential could not be presented anyway), and only in formats the
   verifier's metadata admits, when it names any.
3. ``share`` takes the learner's picks (query id → credential ids), checks each again at
   that moment (the request is still pending and not expired, the credential is the
   learner's, it still matches its query, every required query is answered), claims the
   request atomically (so two submits cannot both send), signs one presentation per
   credential with the holder key, posts them and records the outcome and, in the
   learner's activity log, what was shared with whom.
4. ``decline`` posts an ``access_denied`` error response (no credential, no presentation:
   the verifier's screen can stop waiting) and marks the request declined. If the verifier
   cannot be reached, the request is declined all the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from holder.i18n import _
from holder.learner_service import LearnerService
from holder.models import PresentationRequest
from holder.share import presentation
from holder.share.dcql import parse_dcql
from holder.share.matching import Candidate, Pick, Query, QuerySet, checked_picks, matches_for
from holder.share.presentation_exchange import parse_definition
from holder.share.request import AuthorizationRequest, Fetching, resolve
from shared.clock import as_utc, new_id, utcnow
from shared.credentials.formats import credential_formats
from shared.errors import Conflict, CredstackError, NotFound

# A verifier's nonce is short-lived; a request opened this long ago is not answered.
REQUEST_TTL = timedelta(minutes=15)

PENDING = "pending"
SENDING = "sending"  # claimed by a submit that is signing and posting right now
SENT = "sent"
FAILED = "failed"  # posted, and the verifier refused it
DECLINED = "declined"


def query_set_of(request: AuthorizationRequest) -> QuerySet:
    if request.dcql_query is not None:
        return parse_dcql(request.dcql_query)
    assert request.presentation_definition is not None
    return parse_definition(request.presentation_definition)


@dataclass(frozen=True)
class QueryMatches:
    query: Query
    required: bool
    matches: list[Candidate]


@dataclass(frozen=True)
class RequestView:
    record: PresentationRequest
    request: AuthorizationRequest
    queries: list[QueryMatches]
    answerable: bool  # the learner holds enough to answer every required query

    @property
    def status(self) -> str:
        return self.record.status

    @property
    def answer(self) -> dict[str, Any]:
        answer = self.record.request.get("answer")
        return answer if isinstance(answer, dict) else {}

    def shared(self) -> list[Candidate]:
        """The learner's credentials this request's answer carried (those still held)."""
        ids = {cid for ids in self.answer.get("shared", {}).values() for cid in ids}
        held = {c.id: c for item in self.queries for c in item.matches}
        return [held[cid] for cid in sorted(ids) if cid in held]


@dataclass(frozen=True)
class Outcome:
    status: str
    redirect_uri: str | None
    error: str | None
    shared: list[tuple[str, str]]  # (query id, credential id)


class Sharing(LearnerService):
    async def open(self, params: Mapping[str, str]) -> PresentationRequest:
        fetching = Fetching(self._runtime.http, self._resolver, self._settings.is_development)
        request = await resolve(params, fetching)
        query_set_of(request)  # an unreadable query is refused now, not at the consent page
        record = PresentationRequest(
            id=new_id(),
            learner_id=self._learner.id,
            client_id=request.client_id,
            request=request.to_json(),
            status=PENDING,
            created_at=utcnow(),
        )
        self._session.add(record)
        await self._session.flush()
        return record

    async def view(self, request_id: str) -> RequestView:
        record = await self._record(request_id)
        request = AuthorizationRequest.from_json(record.request)
        query_set = query_set_of(request)
        candidates = await self._candidates(request)
        queries = [
            QueryMatches(query, query_set.is_required(query.id), matches_for(query, candidates))
            for query in query_set.queries
        ]
        answerable = not query_set.unmet({q.query.id for q in queries if q.matches})
        return RequestView(record, request, queries, answerable)

    async def share(self, request_id: str, selections: Mapping[str, Sequence[str]]) -> Outcome:
        record = await self._pending(request_id)
        if as_utc(record.created_at) + REQUEST_TTL < utcnow():
            raise Conflict(_("This request has expired; ask the verifier for a new one."))
        request = AuthorizationRequest.from_json(record.request)
        picks = checked_picks(query_set_of(request), await self._candidates(request), selections)
        await self._claim(record)
        key = await self._holder_key()
        formats = credential_formats(self._resolver)
        presentations = [
            await presentation.presentation_of(pick, key, request, formats) for pick in picks
        ]
        fields = presentation.response_fields(request, picks, presentations)
        answer = await presentation.post_response(self._runtime.http, request, fields)
        status = SENT if answer.accepted else FAILED
        by_query = _by_query(picks)
        self._answered(record, status, answer, by_query)
        await self._store.log(
            "presentation.sent" if answer.accepted else "presentation.refused",
            {**self._who(request, record), "credentials": by_query},
        )
        shared = [(pick.query.id, pick.candidate.id) for pick in picks]
        return Outcome(status, answer.redirect_uri, answer.error, shared)

    async def decline(self, request_id: str) -> Outcome:
        record = await self._pending(request_id)
        request = AuthorizationRequest.from_json(record.request)
        await self._claim(record)
        try:
            answer = await presentation.post_response(
                self._runtime.http, request, presentation.declined_response()
            )
        except CredstackError as exc:
            # Declining must not depend on the verifier being reachable.
            answer = presentation.VerifierAnswer(False, error=exc.description)
        self._answered(record, DECLINED, answer, {})
        await self._store.log("presentation.declined", self._who(request, record))
        return Outcome(DECLINED, answer.redirect_uri, None, [])

    async def _record(self, request_id: str) -> PresentationRequest:
        record = await self._session.scalar(
            select(PresentationRequest).where(
                PresentationRequest.id == request_id,
                PresentationRequest.learner_id == self._learner.id,
            )
        )
        if record is None:
            raise NotFound(_("No such presentation request in your wallet."))
        return record

    async def _pending(self, request_id: str) -> PresentationRequest:
        record = await self._record(request_id)
        if record.status != PENDING:
            raise Conflict(_("This request was answered already."))
        return record

    async def _claim(self, record: PresentationRequest) -> None:
        """Move the request from pending to sending in one statement: of two submits at
        once, only one gets the row."""
        result = await self._session.execute(
            update(PresentationRequest)
            .where(
                PresentationRequest.id == record.id,
                PresentationRequest.learner_id == self._learner.id,
                PresentationRequest.status == PENDING,
            )
            .values(status=SENDING)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) != 1:
            raise Conflict(_("This request is being answered already."))

    def _answered(
        self,
        record: PresentationRequest,
        status: str,
        answer: presentation.VerifierAnswer,
        shared: dict[str, list[str]],
    ) -> None:
        """Record the outcome beside the request: what the verifier said, and which
        credentials went out for which query (the outcome page lists them)."""
        record.status = status
        record.answered_at = utcnow()
        record.request = {
            **record.request,
            "answer": {
                "redirect_uri": answer.redirect_uri,
                "error": answer.error,
                "shared": shared,
            },
        }

    async def _candidates(self, request: AuthorizationRequest) -> list[Candidate]:
        """The learner's credentials this verifier could accept: bound to the learner, in
        a format its metadata admits."""
        accepted = request.accepted_formats
        candidates = []
        for record in await self._store.all():
            if accepted is not None and record.format not in accepted:
                continue
            try:
                candidate = Candidate.of(record, self._store.document(record))
            except CredstackError:
                continue  # unreadable: never offered, and the cards say why
            if candidate.subject_id == self._learner.did:
                candidates.append(candidate)
        return candidates

    @staticmethod
    def _who(request: AuthorizationRequest, record: PresentationRequest) -> dict[str, Any]:
        return {
            "request": record.id,
            "client_id": request.client_id,
            "verifier": request.verifier_name,
            "response_host": request.response_host,
        }


def _by_query(picks: Sequence[Pick]) -> dict[str, list[str]]:
    shared: dict[str, list[str]] = {}
    for pick in picks:
        shared.setdefault(pick.query.id, []).append(pick.candidate.id)
    return shared
