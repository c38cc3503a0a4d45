"""The sharing screens: a link opens the consent page; nothing leaves without Share."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest

from shared.crypto.keys import SigningKey
from shared.qr import qr_png
from tests.holder.conftest import RunningWallet, SignedInLearner
from tests.holder.samples import HOSTILE
from tests.holder.test_share_api import give
from tests.holder.test_share_verifier_double import (
    VerifierDouble,
    dcql_for,
    micro_credential_definition,
)
from tests.shared.credentials.test_microcredential_samples import did_key_signer


@pytest.fixture(scope="module")
def issuer() -> SigningKey:
    return did_key_signer()


@pytest.fixture
async def verifier() -> AsyncIterator[VerifierDouble]:
    async with VerifierDouble().running() as double:
        yield double


async def open_link(learner: SignedInLearner, link: str) -> str:
    """Open ``link`` the way the phone does (``GET /share?…``); the consent page's path."""
    response = await learner.browser.get("/share?" + urlsplit(link).query)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert re.fullmatch(r"/share/[0-9a-f-]{36}", location)
    return location


async def test_the_start_page_offers_paste_and_photo_and_needs_sign_in(
    wallet: RunningWallet,
) -> None:
    anonymous = await wallet.new_client(headers={"Accept": "text/html"})
    redirected = await anonymous.get("/share?client_id=x")
    assert redirected.status_code == 303
    assert redirected.headers["location"].startswith("/login?next=%2Fshare")
    learner = await wallet.sign_up()
    page = await learner.browser.get("/share")
    assert page.status_code == 200
    assert 'name="link"' in page.text
    assert 'name="qr"' in page.text
    assert "csrf_token" in page.text


async def test_the_consent_page_says_who_asks_what_for_and_what_is_disclosed(
    wallet: RunningWallet, verifier: VerifierDouble, issuer: SigningKey
) -> None:
    learner = await wallet.sign_up(language="de")
    await give(wallet, learner, issuer)
    published = verifier.pe_request(micro_credential_definition("ldp_vc"))

    page = await learner.browser.get(await open_link(learner, published.link))

    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Double Employer GmbH" in text
    assert "(as the request says)" in text
    assert published.client_id in text
    assert "Your answer goes to" in text
    assert "127.0.0.1" in text
    assert "identity is not checked" in text
    assert "Why:</strong> To check your data literacy training" in text
    assert "Datenkompetenz für die öffentliche Verwaltung" in text  # the learner's language
    assert "Maria Muster" in text
    assert "s-2025-0042" in text
    assert "sent whole" in text
    assert 'value="share"' in text
    assert 'value="decline"' in text
    assert published.responses == []


async def test_credential_text_is_shown_as_text(
    wallet: RunningWallet, verifier: VerifierDouble, issuer: SigningKey
) -> None:
    learner = await wallet.sign_up()
    await give(wallet, learner, issuer, title={"en": HOSTILE}, description={"en": HOSTILE})
    page = await learner.browser.get(
        await open_link(learner, verifier.dcql_request(dcql_for("ldp_vc")).link)
    )
    assert page.status_code == 200
    assert "<script>" not in page.text
    assert "<img src=x" not in page.text
    assert html.escape(HOSTILE, quote=False) in page.text.replace("&#34;", '"')


