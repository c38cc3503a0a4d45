"""Admin API: awarding a micro-credential to a cohort from a CSV file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

from issuer.cohorts import keys
from issuer.cohorts.csvfile import COLUMNS, write_csv
from issuer.cohorts.job import lending_rows, wait_until_finished
from issuer.cohorts.queue import CohortWorker
from issuer.cohorts.repository import UNFINISHED, CohortState
from issuer.cohorts.schemas import CohortCreated, CohortOut, CohortRefused, DeliveryOut
from issuer.cohorts.service import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    CohortLinks,
    Cohorts,
    FileTooLarge,
)
from issuer.deps import AdminDep, RuntimeDep, SessionDep, SettingsDep
from issuer.models import Cohort
from issuer.settings import IssuerSettings
from shared.db import session_scope
from shared.errors import Conflict, InvalidInput
from shared.runtime import ServiceRuntime

router = APIRouter(tags=["cohorts"])

CSV_MEDIA_TYPES = ("text/csv", "application/csv", "text/plain")
NO_STORE = {"Cache-Control": "no-store"}
# How long an upload waits for its cohort's job by default: 10,000 learners take seconds.
WAIT_SECONDS = 300
MAX_WAIT_SECONDS = 600


def cohort_worker(request: Request) -> CohortWorker:
    worker: CohortWorker = request.app.state.cohort_worker
    return worker


WorkerDep = Annotated[CohortWorker, Depends(cohort_worker)]

_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "idempotency_key": {"type": "string", "maxLength": keys.MAX_LENGTH},
                        "email_offers": {"type": "boolean"},
                    },
                    "required": ["file"],
                }
            },
        },
    }
}
_LINKS: dict[str, Any] = {
    "content": {"text/csv": {"schema": {"type": "string"}}},
}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The same upload was made before: its cohort, with new links.", **_LINKS},
    201: {
        "description": "Created: every learner's offer (JSON, or CSV with Accept: text/csv).",
        **_LINKS,
    },
    202: {"model": CohortOut, "description": "Still being created after `wait` seconds."},
    400: {"model": CohortRefused, "description": "Refused: every bad row is listed."},
    404: {"description": "No such micro-credential."},
    409: {
        "description": "The micro-credential is retired, the key was used for another file, "
        "or the cohort's job failed (upload the same file again to go on)."
    },
    413: {"description": f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB."},
}


_CREATE_DESCRIPTION = f"""\
Award the micro-credential to every learner of a CSV file, all or none.

Send the file as the body (``Content-Type: text/csv``) or as the ``file`` field of a
multipart form. It is UTF-8 (a byte-order mark is fine), comma- or semicolon-delimited,
with a header row naming its columns: ``{", ".join(COLUMNS)}``. Only ``name`` is
required; dates are ``YYYY-MM-DD``; ``tx_code`` is ``yes`` or ``no`` (guard that learner's
offer with a PIN). At most {MAX_ROWS} learners per file.

Every row is checked first, with the rules of a single award (an allowed grade, an
activity that ends after it starts) plus the file's own (a name on every row, e-mail
syntax, ISO dates, no learner twice by e-mail or student id). If any row is wrong, the
answer is 400 with ``problems``: every ``{{line, field, reason}}``, line numbers as in the
file, and nothing is created.

