"""The account screens: sign up, log in, log out, the account page, erase."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from holder.accounts.limits import SIGNUP_LIMITS
from holder.accounts.service import SignUp
from holder.deps import SESSION_COOKIE, RuntimeDep, SessionDep, SettingsDep, accounts, logins
from holder.pages.common import (
    HOME_PATH,
    CsrfDep,
    LearnerPageDep,
    clear_session_cookie,
    render,
    safe_next,
    set_session_cookie,
)
from shared.errors import CredstackError
from shared.pages import discard_changes

router = APIRouter(include_in_schema=False)

# The languages offered at sign-up: the EU's official languages, each in its own name.
LANGUAGES = {
    "bg": "Български",
    "cs": "Čeština",
    "da": "Dansk",
    "de": "Deutsch",
    "el": "Ελληνικά",
    "en": "English",
    "es": "Español",
    "et": "Eesti",
    "fi": "Suomi",
    "fr": "Français",
    "ga": "Gaeilge",
    "hr": "Hrvatski",
    "hu": "Magyar",
    "it": "Italiano",
    "lt": "Lietuvių",
    "lv": "Latviešu",
    "mt": "Malti",
    "nl": "Nederlands",
    "pl": "Polski",
    "pt": "Português",
    "ro": "Română",
    "sk": "Slovenčina",
    "sl": "Slovenščina",
    "sv": "Svenska",
}

FormText = Annotated[str, Form(max_length=1024)]
NextPath = Annotated[str, Query(alias="next", max_length=1024)]


def _signed_in(request: Request, token: str, to: str) -> Response:
    response = RedirectResponse(to, status_code=303)
    set_session_cookie(request, response, token)
    return response


@router.get("/signup")
async def signup_page(request: Request) -> Response:
    return render(request, "accounts/signup.html", {"languages": LANGUAGES, "form": {}})


@router.post("/signup", dependencies=SIGNUP_LIMITS)
async def signup(
    request: Request,
    _csrf: CsrfDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
    email: FormText = "",
    password: FormText = "",
    display_name: FormText = "",
    language: FormText = "en",
) -> Response:
    service = accounts(session, runtime, settings)
    try:
        language = language if language in LANGUAGES else "en"
        learner = await service.sign_up(SignUp(email, password, display_name, language))
        token = await service.open_session(learner)
    except CredstackError as error:
        await discard_changes(request, session)
        # The form comes back with what was typed (never the password) and the reason.
        form = {"email": email, "display_name": display_name, "language": language}
        context = {"languages": LANGUAGES, "form": form, "error": error.description}
        return render(request, "accounts/signup.html", context, status_code=error.status_code)
    return _signed_in(request, token, HOME_PATH)


@router.get("/login")
async def login_page(request: Request, next_path: NextPath = HOME_PATH) -> Response:
    return render(request, "accounts/login.html", {"next": safe_next(next_path), "email": ""})


@router.post("/login")
async def login(
    request: Request,
    _csrf: CsrfDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
    email: FormText = "",
    password: FormText = "",
    next_path: Annotated[str, Form(alias="next", max_length=1024)] = HOME_PATH,
) -> Response:
    try:
        _, token = await logins(session, runtime, settings).log_in(email, password)
    except CredstackError as error:
        # Failed attempts are counted in a unit of work of their own (the throttle's).
        await discard_changes(request, session)
        context = {"next": safe_next(next_path), "email": email, "error": error.description}
        page = render(request, "accounts/login.html", context, status_code=error.status_code)
        page.headers.update(error.headers)
        return page
    return _signed_in(request, token, safe_next(next_path))


@router.post("/logout")
async def logout(
    request: Request,
    _csrf: CsrfDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await accounts(session, runtime, settings).log_out(token)
    response = RedirectResponse(HOME_PATH, status_code=303)
    clear_session_cookie(request, response)
    return response


@router.get("/account")
async def account_page(request: Request, learner: LearnerPageDep) -> Response:
    return render(
        request,
        "accounts/account.html",
        {"language_name": LANGUAGES.get(learner.language, learner.language)},
    )


@router.get("/account/erase")
async def erase_page(request: Request, _learner: LearnerPageDep) -> Response:
    return render(request, "accounts/erase.html", {})


@router.post("/account/erase")
async def erase(
    request: Request,
    learner: LearnerPageDep,
    _csrf: CsrfDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
    confirm_email: FormText = "",
) -> Response:
    # Typing the address is the confirmation: a slip of the thumb must not erase a wallet.
    if confirm_email.strip().lower() != learner.email:
        context = {"error": "That is not your account's e-mail address; nothing was erased."}
        return render(request, "accounts/erase.html", context, status_code=400)
    await accounts(session, runtime, settings).erase(learner)
    request.state.page_user = None
    response = render(request, "accounts/erased.html", {})
    clear_session_cookie(request, response)
    return response
