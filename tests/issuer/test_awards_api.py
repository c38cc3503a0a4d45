"""The admin API for awards and offers, and the offers' public QR codes."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image
from sqlalchemy import select

from issuer.models import AuditEvent
from tests.issuer.conftest import RunningIssuer
from tests.issuer.test_catalogue_api import ACTOR, first_achievement
from tests.support.qr import read_qr

PRE_AUTHORIZED = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


async def award(issuer: RunningIssuer, **fields: Any) -> dict[str, Any]:
    if "achievement_id" not in fields:
        fields["achievement_id"] = (await first_achievement(issuer))["id"]
    body = {"name": "Maria Muster", "email": "maria@example.org", **fields}
    response = await issuer.client.post("/api/v1/awards", headers=issuer.admin, json=body)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def offer_uri_of(link: str) -> str:
    """The ``credential_offer_uri`` inside an ``openid-credential-offer://`` link."""
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("openid-credential-offer", "", "")
    query = parse_qs(parts.query, strict_parsing=True)
    assert list(query) == ["credential_offer_uri"]
    [uri] = query["credential_offer_uri"]
    return uri


def decode_png(png: bytes) -> str:
    return str(read_qr(Image.open(io.BytesIO(png))).text)


async def test_an_award_comes_with_a_working_offer_link_and_qr_code(
    issuer: RunningIssuer,
) -> None:
    made = await award(issuer)
    uri = offer_uri_of(made["credential_offer_uri"])
    prefix = f"{issuer.settings.base_url}/credential-offer/"
    assert uri.startswith(prefix)
    token = uri.removeprefix(prefix)
    assert len(token) >= 43
    assert "/" not in token
    assert made["offer_object_uri"] == uri
    assert made["qr_png_url"] == f"{uri}/qr.png"
    assert made["qr_svg_url"] == f"{uri}/qr.svg"
    assert made["wallet_link"].startswith(f"{issuer.settings.wallet_url}/receive?")
    assert offer_uri_of_wallet(made["wallet_link"]) == uri
    assert "tx_code" not in made

    offer = await issuer.client.get(uri)
    assert offer.status_code == 200, offer.text
    assert offer.json()["credential_issuer"] == issuer.settings.base_url
    assert "tx_code" not in offer.json()["grants"][PRE_AUTHORIZED]

    png = await issuer.client.get(made["qr_png_url"])
    assert png.status_code == 200, png.text
    assert png.headers["content-type"] == "image/png"
    assert png.headers["cache-control"] == "no-store"
    assert decode_png(png.content) == made["credential_offer_uri"]
    svg = await issuer.client.get(made["qr_svg_url"])
    assert svg.status_code == 200, svg.text
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.headers["cache-control"] == "no-store"
    assert svg.text.startswith("<svg")


def offer_uri_of_wallet(link: str) -> str:
    [uri] = parse_qs(urlsplit(link).query)["credential_offer_uri"]
    return uri


async def test_a_pin_is_made_only_when_asked_and_returned_only_then(
    issuer: RunningIssuer,
) -> None:
    with_pin = await award(issuer, tx_code=True)
    assert with_pin["tx_code"].isdigit()
    assert len(with_pin["tx_code"]) == 6
    offer = (await issuer.client.get(with_pin["offer_object_uri"])).json()
    assert offer["grants"][PRE_AUTHORIZED]["tx_code"]["length"] == 6
    assert with_pin["tx_code"] not in with_pin["credential_offer_uri"]

    without = await award(issuer, tx_code=False)
    assert "tx_code" not in without


async def test_a_new_offer_withdraws_the_old_one(issuer: RunningIssuer) -> None:
    made = await award(issuer)
    response = await issuer.client.post(
        f"/api/v1/awards/{made['award_id']}/offers", headers=issuer.admin, json={"tx_code": True}
    )
    assert response.status_code == 201, response.text
    fresh = response.json()
    assert fresh["award_id"] == made["award_id"]
    assert fresh["credential_offer_uri"] != made["credential_offer_uri"]
    assert len(fresh["tx_code"]) == 6

    old_png = await issuer.client.get(made["qr_png_url"])
    assert old_png.status_code == 404, old_png.text
    assert old_png.headers["cache-control"] == "no-store"
    assert (await issuer.client.get(made["qr_svg_url"])).status_code == 404
    assert (await issuer.client.get(made["offer_object_uri"])).status_code == 404
    new_png = await issuer.client.get(fresh["qr_png_url"])
    assert decode_png(new_png.content) == fresh["credential_offer_uri"]

    detail = await issuer.client.get(f"/api/v1/awards/{made['award_id']}", headers=issuer.admin)
    offers = detail.json()["offers"]
    assert [(o["state"], o["with_tx_code"]) for o in offers] == [
        ("withdrawn", False),
        ("live", True),
    ]
    assert offers[0]["withdrawn_at"] is not None