Otherwise the upload is recorded and its awards are created by a durable job (it survives
a restart of the issuer). The request waits for it (``wait`` seconds, default
{WAIT_SECONDS}); then every learner gets an offer and the answer (201, ``Location`` of the
cohort) carries each one: the ``openid-credential-offer://`` link, our wallet's link, the QR
code's URL and the PIN where asked for. These secrets exist only in this response (the
issuer stores hashes): keep it. With ``Accept: text/csv`` the answer is the links file
itself (the upload's delimiter, a byte-order mark for Excel).

**Idempotent.** The upload's key is the ``Idempotency-Key`` header (or the multipart field
``idempotency_key``); without one it is derived from the file's bytes and the
micro-credential, so the same file for the same micro-credential is the same upload. Sent
again, it creates nothing new: the answer is 200 with the first cohort (waiting for it to
finish if it is still being created, going on with it if it stopped) and new links for the
learners who have not received their credential yet; the links of earlier answers stop
working. The same key with another file is refused (409). Still being created after
``wait`` seconds: 202 and the cohort's progress; send the same request again.
"""


@dataclass(frozen=True)
class Upload:
    data: bytes
    file_name: str | None
    key: str | None
    email_offers: bool = False


@router.post(
    "/api/v1/achievements/{achievement_id}/cohorts",
    status_code=201,
    response_model=CohortCreated,
    response_model_exclude_none=True,
    responses=_RESPONSES,
    openapi_extra=_REQUEST_BODY,
    summary="Award a micro-credential to a cohort (CSV)",
    description=_CREATE_DESCRIPTION,
)
async def create_cohort(
    achievement_id: str,
    request: Request,
    actor: AdminDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    worker: WorkerDep,
    wait: Annotated[int, Query(ge=0, le=MAX_WAIT_SECONDS)] = WAIT_SECONDS,
    email_offers: Annotated[
        bool,
        Query(description="E-mail each learner their offer (the multipart field works too)."),
    ] = False,
) -> Response:
    upload = await _read_upload(request)
    key = upload.key or keys.derived_key(achievement_id, upload.data)
    async with session_scope(runtime.sessions) as session:
        cohorts = Cohorts(session, settings, runtime.key_encryption_key)
        plan = await cohorts.check(achievement_id, upload.data, file_name=upload.file_name)
        registered = await cohorts.register(
            plan, key=key, actor=actor.name, email_offers=email_offers or upload.email_offers
        )
    cohort = registered.cohort
    if cohort.state in UNFINISHED:
        with lending_rows(cohort.id, plan.rows):
            await worker.enqueue(cohort.id)
            cohort = await wait_until_finished(runtime, cohort.id, wait)
    location = {"Location": f"/api/v1/cohorts/{cohort.id}"}
    if cohort.state == CohortState.FAILED:
        raise Conflict(cohort.error or "The cohort could not be created.")
    if cohort.state != CohortState.DONE:
        record = await _cohort_out(runtime, settings, cohort)
        return JSONResponse(record.model_dump(mode="json"), 202, {**NO_STORE, **location})
    links = await _make_links(runtime, settings, cohort.id, actor=actor.name)
    status = 201 if registered.new else 200
    return _links_response(request, settings, achievement_id, links, status, location)


@router.get("/api/v1/cohorts/{cohort_id}")
async def get_cohort(
    cohort_id: str, actor: AdminDep, session: SessionDep, settings: SettingsDep, runtime: RuntimeDep
) -> CohortOut:
    """A cohort as recorded, its job's progress and its awards' ids; no offer link."""
    cohorts = Cohorts(session, settings, runtime.key_encryption_key)
    cohort = await cohorts.get(cohort_id)
    item = await cohorts.item_of(cohort)
    out = CohortOut.of(
        cohort, item.achievement.id, item.version.version, await cohorts.award_ids(cohort_id)
    )
    out.delivery = DeliveryOut.of(await cohorts.delivery(cohort))
    return out


@router.post(
    "/api/v1/cohorts/{cohort_id}/links",
    response_model=CohortCreated,
    response_model_exclude_none=True,
    responses={200: {"description": "The links file.", **_LINKS}},
    summary="Make a cohort's links file again",
)
async def make_links_again(
    cohort_id: str,
    request: Request,
    actor: AdminDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
) -> Response:
    """A fresh offer (new link, new PIN where the file asked for one) for every learner who
    has not received the credential yet; "already received" for those who have. The offers
    of the file made before stop working. JSON, or the CSV file with ``Accept: text/csv``."""
    links = await _make_links(runtime, settings, cohort_id, actor=actor.name)
    async with session_scope(runtime.sessions) as session:
        item = await Cohorts(session, settings, runtime.key_encryption_key).item_of(links.cohort)
    return _links_response(request, settings, item.achievement.id, links, 200, {})


async def _make_links(
    runtime: ServiceRuntime, settings: IssuerSettings, cohort_id: str, *, actor: str
) -> CohortLinks:
    async with session_scope(runtime.sessions) as session:
        return await Cohorts(session, settings, runtime.key_encryption_key).links(
            cohort_id, actor=actor
        )


async def _cohort_out(
    runtime: ServiceRuntime, settings: IssuerSettings, cohort: Cohort
) -> CohortOut:
    async with session_scope(runtime.sessions) as session:
        cohorts = Cohorts(session, settings, runtime.key_encryption_key)
        item = await cohorts.item_of(cohort)
        return CohortOut.of(cohort, item.achievement.id, item.version.version, [])


def _links_response(
    request: Request,
    settings: IssuerSettings,
    achievement_id: str,
    links: CohortLinks,
    status: int,
    headers: dict[str, str],
) -> Response:
    headers = {**NO_STORE, **headers}
    if "text/csv" in request.headers.get("accept", ""):
        rows = (line.as_row(settings) for line in links.lines)
        return Response(
            write_csv(rows, links.cohort.delimiter),
            status_code=status,
            media_type="text/csv; charset=utf-8",
            headers={
                **headers,
                "Content-Disposition": f'attachment; filename="cohort-{links.cohort.id}.csv"',
            },
        )
    repeated = status == 200
    body = CohortCreated.of(achievement_id, links, settings, repeated=repeated)
    return JSONResponse(body.model_dump(mode="json", exclude_none=True), status, headers)


async def _read_upload(request: Request) -> Upload:
    key = request.headers.get(keys.HEADER)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "multipart/form-data":
        async with request.form(max_files=1, max_fields=10) as form:
            file = form.get("file")
            if not isinstance(file, UploadFile):
                raise InvalidInput('Send the CSV file in the multipart field named "file".')
            field = form.get("idempotency_key")
            key = key or (field if isinstance(field, str) else None)
            email = ticked(form.get("email_offers"))
            content = await file.read(MAX_FILE_BYTES + 1)
            return Upload(content, file.filename, _checked_key(key), email)
    if media_type in CSV_MEDIA_TYPES:
        data = bytearray()
        async for chunk in request.stream():
            data += chunk
            if len(data) > MAX_FILE_BYTES:
                raise FileTooLarge()
        return Upload(bytes(data), None, _checked_key(key))
    raise InvalidInput(
        "Send the CSV as the body with Content-Type: text/csv, or as the field "
        '"file" of a multipart/form-data form.',
        status_code=415,
    )


def ticked(field: object) -> bool:
    """A form's yes: a ticked checkbox ("on") or true/yes/1."""
    return isinstance(field, str) and field.strip().lower() in ("on", "true", "yes", "1")


def _checked_key(key: str | None) -> str | None:
    if key is None or not key.strip():
        return None
    key = key.strip()
    if len(key) > keys.MAX_LENGTH or not key.isprintable():
        raise InvalidInput(
            f"The idempotency key must be printable text of at most {keys.MAX_LENGTH} characters."
        )
    return key
