"""The catalogue pages: a micro-credential with every EU element, its versions, and the
form that creates or edits one (a catalogue entry as JSON, checked by the model)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from issuer.awards.registrar import Registrar
from issuer.catalogue.service import Catalogue
from issuer.deps import RuntimeDep, SessionDep, SettingsDep
from issuer.models import AchievementVersion, Organisation
from issuer.organisations.service import Organisations
from issuer.pages.common import CsrfDep, PageActorDep, render
from shared.credentials.microcredential.elements import ELEMENTS
from shared.credentials.microcredential.model import CatalogueEntry
from shared.credentials.microcredential.validation import InvalidMicroCredential, Problem
from shared.credentials.microcredential.vocab import (
    IntegrationOption,
    ParticipationMode,
    Supervision,
)
from shared.errors import NotFound
from shared.pages import discard_changes

router = APIRouter(prefix="/admin/achievements", include_in_schema=False)

TEMPLATE_FILE = Path(__file__).with_name("entry-template.json")
AWARDS_SHOWN = 10
# Where each EU element goes in the JSON, for the form's cheat sheet (entry fields only:
# the learner, the awarding body and the dates come from the award and the organisation).
ENTRY_ELEMENTS = [
    (element, [path[1] for path in element.paths if path[0] == "entry"])
    for element in ELEMENTS
    if any(path[0] == "entry" for path in element.paths)
]

CODED_VALUES = {
    "participation": [code.value for code in ParticipationMode],
    "supervision": [code.value for code in Supervision],
    "stackability.integration": [code.value for code in IntegrationOption],
}

EntryForm = Annotated[str, Form()]


@cache
def _blank_entry() -> str:
    return TEMPLATE_FILE.read_text("utf-8")


def _as_json(entry: dict[str, Any]) -> str:
    data = {key: value for key, value in entry.items() if key != "id"}  # the id is ours
    return json.dumps(data, indent=2, ensure_ascii=False)


def _parse(text: str) -> dict[str, Any]:
    """The form's JSON; InvalidMicroCredential (one problem, with the position) when it is not
    a JSON object, so the form shows it like any other problem."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        raise InvalidMicroCredential([Problem(None, "(entry)", problem)]) from None
    if not isinstance(data, dict):
        raise InvalidMicroCredential([Problem(None, "(entry)", "must be a JSON object { … }")])
    return data


def _form(
    request: Request,
    *,
    action: str,
    text: str,
    heading: str,
    organisations: list[Organisation] | None = None,
    chosen: str | None = None,
    problems: list[Problem] | None = None,
) -> Response:
    return render(
        request,
        "issuer/achievement_form.html",
        {
            "action": action,
            "text": text,
            "heading": heading,
            "organisations": organisations,
            "chosen": chosen,
            "problems": problems or [],
            "entry_elements": ENTRY_ELEMENTS,
            "codes": CODED_VALUES,
        },
        status_code=400 if problems else 200,
    )


@router.get("/new")
async def new_achievement_page(
    request: Request,
    actor: PageActorDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
) -> Response:
    organisations = await Organisations(session, settings, runtime.key_encryption_key).all()
    return _form(
        request,
        action="/admin/achievements/new",
        text=_blank_entry(),
        heading="New micro-credential",
        organisations=organisations,
    )


@router.post("/new")
async def create_achievement(
    request: Request,
    actor: PageActorDep,
    _csrf: CsrfDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    entry: EntryForm,
    organisation: Annotated[str, Form()],
) -> Response:
    organisations = Organisations(session, settings, runtime.key_encryption_key)
    owner = await organisations.by_slug(organisation)
    try:
        item = await Catalogue(session, settings.base_url).create(
            owner, _parse(entry), actor=actor.name
        )
    except InvalidMicroCredential as exc:
        await discard_changes(request, session)
        return _form(
            request,
            action="/admin/achievements/new",
            text=entry,
            heading="New micro-credential",
            organisations=await organisations.all(),
            chosen=organisation,
            problems=exc.problems,
        )
    return RedirectResponse(f"/admin/achievements/{item.achievement.id}", status_code=303)


async def _entry_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    achievement_id: str,
    number: int | None,
) -> Response:
    catalogue = Catalogue(session, settings.base_url)
    current = await catalogue.current(achievement_id)
    versions = await catalogue.versions(achievement_id)
    shown: AchievementVersion = current.version
    if number is not None:
        matching = [v for v in versions if v.version == number]
        if not matching:
            raise NotFound(f"This micro-credential has no version {number}.")
        shown = matching[0]
    organisation = await Organisations(session, settings, runtime.key_encryption_key).get(
        current.achievement.organisation_id
    )
    awards = await Registrar(session, settings, runtime.key_encryption_key).page(
        achievement_id=achievement_id, limit=AWARDS_SHOWN
    )
    return render(
        request,
        "issuer/achievement.html",
        {
            "achievement": current.achievement,
            "entry": CatalogueEntry.model_validate(shown.entry),
            "shown": shown,
            "versions": versions,
            "organisation": organisation,
            "awards": awards,
        },
    )


@router.get("/{achievement_id}")
async def achievement_page(
    request: Request,
    achievement_id: str,
    actor: PageActorDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
) -> Response:
    return await _entry_page(request, session, settings, runtime, achievement_id, None)


@router.get("/{achievement_id}/versions/{number}")
async def version_page(
    request: Request,
    achievement_id: str,
    number: int,
    actor: PageActorDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
) -> Response:
    return await _entry_page(request, session, settings, runtime, achievement_id, number)


@router.get("/{achievement_id}/edit")
async def edit_achievement_page(
    request: Request,
    achievement_id: str,
    actor: PageActorDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    item = await Catalogue(session, settings.base_url).current(achievement_id)
    return _form(
        request,
        action=f"/admin/achievements/{achievement_id}/edit",
        text=_as_json(item.version.entry),
        heading=f"Edit: {item.entry.title.text} (version {item.version.version})",
    )


@router.post("/{achievement_id}/edit")
async def edit_achievement(
    request: Request,
    achievement_id: str,
    actor: PageActorDep,
    _csrf: CsrfDep,
    session: SessionDep,
    settings: SettingsDep,
    entry: EntryForm,
) -> Response:
    catalogue = Catalogue(session, settings.base_url)
    try:
        await catalogue.edit(achievement_id, _parse(entry), actor=actor.name)
    except InvalidMicroCredential as exc:
        await discard_changes(request, session)
        current = await catalogue.current(achievement_id)
        return _form(
            request,
            action=f"/admin/achievements/{achievement_id}/edit",
            text=entry,
            heading=f"Edit: {current.entry.title.text} (version {current.version.version})",
            problems=exc.problems,
        )
    return RedirectResponse(f"/admin/achievements/{achievement_id}", status_code=303)


@router.post("/{achievement_id}/retire")
async def retire_achievement(
    achievement_id: str,
    actor: PageActorDep,
    _csrf: CsrfDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    await Catalogue(session, settings.base_url).retire(achievement_id, actor=actor.name)
    return RedirectResponse(f"/admin/achievements/{achievement_id}", status_code=303)