async def test_share_sends_the_picked_credential_and_offers_the_way_back(
    wallet: RunningWallet, verifier: VerifierDouble, issuer: SigningKey
) -> None:
    learner = await wallet.sign_up()
    await give(wallet, learner, issuer)
    picked, vc_id = await give(wallet, learner, issuer, title={"en": "Picked Course"})
    published = verifier.dcql_request(dcql_for("ldp_vc"))
    consent = await open_link(learner, published.link)

    no_pick = await learner.post_form(consent, {"action": "share"})
    assert no_pick.status_code == 400
    assert "needs a credential" in no_pick.text  # the page again, with the reason
    forged = await learner.browser.post(consent, data={"action": "share", "pick.q_ldp_vc": picked})
    assert forged.status_code == 403  # no CSRF token: not from the wallet's own page
    assert published.responses == []

    shared = await learner.post_form(consent, {"action": "share", "pick.q_ldp_vc": picked})

    assert shared.status_code == 303
    assert shared.headers["location"] == consent
    presented = await verifier.presented_credentials(published)
    assert [c["id"] for c in presented["q_ldp_vc"]] == [vc_id]
    done = await learner.browser.get(consent)
    assert "Done — return to the verifier" in done.text
    assert f'href="{verifier.base_url}/done#response_code=' in done.text
    assert "What you shared" in done.text
    assert "Picked Course" in done.text
    assert "Data Literacy" not in done.text  # the credential not picked


async def test_decline_sends_no_credential(
    wallet: RunningWallet, verifier: VerifierDouble, issuer: SigningKey
) -> None:
    learner = await wallet.sign_up()
    picked, _ = await give(wallet, learner, issuer)
    published = verifier.dcql_request(dcql_for("ldp_vc"))
    consent = await open_link(learner, published.link)

    # A decline carries no picks that count, even if the form had one chosen.
    declined = await learner.post_form(consent, {"action": "decline", "pick.q_ldp_vc": picked})

    assert declined.status_code == 303
    assert [form.get("error") for form in published.responses] == ["access_denied"]
    assert all("vp_token" not in form for form in published.responses)
    outcome = await learner.browser.get(consent)
    assert "Nothing was shared" in outcome.text


async def test_a_qr_photo_or_a_pasted_link_opens_the_request(
    wallet: RunningWallet, verifier: VerifierDouble
) -> None:
    learner = await wallet.sign_up()
    published = verifier.dcql_request(dcql_for("ldp_vc"), signed=True)

    scanned = await learner.post_form(
        "/share", {"link": ""}, files={"qr": ("qr.png", qr_png(published.link), "image/png")}
    )
    pasted = await learner.post_form("/share", {"link": published.link})

    for response in (scanned, pasted):
        assert response.status_code == 303, response.text
        page = await learner.browser.get(response.headers["location"])
        assert "really comes from the identifier above" in page.text
        assert "You have no credential that matches." in page.text
    offer = await learner.post_form(
        "/share",
        {"link": ""},
        files={"qr": ("qr.png", qr_png("openid-credential-offer://?x=1"), "image/png")},
    )
    assert offer.status_code == 400
    assert "use Receive instead" in offer.text
    bad = await learner.post_form("/share", {"link": "openid4vp://?client_id=x509_san_dns:a.b"})
    assert bad.status_code == 400
    assert "not supported yet" in bad.text
    assert verifier.all_responses() == []


@pytest.mark.parametrize(("multiple", "offers_nothing"), [(True, False), (False, True)])
async def test_an_optional_choice_offers_share_nothing_only_where_it_is_a_choice_of_one(
    wallet: RunningWallet,
    verifier: VerifierDouble,
    issuer: SigningKey,
    multiple: bool,
    offers_nothing: bool,
) -> None:
    """With checkboxes (a query that takes several), ticking none already shares nothing: an
    extra "Share nothing" box could be ticked beside a card. Radios need it."""
    learner = await wallet.sign_up()
    await give(wallet, learner, issuer)
    query = dcql_for("ldp_vc", "jwt_vc_json")
    for item in query["credentials"]:
        item["multiple"] = multiple
    query["credential_sets"] = [{"options": [["q_ldp_vc"], ["q_jwt_vc_json"]]}]
    page = await learner.browser.get(await open_link(learner, verifier.dcql_request(query).link))
    assert page.status_code == 200, page.text
    assert 'type="checkbox"' in page.text if multiple else 'type="radio"' in page.text
    assert ("Share nothing for this" in page.text) is offers_nothing
