"""Issue 10's journey in one browser, as the people do it: a registrar designs a
micro-credential in two languages and awards it by e-mail; the learner, on a phone and
signed out, follows the e-mailed link, signs up, sees the course before accepting, turns the
wallet to German, shares the credential by a link that a stranger opens verified until the
learner revokes it; the registrar revokes the award and the learner sees it after "check
status".

Our issuer and wallet run as processes (`credstack serve`), each on a fresh database (SQLite,
or PostgreSQL under CREDSTACK_TEST_POSTGRES_URL), the issuer sending through a real SMTP
server in this test (aiosmtpd). One headless Chromium holds three browser
contexts: the registrar's and the stranger's on a desktop screen, the learner's on a phone.
Every page anyone reaches is checked with axe-core (WCAG 2.1 A and AA) at the size it is
seen, and the test ends by proving that no page went unchecked. Once German, each wallet
page must show its German labels and none of the catalogue's English messages.

Screenshots of each step go to tmp_path/screenshots; with $CREDSTACK_SCREENSHOTS set (e.g.
docs/screenshots) these are copied there by name: issuer-designer, issuer-designer-error,
wallet-offer-preview, wallet-account-german, wallet-share-link, public-share-page,
issuer-revoke-confirm, wallet-status-revoked.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlsplit

import pytest

from holder.i18n.catalogue import read_catalogue
from tests.browser.people import Person
from tests.browser.phone import (
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    assert_fits_the_screen,
    assert_thumb_sized,
    async_playwright,
    expect,
)
from tests.browser.test_journey import person
from tests.browser.test_registrar_designer import (
    LONG_WORD,
    TITLE,
    TITLE_DE,
    create_and_award,
    sign_in,
)
from tests.support.databases import fresh_database
from tests.support.processes import Service, issuer_and_wallet
from tests.support.smtp import SmtpServer, smtp_server, wallet_link_to

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LEARNER = "Maria Muster"
EMAIL = "maria.muster@example.org"
GONE = "This link is no longer shared"
# The issuer's worker sends within a poll interval; the message should be there in seconds.
MAIL_TIMEOUT_SECONDS = 30


class Running(NamedTuple):
    issuer: Service
    wallet: Service
    smtp: SmtpServer


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    """The issuer (sending through the test's SMTP server) and the wallet, each on a database
    of its own: SQLite files, or PostgreSQL when the suite runs against it."""
    async with (
        fresh_database(tmp_path, "issuer") as issuer_database,
        fresh_database(tmp_path, "holder") as holder_database,
    ):
        with (
            smtp_server() as smtp,
            issuer_and_wallet(
                tmp_path,
                holder_env={"HOLDER_DATABASE_URL": holder_database},
                ISSUER_DATABASE_URL=issuer_database,
                ISSUER_SMTP_HOST=smtp.host,
                ISSUER_SMTP_PORT=str(smtp.port),
                ISSUER_SMTP_TLS="none",
                ISSUER_MAIL_POLL_SECONDS="0.2",
            ) as (issuer, wallet),
        ):
            yield Running(issuer, wallet, smtp)


# --- the German wallet ------------------------------------------------------------------


def _english_messages() -> list[re.Pattern[str]]:
    """The wallet's English UI messages that German says differently, as patterns over a
    page's text (a placeholder matches anything). Very short ones ("OK") are left out: they
    would match inside names and codes."""
    patterns = []
    for message in read_catalogue("de"):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not ids[0] or not all(strings) or set(ids) & set(strings):
            continue
        for msgid in ids:
            text = " ".join(msgid.split())
            if len(re.sub(r"%\(\w+\)[sd]", "", text)) < 4:
                continue
            pieces = re.split(r"%\(\w+\)[sd]", text)
            body = ".+?".join(re.escape(piece) for piece in pieces)
            patterns.append(re.compile(rf"(?<!\w){body}(?!\w)"))
    return patterns


ENGLISH = _english_messages()

# The text a person sees in the wallet's own language: every visible text node, except
# inside an element in another language (a credential's English text, a language's own
# name in the switcher) and code (a DID).
_VISIBLE_UI_TEXT = """() => {
    const texts = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        if (!parent || parent.closest("code, pre, script, style")) continue;
        const lang = parent.closest("[lang]")?.getAttribute("lang") ?? "";
        if (!lang.startsWith("de")) continue;
        if (!parent.checkVisibility()) continue;
        const text = node.textContent.replace(/\\s+/g, " ").trim();
        if (text) texts.push(text);
    }
    return texts.join("\\n");
}"""


async def assert_german(page: Page, *labels: str) -> None:
    """The page is German: ``labels`` are on it, and no English UI message is."""
    await expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^de"))
    text = " ".join((await page.locator("body").inner_text()).split())
    missing = [label for label in labels if label not in text]
    assert not missing, f"{page.url}: German labels missing: {missing}\n{text}"
    ui_text = await page.evaluate(_VISIBLE_UI_TEXT)
    english = sorted({found.group(0) for p in ENGLISH for found in p.finditer(ui_text)})
    assert not english, f"{page.url}: still in English: {english}\n{ui_text}"


# --- the people ---------------------------------------------------------------------------


async def registrar_designs_and_awards(registrar: Person, issuer: Service) -> str:
    """The designer in English and German, a mistake shown next to its field and fixed, the
    award with "e-mail the offer" chosen; the award page's URL."""
    await sign_in(registrar, issuer)
    award_url = await create_and_award(
        registrar, issuer, learner=LEARNER, email=EMAIL, publish=True
    )
    page = registrar.page
    await expect(page.get_by_role("heading", name="E-mail to the learner")).to_be_visible()
    return award_url


