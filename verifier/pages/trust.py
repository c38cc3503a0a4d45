"""The trust list's admin pages: the universities whose credentials count as trusted.

List, add, change and remove entries through ``verifier.trust.service``. A DID carries
colons and slashes, so the entry being changed travels in the query (``?did=``) or the form,
never in the path. Every member reads the list; only an operator reaches the forms (the
list's page hides their buttons from members, and the routes refuse them with a 403).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from shared.errors import CredstackError
from shared.runtime import SessionDep
from verifier.pages.common import (
    PAGES,
    CsrfDep,
    EmployerPageDep,
    TrustOperatorPageDep,
    discard_changes,
    render,
)
from verifier.trust.entries import TrustedIssuer
from verifier.trust.schemas import MAX_DID_LENGTH, MAX_URL_LENGTH, TrustEntry
from verifier.trust.service import TrustListService

router = APIRouter(prefix=f"{PAGES}/trust", include_in_schema=False)

LIST = f"{PAGES}/trust"
FORM = "verifier/trust_form.html"
LIMITS = {
    "did": MAX_DID_LENGTH,
    "language": 8,
    "name": 300,
    "other_names": 2000,
    "country": 2,
    "accreditation": 300,
    "accreditation_url": MAX_URL_LENGTH,
    "notes": 1000,
}
# One sentence per field, for whatever the model refuses (its own text never reaches a page).
SENTENCES = {
    "did": "Give the university's DID, such as did:web:uni.example.",
    "name": "Give the university's name (and a language code such as en).",
    "language": "Give the language of the name as a code such as en or de.",
    "other_names": 'Write each other name on a line of its own as "de: Universität Beispiel".',
    "country": "Give the country as its two-letter code, such as DE or FR.",
    "accreditation": "Name the body that accredits the university, such as an EQAR agency.",
    "accreditation_url": "The accreditation's address must start with https://.",
    "notes": "Notes are text of at most 1000 characters.",
}
DidQuery = Annotated[str, Query(max_length=MAX_DID_LENGTH)]
DidForm = Annotated[str, Form(max_length=MAX_DID_LENGTH)]


def _values_of(issuer: TrustedIssuer) -> dict[str, str]:
    texts = issuer.name.texts()
    language, name = next(iter(texts.items()))
    others = "\n".join(f"{tag}: {text}" for tag, text in list(texts.items())[1:])
    return {
        "did": issuer.did,
        "language": language,
        "name": name,
        "other_names": others,
        "country": issuer.country,
        "accreditation": issuer.accreditation,
        "accreditation_url": issuer.accreditation_url or "",
        "notes": next(iter(issuer.notes.values()), ""),
    }


def _read(form: FormData) -> tuple[dict[str, str], dict[str, str]]:
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, limit in LIMITS.items():
        value = form.get(name)
        text = value.strip() if isinstance(value, str) else ""
        if len(text) > limit:
            errors[name] = f"At most {limit} characters, please."
        values[name] = text[:limit]
    return values, errors


def _entry(values: dict[str, str], errors: dict[str, str]) -> TrustEntry | None:
    language = values["language"] or "en"
    names = {language: values["name"]}
    for line in values["other_names"].splitlines():
        tag, colon, text = line.partition(":")
        if not line.strip():
            continue
        if not colon or not tag.strip() or not text.strip():
            errors.setdefault("other_names", SENTENCES["other_names"])
            continue
        names[tag.strip()] = text.strip()
    data: dict[str, Any] = {
        "did": values["did"],
        "name": names,
        "country": values["country"].upper(),
        "accreditation": {
            "name": values["accreditation"],
            "url": values["accreditation_url"] or None,
        },
        "notes": {language: values["notes"]} if values["notes"] else None,
    }
    try:
        entry = TrustEntry.model_validate(data)
    except ValidationError as exc:
        for item in exc.errors():
            loc = [str(part) for part in item.get("loc", ())]
            field = "accreditation_url" if loc[:2] == ["accreditation", "url"] else loc[0]
            field = field if field in SENTENCES else "name"
            errors.setdefault(field, SENTENCES[field])
        return None
    return None if errors else entry


@router.get("")
async def trust_list(request: Request, employer: EmployerPageDep, session: SessionDep) -> Response:
    entries = await TrustListService(session).entries()
    return render(request, "verifier/trust.html", {"entries": entries})


@router.get("/new")
async def new_entry_page(request: Request, employer: TrustOperatorPageDep) -> Response:
    return _form(request, values={"language": "en"}, editing=None)


@router.post("/new")
async def add_entry(
    request: Request, employer: TrustOperatorPageDep, _csrf: CsrfDep, session: SessionDep
) -> Response:
    async def add(entry: TrustEntry) -> object:
        return await TrustListService(session).add(entry.to_issuer(), actor=employer.actor)

    return await _save(request, session, add, editing=None)


@router.get("/edit")
async def edit_entry_page(
    request: Request, employer: TrustOperatorPageDep, session: SessionDep, did: DidQuery
) -> Response:
    issuer = await TrustListService(session).entry(did)
    return _form(request, values=_values_of(issuer), editing=did)


@router.post("/edit")
async def change_entry(
    request: Request,
    employer: TrustOperatorPageDep,
    _csrf: CsrfDep,
    session: SessionDep,
    did: DidQuery,
) -> Response:
    async def change(entry: TrustEntry) -> object:
        service = TrustListService(session)
        return await service.change(did, entry.to_issuer(), actor=employer.actor)

    return await _save(request, session, change, editing=did)


async def _save(
    request: Request,
    session: SessionDep,
    save: Callable[[TrustEntry], Awaitable[object]],
    *,
    editing: str | None,
) -> Response:
    """Read the form, save the entry, back to the list; or the form with its problems."""
    values, errors = _read(await request.form())
    if editing is not None:
        values["did"] = editing  # a DID cannot change: remove the entry and add the new one
    entry = _entry(values, errors)
    if entry is not None:
        try:
            await save(entry)
        except CredstackError as error:
            await discard_changes(request, session)
            errors["name" if editing else "did"] = error.description
        else:
            return RedirectResponse(LIST, status_code=303)
    return _form(request, values=values, errors=errors, editing=editing, status_code=400)


@router.post("/remove")
async def remove_entry(
    employer: TrustOperatorPageDep, _csrf: CsrfDep, session: SessionDep, did: DidForm
) -> Response:
    await TrustListService(session).remove(did)
    return RedirectResponse(LIST, status_code=303)


def _form(
    request: Request,
    *,
    values: dict[str, str],
    editing: str | None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {"v": values, "errors": errors or {}, "editing": editing, "limits": LIMITS}
    return render(request, FORM, context, status_code=status_code)
