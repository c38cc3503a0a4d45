"""Revocation and suspension: the bits in the served, signed StatusList2021 credentials, the
rules (revocation is final), the reasons in the audit log, and concurrent changes."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from issuer.awards.credential import unsigned_credential
from issuer.awards.service import Awards, Recipient
from issuer.catalogue.service import Catalogue
from issuer.models import AuditEvent, Award, Organisation
from issuer.status.service import AwardStatuses
from shared.credentials.formats import get_format
from shared.credentials.status_list import decode_list, read_entry_status
from shared.did.resolver import DIDResolver
from shared.errors import Conflict
from tests.issuer.conftest import RunningIssuer
from tests.issuer.test_oid4vci import FORMATS, Wallet, make_offer
from tests.shared.credentials.test_microcredential_samples import did_key_signer

ORIGIN = {"Origin": "http://issuer.test"}


async def make_awards(issuer: RunningIssuer, count: int = 1) -> list[Award]:
    async with issuer.session() as session:
        item = (await Catalogue(session, issuer.settings.base_url).items())[0]
        awards = await Awards(session, issuer.settings.base_url).create_many(
            item.achievement.id, [Recipient(name=f"Learner {i}") for i in range(count)], actor="t"
        )
    return awards


async def credential_of(issuer: RunningIssuer, award: Award) -> dict[str, Any]:
    """The credential a wallet would get for the award (unsigned: its status entries are
    what matters here)."""
    async with issuer.session() as session:
        credential = await unsigned_credential(
            session,
            issuer.settings,
            award,
            holder_did=did_key_signer().did,
            credential_id="urn:uuid:00000000-0000-4000-8000-000000000001",
        )
    return credential


async def fetch_verified_list(issuer: RunningIssuer, entry: dict[str, Any]) -> dict[str, Any]:
    """GET the entry's status list credential and check that its own proof verifies."""
    response = await issuer.client.get(entry["statusListCredential"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    document: dict[str, Any] = response.json()
    result = await get_format("ldp_vc", DIDResolver()).verify_credential(document)
    assert result.verified, result.problems
    assert "StatusList2021Credential" in document["type"]
    return document


async def bit_of(issuer: RunningIssuer, entry: dict[str, Any]) -> bool:
    return read_entry_status(entry, await fetch_verified_list(issuer, entry)).set


async def change(
    issuer: RunningIssuer, award: Award, action: str, reason: str | None = None
) -> httpx.Response:
    body = {"reason": reason} if reason is not None else {}
    return await issuer.client.post(
        f"/api/v1/awards/{award.id}/{action}", json=body, headers=issuer.admin
    )


async def test_revoking_flips_the_bit_in_the_served_list_which_itself_verifies(
    issuer: RunningIssuer,
) -> None:
    """Revoking flips the bit in the served status list credential, and the status list
    credential itself verifies, signed by the awarding organisation."""
    [award] = await make_awards(issuer)
    credential = await credential_of(issuer, award)
    entry = credential["credentialStatus"]
    before = await fetch_verified_list(issuer, entry)
    assert read_entry_status(entry, before).set is False
    assert before["issuer"] == credential["issuer"]["id"]
    assert before["id"] == entry["statusListCredential"]

    response = await change(issuer, award, "revoke", "Plagiarism found after the award")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "revoked"

    after = await fetch_verified_list(issuer, entry)
    assert read_entry_status(entry, after).set is True
    bits = decode_list(after["credentialSubject"]["encodedList"])
    assert sum(bits.get(i) for i in range(len(bits))) == 1  # that bit and no other
    # Suspension is another list and another bit, untouched by a revocation.
    assert await bit_of(issuer, credential["suspensionStatus"]) is False


async def test_one_revocation_reaches_every_copy_issued_over_openid4vci(
    issuer: RunningIssuer,
) -> None:
    """A wallet fetches the award as ldp_vc and as jwt_vc_json; both copies carry the same
    two entries, so one revocation shows in the list for both."""
    wallet = Wallet(issuer.client, did_key_signer())
    new_offer = await make_offer(issuer)
    access_token = await wallet.access_token(await wallet.offer(new_offer, issuer))
    copies = []
    for configuration_id, credential_format in FORMATS.items():
        response = await wallet.request(access_token, configuration_id)
        assert response.status_code == 200, response.text
        issued = response.json()["credentials"][0]["credential"]
        result = await get_format(credential_format, DIDResolver()).verify_credential(issued)
        assert result.verified, result.problems
        copies.append(result.document)
    ldp, jwt = copies
    assert ldp["credentialStatus"] == jwt["credentialStatus"]
    assert ldp["suspensionStatus"] == jwt["suspensionStatus"]
    assert await bit_of(issuer, ldp["credentialStatus"]) is False

    response = await issuer.client.post(
        f"/api/v1/awards/{new_offer.offer.award_id}/revoke",
        json={"reason": "Issued to the wrong learner"},
        headers=issuer.admin,
    )
    assert response.status_code == 200, response.text
    for copy in copies:
        assert await bit_of(issuer, copy["credentialStatus"]) is True


async def test_suspend_sets_the_suspension_bit_and_reinstate_clears_it(
    issuer: RunningIssuer,
) -> None:
    [award] = await make_awards(issuer)
    credential = await credential_of(issuer, award)
    suspension, revocation = credential["suspensionStatus"], credential["credentialStatus"]
    assert suspension["statusPurpose"] == "suspension"
    assert suspension["statusListCredential"] != revocation["statusListCredential"]

    response = await change(issuer, award, "suspend", "Disciplinary hearing pending")
    assert response.json()["status"] == "suspended", response.text
    assert await bit_of(issuer, suspension) is True
    assert await bit_of(issuer, revocation) is False

    response = await change(issuer, award, "reinstate")  # a reason is optional here
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "active"
    assert await bit_of(issuer, suspension) is False


async def test_revocation_is_final(issuer: RunningIssuer) -> None:
    """A suspended award can be revoked; a revoked one can be neither suspended, reinstated
    nor revoked again, and its bit stays set."""
    [award] = await make_awards(issuer)
    credential = await credential_of(issuer, award)
    assert (await change(issuer, award, "suspend", "Under review")).status_code == 200
    assert (await change(issuer, award, "revoke", "Review upheld")).status_code == 200

    for action in ("suspend", "reinstate", "revoke"):
        response = await change(issuer, award, action, "Try again")
        assert response.status_code == 409, response.text
        assert response.json()["error"] == "conflict"
        assert "final" in response.json()["error_description"]
    assert await bit_of(issuer, credential["credentialStatus"]) is True
    status = (await change(issuer, award, "reinstate")).json()
    assert "revoked" in status["error_description"]


async def test_changes_that_make_no_sense_or_lack_a_reason_are_refused(
    issuer: RunningIssuer,
) -> None:
    [award] = await make_awards(issuer)
    for action in ("revoke", "suspend"):
        for reason in (None, "   "):
            response = await change(issuer, award, action, reason)
            assert response.status_code == 400, response.text
            assert "reason" in response.json()["error_description"]
    no_body = await issuer.client.post(f"/api/v1/awards/{award.id}/revoke", headers=issuer.admin)
    assert no_body.status_code == 400

    not_suspended = await change(issuer, award, "reinstate")
    assert not_suspended.status_code == 409
    assert "not suspended" in not_suspended.json()["error_description"]
    assert (await change(issuer, award, "suspend", "Check")).status_code == 200
    twice = await change(issuer, award, "suspend", "Check again")
    assert twice.status_code == 409
    assert "already" in twice.json()["error_description"]

    unknown = await issuer.client.post(
        "/api/v1/awards/no-such-award/revoke", json={"reason": "x"}, headers=issuer.admin
    )
    assert unknown.status_code == 404
    anonymous = await issuer.client.post(f"/api/v1/awards/{award.id}/revoke", json={"reason": "x"})
    assert anonymous.status_code == 401


async def test_reasons_and_actors_are_recorded_but_never_published(
    issuer: RunningIssuer,
) -> None:
    [award] = await make_awards(issuer)
    credential = await credential_of(issuer, award)
    await change(issuer, award, "suspend", "Fee dispute with the learner")
    await change(issuer, award, "reinstate", "Fee paid")
    await change(issuer, award, "revoke", "Awarded in error")

    async with issuer.session() as session:
        events = list(
            await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.target == f"award:{award.id}")
                .order_by(AuditEvent.id)
            )
        )
        stored = await session.get(Award, award.id)
    changes = [
        (e.action, e.details["reason"], e.actor) for e in events if e.action != "award.create"
    ]
    assert changes == [
        ("award.suspend", "Fee dispute with the learner", "token:development admin"),
        ("award.reinstate", "Fee paid", "token:development admin"),
        ("award.revoke", "Awarded in error", "token:development admin"),
    ]
    assert stored is not None
    assert (stored.status, stored.status_reason) == ("revoked", "Awarded in error")
    assert stored.status_changed_at is not None
    for entry in (credential["credentialStatus"], credential["suspensionStatus"]):
        served = (await issuer.client.get(entry["statusListCredential"])).text
        assert "Awarded in error" not in served
        assert "Fee" not in served


