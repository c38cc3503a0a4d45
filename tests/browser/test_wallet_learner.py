"""The learner's journey on a phone: from a link while signed out, through sign-up, to the
offer that names its course before it is accepted; then a revocation seen after "check
status".

Our issuer and wallet run as processes. The learner follows the issuer's "open in wallet"
link while signed out, creates a wallet from the login page and comes back to the offer;
the offer shows the course title, its ECTS, EQF level and awarding university before
"Accept". After the registrar revokes the award (issuer admin API), "Check status of all"
shows it revoked. Every page is checked with axe-core (WCAG 2.1 A and AA) at phone size.
With $CREDSTACK_SCREENSHOTS set (e.g. docs/screenshots), wallet-offer-preview.png and
wallet-status-revoked.png are saved there.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.browser.axe import assert_accessible
from tests.browser.phone import (
    Screenshots,
    assert_fits_the_screen,
    assert_thumb_sized,
    expect,
)
from tests.support.processes import Service, award

if TYPE_CHECKING:
    from playwright.async_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TITLE = "Data Literacy for Public Administration"  # the demo catalogue's first entry
DESCRIPTION = "5 ECTS · EQF level 6 · awarded by University of Example (demo)"


async def _step(page: Page, screenshots: Screenshots, name: str) -> None:
    await page.wait_for_load_state("load")
    await assert_accessible(page)
    await assert_fits_the_screen(page)
    await screenshots.take(page, name)
    published = os.environ.get("CREDSTACK_SCREENSHOTS")
    if published:
        os.makedirs(published, exist_ok=True)
        await page.evaluate("window.scrollTo(0, 0)")
        await page.screenshot(path=str(Path(published) / f"{name}.png"), scale="css")


async def _revoke(issuer: Service, award_id: str) -> None:
    token = (issuer.data_dir / "issuer-admin-token").read_text().strip()
    async with httpx.AsyncClient(base_url=issuer.base_url, timeout=30) as client:
        revoked = await client.post(
            f"/api/v1/awards/{award_id}/revoke",
            headers={"Authorization": f"Bearer {token}"},
            json={"reason": "Awarded in error"},
        )
    assert revoked.status_code == 200, revoked.text


async def test_the_learner_sees_the_course_before_accepting_and_a_revocation_after_checking(
    phone: Page, services: tuple[Service, Service], screenshots: Screenshots
) -> None:
    issuer, wallet = services
    offer = await award(issuer, tx_code=False)

    # Signed out, the link leads to the login page; creating a wallet there leads back.
    await phone.goto(offer["wallet_link"])
    await expect(phone.get_by_role("heading", level=1)).to_have_text("Log in to your wallet")
    await _step(phone, screenshots, "wallet-login-from-link")
    await phone.get_by_role("link", name="Create a wallet").tap()
    await expect(phone.get_by_role("heading", name="Create your wallet")).to_be_visible()
    await phone.get_by_label("E-mail address").fill("maria@example.org")
    await phone.get_by_label("Your name").fill("Maria Muster")
    await phone.get_by_label("Password").fill("a long enough password")
    await _step(phone, screenshots, "wallet-signup-from-link")
    await phone.get_by_role("button", name="Create wallet").tap()

    await expect(phone.get_by_role("heading", level=1)).to_have_text("Open this credential offer?")
    await _step(phone, screenshots, "wallet-offer-confirm")
    await phone.get_by_role("button", name="Continue").tap()

    await expect(phone.get_by_role("heading", level=1)).to_have_text(
        "A credential is offered to you"
    )
    await expect(phone.locator(".offered-title")).to_have_text(TITLE)
    await expect(phone.locator(".offered-description")).to_have_text(DESCRIPTION)
    accept = phone.get_by_role("button", name="Accept")
    await assert_thumb_sized(accept)
    await _step(phone, screenshots, "wallet-offer-preview")
    await accept.tap()
    await expect(phone.get_by_role("heading", level=1)).to_have_text(TITLE)

    await _revoke(issuer, offer["award_id"])
    await phone.get_by_role("navigation", name="Main").get_by_role("link").first.tap()
    await phone.get_by_role("button", name="Check status of all").tap()
    card = phone.get_by_role("link", name=TITLE)
    await expect(card).to_contain_text("Revoked")
    await expect(card).to_contain_text("status checked")
    await _step(phone, screenshots, "wallet-status-revoked")
    assert wallet.base_url in phone.url