async def the_email_arrives(running: Running) -> str:
    """The offer's e-mail, as the test's SMTP server received it: the wallet link in it."""
    link = await asyncio.to_thread(
        wallet_link_to, running.smtp.mailbox, EMAIL, timeout=MAIL_TIMEOUT_SECONDS
    )
    assert link.startswith(f"{running.wallet.base_url}/receive?"), link
    text = running.smtp.mailbox.latest_to(EMAIL).text
    assert TITLE in text or TITLE_DE in text, text
    return link


async def registrar_sees_it_sent(registrar: Person) -> None:
    """The award page tells the registrar the e-mail went out."""
    page = registrar.page
    sent = page.get_by_text(f"The offer was sent to {EMAIL}")
    # The worker records the delivery just after the SMTP server took the message.
    deadline = time.monotonic() + MAIL_TIMEOUT_SECONDS
    while True:
        await page.reload()
        await registrar.check()
        if await sent.count() or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    await expect(sent).to_be_visible()
    await registrar.check("award-emailed")


async def learner_signs_up_from_the_link(learner: Person, link: str) -> None:
    """Signed out, the e-mailed link leads to the login page; creating a wallet there leads
    back to the offer, which names its course before "Accept"."""
    page = learner.page
    await page.goto(link)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Log in to your wallet")
    await learner.check("login-from-link")
    await assert_fits_the_screen(page)
    await page.get_by_role("link", name="Create a wallet").tap()
    await expect(page.get_by_role("heading", name="Create your wallet")).to_be_visible()
    await page.get_by_label("E-mail address").fill(EMAIL)
    await page.get_by_label("Your name").fill(LEARNER)
    await page.get_by_label("Password").fill("a long enough password")
    await learner.check("signup-from-link")
    await assert_fits_the_screen(page)
    await page.get_by_role("button", name="Create wallet").tap()

    await expect(page.get_by_role("heading", level=1)).to_have_text("Open this credential offer?")
    await learner.check("offer-confirm")
    await assert_fits_the_screen(page)
    await page.get_by_role("button", name="Continue").tap()

    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "A credential is offered to you"
    )
    await expect(page.locator(".offered-title")).to_have_text(TITLE)
    # The course's size, level and awarding university, as the designer set them.
    await expect(page.locator(".offered-description")).to_have_text(
        "3 ECTS · EQF level 6 · awarded by University of Example (demo)"
    )
    accept = page.get_by_role("button", name="Accept")
    await assert_thumb_sized(accept)
    await learner.check("offer-preview", publish="wallet-offer-preview")
    await assert_fits_the_screen(page)
    await accept.tap()
    await expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    await learner.check()


