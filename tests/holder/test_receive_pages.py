"""The receive screens: link or QR picture in, who-offers-what shown, accept lands on the card."""

from __future__ import annotations

import html
import io
import json
import re
from urllib.parse import quote, urlsplit

from PIL import Image

from shared.credentials.formats import get_format
from shared.did.resolver import DIDResolver
from shared.qr import qr_png
from tests.holder.conftest import RunningWallet
from tests.holder.samples import HOSTILE, micro_credential
from tests.holder.test_receive_api import stored_credentials
from tests.holder.test_receive_issuer_double import IssuerDouble
from tests.shared.credentials.test_microcredential_samples import did_key_signer


def wallet_link(offer_object_uri: str) -> str:
    """What the issuer's "open in wallet" button points at."""
    return f"/receive?credential_offer_uri={quote(offer_object_uri, safe='')}"


async def test_an_open_in_wallet_link_asks_before_fetching_and_then_opens(
    wallet: RunningWallet,
) -> None:
    learner = await wallet.sign_up()
    async with IssuerDouble().running() as issuer:
        offer_object_uri = issuer.store_offer(issuer.offer())
        asked = await learner.browser.get(wallet_link(offer_object_uri))
        assert issuer.requests == []  # a GET from anywhere fetches nothing
        form_link = _hidden_value(asked.text, "link")
        opened = await learner.post_form("/receive", {"link": form_link})
        shown = await learner.browser.get(opened.headers["location"])
    assert asked.status_code == 200, asked.text
    assert f"<strong>{urlsplit(offer_object_uri).netloc}</strong>" in asked.text
    assert "Continue" in asked.text
    assert opened.status_code == 303, opened.text
    assert opened.headers["location"].startswith("/receive/")
    assert shown.status_code == 200
    assert urlsplit(issuer.base_url).netloc in shown.text
    assert "Double University" in shown.text
    assert "Accept" in shown.text


async def test_signed_out_the_link_goes_to_login_and_back(wallet: RunningWallet) -> None:
    browser = await wallet.new_client(headers={"Accept": "text/html"})
    link = wallet_link("https://issuer.example/credential-offer/abc")
    redirected = await browser.get(link)
    assert redirected.status_code == 303
    location = redirected.headers["location"]
    assert location.startswith("/login?next=")
    login_page = await browser.get(location)
    assert _hidden_value(login_page.text, "next") == link


async def test_a_pasted_link_with_a_tx_code_is_received_and_lands_on_the_card(
    wallet: RunningWallet,
) -> None:
    learner = await wallet.sign_up()
    async with IssuerDouble().running() as issuer:
        opened = await learner.post_form("/receive", {"link": issuer.offer_link(tx_code="4321")})
        offer_path = opened.headers["location"]
        page = await learner.browser.get(offer_path)
        wrong = await learner.post_form(f"{offer_path}/accept", {"tx_code": "1111"})
        right = await learner.post_form(f"{offer_path}/accept", {"tx_code": "4321"})
    assert 'inputmode="numeric"' in page.text
    assert 'maxlength="4"' in page.text
    assert "Sent by e-mail" in page.text
    assert wrong.status_code == 400
    assert "code you entered is wrong" in wrong.text
    assert 'name="tx_code"' in wrong.text  # the same offer, to try again
    assert right.status_code == 303, right.text
    [(record, _)] = await stored_credentials(wallet, learner)
    assert right.headers["location"] == f"/credentials/{record.id}"


async def test_a_photo_of_the_qr_code_opens_the_offer(wallet: RunningWallet) -> None:
    learner = await wallet.sign_up()
    async with IssuerDouble().running() as issuer:
        picture = _photo_of(qr_png(issuer.offer_link()))
        opened = await learner.post_form(
            "/receive", {"link": ""}, files={"qr": ("IMG_0042.jpg", picture, "image/jpeg")}
        )
        api_scan = await learner.api.post(
            "/api/v1/offers/scan", files={"image": ("qr.jpg", picture, "image/jpeg")}
        )
    assert opened.status_code == 303, opened.text
    assert opened.headers["location"].startswith("/receive/")
    assert api_scan.status_code == 200, api_scan.text
    assert api_scan.json()["offer_uri"].startswith(
        "openid-credential-offer://?credential_offer_uri="
    )


