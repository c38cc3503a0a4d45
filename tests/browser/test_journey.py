"""The whole journey in one browser, as people do it: a registrar awards, a learner receives
on a phone, an employer asks and sees the answer verified.

Our issuer, wallet and verifier run as processes (the verifier trusts the issuer's
organisation through a trust-list file). One headless Chromium holds three browser
contexts: the registrar's and the employer's on a desktop screen, the learner's on a phone.
Everything is done through the pages, by clicking and typing; the only URLs the learner is
given are the "open in wallet" links the issuer's and the verifier's pages show. Every page
anyone reaches, in all three services, is checked with axe-core (WCAG 2.1 A and AA) at the
size it is seen, and the test ends by proving that no page went unchecked.

A screenshot of each step (the screen as the person sees it) goes to tmp_path/screenshots;
with $CREDSTACK_SCREENSHOTS set (e.g. docs/screenshots) the six that tell the story are
copied there too, by name: issuer-award, wallet-offer, wallet-card, verifier-request,
wallet-consent, verifier-result.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.people import JourneyServices, Person, journey_services
from tests.browser.phone import (
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    assert_fits_the_screen,
    async_playwright,
    expect,
)
from verifier.checks.report import CHECK_TITLES
from verifier.employers.dev_token import DEV_TOKEN_FILE

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.async_api import Browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The demo catalogue's first micro-credential, as the issuer seeds it in development.
TITLE = "Data Literacy for Public Administration"
LEARNER = "Maria Muster"
EMAIL = "maria@example.org"
# The employer's page waits for the wallet's answer, then for its own server-sent event.
ANSWER_TIMEOUT_MS = 30_000


@pytest.fixture
def journey(tmp_path: Path) -> Iterator[JourneyServices]:
    with journey_services(tmp_path) as running:
        yield running


async def person(
    browser: Browser, name: str, screen: dict[str, Any], tmp_path: Path, steps: list[str]
) -> Person:
    context = await browser.new_context(**screen)
    published = os.environ.get("CREDSTACK_SCREENSHOTS")
    folder = tmp_path / "screenshots"
    folder.mkdir(exist_ok=True)
    return Person(
        name,
        await context.new_page(),
        folder,
        Path(published) if published else None,
        steps,
    )


async def registrar_awards(registrar: Person, services: JourneyServices) -> str:
    """Signs in, awards the micro-credential from its form; the offer's "open in wallet" link."""
    page, issuer = registrar.page, services.issuer
    token = (issuer.data_dir / "issuer-admin-token").read_text().strip()
    await page.goto(f"{issuer.base_url}/admin/")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    await registrar.check()
    await page.get_by_label("API token").fill(token)
    await page.get_by_role("button", name="Sign in").click()

    await expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    await registrar.check("dashboard")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=TITLE))
    await row.get_by_role("link", name="Award").click()

    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Award {TITLE}")
    await page.get_by_label("Learner's name").fill(LEARNER)
    await page.get_by_role("textbox", name="E-mail").fill(EMAIL)
    await registrar.check("award-form")
    await page.get_by_role("button", name="Award and make the offer").click()

    await expect(page.get_by_role("heading", level=1)).to_have_text(LEARNER)
    await expect(page.get_by_role("img", name="QR code of the credential offer")).to_be_visible()
    open_in_wallet = page.get_by_role("link", name="Open in the credstack wallet")
    await expect(open_in_wallet).to_be_visible()
    await registrar.check("award", publish="issuer-award")
    link = await open_in_wallet.get_attribute("href")
    assert link is not None
    assert link.startswith(f"{services.wallet.base_url}/receive?"), link
    return link


async def registrar_looks_around(registrar: Person) -> None:
    """The issuer's other pages: the awarded version, the micro-credential in the catalogue,
    the awards, the status lists."""
    page = registrar.page
    await page.get_by_role("link", name=TITLE).click()  # the version that was awarded
    await expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    await registrar.check()
    nav = page.get_by_role("navigation", name="Main")
    await nav.get_by_role("link", name="Dashboard").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    await registrar.check()
    await page.get_by_role("link", name=TITLE).click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    await registrar.check("micro-credential")
    await nav.get_by_role("link", name="Awards").click()
    await expect(page.get_by_role("link", name=LEARNER)).to_be_visible()
    await registrar.check("awards")
    await nav.get_by_role("link", name="Status lists").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Status lists")
    await registrar.check("status-lists")


async def learner_signs_up(learner: Person, services: JourneyServices) -> None:
    page = learner.page
    await page.goto(services.wallet.base_url)
    await learner.check("welcome")
    await page.get_by_role("link", name="Create a wallet").tap()
    await expect(page.get_by_role("heading", name="Create your wallet")).to_be_visible()
    await page.get_by_label("E-mail address").fill(EMAIL)
    await page.get_by_label("Your name").fill(LEARNER)
    await page.get_by_label("Password").fill("a long enough password")
    await learner.check("sign-up")
    await page.get_by_role("button", name="Create wallet").tap()
    await expect(page.get_by_text("No credentials yet")).to_be_visible()
    await learner.check()


