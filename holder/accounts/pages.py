"""The account screens: sign up, log in, log out, the account page, erase."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from holder.accounts.limits import SIGNUP_LIMITS
from holder.accounts.service import (
    MAX_EMAIL_LENGTH,
    MAX_NAME_LENGTH,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    SignUp,
)
from holder.deps import SESSION_COOKIE, RuntimeDep, SessionDep, SettingsDep, accounts, logins
from holder.i18n import _, current_language
from holder.models import Learner
from holder.pages.common import (
    HOME_PATH,
    CsrfDep,
    LearnerPageDep,
    clear_session_cookie,
    interface_language,
    render,
    safe_next,
    set_session_cookie,
)
from shared.errors import CredstackError
from shared.languages import LANGUAGE_NAMES as INTERFACE_LANGUAGES
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
# The limits the sign-up form states (the service checks them: holder.accounts.service).
LIMITS = {"name": MAX_NAME_LENGTH, "email": MAX_EMAIL_LENGTH}
NextPath = Annotated[str, Query(alias="next", max_length=1024)]


def _signed_in(request: Request, token: str, to: str) -> Response:
    response = RedirectResponse(to, status_code=303)
    set_session_cookie(request, response, token)
    return response


@router.get("/signup")
async def signup_page(request: Request, next_path: NextPath = HOME_PATH) -> Response:
    # ``next``: the wallet link a signed-out learner followed; signing up leads back to it.
    context = {"languages": LANGUAGES, "form": {}, "next": safe_next(next_path), "limits": LIMITS}
    return render(request, "accounts/signup.html", context)


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
    next_path: Annotated[str, Form(alias="next", max_length=1024)] = HOME_PATH,
) -> Response:
    service = accounts(session, runtime, settings)
    try:
        language = language if language in LANGUAGES else "en"
        # The wallet keeps speaking the language it was chosen in at this first visit.
        signup_form = SignUp(email, password, display_name, language, current_language())
        learner = await service.sign_up(signup_form)
        token = await service.open_session(learner)
    except CredstackError as error:
        await discard_changes(request, session)
        # The form comes back with what was typed (never the password) and the reason.
        form = {"email": email, "display_name": display_name, "language": language}
        context = {
            "languages": LANGUAGES,
            "form": form,
            "error": error.description,
            "next": safe_next(next_path),
            "limits": LIMITS,
        }
        return render(request, "accounts/signup.html", context, status_code=error.status_code)
    return _signed_in(request, token, safe_next(next_path))


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
        _learner, token = await logins(session, runtime, settings).log_in(email, password)
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


def _account_context(learner: Learner) -> dict[str, Any]:
    return {
        "min_password_length": MIN_PASSWORD_LENGTH,
        "max_password_length": MAX_PASSWORD_LENGTH,
        "languages": LANGUAGES,
        "interface_languages": INTERFACE_LANGUAGES,
        "interface_language": interface_language(learner),
    }


@router.get("/account")
async def account_page(
    request: Request, learner: LearnerPageDep, notice: Annotated[str, Query(max_length=32)] = ""
) -> Response:
    context = _account_context(learner)
    if notice == "language":
        context["notice"] = _("Your wallet's language is saved.")
    elif notice == "password":
        context["notice"] = _("Your password is changed. You are logged out everywhere else.")
    return render(request, "accounts/account.html", context)


@router.post("/account/language")
async def change_language(
    request: Request,
    learner: LearnerPageDep,
    _csrf: CsrfDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
    interface_language: FormText = "",
    language: FormText = "",
) -> Response:
    if interface_language not in INTERFACE_LANGUAGES or language not in LANGUAGES:
        error = _("Choose a language from the list.")
        context = {**_account_context(learner), "language_error": error}
        return render(request, "accounts/account.html", context, status_code=400)
    await accounts(session, runtime, settings).set_languages(learner, interface_language, language)
    return RedirectResponse("/account?notice=language", status_code=303)


@router.post("/account/password")
async def change_password(
    request: Request,
    learner: LearnerPageDep,
    _csrf: CsrfDep,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
    current_password: FormText = "",
    new_password: FormText = "",
) -> Response:
    """The current password, then the new one; other sessions end, this one goes on."""
    try:
        token = await logins(session, runtime, settings).change_password(
            learner, current_password, new_password
        )
    except CredstackError as error:
        # A wrong current password is counted in the throttle's own unit of work.
        await discard_changes(request, session)
        context = {**_account_context(learner), "password_error": error.description}
        page = render(request, "accounts/account.html", context, status_code=error.status_code)
        page.headers.update(error.headers)
        return page
    return _signed_in(request, token, "/account?notice=password")


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
        context = {"error": _("That is not your account's e-mail address; nothing was erased.")}
        return render(request, "accounts/erase.html", context, status_code=400)
    await accounts(session, runtime, settings).erase(learner)
    request.state.page_user = None
    response = render(request, "accounts/erased.html", {})
    clear_session_cookie(request, response)
    return response