async def test_a_picture_without_a_qr_code_says_so(wallet: RunningWallet) -> None:
    learner = await wallet.sign_up()
    blank = _png(Image.new("RGB", (400, 300), "white"))
    page = await learner.post_form("/receive", files={"qr": ("blank.png", blank, "image/png")})
    api = await learner.api.post(
        "/api/v1/offers/scan", files={"image": ("blank.png", blank, "image/png")}
    )
    not_a_picture = await learner.api.post(
        "/api/v1/offers/scan", files={"image": ("x.png", b"not an image", "image/png")}
    )
    assert page.status_code == 400
    assert "No QR code was found" in page.text
    assert api.status_code == 400
    assert api.json()["error"] == "no_qr_code"
    assert not_a_picture.status_code == 400
    assert "not a picture" in not_a_picture.json()["error_description"]


async def test_a_qr_code_that_is_no_offer_is_refused(wallet: RunningWallet) -> None:
    learner = await wallet.sign_up()
    picture = qr_png("openid4vp://?client_id=x&request_uri=https%3A%2F%2Fv.example%2Fr")
    scanned = await learner.api.post(
        "/api/v1/offers/scan", files={"image": ("qr.png", picture, "image/png")}
    )
    assert scanned.status_code == 400
    assert "not a credential offer" in scanned.json()["error_description"]


async def test_declining_forgets_the_offer(wallet: RunningWallet) -> None:
    learner = await wallet.sign_up()
    async with IssuerDouble().running() as issuer:
        opened = await learner.post_form("/receive", {"link": issuer.offer_link()})
        offer_path = opened.headers["location"]
        declined = await learner.post_form(f"{offer_path}/decline")
        gone = await learner.browser.get(offer_path)
    assert declined.status_code == 303
    assert declined.headers["location"] == "/receive"
    assert gone.status_code == 404
    assert issuer.paths("token") == []


async def test_forms_without_the_csrf_token_are_refused(wallet: RunningWallet) -> None:
    learner = await wallet.sign_up()
    async with IssuerDouble().running() as issuer:
        forged = await learner.browser.post("/receive", data={"link": issuer.offer_link()})
    assert forged.status_code == 403
    assert issuer.requests == []


async def test_a_hostile_issuer_name_and_offer_are_shown_as_text(wallet: RunningWallet) -> None:
    learner = await wallet.sign_up()
    async with IssuerDouble(display_name=HOSTILE).running() as issuer:
        offer = issuer.offer(tx_code="1234")
        offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["tx_code"][
            "description"
        ] = HOSTILE
        link = "openid-credential-offer://?credential_offer=" + quote(json.dumps(offer))
        opened = await learner.post_form("/receive", {"link": link})
        page = await learner.browser.get(opened.headers["location"])
    assert page.status_code == 200
    assert "<script>" not in page.text
    assert "<img src=x" not in page.text
    assert "&lt;script&gt;" in page.text


async def test_importing_a_file_from_the_page_lands_on_the_card(wallet: RunningWallet) -> None:
    learner = await wallet.sign_up()
    signer = did_key_signer()
    credential = micro_credential(learner.did, issuer_did=signer.did)
    document = await get_format("ldp_vc", DIDResolver()).sign_credential(credential, signer)
    imported = await learner.post_form(
        "/receive/import",
        files={"file": ("badge.json", json.dumps(document).encode(), "application/json")},
    )
    refused = await learner.post_form(
        "/receive/import", files={"file": ("x.json", b"{}", "application/json")}
    )
    assert imported.status_code == 303, imported.text
    [(record, _)] = await stored_credentials(wallet, learner)
    assert imported.headers["location"] == f"/credentials/{record.id}"
    assert refused.status_code == 400
    assert "no proof" in refused.text


def _hidden_value(page: str, name: str) -> str:
    """The value of the hidden input ``name`` in a page, unescaped."""
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)">', page)
    assert match, page
    return html.unescape(match.group(1))


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _photo_of(qr: bytes) -> bytes:
    """The QR code as a phone photo might show it: small in a larger, greyish, slightly
    rotated frame, saved as JPEG."""
    code = Image.open(io.BytesIO(qr)).convert("RGB").rotate(7, expand=True, fillcolor="white")
    photo = Image.new("RGB", (code.width * 2, code.height * 2), (200, 200, 195))
    photo.paste(code, (code.width // 3, code.height // 2))
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()
