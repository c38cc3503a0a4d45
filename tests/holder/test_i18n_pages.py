"""The wallet speaks the learner's language: chosen from the browser at the first visit,
kept with the account, changed on the account page; dates and numbers written its way."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import httpx
import pytest

from holder.i18n import LANGUAGE_COOKIE, negotiate, parse_accept_language, use_language
from holder.i18n.catalogue import read_catalogue
from holder.models import Learner
from holder.pages.common import CSRF_FIELD, day, number
from tests.holder.conftest import RunningWallet, SignedInLearner
from tests.holder.samples import micro_credential

GERMAN_BROWSER = {"Accept": "text/html", "Accept-Language": "de-DE,de;q=0.9,en;q=0.8"}
PAGES = ["/", "/stack", "/receive", "/share", "/account", "/account/erase"]


class _Texts(HTMLParser):
    """The text nodes and labelled attributes a person sees, whitespace normalised."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("code", "pre", "script", "style"):
            self._skip += 1
        self.texts += [v for k, v in attrs if k in ("aria-label", "placeholder") and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("code", "pre", "script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self._skip:
            self.texts.append(text)


def texts(html: str) -> list[str]:
    parser = _Texts()
    parser.feed(html)
    return parser.texts


def english_leftovers(html: str, language: str) -> list[str]:
    """Texts on the page that are a catalogue message still in English although the
    catalogue says it differently in ``language``."""
    differs = {
        str(m.id)
        for m in read_catalogue(language)
        if isinstance(m.id, str) and m.id and m.string and m.string != m.id and "%(" not in m.id
    }
    return [text for text in texts(html) if text in differs]


def html_lang(html: str) -> str | None:
    found = re.search(r'<html lang="([^"]+)"', html)
    return found.group(1) if found else None


async def page(client: httpx.AsyncClient, path: str, **kwargs: object) -> str:
    response = await client.get(path, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:300]}"
    return response.text


async def switch_language(learner: SignedInLearner, interface: str, credentials: str) -> None:
    data = {"interface_language": interface, "language": credentials}
    response = await learner.post_form("/account/language", data)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/account?notice=language"


# --- choosing the language -----------------------------------------------------------------


def test_accept_language_is_read_by_quality_and_region() -> None:
    assert parse_accept_language("fr;q=0.5, de-AT, en;q=0.8, *;q=0.1") == ["de-AT", "en", "fr"]
    assert parse_accept_language("pl;q=0, nl") == ["nl"]
    assert parse_accept_language("de;q=nonsense, it") == ["it"]
    assert negotiate(["de-AT", "en"]) == "de"
    assert negotiate(["ja", "pt-BR"]) is None
    assert negotiate(parse_accept_language("")) is None


async def test_a_german_browser_gets_the_login_page_in_german(wallet: RunningWallet) -> None:
    html = await page(wallet.client, "/login", headers=GERMAN_BROWSER)
    assert html_lang(html) == "de"
    assert "Bei Ihrer Wallet anmelden" in html
    assert "Passwort" in html
    assert english_leftovers(html, "de") == []


async def test_an_unknown_language_falls_back_to_english(wallet: RunningWallet) -> None:
    headers = {"Accept": "text/html", "Accept-Language": "ja, pt-BR;q=0.9"}
    html = await page(wallet.client, "/login?lang=xx", headers=headers)
    assert html_lang(html) == "en"
    assert "Log in to your wallet" in html


async def test_a_language_chosen_by_link_is_remembered_before_sign_in(
    wallet: RunningWallet,
) -> None:
    """``?lang=fr`` wins over the browser's German and is kept in a cookie for the next
    pages, which carry no ``lang``."""
    client = await wallet.new_client(headers=GERMAN_BROWSER)
    response = await client.get("/login?lang=fr&next=/stack")
    assert response.status_code == 200, response.text
    assert response.cookies.get(LANGUAGE_COOKIE) == "fr"
    assert "Connectez-vous à votre portefeuille" in response.text
    # The switcher keeps the page and its query: the next page after login stays /stack.
    assert 'href="/login?next=%2Fstack&amp;lang=it"' in response.text
    html = await page(client, "/signup")
    assert html_lang(html) == "fr"
    assert "Créez votre portefeuille" in html
    assert english_leftovers(html, "fr") == []


async def test_sign_up_keeps_the_language_of_the_first_visit(wallet: RunningWallet) -> None:
    """A Dutch browser signs up through the form; the account keeps Dutch, whatever the
    browser says later."""
    client = await wallet.new_client(headers={"Accept": "text/html", "Accept-Language": "nl"})
    form = await page(client, "/signup")
    assert "Maak je wallet aan" in form
    token = re.search(rf'name="{CSRF_FIELD}" value="([^"]+)"', form)
    assert token is not None
    data = {
        CSRF_FIELD: token.group(1),
        "email": "nl-learner@example.org",
        "password": "correct horse battery staple",
        "display_name": "Sanne",
        "language": "nl",
    }
    response = await client.post("/signup", data=data)
    assert response.status_code == 303, response.text
    async with wallet.session() as session:
        learner = (
            await session.execute(
                Learner.__table__.select().where(Learner.email == "nl-learner@example.org")
            )
        ).one()
    assert learner.interface_language == "nl"
    html = await page(client, "/", headers={"Accept-Language": "en"})
    assert html_lang(html) == "nl"
    assert "Je bewijzen" in html


async def test_a_wrong_password_is_said_in_the_browsers_language(wallet: RunningWallet) -> None:
    client = await wallet.new_client(headers={"Accept": "text/html", "Accept-Language": "es"})
    form = await page(client, "/login")
    token = re.search(rf'name="{CSRF_FIELD}" value="([^"]+)"', form)
    assert token is not None
    data = {CSRF_FIELD: token.group(1), "email": "nobody@example.org", "password": "x" * 12}
    response = await client.post("/login", data=data)
    assert response.status_code == 401, response.text
    assert "El correo electrónico o la contraseña no son correctos." in response.text


# --- the account's language ----------------------------------------------------------------


async def test_switching_to_german_puts_every_page_in_german(wallet: RunningWallet) -> None:
    learner = await wallet.sign_up(display_name="Lena")
    title = {"en": "Data literacy", "de": "Datenkompetenz"}
    credential = await wallet.store_credential(
        learner, micro_credential(learner.did, ects=7.5, title=title)
    )
    english = await page(learner.browser, "/")
    assert html_lang(english) == "en"
    assert "Data literacy" in english
    assert "7.5 ECTS" in english

    await switch_language(learner, "de", "de")

    account = await page(learner.browser, "/account?notice=language")
    assert "Die Sprache Ihrer Wallet ist gespeichert." in account
    for path in [*PAGES, f"/credentials/{credential}", f"/credentials/{credential}/delete"]:
        html = await page(learner.browser, path)
        assert html_lang(html) == "de", path
        assert english_leftovers(html, "de") == [], path
    cards = await page(learner.browser, "/")
    for label in ("Ihre Nachweise", "Nachweise", "Summe", "Empfangen", "Teilen", "Konto"):
        assert label in texts(cards), label
    # The credential's own text in the learner's language, its number written the German way.
    assert "Datenkompetenz" in cards
    assert "7,5 ECTS" in cards
    detail = await page(learner.browser, f"/credentials/{credential}")
    assert "Fiktiver Arbeitsaufwand (ECTS)" in detail  # an EU element's name, translated
    stack = await page(learner.browser, "/stack")
    assert "Was Ihre Nachweise zusammen ergeben" in stack


async def test_the_account_page_offers_both_language_choices(wallet: RunningWallet) -> None:
    learner = await wallet.sign_up(language="pl")
    html = await page(learner.browser, "/account")
    # An account from before the choice (or made outside the pages): the browser's language.
    assert html_lang(html) == "en"
    assert re.search(r'<option value="pl" lang="pl"\s+selected>Polski</option>', html)
    await switch_language(learner, "it", "pl")
    html = await page(learner.browser, "/account")
    assert html_lang(html) == "it"
    assert "Lingua del tuo portafoglio" in html


@pytest.mark.parametrize(
    "data",
    [
        {"interface_language": "xx", "language": "de"},
        {"interface_language": "de", "language": "tlh"},
        {"interface_language": "", "language": ""},
    ],
)
async def test_an_unknown_language_is_refused_in_words(
    wallet: RunningWallet, data: dict[str, str]
) -> None:
    learner = await wallet.sign_up()
    response = await learner.post_form("/account/language", data)
    assert response.status_code == 400, response.text
    assert "Choose a language from the list." in response.text
    async with wallet.session() as session:
        record = await wallet.learner(session, learner)
        assert record.interface_language is None
        assert record.language == "en"


async def test_an_error_page_is_in_the_learners_language(wallet: RunningWallet) -> None:
    learner = await wallet.sign_up()
    await switch_language(learner, "fr", "fr")
    response = await learner.browser.get("/credentials/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404, response.text
    assert html_lang(response.text) == "fr"
    shown = html.unescape(response.text)
    assert "Un problème est survenu" in shown
    assert "Cette attestation n'est pas dans votre portefeuille." in shown


# --- dates and numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "ects", "date"),
    [
        ("en", "7.5", "1 July 2025"),
        ("de", "7,5", "1. Juli 2025"),
        ("fr", "7,5", "1 juillet 2025"),
        ("es", "7,5", "1 de julio de 2025"),
        ("it", "7,5", "1 luglio 2025"),
        ("nl", "7,5", "1 juli 2025"),
        ("pl", "7,5", "1 lipca 2025"),
    ],
)
def test_dates_and_numbers_are_written_the_languages_way(
    language: str, ects: str, date: str
) -> None:
    use_language(language)
    try:
        assert number(7.5) == ects
        assert number(5.0) == "5"
        assert day("2025-07-01T09:30:00Z") == date
        assert day(datetime(2025, 7, 1, tzinfo=UTC)) == date
        assert day("not a date") == "not a date"
    finally:
        use_language("en")


async def test_an_unknown_page_is_said_in_words_not_a_reason_phrase(
    wallet: RunningWallet,
) -> None:
    response = await wallet.client.get("/no-such-page", headers=GERMAN_BROWSER)
    assert response.status_code == 404, response.text
    assert html_lang(response.text) == "de"
    assert "Diese Seite gibt es in dieser Wallet nicht." in response.text
    assert "Not Found" not in response.text
