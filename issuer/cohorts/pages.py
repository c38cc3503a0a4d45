"""The registrar's cohort pages: upload a CSV, watch it being created, download the links.

Creating a large cohort takes seconds, so after the check the page starts a background job
(``issuer.cohorts.jobs``) and sends the registrar to its page, which reloads itself every
second (a ``Refresh`` header: no script needed) until the links file is ready.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from issuer.admin.auth import presented_token
from issuer.catalogue.service import Catalogue
from issuer.cohorts.csvfile import COLUMNS, write_csv
from issuer.cohorts.jobs import CohortJob, CohortJobs, Work
from issuer.cohorts.service import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    CohortPlan,
    Cohorts,
    InvalidCohort,
    Progress,
)
from issuer.deps import RuntimeDep, SessionDep, SettingsDep
from issuer.pages.common import CsrfDep, PageActorDep, render
from issuer.settings import IssuerSettings
from shared.clock import new_id
from shared.db import session_scope
from shared.errors import CredstackError, NotFound
from shared.pages import discard_changes
from shared.runtime import ServiceRuntime
from shared.tokens import token_hash

router = APIRouter(prefix="/admin/cohorts", include_in_schema=False)


def cohort_jobs(request: Request) -> CohortJobs:
    """The app's job registry, made on first use (it lives as long as the app)."""
    jobs: CohortJobs | None = getattr(request.app.state, "cohort_jobs", None)
    if jobs is None:
        jobs = request.app.state.cohort_jobs = CohortJobs()
    return jobs


JobsDep = Annotated[CohortJobs, Depends(cohort_jobs)]


def _owner(request: Request) -> str:
    """Whom the links belong to: the token the registrar signed in with, hashed."""
    return token_hash(presented_token(request) or "")


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
    jobs: JobsDep,
) -> Response:
    """Check the file; show every bad row, or start creating and go to the progress page."""
    async with request.form(max_files=1, max_fields=10) as form:
        achievement_id = str(form.get("achievement_id") or "")
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
    cohorts = Cohorts(session, settings, runtime.key_encryption_key)
    try:
        plan = await cohorts.check(achievement_id, data, file_name=file_name)
    except InvalidCohort as exc:
        await discard_changes(request, session)
        return await _form(
            request,
            session,
            settings,
            selected=achievement_id,
            status_code=400,
            error=exc.description,
            refused=exc,
            file_name=file_name,
        )
    except CredstackError as exc:  # no such or a retired micro-credential, a huge file
        await discard_changes(request, session)
        return await _form(
            request,
            session,
            settings,
            selected=achievement_id,
            status_code=exc.status_code,
            error=exc.description,
        )
    job = CohortJob(
        id=new_id(),
        owner=_owner(request),
        title=plan.title,
        file_name=plan.file_name,
        total=len(plan.rows),
    )
    jobs.start(job, _creation(runtime, settings, plan, actor=actor.name, cohort_id=job.id))
    return RedirectResponse(f"/admin/cohorts/{job.id}", status_code=303)


@router.get("/{cohort_id}")
async def cohort_page(
    cohort_id: str,
    request: Request,
    actor: PageActorDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    jobs: JobsDep,
) -> Response:
    """While it runs, its progress; when done, the links file (for a while); later, a record."""
    job = jobs.get(cohort_id, _owner(request))
    context: dict[str, Any] = {"job": job, "cohort": None, "item": None}
    if job is None or job.state == "done":
        cohorts = Cohorts(session, settings, runtime.key_encryption_key)
        try:
            cohort = await cohorts.get(cohort_id)
        except NotFound:
            if job is None:
                raise
        else:
            context.update(cohort=cohort, item=await cohorts.item_of(cohort))
    if job is not None:
        context["seconds_left"] = job.seconds_left(jobs.now())
    response = render(request, "cohorts/cohort.html", context)
    if job is not None and not job.finished:
        response.headers["Refresh"] = "1"
    return response


@router.get("/{cohort_id}/offers.csv")
async def cohort_links(
    cohort_id: str, request: Request, actor: PageActorDep, jobs: JobsDep
) -> Response:
    """The links file, to whoever uploaded the cohort (same token), while it is held."""
    job = jobs.get(cohort_id, _owner(request))
    if job is None or job.links_csv is None:
        raise NotFound(
            "The offer links of this cohort are no longer held: they are kept only for a "
            "while, for the session that uploaded the file. Make new offers from the awards."
        )
    return Response(
        job.links_csv,
        media_type="text/csv; charset=utf-8",
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="cohort-{cohort_id}-offers.csv"',
        },
    )


@router.post("/{cohort_id}/forget")
async def forget_links(
    cohort_id: str,
    request: Request,
    actor: PageActorDep,
    _csrf: CsrfDep,
    jobs: JobsDep,
) -> RedirectResponse:
    """The registrar saved the file: drop the links from memory now."""
    jobs.forget_links(cohort_id, _owner(request))
    return RedirectResponse(f"/admin/cohorts/{cohort_id}", status_code=303)


def _creation(
    runtime: ServiceRuntime,
    settings: IssuerSettings,
    plan: CohortPlan,
    *,
    actor: str,
    cohort_id: str,
) -> Work:
    """The job's work: one transaction of its own (the request's has ended by then)."""

    async def work(progress: Progress) -> str:
        async with session_scope(runtime.sessions) as session:
            created = await Cohorts(session, settings, runtime.key_encryption_key).create(
                plan, actor=actor, cohort_id=cohort_id, progress=progress
            )
        rows = (offer.as_row(settings) for offer in created.offers)
        return write_csv(rows, plan.delimiter)

    return work


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
    }
    return render(request, "cohorts/new.html", context, status_code=status_code)