async def test_concurrent_revocations_on_one_list_keep_every_bit(issuer: RunningIssuer) -> None:
    """Eight revocations of different awards on the same list at once: no change is lost
    (each session reads, changes and writes the list's bits under a lock)."""
    awards = await make_awards(issuer, 8)
    assert len({a.revocation_list_id for a in awards}) == 1

    async def revoke(award: Award) -> None:
        async with issuer.session() as session:
            await AwardStatuses(session).revoke(award.id, reason="Batch error", actor="t")

    await asyncio.gather(*(revoke(award) for award in awards))
    credential = await credential_of(issuer, awards[0])
    document = await fetch_verified_list(issuer, credential["credentialStatus"])
    bits = decode_list(document["credentialSubject"]["encodedList"])
    assert all(bits.get(award.revocation_index) for award in awards)


async def test_the_list_is_signed_once_per_change_and_served_with_cache_headers(
    issuer: RunningIssuer,
) -> None:
    [award] = await make_awards(issuer)
    url = (await credential_of(issuer, award))["credentialStatus"]["statusListCredential"]
    first, second = await issuer.client.get(url), await issuer.client.get(url)
    assert first.headers["cache-control"] == "public, max-age=60"
    assert first.headers["access-control-allow-origin"] == "*"
    etag = first.headers["etag"]
    assert etag.startswith('W/"')
    # The same signed document (same proof) from the cache, not a fresh signature.
    assert second.content == first.content
    unchanged = await issuer.client.get(url, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""

    await change(issuer, award, "revoke", "Error")
    changed = await issuer.client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert changed.json()["proof"] != first.json()["proof"]

    missing = await issuer.client.get("/status/no-such-list")
    assert missing.status_code == 404


async def test_the_registrar_pages_change_status_and_list_the_lists(issuer: RunningIssuer) -> None:
    """The award page's buttons post here and come back to the award; a form sent from
    another site is refused; the overview counts what is set in each list."""
    [award] = await make_awards(issuer)
    foreign = await issuer.client.post(
        f"/admin/awards/{award.id}/suspend",
        data={"reason": "x"},
        headers={**issuer.admin, "Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403

    response = await issuer.client.post(
        f"/admin/awards/{award.id}/suspend",
        data={"reason": "Appeal pending"},
        headers={**issuer.admin, **ORIGIN},
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/admin/awards/{award.id}"
    response = await issuer.client.post(
        f"/admin/awards/{award.id}/revoke",
        data={"reason": "Appeal rejected"},
        headers={**issuer.admin, **ORIGIN},
    )
    assert response.status_code == 303, response.text

    page = await issuer.client.get("/admin/status-lists", headers=issuer.admin)
    assert page.status_code == 200, page.text
    async with issuer.session() as session:
        organisation = (await session.scalars(select(Organisation))).one()
        summaries = await AwardStatuses(session).summaries()
    assert organisation.slug in page.text
    assert {(s.purpose, s.set_bits) for s in summaries} == {("revocation", 1), ("suspension", 1)}
    assert "Appeal" not in page.text


async def test_the_service_refuses_a_change_of_a_revoked_award(issuer: RunningIssuer) -> None:
    [award] = await make_awards(issuer)
    async with issuer.session() as session:
        statuses = AwardStatuses(session)
        await statuses.revoke(award.id, reason="Error", actor="t")
        with pytest.raises(Conflict, match="revocation is final"):
            await statuses.suspend(award.id, reason="x", actor="t")
