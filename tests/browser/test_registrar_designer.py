"""The registrar's designer in a browser at phone size: a micro-credential made through the
form in two languages, a problem shown next to its field and fixed, then awarded; every page
checked with axe-core (WCAG 2.1 A and AA) and fitting the phone's screen.

The same at desktop size, with the award e-mailed, searched for and revoked, is the first
part of tests/browser/test_people_journey.py, which also saves the designer's screenshots
(issuer-designer.png, issuer-designer-error.png). ``create_and_award`` is that journey's
registrar half as a helper (it returns the award page's URL).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.people import Person
from tests.browser.phone import (
    CHROMIUM_ARGS,
    PHONE,
    assert_fits_the_screen,
    async_playwright,
    expect,
)
from tests.support.processes import Service, free_port, serving

if TYPE_CHECKING:
    from playwright.async_api import Browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TITLE = "Open Data in Practice"
TITLE_DE = "Offene Daten in der Praxis"
LEARNER = "Maria Muster"
# A long unbroken word: it must wrap, not widen the page.
LONG_WORD = "Datenveröffentlichungsinfrastrukturverantwortlichkeitsübertragung" * 3


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with serving("issuer", tmp_path_factory.mktemp("designer"), free_port()) as running:
        yield running


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


async def registrar(browser: Browser, screen: dict[str, object], tmp_path: Path) -> Person:
    context = await browser.new_context(**screen)
    published = os.environ.get("CREDSTACK_SCREENSHOTS")
    folder = tmp_path / "screenshots"
    folder.mkdir(exist_ok=True)
    return Person(
        "registrar", await context.new_page(), folder, Path(published) if published else None
    )


async def sign_in(person: Person, issuer: Service) -> None:
    page = person.page
    token = (issuer.data_dir / "issuer-admin-token").read_text().strip()
    await page.goto(f"{issuer.base_url}/admin/")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    await person.check()
    await page.get_by_label("API token").fill(token)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    await person.check()


async def create_and_award(
    person: Person,
    issuer: Service,
    *,
    learner: str = LEARNER,
    email: str | None = None,
    publish: bool = False,
) -> str:
    """Signed in, the registrar makes a micro-credential in English and German through the
    designer, is shown a problem next to its field, fixes it, saves, and awards it to
    ``learner`` (with ``email``: choosing to e-mail them the offer); the award page's URL."""
    page = person.page
    await (
        page.get_by_role("navigation", name="Main")
        .get_by_role("link", name="New micro-credential")
        .click()
    )
    await expect(page.get_by_role("heading", level=1)).to_have_text("New micro-credential")
    await person.check()

    # A second language, side by side with the first.
    await page.get_by_label("Add a language").fill("de")
    await page.get_by_role("button", name="Add language").click()
    await expect(page.get_by_label("Title of the micro-credential, German")).to_be_visible()
    await person.check()

    await page.get_by_label("Title of the micro-credential, English").fill(TITLE)
    await page.get_by_label("Title of the micro-credential, German").fill(TITLE_DE)
    await page.get_by_label("Description, English").fill(
        f"Publishing public data sets that others can reuse. {LONG_WORD}"
    )
    await page.get_by_label("Description, German").fill(
        f"Öffentliche Datensätze so veröffentlichen, dass andere sie nutzen. {LONG_WORD}"
    )
    await page.get_by_label("Learning outcome 1, English").fill(
        "Publish a data set with a licence and metadata."
    )
    await page.get_by_label("Learning outcome 1, German").fill(
        "Einen Datensatz mit Lizenz und Metadaten veröffentlichen."
    )
    await page.get_by_label("ECTS credits").fill("3")
    await page.get_by_label("EQF level").select_option("6")
    await page.get_by_label("Field", exact=True).select_option("061")
    await page.get_by_label("Type of assessment, English").fill("Portfolio")
    await page.get_by_label("Form of participation").select_option("online")
    await page.get_by_label("Type of quality assurance, English").fill("Internal QA")
    await page.get_by_label("Skill 1, ESCO address").fill(
        "http://data.europa.eu/esco/skill/598de5b0-5b58-4ea7-8058-a4bc4d18c742"
    )
    await page.get_by_label("Skill 1 name, English").fill("SQL")
    await page.get_by_role("button", name="Preview", exact=True).click()
    await expect(page.locator(".wallet-card")).to_contain_text(TITLE)
    await expect(page.locator(".certificate-preview")).to_contain_text("Sample Learner")
    await person.check("designer", publish="issuer-designer" if publish else None)

    # The mistake: a German outcome without its English text.
    await page.get_by_label("Learning outcome 2, German").fill("Die FAIR-Prinzipien erklären.")

    await page.get_by_role("button", name="Save the micro-credential").click()
    problem = page.locator("#e-outcome\\.1\\.en")
    await expect(problem).to_contain_text("Give the learning outcome in English too")
    english = page.get_by_label("Learning outcome 2, English")
    await expect(english).to_have_attribute("aria-invalid", "true")
    await person.check("designer-error", publish="issuer-designer-error" if publish else None)
    await assert_fits_the_screen(page)

    await english.fill("Explain the FAIR principles.")
    await page.get_by_role("button", name="Save the micro-credential").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    await expect(page.get_by_text(TITLE_DE).first).to_be_visible()
    await person.check("micro-credential")
    await assert_fits_the_screen(page)

    await page.get_by_role("link", name="Award to a learner").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Award {TITLE}")
    await page.get_by_label("Learner's name").fill(learner)
    if email is not None:
        await page.get_by_role("textbox", name="E-mail").fill(email)
        await page.get_by_label("E-mail the offer to the learner").check()
    await person.check("award-form" if email is not None else None)
    await page.get_by_role("button", name="Award and make the offer").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(learner)
    await expect(page.get_by_role("link", name="Certificate (PDF)")).to_be_visible()
    await expect(page.get_by_role("link", name="Public verification page")).to_be_visible()
    await person.check("award")
    return page.url


async def test_the_designer_works_on_a_phone(
    issuer: Service, browser: Browser, tmp_path: Path
) -> None:
    person = await registrar(browser, PHONE, tmp_path)
    await sign_in(person, issuer)
    award_url = await create_and_award(person, issuer, learner="Jan Kowalski")
    assert "/admin/awards/" in award_url
    await assert_fits_the_screen(person.page)
    assert not person.unchecked(), person.unchecked()
