"""A credential from a hostile issuer, whose title, description, issuer name and every other
text carry HTML and script, is shown as plain text on every page that displays it: the
cards, its detail and delete pages, the stack, and the consent page of a verifier's request
it answers. So is a hostile issuer's display name on the page of its offer."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from markupsafe import escape

from tests.holder.conftest import RunningWallet, SignedInLearner
from tests.holder.samples import HOSTILE, micro_credential
from tests.holder.test_receive_issuer_double import IssuerDouble
from tests.holder.test_share_verifier_double import VerifierDouble, dcql_for

ESCAPED = str(escape(HOSTILE))
PROGRAMME = f"Programme {HOSTILE}"


def hostile_credential(holder_did: str) -> dict[str, Any]:
    text = {"en": HOSTILE}
    credential = micro_credential(
        holder_did,
        title=text,
        description=text,
        learning_outcomes=[text],
        assessment_type=text,
        quality_assurance=text,
        further_information=text,
        learning_resources=["javascript:alert(1)"],
        stackability={
            "integration": "integrated",
            "stackable_toward": [{"name": {"en": PROGRAMME}, "url": "https://uni.example/p"}],
        },
        field_of_study=HOSTILE,
    )
    credential["name"] = HOSTILE
    credential.pop("nameTranslations", None)
    credential["issuer"]["name"] = HOSTILE
    credential["issuer"].pop("nameTranslations", None)
    credential["issuer"]["address"]["addressRegion"] = HOSTILE
    return credential


def assert_plain_text(page: str, where: str) -> None:
    assert HOSTILE not in page, where
    assert "<script>alert" not in page, where
    assert "<img src=x" not in page, where
    assert 'href="javascript:' not in page, where
    assert ESCAPED in page, f"{where}: the hostile text should be shown, escaped"


@pytest.fixture
async def verifier() -> AsyncIterator[VerifierDouble]:
    async with VerifierDouble().running() as double:
        yield double


async def consent_page(learner: SignedInLearner, verifier: VerifierDouble) -> str:
    """The consent page of a request for any ldp_vc micro-credential, opened as the phone
    opens a link (``GET /share?…``): the path it redirects to."""
    link = verifier.dcql_request(dcql_for("ldp_vc")).link
    opened = await learner.browser.get("/share?" + urlsplit(link).query)
    assert opened.status_code == 303, opened.text
    return str(opened.headers["location"])


async def test_every_page_showing_the_credential_shows_its_markup_as_text(
    wallet: RunningWallet, verifier: VerifierDouble
) -> None:
    learner: SignedInLearner = await wallet.sign_up()
    credential_id = await wallet.store_credential(learner, hostile_credential(learner.did))
    listed = (await learner.api.get("/api/v1/credentials")).json()
    assert listed[0]["title"] == {"en": HOSTILE}  # the summary holds the issuer's text as is
    assert listed[0]["issuer_name"] == {"en": HOSTILE}
    consent = await consent_page(learner, verifier)

    for path in (
        "/",
        f"/credentials/{credential_id}",
        f"/credentials/{credential_id}/delete",
        "/stack",
        consent,
    ):
        response = await learner.browser.get(path)
        assert response.status_code == 200, path
        assert_plain_text(response.text, path)

    # The consent page did offer the hostile credential, and listed what it discloses.
    shown = (await learner.browser.get(consent)).text
    assert f'value="{credential_id}"' in shown
    assert "Field of study" in shown

    detail = (await learner.browser.get(f"/credentials/{credential_id}")).text
    assert "javascript:alert(1)" in detail  # shown as text, not as a link
    stack = (await learner.browser.get("/stack")).text
    assert str(escape(PROGRAMME)) in stack
    assert "<script" not in stack.replace(ESCAPED, "")


async def test_a_hostile_issuers_display_name_is_text_on_its_offer_page(
    wallet: RunningWallet,
) -> None:
    """The issuer metadata's display name (what the offer page quotes as "calls itself")
    and the PIN's description carry markup."""
    learner = await wallet.sign_up()
    async with IssuerDouble(display_name=HOSTILE).running() as issuer:
        offer = issuer.offer(tx_code="1234")
        grant = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
        grant["tx_code"]["description"] = HOSTILE
        link = "openid-credential-offer://?credential_offer=" + quote(json.dumps(offer))
        opened = await learner.post_form("/receive", {"link": link})
        assert opened.status_code == 303, opened.text
        page = await learner.browser.get(opened.headers["location"])
    assert page.status_code == 200
    assert_plain_text(page.text, "offer page")
    assert "calls itself" in page.text


async def test_the_pages_carry_a_policy_that_runs_no_inline_script(wallet: RunningWallet) -> None:
    """A second line of defence, should an escape ever be missed."""
    learner = await wallet.sign_up()
    credential_id = await wallet.store_credential(learner, hostile_credential(learner.did))
    response = await learner.browser.get(f"/credentials/{credential_id}")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
