"""The catalogue pages: a micro-credential with every EU element and its versions; the
designer that creates or edits one field by field, with a preview of the wallet's card and
the certificate; and, for integrations, the same entry as JSON (export, and an "advanced"
form that takes it whole).

The designer's and the JSON form post to the same address (``/new``, ``/<id>/edit``): a post
that carries ``entry`` is the JSON form, anything else the designer.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.awards.registrar import Registrar
from issuer.catalogue.designer import DesignerForm, form_of, read_form
from issuer.catalogue.designer_fields import (
    MAX_LANGUAGES,
    RESULT_TYPE_WORDS,
    TEXT_FIELDS,
    language_name,
)
from issuer.catalogue.isced import isced_fields
from issuer.catalogue.preview import Preview, preview
from issuer.catalogue.service import Catalogue, CatalogueItem
from issuer.certificates.endpoints import PRIVATE_HEADERS
from issuer.certificates.service import Certificates
from issuer.deps import RuntimeDep, SessionDep, SettingsDep
from issuer.models import AchievementVersion, Organisation
from issuer.organisations.service import Organisations
from issuer.pages.common import CsrfDep, PageActorDep, render
from issuer.settings import IssuerSettings
from shared.credentials.microcredential.elements import ELEMENTS
from shared.credentials.microcredential.i18n import LocalizedText
from shared.credentials.microcredential.model import CatalogueEntry
from shared.credentials.microcredential.validation import InvalidMicroCredential, Problem
from shared.credentials.microcredential.vocab import (
    IntegrationOption,
    ParticipationMode,
    Supervision,
    ob_result_types,
)
from shared.errors import NotFound
from shared.pages import discard_changes

router = APIRouter(prefix="/admin/achievements", include_in_schema=False)

TEMPLATE_FILE = Path(__file__).with_name("entry-template.json")
AWARDS_SHOWN = 10
# The JSON form's size limit: a generous catalogue entry is a few kilobytes.
MAX_JSON_LENGTH = 100_000
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
# What the designer's selects offer, in words.
CHOICES = {
    "participation": [(code.value, code.label) for code in ParticipationMode],
    "supervision": [(code.value, code.label) for code in Supervision],
    "integration": [(code.value, code.label) for code in IntegrationOption],
    "result_type": [
        (code, RESULT_TYPE_WORDS.get(code, code))
        for code in sorted(ob_result_types(), key=lambda c: (c not in RESULT_TYPE_WORDS, c))
    ],
}

EQF_LEVELS = [(str(level), f"Level {level}") for level in range(1, 9)]

OptionalForm = Annotated[str | None, Form()]


@cache
def _blank_entry() -> str:
    return TEMPLATE_FILE.read_text("utf-8")


def _as_json(entry: dict[str, Any]) -> str:
    data = {key: value for key, value in entry.items() if key != "id"}  # the id is ours
    return json.dumps(data, indent=2, ensure_ascii=False)


def _parse(text: str) -> dict[str, Any]:
    """The form's JSON; InvalidMicroCredential (one problem, with the position) when it is not
    a JSON object, so the form shows it like any other problem."""
    if len(text) > MAX_JSON_LENGTH:
        problem = f"may have at most {MAX_JSON_LENGTH:,} characters; this has {len(text):,}"
        raise InvalidMicroCredential([Problem(None, "(entry)", problem)])
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        raise InvalidMicroCredential([Problem(None, "(entry)", problem)]) from None
    if not isinstance(data, dict):
        raise InvalidMicroCredential([Problem(None, "(entry)", "must be a JSON object { … }")])
    return data


def _organisations(session: AsyncSession, settings: IssuerSettings, kek: bytes) -> Organisations:
    return Organisations(session, settings, kek)


# --- the JSON form ("advanced", for integrations) ---------------------------------------


def _json_form(
    request: Request,
    *,
    action: str,
    text: str,
    heading: str,
    designer: str,
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
            "designer": designer,
            "organisations": organisations,
            "chosen": chosen,
            "problems": problems or [],
            "entry_elements": ENTRY_ELEMENTS,
            "codes": CODED_VALUES,
            "max_length": MAX_JSON_LENGTH,
        },
        status_code=400 if problems else 200,
    )


@router.get("/new/json")
async def new_achievement_json_page(
    request: Request,
    actor: PageActorDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
) -> Response:
    organisations = await _organisations(session, settings, runtime.key_encryption_key).all()
    return _json_form(
        request,
        action="/admin/achievements/new",
        text=_blank_entry(),
        heading="New micro-credential (JSON)",
        designer="/admin/achievements/new",
        organisations=organisations,
    )


@router.get("/{achievement_id}/edit/json")
async def edit_achievement_json_page(
    request: Request,
    achievement_id: str,
    actor: PageActorDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    item = await Catalogue(session, settings.base_url).current(achievement_id)
    return _json_form(
        request,
        action=f"/admin/achievements/{achievement_id}/edit",
        text=_as_json(item.version.entry),
        heading=f"Edit as JSON: {item.entry.title.text} (version {item.version.version})",
        designer=f"/admin/achievements/{achievement_id}/edit",
    )


@router.get("/{achievement_id}/entry.json")
async def export_entry(
    achievement_id: str, actor: PageActorDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """The current version as JSON, as the API and the JSON form take it (without its id)."""
    item = await Catalogue(session, settings.base_url).current(achievement_id)
    return Response(
        _as_json(item.version.entry),
        media_type="application/json",
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="micro-credential-{achievement_id}.json"',
        },
    )


# --- the designer ----------------------------------------------------------------------


def _where(name: str) -> str:
    """The row a problem is in, for the summary at the top (``outcome.1.en`` → outcome 2)."""
    kind, _, rest = name.partition(".")
    index = rest.partition(".")[0]
    words = {"outcome": "Learning outcome", "skill": "Skill", "programme": "Programme"}
    if kind in words and index.isdigit():
        return f"{words[kind]} {int(index) + 1}"
    return ""


def _summary(errors: dict[str, str]) -> list[tuple[str, str, str]]:
    """(anchor, row, sentence) for each problem: the list at the top links to its field."""
    return [(f"f-{name}", _where(name), message) for name, message in errors.items()]


@dataclass(frozen=True)
class DesignerPage:
    """Where the designer posts, what it is called, and whose micro-credential it is: plain
    values, so that the page can still be drawn after a refusal rolled the session back."""

    action: str
    heading: str
    organisations: list[tuple[str, str]]  # (slug, name in words)
    editing_id: str | None = None
    next_version: int | None = None

    @classmethod
    def choices(cls, organisations: list[Organisation]) -> list[tuple[str, str]]:
        named = [(o.slug, LocalizedText.model_validate(o.name).text) for o in organisations]
        return [(slug, f"{name} ({slug})") for slug, name in named]


def _designer(
    request: Request,
    form: DesignerForm,
    where: DesignerPage,
    *,
    errors: dict[str, str] | None = None,
    shown: Preview | None = None,
    status_code: int = 200,
) -> Response:
    errors = errors or {}
    return render(
        request,
        "issuer/achievement_designer.html",
        {
            "form": form,
            "errors": errors,
            "summary": _summary(errors),
            "action": where.action,
            "heading": where.heading,
            "editing_id": where.editing_id,
            "next_version": where.next_version,
            "preview": shown,
            "text_fields": TEXT_FIELDS,
            "choices": CHOICES,
            "isced": isced_fields(),
            "language_name": language_name,
            "max_languages": MAX_LANGUAGES,
            "organisation_options": where.organisations,
            "language_options": [(tag, language_name(tag)) for tag in form.languages],
            "eqf_levels": EQF_LEVELS,
            "json_page": f"{where.action}/json",
        },
        status_code=status_code,
    )


def _chosen(form: DesignerForm, organisations: list[Organisation]) -> Organisation | None:
    """The organisation the form names; the first one for a preview when it names none."""
    slug = form.value("organisation")
    found = next((o for o in organisations if o.slug == slug), None)
    return found or (organisations[0] if organisations and not slug else None)


async def _designer_post(
    request: Request,
    session: AsyncSession,
    form: DesignerForm,
    where: DesignerPage,
    owner: Organisation | None,
    save: Callable[[Organisation, dict[str, Any]], Awaitable[str]],
) -> Response:
    """What every designer button does: change the form, preview it, or save it (then go to
    the address ``save`` gives)."""
    done = _form_action(form)
    if done is not None:
        return _designer(request, form, where, errors=done)
    entry, errors = form.entry()
    shown = preview(entry, owner)
    previewing = form.value("action") == "preview"
    if previewing or entry is None:
        status = 200 if previewing else 400
        return _designer(request, form, where, errors=errors, shown=shown, status_code=status)
    if owner is None:
        errors = {"organisation": "Choose the organisation that offers it from the list."}
        return _designer(request, form, where, errors=errors, shown=shown, status_code=400)
    try:
        location = await save(owner, entry)
    except InvalidMicroCredential as exc:
        await discard_changes(request, session)
        errors = {
            "organisation": "The catalogue refused it: "
            + "; ".join(f"{p.element or 'the entry'}: {p.message}" for p in exc.problems)
        }
        return _designer(request, form, where, errors=errors, shown=shown, status_code=400)
    return RedirectResponse(location, status_code=303)


@router.get("/new")
async def new_achievement_page(
    request: Request,
    actor: PageActorDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
) -> Response:
    organisations = await _organisations(session, settings, runtime.key_encryption_key).all()
    return _designer(request, DesignerForm(), _new_page(organisations))


def _new_page(organisations: list[Organisation]) -> DesignerPage:
    return DesignerPage(
        "/admin/achievements/new", "New micro-credential", DesignerPage.choices(organisations)
    )


@router.post("/new")
async def create_achievement(
    request: Request,
    actor: PageActorDep,
    _csrf: CsrfDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    entry: OptionalForm = None,
    organisation: OptionalForm = None,
) -> Response:
    organisations = _organisations(session, settings, runtime.key_encryption_key)
    catalogue = Catalogue(session, settings.base_url)
    if entry is not None:  # the JSON form
        try:
            owner = await organisations.by_slug(organisation or "")
            item = await catalogue.create(owner, _parse(entry), actor=actor.name)
        except InvalidMicroCredential as exc:
            await discard_changes(request, session)
            return _json_form(
                request,
                action="/admin/achievements/new",
                text=entry,
                heading="New micro-credential (JSON)",
                designer="/admin/achievements/new",
                organisations=await organisations.all(),
                chosen=organisation,
                problems=exc.problems,
            )
        return RedirectResponse(f"/admin/achievements/{item.achievement.id}", status_code=303)

    form = read_form((await request.form()).multi_items())
    everyone = await organisations.all()

    async def save(owner: Organisation, data: dict[str, Any]) -> str:
        item = await catalogue.create(owner, data, actor=actor.name)
        return f"/admin/achievements/{item.achievement.id}"

    return await _designer_post(
        request, session, form, _new_page(everyone), _chosen(form, everyone), save
    )


def _form_action(form: DesignerForm) -> dict[str, str] | None:
    """Carries out a button that changes the form itself; the problems to show (maybe none),
    or None when the button is Save or Preview."""
    action = form.value("action")
    if action == "add-language":
        problem = form.add_language(form.value("new_language"))
        return {"new_language": problem} if problem else {}
    if action.startswith("remove-language:"):
        form.remove_language(action.removeprefix("remove-language:"))
        return {}
    if action.startswith("more-"):
        form.more_rows(action.removeprefix("more-"))
        return {}
    return None


@router.get("/{achievement_id}/edit")
async def edit_achievement_page(
    request: Request,
    achievement_id: str,
    actor: PageActorDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
) -> Response:
    item = await Catalogue(session, settings.base_url).current(achievement_id)
    owner = await _organisations(session, settings, runtime.key_encryption_key).get(
        item.achievement.organisation_id
    )
    form = form_of(item.version.entry)
    form.values["organisation"] = owner.slug
    return _designer(request, form, _edit_page(item, owner))


def _edit_page(item: CatalogueItem, owner: Organisation) -> DesignerPage:
    return DesignerPage(
        f"/admin/achievements/{item.achievement.id}/edit",
        f"Edit: {item.entry.title.text} (version {item.version.version})",
        DesignerPage.choices([owner]),
        item.achievement.id,
        item.version.version + 1,
    )


@router.post("/{achievement_id}/edit")
async def edit_achievement(
    request: Request,
    achievement_id: str,
    actor: PageActorDep,
    _csrf: CsrfDep,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    entry: OptionalForm = None,
) -> Response:
    catalogue = Catalogue(session, settings.base_url)
    current = await catalogue.current(achievement_id)
    action = f"/admin/achievements/{achievement_id}/edit"
    if entry is not None:  # the JSON form
        # Read before a refusal rolls the session back (and expires what it loaded).
        heading = f"Edit as JSON: {current.entry.title.text} (version {current.version.version})"
        try:
            await catalogue.edit(achievement_id, _parse(entry), actor=actor.name)
        except InvalidMicroCredential as exc:
            await discard_changes(request, session)
            return _json_form(
                request,
                action=action,
                text=entry,
                heading=heading,
                designer=action,
                problems=exc.problems,
            )
        return RedirectResponse(f"/admin/achievements/{achievement_id}", status_code=303)

    organisations = _organisations(session, settings, runtime.key_encryption_key)
    owner = await organisations.get(current.achievement.organisation_id)
    form = read_form((await request.form()).multi_items())
    form.values["organisation"] = owner.slug  # an edit never moves it elsewhere

    async def save(owner: Organisation, data: dict[str, Any]) -> str:
        await catalogue.edit(achievement_id, data, actor=actor.name)
        return f"/admin/achievements/{achievement_id}"

    return await _designer_post(request, session, form, _edit_page(current, owner), owner, save)


@dataclass(frozen=True)
class PostedPreview:
    """A designer form posted for a preview, with the organisations it may name."""

    form: DesignerForm
    organisations: list[Organisation]

    def shown(self) -> tuple[Preview, dict[str, str]]:
        entry, errors = self.form.entry()
        return preview(entry, _chosen(self.form, self.organisations)), errors


async def posted_preview(
    request: Request, session: SessionDep, settings: SettingsDep, runtime: RuntimeDep
) -> PostedPreview:
    form = read_form((await request.form()).multi_items())
    everyone = await _organisations(session, settings, runtime.key_encryption_key).all()
    return PostedPreview(form, everyone)


PostedPreviewDep = Annotated[PostedPreview, Depends(posted_preview)]


@router.post("/preview")
async def preview_panel(
    request: Request, actor: PageActorDep, _csrf: CsrfDep, posted: PostedPreviewDep
) -> Response:
    """The preview panel alone, for the designer's script to refresh it as the form changes."""
    shown, _ = posted.shown()
    context = {"form": posted.form, "preview": shown, "language_name": language_name}
    return render(request, "issuer/achievement_preview.html", context)


@router.post("/preview.pdf", response_class=Response)
async def preview_pdf(
    request: Request,
    actor: PageActorDep,
    _csrf: CsrfDep,
    posted: PostedPreviewDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """The certificate PDF of the unsaved form, for a sample learner."""
    shown, errors = posted.shown()
    certificate = shown.certificate(settings.base_url)
    if certificate is None:
        context = {"preview": shown, "errors": errors, "summary": _summary(errors)}
        return render(request, "issuer/achievement_preview_missing.html", context, 400)
    content = await Certificates(session, settings).pdf(certificate)
    headers = {
        **PRIVATE_HEADERS,
        "Content-Disposition": 'inline; filename="micro-credential-preview.pdf"',
    }
    return Response(content, media_type="application/pdf", headers=headers)


# --- a micro-credential and its versions ---------------------------------------------


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
    organisation = await _organisations(session, settings, runtime.key_encryption_key).get(
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
