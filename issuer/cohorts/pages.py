"""The registrar's cohort pages: upload a CSV, watch it being created, make the links file.

After the check the upload is recorded and its job queued (``issuer.cohorts.queue``); the
registrar is sent to the cohort's page, which reloads itself every second (a ``Refresh``
header: no script needed) until every award exists, then offers the links file. Everything
it shows is read from the database, so any replica serves it and a restart loses nothing.
The same file uploaded again (a double click, a retry) leads to the same cohort.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from issuer.catalogue.service import Catalogue
from issuer.cohorts.csvfile import COLUMNS, write_csv
from issuer.cohorts.endpoints import WorkerDep, ticked
from issuer.cohorts.keys import derived_key
from issuer.cohorts.repository import UNFINISHED
from issuer.cohorts.service import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    Cohorts,
    InvalidCohort,
)
from issuer.deps import RuntimeDep, SessionDep, SettingsDep
from issuer.mail.service import mail_available
from issuer.pages.common import CsrfDep, PageActorDep, render
from issuer.settings import IssuerSettings
from shared.db import session_scope
from shared.errors import CredstackError

router = APIRouter(prefix="/admin/cohorts", include_in_schema=False)


@router.get("")
async def cohort_list(
    request: Request,
    actor: PageActorDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
) -> Response:
    """The latest cohorts, newest first."""
    cohorts = Cohorts(session, settings, runtime.key_encryption_key)
    return render(request, "cohorts/list.html", {"cohorts": await cohorts.recent()})


@router.get("/new")
async def new_cohort(
    request: Request,
    actor: PageActorDep,
    session: SessionDep,
    settings: SettingsDep,
    achievement: str | None = None,
) -> Response:
    return await _form(request, session, settings, selected=achievement)


@router.post("/new")
async def upload_cohort(
    request: Request,
    actor: PageActorDep,
    _csrf: CsrfDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    worker: WorkerDep,
) -> Response:
    """Check the file; show every bad row, or record it, queue its job and show its page."""
    async with request.form(max_files=1, max_fields=10) as form:
        achievement_id = str(form.get("achievement_id") or "")
        email_offers = ticked(form.get("email_offers"))
        upload = form.get("file")
        file_name = upload.filename if isinstance(upload, UploadFile) else None
        data = await upload.read(MAX_FILE_BYTES + 1) if isinstance(upload, UploadFile) else b""
    if not file_name:
        return await _form(
            request,
            session,
            settings,
            selected=achievement_id,
            status_code=400,
            error="Choose the CSV file of the cohort.",
        )
    try:
        # Its own unit of work, committed before the job is queued: the job (in this
        # process or another) must find the cohort recorded.
        async with session_scope(runtime.sessions) as unit:
            cohorts = Cohorts(unit, settings, runtime.key_encryption_key)
            plan = await cohorts.check(achievement_id, data, file_name=file_name)
            key = derived_key(achievement_id, data)
            registered = await cohorts.register(
                plan, key=key, actor=actor.name, email_offers=email_offers
            )
    except InvalidCohort as exc:
        return await _form(
            request,
            session,
            settings,
            selected=achievement_id,
            status_code=400,
            error=exc.description,
            refused=exc,
            file_name=file_name,
            email_offers=email_offers,
        )
    except CredstackError as exc:  # no such or a retired micro-credential, a huge file
        return await _form(
            request,
            session,
            settings,
            selected=achievement_id,
            status_code=exc.status_code,
            error=exc.description,
        )
    if registered.cohort.state in UNFINISHED:
        await worker.enqueue(registered.cohort.id)
    return RedirectResponse(f"/admin/cohorts/{registered.cohort.id}", status_code=303)


@router.get("/{cohort_id}")
async def cohort_page(
    cohort_id: str,
    request: Request,
    actor: PageActorDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
) -> Response:
    """While its awards are created, its progress; then the links file's button."""
    cohorts = Cohorts(session, settings, runtime.key_encryption_key)
    cohort = await cohorts.get(cohort_id)
    percent = int(100 * cohort.done / cohort.row_count) if cohort.row_count else 100
    context = {
        "cohort": cohort,
        "item": await cohorts.item_of(cohort),
        "percent": percent,
        "delivery": await cohorts.delivery(cohort),
    }
    response = render(request, "cohorts/cohort.html", context)
    if cohort.state in UNFINISHED:
        response.headers["Refresh"] = "1"
    return response


@router.post("/{cohort_id}/links")
async def cohort_links(
    cohort_id: str,
    actor: PageActorDep,
    _csrf: CsrfDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
) -> Response:
    """The links file, made now: fresh offers for every learner who has not received the
    credential; the earlier file's links stop working."""
    cohorts = Cohorts(session, settings, runtime.key_encryption_key)
    links = await cohorts.links(cohort_id, actor=actor.name)
    rows = (line.as_row(settings) for line in links.lines)
    return Response(
        write_csv(rows, links.cohort.delimiter),
        media_type="text/csv; charset=utf-8",
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="cohort-{cohort_id}-links.csv"',
        },
    )


async def _form(
    request: Request,
    session: AsyncSession,
    settings: IssuerSettings,
    *,
    selected: str | None,
    status_code: int = 200,
    error: str | None = None,
    refused: InvalidCohort | None = None,
    file_name: str | None = None,
    email_offers: bool = False,
) -> Response:
    items = await Catalogue(session, settings.base_url).items(include_retired=False)
    context = {
        "items": items,
        "selected": selected,
        "error": error,
        "problems": refused.listed if refused else [],
        "problems_total": len(refused.problems) if refused else 0,
        "bad_lines": len({p.line for p in refused.problems}) if refused else 0,
        "file_name": file_name,
        "columns": COLUMNS,
        "max_rows": MAX_ROWS,
        "max_mib": MAX_FILE_BYTES // (1024 * 1024),
        "mail_available": mail_available(settings),
        "email_offers": email_offers,
    }
    return render(request, "cohorts/new.html", context, status_code=status_code)
