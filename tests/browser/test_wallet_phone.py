"""On a phone, a learner makes a wallet, receives a micro-credential from a QR code, and sees
the card.

Our issuer and our wallet run as processes; a registrar awards the demo catalogue's first
micro-credential through the issuer's admin API, which serves the offer's QR code as a PNG.
Headless Chromium at a phone's size then does what the learner does, by tapping: signs up
through the form, uploads the photo of the QR code on the Receive page, checks who offers
what, accepts, finds the card among their credentials and has its status checked. Each
screen is checked for what the learner sees, for fitting the phone's width, for thumb-sized
buttons and for ending clear of the tab bar, and is saved as screenshots
(tmp_path/screenshots).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from shared.languages import LANGUAGE_NAMES
from tests.browser.phone import (
    Screenshots,
    assert_clear_of_the_tab_bar,
    assert_fits_the_screen,
    assert_thumb_sized,
    expect,
)
from tests.support.processes import Service

if TYPE_CHECKING:
    from playwright.async_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The demo catalogue's first micro-credential and the demo university, as the issuer seeds
# them in development.
TITLE = "Data Literacy for Public Administration"
ISSUER_NAME = "University of Example (demo)"
ECTS = "5 ECTS"
# An offer names the course's own credential configuration, whose display is its title.
OFFERED = TITLE


async def check_the_screen(page: Page, screenshots: Screenshots, name: str) -> None:
    await screenshots.take(page, name)
    await assert_fits_the_screen(page)
    await assert_clear_of_the_tab_bar(page)
    tabs = page.get_by_role("navigation", name="Main").get_by_role("link")
    await assert_thumb_sized(*await tabs.all())


async def test_a_learner_receives_a_credential_from_a_qr_code_on_a_phone(
    phone: Page,
    services: tuple[Service, Service],
    offer_qr: Path,
    screenshots: Screenshots,
) -> None:
    issuer, wallet = services

    await phone.goto(wallet.base_url)
    await expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Your micro-credentials, in your pocket"
    )
    await screenshots.take(phone, "welcome")
    await assert_fits_the_screen(phone)
    create = phone.get_by_role("link", name="Create a wallet")
    await assert_thumb_sized(create, phone.get_by_role("link", name="Log in"))
    await create.tap()

    await expect(phone.get_by_role("heading", name="Create your wallet")).to_be_visible()
    await phone.get_by_label("E-mail address").fill("maria@example.org")
    await phone.get_by_label("Your name").fill("Maria Muster")
    await phone.get_by_label("Password").fill("a long enough password")
    submit = phone.get_by_role("button", name="Create wallet")
    await assert_thumb_sized(submit, phone.get_by_label("E-mail address"))
    await screenshots.take(phone, "signup")
    await assert_fits_the_screen(phone)
    await submit.tap()

    await expect(phone.get_by_role("heading", name="Your credentials")).to_be_visible()
    await expect(phone.get_by_text("No credentials yet")).to_be_visible()
    await expect(phone.locator("header")).to_contain_text("Maria Muster")
    await check_the_screen(phone, screenshots, "no-cards")
    await phone.get_by_role("navigation", name="Main").get_by_role("link", name="Receive").tap()

    await expect(phone.get_by_role("heading", name="Receive a credential")).to_be_visible()
    await phone.get_by_label("photo or screenshot of the QR code").set_input_files(offer_qr)
    open_offer = phone.get_by_role("button", name="Open the offer")
    await assert_thumb_sized(open_offer)
    await check_the_screen(phone, screenshots, "receive")
    await open_offer.tap()

    # Who offers what, before anything is added: the issuer's host and the name it gives.
    await expect(phone.get_by_role("heading", level=1)).to_have_text(
        "A credential is offered to you"
    )
    await expect(phone.get_by_text(f"localhost:{urlsplit(issuer.base_url).port}")).to_be_visible()
    await expect(phone.get_by_text("which calls itself")).to_contain_text(ISSUER_NAME)
    await expect(phone.locator(".card").get_by_role("heading")).to_have_text(OFFERED)
    accept = phone.get_by_role("button", name="Accept")
    await assert_thumb_sized(
        accept,
        phone.get_by_role("button", name="Decline"),
        phone.get_by_text("Everything in this offer"),  # opens the list of formats
    )
    await check_the_screen(phone, screenshots, "offer")
    await accept.tap()

    await expect(phone.get_by_role("heading", level=1)).to_have_text(TITLE)
    await check_the_screen(phone, screenshots, "credential")
    await phone.get_by_role("navigation", name="Main").get_by_role("link", name="Cards").tap()

    await expect(phone.get_by_role("heading", name="Your credentials")).to_be_visible()
    card = phone.get_by_role("link", name=TITLE)
    await expect(card).to_be_visible()
    await expect(card).to_contain_text(ISSUER_NAME)
    await expect(card).to_contain_text(ECTS)
    await expect(card).to_contain_text("Status unknown")
    check_status = phone.get_by_role("button", name="Check status of all")
    await assert_thumb_sized(card, check_status)
    await check_the_screen(phone, screenshots, "cards")

    # The wallet asks the issuer's status list: the award stands.
    await check_status.tap()
    await expect(phone.get_by_role("status")).to_have_text(
        "Status checked with the issuers just now."
    )
    await expect(phone.get_by_role("link", name=TITLE)).to_contain_text("Valid")
    await check_the_screen(phone, screenshots, "cards-checked")

    # The narrowest phones still in use (320 CSS px), in every language of the wallet: the
    # tab bar's words are longest in Polish and German, and it must still fit the screen.
    await phone.set_viewport_size({"width": 320, "height": 640})
    for language in LANGUAGE_NAMES:
        await phone.goto(f"{wallet.base_url}/?lang={language}")
        await expect(phone.locator("html")).to_have_attribute("lang", language)
        await screenshots.take(phone, f"cards-320px-{language}")
        await assert_fits_the_screen(phone)
        tabs = phone.locator("nav.tabs").get_by_role("link")
        await expect(tabs).to_have_count(5)
        await assert_thumb_sized(*await tabs.all())