async def learner_switches_to_german(learner: Person) -> None:
    """On the account page; then the cards, a card, the stack and the account in German."""
    page = learner.page
    tabs = page.get_by_role("navigation", name="Main")
    await tabs.get_by_role("link", name="Account").tap()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    await learner.check()
    await page.get_by_label("Your wallet's language").select_option("de")
    await page.get_by_label("Show my credentials in").select_option("de")
    await page.get_by_role("button", name="Save language").tap()

    await expect(page.get_by_role("heading", level=1)).to_have_text("Ihr Konto")
    await assert_german(
        page,
        "Sprache Ihrer Wallet",
        "Sprache speichern",
        "Passwort ändern",
        "Verschlüsselte Sicherung",
        "Abmelden",
    )
    await learner.check("account-german", publish="wallet-account-german")
    await assert_fits_the_screen(page)

    tabs = page.get_by_role("navigation", name="Hauptmenü")
    await tabs.get_by_role("link", name="Nachweise").tap()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Nachweise")
    card = page.get_by_role("link", name=TITLE_DE)
    await expect(card).to_be_visible()
    await assert_german(page, "Nachweise", "Summe", "Empfangen", "Teilen", "Konto")
    await learner.check("cards-german")
    await assert_fits_the_screen(page)

    await card.tap()
    await expect(page.get_by_role("heading", level=1)).to_have_text(TITLE_DE)
    # The description ends in a word longer than the screen is wide: it must wrap.
    await expect(page.get_by_role("definition").filter(has_text=LONG_WORD)).to_be_visible()
    await assert_german(
        page,
        "Status jetzt prüfen",
        "Teilen und speichern",
        "Per Link teilen",
        "Als PDF herunterladen",
    )
    await learner.check("card-german")
    await assert_fits_the_screen(page)

    await tabs.get_by_role("link", name="Summe").tap()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Was Ihre Nachweise zusammen ergeben"
    )
    await expect(page.get_by_text("3 ECTS", exact=True)).to_be_visible()
    await assert_german(page, "aus 1 Nachweis", "Nach Fachgebiet", "Nach Niveau", "EQR-Niveau")
    await learner.check("stack-german")
    await assert_fits_the_screen(page)


async def learner_makes_a_link(learner: Person) -> str:
    page = learner.page
    await (
        page.get_by_role("navigation", name="Hauptmenü").get_by_role("link", name="Nachweise").tap()
    )
    await expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Nachweise")
    await learner.check()
    await page.get_by_role("link", name=TITLE_DE).tap()
    await expect(page.get_by_role("heading", level=1)).to_have_text(TITLE_DE)
    await learner.check()
    await page.get_by_role("link", name="Per Link teilen").tap()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Per Link teilen")
    await expect(page.get_by_text("Noch keine Freigabelinks.")).to_be_visible()
    await page.get_by_label("Der Link ist gültig für").select_option("7d")
    await assert_german(page, "Freigabelink erstellen")
    await learner.check("share-links")
    await assert_fits_the_screen(page)
    await page.get_by_role("button", name="Freigabelink erstellen").tap()

    await expect(page.get_by_role("heading", level=1)).to_have_text("Ihr Freigabelink ist bereit")
    url = await page.locator("#share-url").input_value()
    mail = await page.get_by_role("link", name="Link per E-Mail senden").get_attribute("href")
    assert mail is not None
    assert mail.startswith("mailto:?subject=")
    linkedin = await page.get_by_role("link", name="Zum LinkedIn-Profil hinzufügen").get_attribute(
        "href"
    )
    assert linkedin is not None
    assert linkedin.startswith("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME")
    await assert_german(page, "Alle Links zu diesem Nachweis")
    await learner.check("share-link", publish="wallet-share-link")
    await assert_fits_the_screen(page)
    return url


async def stranger_opens(stranger: Person, url: str) -> None:
    """No account, no wallet: the credential in words and its live verification."""
    page = stranger.page
    response = await page.goto(url)
    assert response is not None
    assert response.status == 200
    await expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    await expect(page.get_by_role("heading", level=2, name="Verified")).to_be_visible()
    await expect(page.get_by_text("neither revoked nor suspended.")).to_be_visible()
    await expect(page.get_by_text(LEARNER)).to_be_visible()
    await expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    await stranger.check("public-page", publish="public-share-page")


async def learner_revokes_the_link(learner: Person) -> None:
    page = learner.page
    await page.get_by_role("link", name="Alle Links zu diesem Nachweis").tap()
    await expect(page.get_by_text("1 Aufruf", exact=False)).to_be_visible()
    await assert_german(page, "Ihre Links zu diesem Nachweis")
    await learner.check("links")
    await page.get_by_role("button", name=re.compile(r"erstellten Link widerrufen$")).tap()
    await expect(page.get_by_role("status")).to_contain_text("Der Link wurde widerrufen")
    await expect(
        page.get_by_role("button", name=re.compile(r"erstellten Link widerrufen$"))
    ).to_have_count(0)
    await assert_german(page)
    await learner.check("link-revoked")
    await assert_fits_the_screen(page)


async def stranger_finds_it_gone(stranger: Person, url: str) -> None:
    page = stranger.page
    response = await page.reload()
    assert response is not None
    assert page.url == url
    assert response.status == 410
    await expect(page.get_by_role("heading", level=1)).to_have_text(GONE)
    await expect(page.get_by_text(TITLE)).to_have_count(0)
    await stranger.check("gone")


