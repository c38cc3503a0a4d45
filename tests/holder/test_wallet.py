"""Keeping credentials: the cards, the detail page with every EU element, deleting, the
stack totals, and the same over the API."""

from __future__ import annotations

import re

import pytest

from shared.credentials.formats import get_format
from shared.credentials.microcredential.elements import ELEMENTS
from shared.did.resolver import DIDResolver
from tests.holder.conftest import RunningWallet, SignedInLearner
from tests.holder.samples import micro_credential, outside_badge
from tests.shared.credentials.test_microcredential_samples import did_key_signer


def text_of(html: str) -> str:
    """The page's words, without tags and with whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


async def test_a_card_shows_title_issuer_date_ects_level_and_status(
    wallet: RunningWallet,
) -> None:
    learner = await wallet.sign_up()
    credential_id = await wallet.store_credential(learner, micro_credential(learner.did))
    page = await learner.browser.get("/")
    assert page.status_code == 200
    words = text_of(page.text)
    assert "Data Literacy for Public Administration" in words
    assert "University of Example" in words
    assert "Issued 1 July 2025 · 5 ECTS · EQF 6" in words
    assert "Status unknown" in words
    assert f'href="/credentials/{credential_id}"' in page.text


@pytest.mark.parametrize(
    ("setting", "browser", "title", "issuer"),
    [
        ("de", None, "Datenkompetenz für die öffentliche Verwaltung", "Universität Beispiel"),
        ("en", "de", "Data Literacy for Public Administration", "University of Example"),
        # The credential has no French: the browser's next choice comes before the default.
        ("fr", "de-AT, en;q=0.5", "Datenkompetenz für die öffentliche Verwaltung", None),
        ("fr", None, "Data Literacy for Public Administration", "University of Example"),
    ],
)
async def test_cards_speak_the_learners_language_where_the_credential_has_it(
    wallet: RunningWallet, setting: str, browser: str | None, title: str, issuer: str | None
) -> None:
    learner = await wallet.sign_up(language=setting)
    await wallet.store_credential(learner, micro_credential(learner.did))
    headers = {"Accept-Language": browser} if browser else {}
    words = text_of((await learner.browser.get("/", headers=headers)).text)
    assert title in words
    if issuer:
        assert issuer in words


async def test_the_detail_page_shows_every_eu_element_of_a_complete_credential(
    wallet: RunningWallet,
) -> None:
    learner = await wallet.sign_up()
    credential_id = await wallet.store_credential(
        learner, micro_credential(learner.did, field_of_study="Data science")
    )
    page = await learner.browser.get(f"/credentials/{credential_id}")
    assert page.status_code == 200
    words = text_of(page.text)
    for element in ELEMENTS:
        assert element.label in words, element.label
    for value in (
        "Maria Muster",
        "Partner University",
        "DE (Bavaria)",
        "5 ECTS · 125 hours",
        "EQF level 6",
        "Blended",
        "Supervised online or on-site, with identity verification",
        "B (Completed)",
        "Certificate in Data Science",
        "2025-04-01 – 2025-06-15",
        "Python (computer programming)",
        "Data science",
    ):
        assert value in words, value
    assert "lacks elements" not in words
    assert "<details>" in page.text  # the raw credential, folded away
    assert 'action="/credentials/' in page.text  # check status now
    assert f'href="/credentials/{credential_id}/delete"' in page.text


async def test_the_detail_page_names_what_an_outside_badge_lacks(wallet: RunningWallet) -> None:
    learner = await wallet.sign_up()
    credential_id = await wallet.store_credential(learner, outside_badge(learner.did))
    words = text_of((await learner.browser.get(f"/credentials/{credential_id}")).text)
    assert "Data Literacy for Public Administration" in words
    assert "lacks elements the EU recommendation on micro-credentials asks for" in words
    for label in ("Learning outcomes", "Notional workload (ECTS)", "Level (EQF/NQF)"):
        assert f"{label}" in words


async def test_a_vc_jwt_is_shown_with_its_payload_decoded(wallet: RunningWallet) -> None:
    learner = await wallet.sign_up()
    issuer = did_key_signer()
    jwt = await get_format("jwt_vc_json", DIDResolver()).sign_credential(
        micro_credential(learner.did, issuer_did=issuer.did), issuer
    )
    assert isinstance(jwt, str)
    credential_id = await wallet.store_credential(learner, jwt, format_name="jwt_vc_json")
    page = await learner.browser.get(f"/credentials/{credential_id}")
    words = text_of(page.text)
    assert "Data Literacy for Public Administration" in words
    assert "EQF level 6" in words
    assert jwt in page.text
    assert "Its payload, decoded" in words
    api = (await learner.api.get(f"/api/v1/credentials/{credential_id}")).json()
    assert api["document"] == jwt
    assert api["format"] == "jwt_vc_json"


async def test_deleting_on_the_page_asks_first_then_removes_it(wallet: RunningWallet) -> None:
    learner = await wallet.sign_up()
    credential_id = await wallet.store_credential(learner, micro_credential(learner.did))
    confirm = await learner.browser.get(f"/credentials/{credential_id}/delete")
    assert confirm.status_code == 200
    assert f'action="/credentials/{credential_id}/delete"' in confirm.text
    assert (await learner.api.get(f"/api/v1/credentials/{credential_id}")).status_code == 200

    deleted = await learner.post_form(f"/credentials/{credential_id}/delete")
    assert deleted.status_code == 303
    assert deleted.headers["location"] == "/?notice=deleted"
    home = text_of((await learner.browser.get(deleted.headers["location"])).text)
    assert "The credential was deleted from your wallet." in home
    assert "Data Literacy" not in home
    assert (await learner.api.get(f"/api/v1/credentials/{credential_id}")).status_code == 404


async def test_the_api_lists_gets_and_deletes_credentials(wallet: RunningWallet) -> None:
    learner = await wallet.sign_up()
    document = micro_credential(learner.did)
    first = await wallet.store_credential(learner, document)
    second = await wallet.store_credential(learner, outside_badge(learner.did))

    listed = (await learner.api.get("/api/v1/credentials")).json()
    assert {item["id"] for item in listed} == {first, second}
    summary = next(item for item in listed if item["id"] == first)
    assert summary["title"]["de"] == "Datenkompetenz für die öffentliche Verwaltung"
    assert summary["ects"] == 5
    assert summary["eqf_level"] == 6
    assert summary["status"] == "unknown"
    assert summary["issuer_id"] == document["issuer"]["id"]
    assert "document" not in summary

    one = (await learner.api.get(f"/api/v1/credentials/{first}")).json()
    assert one["document"] == document

    assert (await learner.api.delete(f"/api/v1/credentials/{first}")).status_code == 204
    assert (await learner.api.delete(f"/api/v1/credentials/{first}")).status_code == 404
    assert [item["id"] for item in (await learner.api.get("/api/v1/credentials")).json()] == [
        second
    ]


async def stacked_wallet(wallet: RunningWallet) -> tuple[SignedInLearner, dict[str, str]]:
    learner = await wallet.sign_up()
    did = learner.did
    ids = {
        "five": await wallet.store_credential(
            learner, micro_credential(did, field_of_study="Data science")
        ),
        "two and a half": await wallet.store_credential(
            learner, micro_credential(did, ects=2.5, eqf_level=5, field_of_study="Data science")
        ),
        "one": await wallet.store_credential(learner, micro_credential(did, full=False)),
        "revoked": await wallet.store_credential(
            learner, micro_credential(did, ects=10), status="revoked"
        ),
    }
    return learner, ids


async def test_the_stack_adds_up_ects_by_field_level_and_programme(wallet: RunningWallet) -> None:
    learner, ids = await stacked_wallet(wallet)
    stack = (await learner.api.get("/api/v1/stack")).json()
    assert stack["total"] == {"ects": 8.5, "credentials": 3}
    assert stack["by_field"] == [
        {"field": "Data science", "ects": 7.5, "credentials": 2},
        {"field": "Other", "ects": 1.0, "credentials": 1},
    ]
    assert stack["by_level"] == [
        {"eqf_level": 5, "ects": 3.5, "credentials": 2},
        {"eqf_level": 6, "ects": 5.0, "credentials": 1},
    ]
    assert stack["programmes"] == [
        {
            "url": "https://uni.example/programmes/data-science-certificate",
            "name": {"en": "Certificate in Data Science", "de": "Zertifikat Data Science"},
            "ects": 7.5,
            "credentials": [ids["two and a half"], ids["five"]],
        }
    ]
    assert stack["not_counted"] == [ids["revoked"]]

    words = text_of((await learner.browser.get("/stack")).text)
    assert "8.5 ECTS from 3 credentials" in words
    assert "Certificate in Data Science 7.5 ECTS from 2 credentials" in words
    assert "Data science 7.5 2" in words
    assert "Other 1 1" in words
    assert "Revoked or suspended by their issuer" in words