async def test_an_unknown_offer_token_has_no_qr_code(issuer: RunningIssuer) -> None:
    response = await issuer.client.get("/credential-offer/not-a-token/qr.png")
    assert response.status_code == 404, response.text


async def test_the_award_record_tells_its_story_without_secrets(issuer: RunningIssuer) -> None:
    achievement = await first_achievement(issuer)
    made = await award(
        issuer,
        achievement_id=achievement["id"],
        student_id="s-123",
        grade="B",
        activity_start="2025-03-01",
        activity_end="2025-05-31",
        tx_code=True,
    )
    response = await issuer.client.get(f"/api/v1/awards/{made['award_id']}", headers=issuer.admin)
    assert response.status_code == 200, response.text
    record = response.json()
    assert record["status"] == "active"
    assert record["learner"] == {
        "name": "Maria Muster",
        "email": "maria@example.org",
        "student_id": "s-123",
    }
    assert (record["grade"], record["activity_start"], record["activity_end"]) == (
        "B",
        "2025-03-01",
        "2025-05-31",
    )
    assert record["achievement_title"] == achievement["title"]
    assert (record["achievement_id"], record["version"]) == (achievement["id"], 1)
    assert record["created_by"] == ACTOR
    assert record["credentials"] == []
    assert [offer["state"] for offer in record["offers"]] == ["live"]
    token = made["offer_object_uri"].rsplit("/", 1)[1]
    for secret in (token, made["tx_code"]):
        assert secret not in response.text

    async with issuer.session() as session:
        events = list(
            await session.scalars(
                select(AuditEvent).where(AuditEvent.target == f"award:{made['award_id']}")
            )
        )
    assert {(e.action, e.actor) for e in events} == {
        ("award.create", ACTOR),
        ("offer.create", ACTOR),
    }
    assert token not in repr([e.details for e in events])


async def test_awards_are_listed_newest_first_by_micro_credential_and_page(
    issuer: RunningIssuer,
) -> None:
    listed = (await issuer.client.get("/api/v1/achievements", headers=issuer.admin)).json()
    first, second = listed[0]["id"], listed[1]["id"]
    names = ["Ada", "Bea", "Cem"]
    for name in names:
        await award(issuer, achievement_id=first, name=name)
    await award(issuer, achievement_id=second, name="Dan")

    everything = await issuer.client.get("/api/v1/awards", headers=issuer.admin)
    assert everything.json()["total"] == 4
    page = await issuer.client.get(
        "/api/v1/awards",
        headers=issuer.admin,
        params={"achievement_id": first, "limit": 2, "offset": 0},
    )
    assert page.status_code == 200, page.text
    body = page.json()
    assert (body["total"], body["limit"], body["offset"]) == (3, 2, 0)
    assert [item["learner_name"] for item in body["items"]] == ["Cem", "Bea"]
    assert {item["achievement_title"] for item in body["items"]} == {listed[0]["title"]}
    rest = await issuer.client.get(
        "/api/v1/awards",
        headers=issuer.admin,
        params={"achievement_id": first, "limit": 2, "offset": 2},
    )
    assert [item["learner_name"] for item in rest.json()["items"]] == ["Ada"]
    too_big = await issuer.client.get("/api/v1/awards", headers=issuer.admin, params={"limit": 0})
    assert too_big.status_code == 400, too_big.text


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"grade": "Z"}, "Grade achieved"),
        ({"activity_start": "2025-05-01", "activity_end": "2025-03-01"}, "Time period"),
        ({"email": "not-an-address"}, "email"),
        ({"name": "  "}, "name"),
        ({"achievement_id": "missing"}, "No micro-credential"),
    ],
    ids=["grade-not-in-scheme", "period-backwards", "bad-email", "no-name", "unknown"],
)
async def test_a_bad_award_is_refused_and_nothing_is_made(
    issuer: RunningIssuer, fields: dict[str, Any], named: str
) -> None:
    body = {"achievement_id": (await first_achievement(issuer))["id"], "name": "Maria", **fields}
    response = await issuer.client.post("/api/v1/awards", headers=issuer.admin, json=body)
    assert response.status_code in (400, 404), response.text
    assert named in response.json()["error_description"]
    listed = await issuer.client.get("/api/v1/awards", headers=issuer.admin)
    assert listed.json()["total"] == 0


async def test_a_revoked_award_gets_no_new_offer(issuer: RunningIssuer) -> None:
    made = await award(issuer)
    revoked = await issuer.client.post(
        f"/api/v1/awards/{made['award_id']}/revoke",
        headers=issuer.admin,
        json={"reason": "awarded by mistake"},
    )
    assert revoked.status_code == 200, revoked.text
    response = await issuer.client.post(
        f"/api/v1/awards/{made['award_id']}/offers", headers=issuer.admin, json={}
    )
    assert response.status_code == 409, response.text
    assert "revoked" in response.json()["error_description"]
