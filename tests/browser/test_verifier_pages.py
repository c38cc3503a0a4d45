"""The verifier's pages in a real browser, at a desktop's and at a phone's size: no WCAG 2.1 A
or AA violation that axe-core finds, on the public "check a credential" page (empty and with
a verified result), the sign-in page, the request list, the new-request form (empty and with
an error next to a field), a request's page while it waits and after the learner's wallet
answered (the page updates by itself), the trust list and its form, and the webhook page.

The verifier runs as a process (`credstack serve verifier`, development mode); the learner's
side is the test's own: did:key holder and issuer, real signatures. Screenshots go to
tmp_path/screenshots, or to $CREDSTACK_SCREENSHOTS (e.g. docs/screenshots) when set.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from shared.crypto.jose import unverified_claims
from tests.browser.axe import assert_accessible
from tests.browser.phone import Screenshots, assert_fits_the_screen, expect
from tests.shared.credentials.test_microcredential_samples import did_key_signer
from tests.support.processes import Service
from tests.verifier.conftest import Wallet
from verifier.employers.dev_token import DEV_TOKEN_FILE

if TYPE_CHECKING:
    from playwright.async_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

UNIVERSITY = "University of Example"
ANSWER_TIMEOUT_MS = 20_000


class Screen:
    """The page, its size's name, and the checks every screen gets."""

    def __init__(self, page: Page, folder: Path) -> None:
        self.page = page
        self.size = "phone" if (page.viewport_size or {"width": 0})["width"] < 600 else "desktop"
        self.screenshots = Screenshots(folder / self.size)

    async def check(self, name: str) -> None:
        await assert_accessible(self.page)
        if self.size == "phone":
            await assert_fits_the_screen(self.page)
        await self.screenshots.take(self.page, f"verifier-{name}")


async def trust(api: httpx.AsyncClient, did: str) -> None:
    entry = {
        "did": did,
        "name": {"en": UNIVERSITY, "de": "Universität Beispiel"},
        "country": "DE",
        "accreditation": {
            "name": "Akkreditierungsrat",
            "url": "https://www.akkreditierungsrat.de/",
        },
    }
    added = await api.post("/api/v1/trust-list", json=entry)
    assert added.status_code == 201, added.text


async def answer(api: httpx.AsyncClient, wallet: Wallet, request_id: str) -> None:
    """The learner's wallet: fetch the request object, sign a presentation, post it."""
    request = await api.get(f"/api/v1/requests/{request_id}")
    assert request.status_code == 200, request.text
    link = parse_qs(urlsplit(request.json()["request_uri"]).query)
    fetched = await api.get(link["request_uri"][0])
    assert fetched.status_code == 200, fetched.text
    claims = unverified_claims(fetched.text)
    credential = await wallet.credential("ldp_vc")
    presentation = await wallet.presentation(
        "ldp_vc", credential, nonce=claims["nonce"], audience=claims["client_id"]
    )
    query_id = claims["dcql_query"]["credentials"][0]["id"]
    posted = await api.post(
        claims["response_uri"],
        data={"vp_token": json.dumps({query_id: [presentation]}), "state": claims["state"]},
    )
    assert posted.status_code == 200, posted.text


async def test_the_verifier_pages_pass_wcag_21_aa_on_desktop_and_phone(
    screen: Page, verifier_service: Service, tmp_path: Path
) -> None:
    base = verifier_service.base_url
    token = (verifier_service.data_dir / DEV_TOKEN_FILE).read_text().strip()
    folder = Path(os.environ.get("CREDSTACK_SCREENSHOTS") or tmp_path / "screenshots")
    here = Screen(screen, folder)
    page = here.page
    wallet = Wallet(holder=did_key_signer(), issuer=did_key_signer())
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as api:
        await trust(api, wallet.issuer.did)

        # Anyone: the public page, empty, then with a real credential's verified result.
        await page.goto(f"{base}/verify")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Check a micro-credential")
        await here.check("verify")
        credential = await wallet.credential("jwt_vc_json")
        await page.get_by_label("The credential (JSON or JWT)").fill(str(credential))
        await page.get_by_role("button", name="Check").click()
        await expect(page.locator("#verdict")).to_have_text("Verified")
        await expect(page.get_by_text(UNIVERSITY).first).to_be_visible()
        await here.check("verify-verified")

        # The recruiter signs in and lands on the (empty) list.
        await page.goto(f"{base}/employer/")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to the verifier")
        await here.check("sign-in")
        await page.get_by_label("Access token").fill(token)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Your requests")
        await here.check("requests-empty")

        # A request by hand, first with a mistake: the error is next to its field.
        await page.goto(f"{base}/employer/requests/new")
        await here.check("new-request")
        await page.get_by_label("Start from").select_option("")
        await page.get_by_label("Field of study (ISCED-F code)").fill("abc")
        await page.get_by_label("Why you ask").fill("To check your data literacy training")
        await page.get_by_role("button", name="Make the request").click()
        await expect(page.locator("#field_of_study-error")).to_contain_text("ISCED-F")
        await here.check("new-request-error")
        await page.get_by_label("Field of study (ISCED-F code)").fill("")
        await page.get_by_label("Name of this request").fill("Data analyst, round 2")
        await page.get_by_role("button", name="Make the request").click()

        # Its page: the QR code while it waits; the answer appears by itself.
        await expect(page.get_by_role("heading", level=1)).to_have_text("Data analyst, round 2")
        await expect(page.get_by_role("img", name="QR code of this request")).to_be_visible()
        await here.check("request-waiting")
        request_id = page.url.rstrip("/").rsplit("/", 1)[1]
        await answer(api, wallet, request_id)
        await expect(page.locator("#verdict")).to_have_text("Verified", timeout=ANSWER_TIMEOUT_MS)
        await here.check("request-verified")

        await page.goto(f"{base}/employer/")
        await expect(page.get_by_role("link", name="Data analyst, round 2")).to_be_visible()
        await here.check("requests")

        # The trust list and its form; the webhook page.
        await page.goto(f"{base}/employer/trust")
        await expect(page.get_by_role("cell", name=UNIVERSITY, exact=True)).to_be_visible()
        await here.check("trust-list")
        await page.get_by_role("link", name="Add a university").click()
        await here.check("trust-add")
        await page.goto(f"{base}/employer/webhooks")
        await here.check("webhooks")
