"""The registrar's awards: found by learner name, e-mail or student id a page at a time; the
award page links the certificate and its verification page; revoking asks first; a new offer
keeps the PIN the award's last offer had."""

from __future__ import annotations

import re
from typing import Any

from issuer.awards.registrar import MAX_OFFSET
from tests.issuer.conftest import RunningIssuer
from tests.issuer.test_catalogue_api import first_achievement
from tests.issuer.test_pages import page, pin_in, post_form, sign_in

LEARNERS = [
    {"name": "Maria Muster", "email": "maria@uni.example", "student_id": "S-1001"},
    {"name": "Jan Kowalski", "email": "jan.k@uni.example", "student_id": "S-2002"},
    {"name": "Łukasz Żółć", "email": "lz@example.org", "student_id": "100%_real"},
]


async def award(issuer: RunningIssuer, **learner: Any) -> str:
    achievement = await first_achievement(issuer)
    made = await issuer.client.post(
        "/api/v1/awards",
        headers=issuer.admin,
        json={"achievement_id": achievement["id"], **learner},
    )
    assert made.status_code == 201, made.text
    award_id: str = made.json()["award_id"]
    return award_id


def learners_listed(html: str) -> list[str]:
    return re.findall(r'<a href="/admin/awards/[0-9a-f-]{36}">([^<]+)</a>', html)


async def test_awards_are_found_by_name_e_mail_or_student_id(issuer: RunningIssuer) -> None:
    for learner in LEARNERS:
        await award(issuer, **learner)
    await sign_in(issuer)
    for query, found in [
        ("muster", ["Maria Muster"]),
        ("JAN.K@", ["Jan Kowalski"]),
        ("s-2002", ["Jan Kowalski"]),
        ("uni.example", ["Jan Kowalski", "Maria Muster"]),
        ("żółć", ["Łukasz Żółć"]),
        ("100%_", ["Łukasz Żółć"]),  # % and _ are characters, not wildcards
        ("%", ["Łukasz Żółć"]),
        ("nobody", []),
    ]:
        html = await page(issuer, f"/admin/awards?q={query}")
        assert sorted(learners_listed(html)) == found, query
    assert "No award's learner has “nobody”" in await page(issuer, "/admin/awards?q=nobody")

    api = await issuer.client.get("/api/v1/awards?q=MUSTER", headers=issuer.admin)
    assert api.status_code == 200, api.text
    assert [item["learner_name"] for item in api.json()["items"]] == ["Maria Muster"]
    assert api.json()["total"] == 1
    too_long = await issuer.client.get(f"/api/v1/awards?q={'x' * 201}", headers=issuer.admin)
    assert too_long.status_code == 400, too_long.text


async def test_search_results_come_a_page_at_a_time_within_bounds(issuer: RunningIssuer) -> None:
    for number in range(5):
        await award(issuer, name=f"Learner {number}", email=f"l{number}@uni.example")
    await award(issuer, name="Someone Else")
    await sign_in(issuer)
    first = await page(issuer, "/admin/awards?q=learner&limit=2")
    assert len(learners_listed(first)) == 2
    assert "1–2 of 5" in first
    older = re.search(r'href="(/admin/awards\?offset=2&amp;limit=2&amp;q=learner)"', first)
    assert older, "the next page keeps the search"
    second = await page(issuer, older.group(1).replace("&amp;", "&"))
    assert "3–4 of 5" in second
    assert not set(learners_listed(first)) & set(learners_listed(second))
    assert (await issuer.client.get(f"/admin/awards?offset={MAX_OFFSET + 1}")).status_code == 400
    assert (await issuer.client.get("/admin/awards?limit=100000")).status_code == 400
    past_the_end = await page(issuer, "/admin/awards?offset=500")
    assert "There are only 6 awards" in past_the_end


async def test_the_award_page_links_the_certificate_and_its_verification_page(
    issuer: RunningIssuer,
) -> None:
    award_id = await award(issuer, name="Maria Muster")
    await sign_in(issuer)
    html = await page(issuer, f"/admin/awards/{award_id}")
    pdf_link = f'href="/admin/awards/{award_id}/certificate.pdf"'
    assert pdf_link in html
    verification = re.search(r'href="(http://issuer\.test/certificates/[^"]+)"', html)
    assert verification, "no link to the public verification page"
    pdf = await issuer.client.get(f"/admin/awards/{award_id}/certificate.pdf")
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    public = await issuer.client.get(verification.group(1), headers={"Accept": "text/html"})
    assert public.status_code == 200, public.text
    assert "Maria Muster" in public.text


async def test_revoking_asks_for_confirmation_first(issuer: RunningIssuer) -> None:
    award_id = await award(issuer, name="Maria Muster")
    await sign_in(issuer)
    path = f"/admin/awards/{award_id}"
    html = await page(issuer, path)
    # The award page has no button that revokes at once: it leads to the confirmation step.
    assert f'<form method="post" action="{path}/revoke"' not in html
    assert f'<form method="get" action="{path}/revoke"' in html

    confirm = await page(issuer, f"{path}/revoke")
    assert "Revoke this award for good?" in confirm
    assert "Maria Muster" in confirm
    assert f'<form method="post" action="{path}/revoke"' in confirm
    assert f'href="{path}">Cancel, keep it</a>' in confirm
    assert "Up to 2,000 characters" in confirm
    still = await issuer.client.get(f"/api/v1/awards/{award_id}", headers=issuer.admin)
    assert still.json()["status"] == "active"  # looking at the step changes nothing

    revoked = await post_form(issuer, f"{path}/revoke", data={"reason": "awarded by mistake"})
    assert revoked.status_code == 303, revoked.text
    after = await issuer.client.get(f"/api/v1/awards/{award_id}", headers=issuer.admin)
    assert after.json()["status"] == "revoked"
    assert "revoked already" in await page(issuer, f"{path}/revoke")


async def test_a_new_offer_keeps_the_pin_of_the_last_one_by_default(
    issuer: RunningIssuer,
) -> None:
    await sign_in(issuer)
    achievement = await first_achievement(issuer)
    made = await post_form(
        issuer,
        f"/admin/achievements/{achievement['id']}/award",
        data={"name": "Maria Muster", "tx_code": "1"},
    )
    path = made.headers["location"]
    html = await page(issuer, path)
    assert re.search(r'name="tx_code" value="1" checked', html), "the PIN box is not ticked"
    assert "(as the last offer did)" in html

    # The page posts the box as it is: ticked, the new offer has a PIN too.
    again = await post_form(issuer, f"{path}/offers", data={"tx_code": "1"})
    assert again.status_code == 303, again.text
    assert pin_in(await page(issuer, path)) is not None

    # The API without a word about the PIN keeps it; told otherwise, it drops it.
    award_id = path.rsplit("/", 1)[1]
    kept = await issuer.client.post(f"/api/v1/awards/{award_id}/offers", headers=issuer.admin)
    assert kept.status_code == 201, kept.text
    assert kept.json()["tx_code"]
    dropped = await issuer.client.post(
        f"/api/v1/awards/{award_id}/offers", headers=issuer.admin, json={"tx_code": False}
    )
    assert "tx_code" not in dropped.json()
    html = await page(issuer, path)
    assert not re.search(r'name="tx_code" value="1" checked', html)  # the last had none