async def registrar_revokes(registrar: Person) -> None:
    """Finds the award by a part of the learner's name; revoking asks first, and the
    registrar can back out there."""
    page = registrar.page
    nav = page.get_by_role("navigation", name="Main")
    await nav.get_by_role("link", name="Awards").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Awards")
    await registrar.check()
    await page.get_by_label("Learner").fill(LEARNER.split()[1][:4].lower())
    await page.get_by_role("button", name="Search").click()
    await registrar.check("awards-search")
    await page.get_by_role("link", name=LEARNER).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(LEARNER)
    await registrar.check()
    # First thoughts: the confirmation page lets the registrar back out.
    await page.get_by_role("button", name="Revoke…").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Revoke this award for good?")
    await registrar.check()
    await assert_fits_the_screen(page)
    await page.get_by_role("link", name="Cancel, keep it").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(LEARNER)
    await expect(page.get_by_role("button", name="Revoke…")).to_be_visible()
    await registrar.check()
    # Then for good.
    await page.get_by_role("button", name="Revoke…").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Revoke this award for good?")
    await page.get_by_label("Reason for revoking").fill("Awarded in error")
    await registrar.check("revoke-confirm", publish="issuer-revoke-confirm")
    await page.get_by_role("button", name="Yes, revoke for good").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(LEARNER)
    await expect(page.get_by_text("This award is revoked for good")).to_be_visible()
    await registrar.check("revoked")


async def learner_checks_it_valid(learner: Person) -> None:
    """Before the revocation: "Status aller prüfen" says valid (the wallet now holds a
    freshly fetched status list, which must not hide the revocation that follows)."""
    page = learner.page
    tabs = page.get_by_role("navigation", name="Hauptmenü")
    await tabs.get_by_role("link", name="Nachweise").tap()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Nachweise")
    await learner.check()
    await page.get_by_role("button", name="Status aller prüfen").tap()
    card = page.get_by_role("link", name=TITLE_DE)
    await expect(card).to_contain_text("Gültig")
    await expect(card).to_contain_text("Status geprüft am")
    await assert_german(page, "Gültig")
    await learner.check("status-valid")


async def learner_sees_it_revoked(learner: Person) -> None:
    """One press of "Status aller prüfen" after the revocation shows it: the wallet fetches
    the issuer's list anew when the learner asks, not its copy from moments ago."""
    page = learner.page
    await page.get_by_role("button", name="Status aller prüfen").tap()
    card = page.get_by_role("link", name=TITLE_DE)
    await expect(card).to_contain_text("Status geprüft am")
    await expect(card).to_contain_text("Widerrufen")
    await assert_german(page, "Widerrufen", "Status aller prüfen")
    await learner.check("status-revoked", publish="wallet-status-revoked")
    await assert_fits_the_screen(page)

    await card.tap()
    await expect(page.get_by_role("heading", level=1)).to_have_text(TITLE_DE)
    # The description ends in a word longer than the screen is wide: it must wrap.
    await expect(page.get_by_role("definition").filter(has_text=LONG_WORD)).to_be_visible()
    await expect(page.get_by_text("Widerrufen").first).to_be_visible()
    await assert_german(page, "Status jetzt prüfen")
    await learner.check("card-revoked")


async def test_design_email_receive_in_german_share_and_revoke_in_one_browser(
    chromium: Path, running: Running, tmp_path: Path
) -> None:
    steps: list[str] = []
    async with async_playwright() as playwright:
        browser: Browser = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            registrar = await person(browser, "registrar", DESKTOP, tmp_path, steps)
            learner = await person(browser, "learner", PHONE, tmp_path, steps)
            stranger = await person(browser, "stranger", DESKTOP, tmp_path, steps)

            await registrar_designs_and_awards(registrar, running.issuer)
            link = await the_email_arrives(running)
            await registrar_sees_it_sent(registrar)
            await learner_signs_up_from_the_link(learner, link)
            await learner_switches_to_german(learner)

            url = await learner_makes_a_link(learner)
            assert urlsplit(url).path.startswith("/s/"), url
            assert urlsplit(url).port == urlsplit(running.wallet.base_url).port
            await stranger_opens(stranger, url)
            await learner_revokes_the_link(learner)
            await stranger_finds_it_gone(stranger, url)

            await learner_checks_it_valid(learner)
            await registrar_revokes(registrar)
            await learner_sees_it_revoked(learner)

            for someone in (registrar, learner, stranger):
                assert not someone.unchecked(), (someone.name, someone.unchecked())
        finally:
            await browser.close()
