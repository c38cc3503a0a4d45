"""Admin API: awarding a micro-credential to a cohort from a CSV file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from issuer.cohorts.csvfile import COLUMNS, write_csv
from issuer.cohorts.schemas import CohortCreated, CohortOut, CohortRefused
from issuer.cohorts.service import MAX_FILE_BYTES, MAX_ROWS, Cohorts, FileTooLarge
from issuer.deps import AdminDep, RuntimeDep, SessionDep, SettingsDep
from shared.errors import InvalidInput

router = APIRouter(tags=["cohorts"])

CSV_MEDIA_TYPES = ("text/csv", "application/csv", "text/plain")
NO_STORE = {"Cache-Control": "no-store"}

_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    201: {
        "description": "Created. JSON by default; the links file itself with Accept: text/csv.",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    },
    400: {"model": CohortRefused, "description": "Refused: every bad row is listed."},
    404: {"description": "No such micro-credential."},
    409: {"description": "The micro-credential is retired."},
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

Otherwise every award and offer is created in one transaction and the answer (201,
``Location`` of the cohort) carries each learner's offer: the ``openid-credential-offer://``
link, our wallet's link, the QR code's URL and the PIN where asked for. These secrets
exist only in this response (the issuer stores hashes): keep it. With ``Accept: text/csv``
the answer is the same as a CSV file (the upload's delimiter, a byte-order mark for
Excel), with the columns ``line, name, email, student_id, award_id,
credential_offer_uri, wallet_link, qr_png_url, tx_code``.
"""


@dataclass(frozen=True)
class Upload:
    data: bytes
    file_name: str | None


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
    response: Response,
    actor: AdminDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
) -> CohortCreated | Response:
    upload = await _read_upload(request)
    cohorts = Cohorts(session, settings, runtime.key_encryption_key)
    plan = await cohorts.check(achievement_id, upload.data, file_name=upload.file_name)
    created = await cohorts.create(plan, actor=actor.name)
    headers = {**NO_STORE, "Location": f"/api/v1/cohorts/{created.cohort.id}"}
    if "text/csv" in request.headers.get("accept", ""):
        rows = (offer.as_row(settings) for offer in created.offers)
        return Response(
            write_csv(rows, plan.delimiter),
            status_code=201,
            media_type="text/csv; charset=utf-8",
            headers={
                **headers,
                "Content-Disposition": f'attachment; filename="cohort-{created.cohort.id}.csv"',
            },
        )
    response.headers.update(headers)
    return CohortCreated.of(achievement_id, created, settings)


@router.get("/api/v1/cohorts/{cohort_id}")
async def get_cohort(
    cohort_id: str, actor: AdminDep, session: SessionDep, settings: SettingsDep, runtime: RuntimeDep
) -> CohortOut:
    """A cohort as recorded, with its awards' ids; its offer links are never shown again."""
    cohorts = Cohorts(session, settings, runtime.key_encryption_key)
    cohort = await cohorts.get(cohort_id)
    item = await cohorts.item_of(cohort)
    return CohortOut.of(
        cohort, item.achievement.id, item.version.version, await cohorts.award_ids(cohort_id)
    )


async def _read_upload(request: Request) -> Upload:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "multipart/form-data":
        async with request.form(max_files=1, max_fields=10) as form:
            file = form.get("file")
            if not isinstance(file, UploadFile):
                raise InvalidInput('Send the CSV file in the multipart field named "file".')
            return Upload(await file.read(MAX_FILE_BYTES + 1), file.filename)
    if media_type in CSV_MEDIA_TYPES:
        data = bytearray()
        async for chunk in request.stream():
            data += chunk
            if len(data) > MAX_FILE_BYTES:
                raise FileTooLarge()
        return Upload(bytes(data), None)
    raise InvalidInput(
        "Send the CSV as the body with Content-Type: text/csv, or as the field "
        '"file" of a multipart/form-data form.',
        status_code=415,
    )
