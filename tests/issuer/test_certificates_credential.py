"""The certificate's QR address answers a verifier its signed credential.

Asked ``Accept: application/vc+ld+json``, the address on the PDF answers the award's Open
Badges 3.0 AchievementCredential as an ``ldp_vc``, signed by the awarding organisation,
bound to no wallet key, with the award's own status entries. It is signed once and kept:
later requests, a revocation, a suspension do not make the issuer sign again; the status
list is what says the award no longer holds. The other forms (HTML, the JSON description)
answer as before.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import select

from issuer.certificates.negotiation import preferred_media_type
from issuer.models import Award
from shared.credentials.formats import get_format
from shared.did.resolver import DIDResolver
from tests.issuer.conftest import RunningIssuer
from tests.issuer.test_certificates import NAMES, change, make_award
from tests.issuer.test_status import bit_of, credential_of

VC = {"Accept": "application/vc+ld+json"}
# What credstack's verifier sends when it follows a certificate's QR code.
VERIFIER_ACCEPT = "application/vc+ld+json, application/vc+jwt, application/json;q=0.9"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def signed_certificate(issuer: RunningIssuer, award: Award) -> tuple[bytes, dict[str, Any]]:
    response = await issuer.client.get(f"/certificates/{award.public_id}", headers=VC)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vc+ld+json"
    assert response.headers["cache-control"] == "no-store"
    assert "Accept" in response.headers["vary"]
    document: dict[str, Any] = response.json()
    return response.content, document


async def test_the_qr_address_answers_the_signed_credential_of_the_printed_certificate(
    issuer: RunningIssuer,
) -> None:
    """Signed by the award's organisation (the proof verifies), an AchievementCredential
    naming the learner as the certificate does, bound to no key, with the same status
    entries as the award's wallet credentials."""
    award = await make_award(issuer, NAMES[1])
    _, document = await signed_certificate(issuer, award)

    result = await get_format("ldp_vc", DIDResolver()).verify_credential(document)
    assert result.verified, result.problems
    wallet_copy = await credential_of(issuer, award)
    assert document["issuer"] == wallet_copy["issuer"]
    assert result.signer is not None
    assert result.signer.startswith(document["issuer"]["id"])
    assert document["type"] == ["VerifiableCredential", "AchievementCredential"]
    assert document["credentialStatus"] == wallet_copy["credentialStatus"]
    assert document["suspensionStatus"] == wallet_copy["suspensionStatus"]
    subject = document["credentialSubject"]
    assert "id" not in subject  # a printed certificate is bound to no wallet key
    assert {"type": "IdentityObject", "identityType": "name", "hashed": False,
            "identityHash": NAMES[1]} in subject["identifier"]  # fmt: skip
    assert subject["achievement"] == wallet_copy["credentialSubject"]["achievement"]

    tampered = json.loads(json.dumps(document))
    tampered["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    forged = await get_format("ldp_vc", DIDResolver()).verify_credential(tampered)
    assert not forged.verified


async def test_it_is_signed_once_and_still_served_after_a_revocation(
    issuer: RunningIssuer,
) -> None:
    """The second request gets the very same bytes (a new signature would carry a new id and
    proof); after a suspension and a revocation too, while the status list's bits say so."""
    award = await make_award(issuer)
    first, document = await signed_certificate(issuer, award)
    async with issuer.session() as session:
        kept = await session.scalar(
            select(Award.certificate_credential).where(Award.id == award.id)
        )
    assert kept is not None
    assert json.loads(kept) == document
    assert (await signed_certificate(issuer, award))[0] == first

    await change(issuer, award, "suspend", "Appeal pending")
    assert (await signed_certificate(issuer, award))[0] == first
    assert await bit_of(issuer, document["suspensionStatus"]) is True

    await change(issuer, award, "revoke", "Exam fraud established by the board")
    assert (await signed_certificate(issuer, award))[0] == first
    assert await bit_of(issuer, document["credentialStatus"]) is True
    assert "fraud" not in first.decode()


async def test_an_award_revoked_before_its_first_request_is_still_answered(
    issuer: RunningIssuer,
) -> None:
    award = await make_award(issuer)
    await change(issuer, award, "revoke", "Issued in error")
    _, document = await signed_certificate(issuer, award)
    assert await bit_of(issuer, document["credentialStatus"]) is True


async def test_two_first_readers_at_once_get_one_and_the_same_credential(
    issuer: RunningIssuer,
) -> None:
    award = await make_award(issuer)
    answers = await asyncio.gather(*(signed_certificate(issuer, award) for _ in range(4)))
    assert len({content for content, _ in answers}) == 1


async def test_an_unknown_certificate_is_not_found_in_words(issuer: RunningIssuer) -> None:
    response = await issuer.client.get("/certificates/not-a-real-id", headers=VC)
    assert response.status_code == 404, response.text
    assert "No such certificate" in response.text


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (VERIFIER_ACCEPT, "application/vc+ld+json"),
        ("application/vc+ld+json", "application/vc+ld+json"),
        ("application/json, application/vc+ld+json", "application/vc+ld+json"),
        ("application/json", "application/json"),
        ("application/json;q=0.9, application/vc+ld+json;q=0.5", "application/json"),
        ("application/json, text/html", "text/html"),  # as before: a browser-ish client
        (BROWSER_ACCEPT, "text/html"),
        ("*/*", "text/html"),
        (None, "text/html"),
        ("image/png", "text/html"),  # nothing we offer: the page, rather than an error
        ("application/*", "application/vc+ld+json"),
    ],
)
async def test_the_address_answers_in_the_form_asked_for(
    issuer: RunningIssuer, accept: str | None, media_type: str
) -> None:
    award = await make_award(issuer)
    request = issuer.client.build_request("GET", f"/certificates/{award.public_id}")
    if accept is None:
        del request.headers["accept"]  # httpx would send */*
    else:
        request.headers["accept"] = accept
    response = await issuer.client.send(request)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.headers["cache-control"] == "no-store"


OFFERED = ("text/html", "application/vc+ld+json", "application/json")


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("", "text/html"),
        ("text/*;q=0.2, application/json;q=0.3", "application/json"),
        ("application/*;q=0.4, application/json;q=0.1", "application/vc+ld+json"),
        ("*/*;q=0.1, application/json;q=0", "text/html"),
        ("application/json;q=0, text/html;q=0, */*;q=0", None),
        ("text/html;q=abc, application/json", "application/json"),  # a bad q is skipped
        ("garbage, ;;, /, */json, application/json", "application/json"),
        ("APPLICATION/VC+LD+JSON", "application/vc+ld+json"),
        ("application/json;q=2", "text/html"),  # out of range: skipped, nothing left
    ],
)
def test_negotiation_weighs_the_most_specific_range(accept: str, chosen: str | None) -> None:
    assert preferred_media_type(accept, OFFERED) == chosen