async def learner_accepts(learner: Person, offer_link: str) -> None:
    page = learner.page
    await page.goto(offer_link)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Open this credential offer?")
    await learner.check("open-offer")
    await page.get_by_role("button", name="Continue").tap()

    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "A credential is offered to you"
    )
    await learner.check("offer", publish="wallet-offer")
    await page.get_by_role("button", name="Accept").tap()

    await expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    await expect(page.get_by_text("Status unknown")).to_be_visible()
    await learner.check()
    # The wallet asks the issuer's status list: the award stands.
    await page.get_by_role("button", name="Check status now").tap()
    await expect(page.get_by_role("status")).to_be_visible()
    await expect(page.get_by_text("Valid", exact=True)).to_be_visible()
    await learner.check("card", publish="wallet-card")
    await assert_fits_the_screen(page)


async def learner_looks_around(learner: Person) -> None:
    """The cards, the card again from the list, and the stack."""
    page = learner.page
    tabs = page.get_by_role("navigation", name="Main")
    await tabs.get_by_role("link", name="Cards").tap()
    card = page.get_by_role("link", name=TITLE)
    await expect(card).to_be_visible()
    await learner.check("cards")
    await card.tap()
    await expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    await learner.check()
    await tabs.get_by_role("link", name="Stack").tap()
    await expect(page.get_by_text(TITLE).first).to_be_visible()
    await learner.check("stack")
    await assert_fits_the_screen(page)


async def employer_asks(employer: Person, services: JourneyServices) -> str:
    """Signs in, makes a request from the `microcredential` template; its wallet link."""
    page, verifier = employer.page, services.verifier
    token = (verifier.data_dir / DEV_TOKEN_FILE).read_text().strip()
    await page.goto(f"{verifier.base_url}/verify")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Check a micro-credential")
    await employer.check()
    await page.goto(f"{verifier.base_url}/employer/")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to the verifier")
    await employer.check()
    await page.get_by_label("Access token").fill(token)
    await page.get_by_role("button", name="Sign in").click()

    await expect(page.get_by_role("heading", level=1)).to_have_text("Your requests")
    await employer.check()
    await page.get_by_role("link", name="New request").first.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Ask a learner for proof")
    await page.get_by_label("Start from").select_option("microcredential")
    await page.get_by_label("Name of this request").fill("Data analyst")
    await employer.check("new-request")
    await page.get_by_role("button", name="Make the request").click()

    await expect(page.get_by_role("heading", level=1)).to_have_text("Data analyst")
    await expect(page.get_by_role("img", name="QR code of this request")).to_be_visible()
    open_in_wallet = page.get_by_role("link", name="Open in wallet on this device")
    await expect(open_in_wallet).to_be_visible()
    await employer.check("request", publish="verifier-request")
    link = await open_in_wallet.get_attribute("href")
    assert link is not None
    assert link.startswith(f"{services.wallet.base_url}/share?"), link
    return link


async def learner_consents(learner: Person, request_link: str) -> None:
    page = learner.page
    await page.goto(request_link)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Share credentials?")
    # The template asks for the course in either format, each optional: the learner picks
    # the card that answers it.
    await page.get_by_role("checkbox", name=TITLE).check()
    await learner.check("consent", publish="wallet-consent")
    await assert_fits_the_screen(page)
    await page.get_by_role("button", name="Share").tap()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Done")
    await learner.check("shared")
    # A same-device answer: the wallet offers the way back to the verifier's own page.
    await page.get_by_role("link", name="Done — return to the verifier").tap()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your answer was received")
    await expect(page.locator("#verdict")).to_have_text("Verified")
    # The response code worked once and left the address bar; the cookie it was traded for
    # shows the answer again on a reload.
    assert "response_code" not in page.url, page.url
    await learner.check("back-at-the-verifier")
    await page.reload()
    await expect(page.locator("#verdict")).to_have_text("Verified")
    await learner.check()
    await assert_fits_the_screen(page)


async def employer_sees_it_verified(employer: Person, services: JourneyServices) -> None:
    """The request's page turned to the answer by itself: every check passed."""
    page = employer.page
    await expect(page.locator("#verdict")).to_have_text("Verified", timeout=ANSWER_TIMEOUT_MS)
    await page.wait_for_load_state("load")  # the whole report, not only its first lines
    await expect(page.get_by_text(services.university).first).to_be_visible()
    listed = {
        await check.locator("strong").inner_text(): await check.locator(".outcome").inner_text()
        for check in await page.locator(".checks li").all()
    }
    # Every check the verifier makes is listed, each one passed.
    assert listed == dict.fromkeys(CHECK_TITLES.values(), "Passed"), listed
    await employer.check("verified", publish="verifier-result")


async def test_award_receive_ask_and_verify_in_one_browser_with_no_accessibility_violation(
    chromium: Path, journey: JourneyServices, tmp_path: Path
) -> None:
    steps: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            registrar = await person(browser, "registrar", DESKTOP, tmp_path, steps)
            learner = await person(browser, "learner", PHONE, tmp_path, steps)
            employer = await person(browser, "employer", DESKTOP, tmp_path, steps)

            offer_link = await registrar_awards(registrar, journey)
            await learner_signs_up(learner, journey)
            await learner_accepts(learner, offer_link)
            await learner_looks_around(learner)
            await registrar_looks_around(registrar)

            request_link = await employer_asks(employer, journey)
            await learner_consents(learner, request_link)
            await employer_sees_it_verified(employer, journey)

            for someone in (registrar, learner, employer):
                assert not someone.unchecked(), (someone.name, someone.unchecked())
        finally:
            await browser.close()
