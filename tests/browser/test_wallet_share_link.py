"""A learner on a phone shares a credential by link; a recruiter at a desktop opens it without
an account and sees it verified; the learner revokes the link and it stops working.

Our issuer and wallet run as processes; a registrar's award (through the issuer's admin API)
is received through the wallet's pages. The learner (a phone) and the recruiter (a desktop,
no wallet account) are two browser contexts of one headless Chromium. Every page either of
them reaches is checked with axe-core (WCAG 2.1 A and AA), and the test ends by proving that
none went unchecked. Screenshots go to tmp_path/screenshots; with $CREDSTACK_SCREENSHOTS set
(e.g. docs/screenshots) the link just made and the public page are copied there as
wallet-share-link.png and public-share-page.png.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser.people import Person
from tests.browser.phone import (
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    assert_fits_the_screen,
    async_playwright,
    expect,
)
from tests.browser.test_journey import person
from tests.support.processes import Service, award

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The demo catalogue's first micro-credential, as the issuer seeds it in development.
TITLE = "Data Literacy for Public Administration"
LEARNER = "Maria Muster"
GONE = "This link is no longer shared"


async def learner_receives(learner: Person, wallet: Service, offer_link: str) -> None:
    page = learner.page
    await page.goto(wallet.base_url)
    await learner.check()
    await page.get_by_role("link", name="Create a wallet").tap()
    await page.get_by_label("E-mail address").fill("maria@example.org")
    await page.get_by_label("Your name").fill(LEARNER)
    await page.get_by_label("Password").fill("a long enough password")
    await learner.check()
    await page.get_by_role("button", name="Create wallet").tap()
    await expect(page.get_by_text("No credentials yet")).to_be_visible()
    await learner.check()
    await page.goto(offer_link)
    await learner.check()
    await page.get_by_role("button", name="Continue").tap()
    await expect(page.get_by_role("button", name="Accept")).to_be_visible()
    await learner.check()
    await page.get_by_role("button", name="Accept").tap()
    await expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    await learner.check()


async def learner_makes_a_link(learner: Person) -> str:
    page = learner.page
    await page.get_by_role("link", name="Share by link").tap()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Share by link")
    await expect(page.get_by_text("No share links yet.")).to_be_visible()
    await page.get_by_label("The link works for").select_option("7d")
    await learner.check("share-links")
    await assert_fits_the_screen(page)
    await page.get_by_role("button", name="Create a share link").tap()

    await expect(page.get_by_role("heading", level=1)).to_have_text("Your share link is ready")
    url = await page.get_by_label("Share link").input_value()
    mail = await page.get_by_role("link", name="E-mail the link").get_attribute("href")
    assert mail is not None
    assert mail.startswith("mailto:?subject=")
    linkedin = await page.get_by_role("link", name="Add to LinkedIn profile").get_attribute("href")
    assert linkedin is not None
    assert linkedin.startswith("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME")
    await learner.check("share-link", publish="wallet-share-link")
    await assert_fits_the_screen(page)
    return url


async def recruiter_opens(recruiter: Person, url: str) -> None:
    page = recruiter.page
    response = await page.goto(url)
    assert response is not None
    assert response.status == 200
    await expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    await expect(page.get_by_role("heading", level=2, name="Verified")).to_be_visible()
    await expect(page.get_by_text("neither revoked nor suspended.")).to_be_visible()
    await expect(page.get_by_text(LEARNER)).to_be_visible()
    await expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    await recruiter.check("public-page", publish="public-share-page")


async def learner_revokes(learner: Person) -> None:
    page = learner.page
    await page.get_by_role("link", name="All links to this credential").tap()
    await expect(page.get_by_text("1 view", exact=False)).to_be_visible()
    await learner.check("links")
    await page.get_by_role("button", name=re.compile(r"^Revoke")).tap()
    await expect(page.get_by_role("status")).to_contain_text("The link was revoked")
    await expect(page.get_by_role("button", name=re.compile(r"^Revoke"))).to_have_count(0)
    await learner.check("revoked")


async def recruiter_finds_it_gone(recruiter: Person, url: str) -> None:
    page = recruiter.page
    response = await page.goto(url)
    assert response is not None
    assert response.status == 410
    await expect(page.get_by_role("heading", level=1)).to_have_text(GONE)
    await expect(page.get_by_text(TITLE)).to_have_count(0)
    await recruiter.check("gone")


async def test_a_shared_link_opens_verified_for_a_stranger_until_it_is_revoked(
    chromium: Path, services: tuple[Service, Service], tmp_path: Path
) -> None:
    issuer, wallet = services
    offer = await award(issuer, tx_code=False)
    steps: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            learner = await person(browser, "learner", PHONE, tmp_path, steps)
            recruiter = await person(browser, "recruiter", DESKTOP, tmp_path, steps)
            await learner_receives(learner, wallet, offer["wallet_link"])
            url = await learner_makes_a_link(learner)
            assert urlsplit(url).path.startswith("/s/"), url
            assert urlsplit(url).port == urlsplit(wallet.base_url).port
            await recruiter_opens(recruiter, url)
            await learner_revokes(learner)
            await recruiter_finds_it_gone(recruiter, url)
            for someone in (learner, recruiter):
                assert not someone.unchecked(), (someone.name, someone.unchecked())
        finally:
            await browser.close()
