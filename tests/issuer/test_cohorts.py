"""Cohort issuance: a CSV of learners is checked row by row, then awarded all at once."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest
from sqlalchemy import func, select

from issuer.app import create_app
from issuer.catalogue.service import Catalogue
from issuer.cohorts.csvfile import OFFER_COLUMNS, parse_cohort
from issuer.cohorts.job import run_cohort, wait_until_finished
from issuer.cohorts.keys import derived_key
from issuer.cohorts.service import Cohorts
from issuer.models import Award, Cohort, CredentialOffer, StatusAllocation
from issuer.oid4vci.codes import TxCodeDigests
from issuer.oid4vci.configurations import PRE_AUTHORIZED_GRANT
from shared.clock import utcnow
from shared.tokens import token_hash
from tests.issuer.conftest import BASE_URL, RunningIssuer
from tests.support.apps import serving

HEADER = "name,email,student_id,grade,activity_start,activity_end,tx_code"


async def _achievement_id(issuer: RunningIssuer, index: int = 0) -> str:
    """The demo catalogue's first entry grades F–A; its second, Pass/Fail."""
    async with issuer.session() as session:
        items = await Catalogue(session, issuer.settings.base_url).items()
    return items[index].achievement.id


async def _counts(issuer: RunningIssuer) -> dict[str, int]:
    counts = {}
    async with issuer.session() as session:
        for model in (Award, CredentialOffer, StatusAllocation, Cohort):
            counts[model.__tablename__] = int(
                await session.scalar(select(func.count()).select_from(model)) or 0
            )
    return counts


def _learners(count: int) -> list[str]:
    return [
        f"Learner {i},learner{i}@uni.example,S-{i:05d},B,2025-02-03,2025-03-28,"
        + ("yes" if i % 2 else "no")
        for i in range(count)
    ]


def _csv(lines: list[str]) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


async def _upload(
    issuer: RunningIssuer, achievement_id: str, data: bytes, **headers: str
) -> httpx.Response:
    return await issuer.client.post(
        f"/api/v1/achievements/{achievement_id}/cohorts",
        content=data,
        headers={**issuer.admin, "Content-Type": "text/csv", **headers},
    )


def _uri_token(offer_link: str) -> str:
    offer_uri = parse_qs(urlsplit(offer_link).query)["credential_offer_uri"][0]
    return offer_uri.rsplit("/", 1)[1]


# --- reading the file -------------------------------------------------------------------


def test_an_excel_file_with_bom_semicolons_and_spelled_out_headers_is_read() -> None:
    """Excel in Germany writes 'CSV UTF-8' with a BOM, semicolons and its own header case."""
    data = (
        "\ufeffName;E-Mail;Student ID;Grade;Activity start;Activity end;TX code\r\n"
        "Jan Novák;jan@uni.example;S-1;A;2025-02-03;2025-03-28;Yes\r\n"
        ";;;;;;\r\n"
    ).encode()
    parsed = parse_cohort(data)
    assert parsed.problems == []
    assert parsed.delimiter == ";"
    [row] = parsed.rows
    assert row.line == 2
    assert row.recipient.name == "Jan Novák"
    assert row.recipient.email == "jan@uni.example"
    assert row.recipient.student_id == "S-1"
    assert str(row.recipient.activity_end) == "2025-03-28"
    assert row.tx_code is True


def test_line_numbers_are_those_of_the_file_across_blank_lines_and_quoted_newlines() -> None:
    """A problem names the line a spreadsheet or editor shows, wherever the row starts."""
    data = b'name,email\n\n"Anna\nMaria Muster",anna@uni.example\n,no-name@uni.example\n'
    parsed = parse_cohort(data)
    assert [row.line for row in parsed.rows] == [3]
    assert [(p.line, p.field) for p in parsed.problems] == [(5, "name")]


@pytest.mark.parametrize(
    ("line", "field", "reason"),
    [
        ("Ann,ann@uni,,,,,", "email", "not an e-mail address"),
        ("Ann,,,,03.02.2025,,", "activity_start", "YYYY-MM-DD"),
        ("Ann,,,,,2025-02-30,", "activity_end", "YYYY-MM-DD"),
        ("Ann,,,,,,maybe", "tx_code", "neither yes nor no"),
        ("Ann,,,,,,,surplus", "(row)", "more cells"),
        ("  ,ann@uni.example,,,,,", "name", "missing"),
        ("A" * 301 + ",,,,,,", "name", "longer than 300"),
    ],
)
def test_each_csv_rule_names_the_line_and_column(line: str, field: str, reason: str) -> None:
    parsed = parse_cohort(_csv([line]))
    assert [(p.line, p.field) for p in parsed.problems] == [(2, field)]
    assert reason in parsed.problems[0].reason
    assert parsed.rows == []


def test_a_learner_twice_by_email_or_student_id_is_a_problem_on_the_later_line() -> None:
    data = _csv(
        [
            "Ann,ann@uni.example,S-1,,,,",
            "Bob,bob@uni.example,S-1,,,,",
            "Ann again,ANN@uni.example,S-3,,,,",
        ]
    )
    problems = parse_cohort(data).problems
    assert [(p.line, p.field, p.reason) for p in problems] == [
        (3, "student_id", "the same student id as line 2"),
        (4, "email", "the same e-mail as line 2"),
    ]


def test_a_file_that_cannot_be_read_is_refused_with_a_reason() -> None:
    """Unknown columns, no name column, not UTF-8, no learners, malformed quoting."""
    unknown = parse_cohort(b"name,emial\nAnn,ann@uni.example\n").problems
    assert [(p.line, p.field) for p in unknown] == [(1, "emial")]
    no_name = parse_cohort(b"email\nann@uni.example\n").problems
    assert [(p.line, p.field) for p in no_name] == [(1, "name")]
    latin1 = parse_cohort("name\nJosé\n".encode("latin-1")).problems
    assert [(p.line, p.field) for p in latin1] == [(2, "(file)")]
    assert "UTF-8" in latin1[0].reason
    assert "no learners" in parse_cohort(b"name,email\n").problems[0].reason
    assert parse_cohort(b"").problems[0].line == 1
    unterminated = parse_cohort(b'name\nAnn\n"Bob\n').problems
    assert [(p.line, p.field) for p in unterminated] == [(3, "(file)")]


# --- the API ------------------------------------------------------------------------------


async def test_a_file_with_three_bad_rows_is_refused_naming_them_and_nothing_is_created(
    issuer: RunningIssuer,
) -> None:
    """17 good rows and 3 bad ones (grade not allowed, bad date, a learner twice): 400."""
    achievement_id = await _achievement_id(issuer)
    lines = _learners(20)
    lines[4] = "Bad Grade,bad.grade@uni.example,S-90004,Z,2025-02-03,2025-03-28,no"
    lines[9] = "Bad Date,bad.date@uni.example,S-90009,B,28/03/2025,2025-03-28,no"
    lines[16] = "Twice,learner2@uni.example,S-90016,B,2025-02-03,2025-03-28,no"
    before = await _counts(issuer)

    response = await _upload(issuer, achievement_id, _csv(lines))

    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "invalid_request"
    assert "nothing was created" in body["error_description"]
    found = [(p["line"], p["field"]) for p in body["problems"]]
    # Lines count the header: row i of the list is on line i + 2.
    assert found == [(6, "grade"), (11, "activity_start"), (18, "email")]
    assert "'Z' is not one of" in body["problems"][0]["reason"]
    assert body["problems"][2]["reason"] == "the same e-mail as line 4"
    assert body["problems_total"] == 3
    assert await _counts(issuer) == before


async def test_a_row_with_a_bad_cell_is_still_checked_against_the_model(
    issuer: RunningIssuer,
) -> None:
    """One upload names every problem: a bad date does not hide a grade that is not allowed."""
    achievement_id = await _achievement_id(issuer)
    data = _csv(["Ann,ann@uni.example,,Q,2025-13-01,,no", ",,,,2025-03-01,2025-02-01,"])
    response = await _upload(issuer, achievement_id, data)
    assert response.status_code == 400, response.text
    found = [(p["line"], p["field"]) for p in response.json()["problems"]]
    assert found == [(2, "activity_start"), (2, "grade"), (3, "name"), (3, "activity_end")]


async def test_a_valid_file_creates_every_award_and_offer_and_returns_the_links_once(
    issuer: RunningIssuer,
) -> None:
    """Distinct offers, a PIN only where asked for, links that work, hashes in the database."""
    achievement_id = await _achievement_id(issuer)
    before = await _counts(issuer)
    response = await issuer.client.post(
        f"/api/v1/achievements/{achievement_id}/cohorts",
        files={"file": ("spring-2025.csv", _csv(_learners(12)), "text/csv")},
        headers=issuer.admin,
    )
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["created"] == 12
    assert body["repeated"] is False
    offers = body["offers"]
    assert [offer["line"] for offer in offers] == list(range(2, 14))
    assert {offer["status"] for offer in offers} == {"new offer"}
    assert len({offer["award_id"] for offer in offers}) == 12
    assert len({offer["credential_offer_uri"] for offer in offers}) == 12
    assert all(o["credential_offer_uri"].startswith("openid-credential-offer://") for o in offers)
    with_pin = [offer for offer in offers if "tx_code" in offer]
    assert [offer["line"] for offer in with_pin] == [line for line in range(3, 14, 2)]
    assert all(len(offer["tx_code"]) == 6 for offer in with_pin)

    after = await _counts(issuer)
    assert after["awards"] - before["awards"] == 12
    assert after["credential_offers"] - before["credential_offers"] == 12
    assert after["status_allocations"] - before["status_allocations"] == 24
    assert after["cohorts"] - before["cohorts"] == 1

    first, second = offers[0], offers[1]
    token = _uri_token(second["credential_offer_uri"])
    offer_object = await issuer.client.get(f"/credential-offer/{token}")
    assert offer_object.status_code == 200, offer_object.text
    grant = offer_object.json()["grants"][PRE_AUTHORIZED_GRANT]
    assert grant["tx_code"]["length"] == 6
    first_object = await issuer.client.get(
        f"/credential-offer/{_uri_token(first['credential_offer_uri'])}"
    )
    assert "tx_code" not in first_object.json()["grants"][PRE_AUTHORIZED_GRANT]
    qr = await issuer.client.get(second["qr_png_url"])
    assert qr.status_code == 200
    assert qr.headers["content-type"] == "image/png"

    async with issuer.session() as session:
        stored = await session.scalar(
            select(CredentialOffer).where(CredentialOffer.award_id == second["award_id"])
        )
        award = await session.get(Award, second["award_id"])
        cohort = await session.get(Cohort, body["cohort_id"])
    assert stored is not None
    assert award is not None
    assert cohort is not None
    assert stored.uri_token_hash == token_hash(token)
    assert stored.tx_code_hash is not None
    tx_codes = TxCodeDigests(issuer.runtime.key_encryption_key)
    assert tx_codes.matches(second["tx_code"], stored.tx_code_hash)
    assert issuer.codes.offer_id(grant["pre-authorized_code"], utcnow()) == stored.id
    assert award.cohort_id == body["cohort_id"]
    assert award.learner_student_id == "S-00001"
    assert (award.cohort_line, award.cohort_tx_code) == (3, True)
    # Done: the file (the learners' personal data, now in the awards) is not kept.
    assert (cohort.state, cohort.done, cohort.file_data) == ("done", 12, None)

    record = await issuer.client.get(response.headers["location"], headers=issuer.admin)
    assert record.status_code == 200, record.text
    assert record.json()["row_count"] == 12
    assert record.json()["state"] == "done"
    assert record.json()["file_name"] == "spring-2025.csv"
    assert sorted(record.json()["award_ids"]) == sorted(o["award_id"] for o in offers)
    assert "openid-credential-offer" not in record.text


async def test_asking_for_csv_returns_the_links_file_in_the_uploads_delimiter(
    issuer: RunningIssuer,
) -> None:
    achievement_id = await _achievement_id(issuer, 1)  # graded Pass / Fail
    data = b"name;email;grade;tx_code\nAnn;ann@uni.example;Pass;yes\n=cmd();;;no\n"
    response = await _upload(issuer, achievement_id, data, Accept="text/csv")
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.startswith("\ufeff")
    rows = _rows(response.text, ";")
    assert list(rows[0]) == [
        "line",
        "name",
        "email",
        "student_id",
        "award_id",
        "credential_offer_uri",
        "wallet_link",
        "qr_png_url",
        "tx_code",
        "status",
    ]
    assert rows[0]["line"] == "2"
    assert len(rows[0]["tx_code"]) == 6
    assert rows[1]["tx_code"] == ""
    assert rows[1]["name"] == "'=cmd()"  # never a formula when the registrar opens it
    assert rows[0]["wallet_link"].startswith(issuer.settings.wallet_url)
    # Both links carry the whole offer URI, the issuer's address included, as the QR code does.
    offer_uri = f"{BASE_URL}/credential-offer/{_uri_token(rows[0]['credential_offer_uri'])}"
    for link in (rows[0]["credential_offer_uri"], rows[0]["wallet_link"]):
        assert parse_qs(urlsplit(link).query)["credential_offer_uri"] == [offer_uri]
    assert rows[0]["qr_png_url"] == f"{offer_uri}/qr.png"
    assert rows[0]["status"] == "new offer"


async def test_the_cohort_api_needs_a_token_an_awardable_entry_and_a_csv_body(
    issuer: RunningIssuer,
) -> None:
    achievement_id = await _achievement_id(issuer)
    path = f"/api/v1/achievements/{achievement_id}/cohorts"
    anonymous = await issuer.client.post(path, content=_csv(_learners(1)))
    assert anonymous.status_code == 401
    wrong_type = await issuer.client.post(path, json={"name": "Ann"}, headers=issuer.admin)
    assert wrong_type.status_code == 415
    unknown = await _upload(issuer, "no-such-id", _csv(_learners(1)))
    assert unknown.status_code == 404
    long_key = await _upload(
        issuer, achievement_id, _csv(_learners(1)), **{"Idempotency-Key": "k" * 201}
    )
    assert long_key.status_code == 400
    assert "idempotency key" in long_key.json()["error_description"]
    async with issuer.session() as session:
        await Catalogue(session, issuer.settings.base_url).retire(achievement_id, actor="t")
    retired = await _upload(issuer, achievement_id, _csv(_learners(1)))
    assert retired.status_code == 409
    assert "retired" in retired.json()["error_description"]


# --- idempotent and durable -----------------------------------------------------------------


async def test_the_same_file_uploaded_again_returns_the_first_cohort_with_new_links(
    issuer: RunningIssuer,
) -> None:
    """No award twice: 200, the same cohort and awards; the first answer's links are
    withdrawn and the new ones work."""
    achievement_id = await _achievement_id(issuer)
    data = _csv(_learners(6))
    first = await _upload(issuer, achievement_id, data)
    assert first.status_code == 201, first.text
    before = await _counts(issuer)

    again = await _upload(issuer, achievement_id, data)

    assert again.status_code == 200, again.text
    body = again.json()
    assert body["repeated"] is True
    assert body["cohort_id"] == first.json()["cohort_id"]
    assert again.headers["location"] == first.headers["location"]
    assert [o["award_id"] for o in body["offers"]] == [
        o["award_id"] for o in first.json()["offers"]
    ]
    after = await _counts(issuer)
    assert after["awards"] == before["awards"]
    assert after["cohorts"] == before["cohorts"]
    old, new = first.json()["offers"][0], body["offers"][0]
    assert old["credential_offer_uri"] != new["credential_offer_uri"]
    withdrawn = await issuer.client.get(_offer_object_uri(old["credential_offer_uri"]))
    assert withdrawn.status_code == 404
    live = await issuer.client.get(_offer_object_uri(new["credential_offer_uri"]))
    assert live.status_code == 200, live.text


async def test_a_key_names_one_upload_another_file_under_it_is_refused(
    issuer: RunningIssuer,
) -> None:
    achievement_id = await _achievement_id(issuer)
    key = {"Idempotency-Key": "sis-export-2025-06-30"}
    first = await _upload(issuer, achievement_id, _csv(_learners(3)), **key)
    assert first.status_code == 201, first.text
    before = await _counts(issuer)

    other = await _upload(issuer, achievement_id, _csv(_learners(4)), **key)

    assert other.status_code == 409, other.text
    assert first.json()["cohort_id"] in other.json()["error_description"]
    assert await _counts(issuer) == before
    # The key may also come as a form field, and it is the key, not the file, that counts.
    same = await issuer.client.post(
        f"/api/v1/achievements/{achievement_id}/cohorts",
        data={"idempotency_key": "sis-export-2025-06-30"},
        files={"file": ("again.csv", _csv(_learners(3)), "text/csv")},
        headers=issuer.admin,
    )
    assert same.status_code == 200, same.text
    assert same.json()["cohort_id"] == first.json()["cohort_id"]


async def test_the_links_file_made_again_offers_anew_only_to_those_who_have_not_received(
    issuer: RunningIssuer,
) -> None:
    """A learner who redeemed is 'already received'; the others' fresh codes redeem at
    /token, and the withdrawn ones of the first file no longer do."""
    achievement_id = await _achievement_id(issuer)
    created = await _upload(issuer, achievement_id, _csv(_learners(4)))
    assert created.status_code == 201, created.text
    cohort_id = created.json()["cohort_id"]
    first = created.json()["offers"]
    # Learner 0 (no PIN) receives the credential; learner 2's wallet fetched its offer
    # object (a pre-authorized code) but never redeemed it.
    assert (await _redeem(issuer, first[0])).status_code == 200
    stale = await _offer_object(issuer, first[2])

    again = await issuer.client.post(
        f"/api/v1/cohorts/{cohort_id}/links", headers={**issuer.admin, "Accept": "text/csv"}
    )

    assert again.status_code == 200, again.text
    rows = _rows(again.text)
    assert [row["status"] for row in rows] == [
        "already received",
        "new offer",
        "new offer",
        "new offer",
    ]
    assert rows[0]["credential_offer_uri"] == ""
    assert rows[0]["award_id"] == first[0]["award_id"]
    assert len(rows[1]["tx_code"]) == 6  # the file asked for a PIN on that line
    assert rows[2]["tx_code"] == ""
    fresh = {"credential_offer_uri": rows[1]["credential_offer_uri"], "tx_code": rows[1]["tx_code"]}
    assert (await _redeem(issuer, fresh)).status_code == 200
    refused = await issuer.client.post(
        "/token",
        data={
            "grant_type": PRE_AUTHORIZED_GRANT,
            "pre-authorized_code": stale["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"],
        },
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] == "invalid_grant"
    record = await issuer.client.get(f"/api/v1/cohorts/{cohort_id}", headers=issuer.admin)
    assert record.json()["links_made_at"] is not None


async def test_a_job_that_died_half_way_goes_on_and_makes_exactly_one_award_per_row(
    issuer: RunningIssuer,
) -> None:
    """The first chunk committed, then the worker died: two workers resuming at once still
    make each row's award once."""
    achievement_id = await _achievement_id(issuer)
    data = _csv(_learners(2300))
    async with issuer.session() as session:
        cohorts = Cohorts(session, issuer.settings, issuer.runtime.key_encryption_key)
        plan = await cohorts.check(achievement_id, data)
        cohort = (
            await cohorts.register(plan, key=derived_key(achievement_id, data), actor="t")
        ).cohort
    async with issuer.session() as session:
        cohorts = Cohorts(session, issuer.settings, issuer.runtime.key_encryption_key)
        assert await cohorts.create_chunk(cohort.id, plan.rows) == 1000
    async with issuer.runtime.sessions() as session:
        cohorts = Cohorts(session, issuer.settings, issuer.runtime.key_encryption_key)
        # A second chunk made but never committed: its worker died before the commit.
        assert await cohorts.create_chunk(cohort.id, plan.rows) == 1000
        await session.rollback()
    assert (await issuer.client.get(f"/api/v1/cohorts/{cohort.id}", headers=issuer.admin)).json()[
        "done"
    ] == 1000

    await asyncio.gather(
        run_cohort(issuer.runtime, issuer.settings, cohort.id),
        run_cohort(issuer.runtime, issuer.settings, cohort.id),
    )

    async with issuer.session() as session:
        lines = list(
            await session.scalars(select(Award.cohort_line).where(Award.cohort_id == cohort.id))
        )
        done = await session.get(Cohort, cohort.id)
    assert sorted(lines) == [row.line for row in plan.rows]
    assert done is not None
    assert (done.state, done.done) == ("done", 2300)


async def test_a_cohort_left_unfinished_is_finished_when_the_issuer_starts_again(
    issuer: RunningIssuer,
) -> None:
    """Recorded but never run (the process stopped): the next start's worker takes it."""
    achievement_id = await _achievement_id(issuer)
    data = _csv(_learners(30))
    async with issuer.session() as session:
        cohorts = Cohorts(session, issuer.settings, issuer.runtime.key_encryption_key)
        plan = await cohorts.check(achievement_id, data)
        cohort = (await cohorts.register(plan, key="left-behind", actor="t")).cohort

    restarted = create_app(issuer.settings)
    async with serving(restarted, base_url=BASE_URL):
        finished = await wait_until_finished(restarted.state.runtime, cohort.id, 60)

    assert (finished.state, finished.done) == ("done", 30)


# --- the pages ----------------------------------------------------------------------------


def _page_headers(issuer: RunningIssuer) -> dict[str, str]:
    return {**issuer.admin, "Origin": BASE_URL, "Accept": "text/html"}


async def test_the_upload_page_lists_every_bad_row_in_a_table(issuer: RunningIssuer) -> None:
    achievement_id = await _achievement_id(issuer)
    form = await issuer.client.get("/admin/cohorts/new", headers=_page_headers(issuer))
    assert form.status_code == 200, form.text
    assert achievement_id in form.text
    lines = _learners(5)
    lines[1] = "Someone,not-an-address,S-9,B,,,no"
    lines[3] = ",x@uni.example,S-8,B,,,no"
    response = await issuer.client.post(
        "/admin/cohorts/new",
        data={"achievement_id": achievement_id},
        files={"file": ("cohort.csv", _csv(lines), "text/csv")},
        headers=_page_headers(issuer),
    )
    assert response.status_code == 400
    assert "nothing was created" in response.text
    rows = response.text.split("<tbody>")[1].split("</tbody>")[0]
    assert rows.count("<tr>") == 2
    assert '<td class="number">3</td><td><code>email</code></td>' in rows
    assert '<td class="number">5</td><td><code>name</code></td>' in rows


async def test_the_page_creates_in_the_background_and_makes_the_links_file_on_demand(
    issuer: RunningIssuer,
) -> None:
    achievement_id = await _achievement_id(issuer)
    headers = _page_headers(issuer)
    upload = {
        "data": {"achievement_id": achievement_id},
        "files": {"file": ("cohort.csv", _csv(_learners(30)), "text/csv")},
        "headers": headers,
    }
    response = await issuer.client.post("/admin/cohorts/new", **upload)  # type: ignore[arg-type]
    assert response.status_code == 303, response.text
    page_url = response.headers["location"]
    cohort_id = page_url.rsplit("/", 1)[1]
    page = await issuer.client.get(page_url, headers=headers)
    assert page.status_code == 200
    if "refresh" in page.headers:  # reloads itself until done, without JS
        assert "Creating awards" in page.text or "Waiting" in page.text
    await wait_until_finished(issuer.runtime, cohort_id, 60)

    done = await issuer.client.get(page_url, headers=headers)
    assert "refresh" not in done.headers
    assert "Download the links file" in done.text
    links = await issuer.client.post(f"{page_url}/links", headers=headers)
    assert links.status_code == 200, links.text
    assert links.headers["cache-control"] == "no-store"
    rows = _rows(links.text)
    assert len(rows) == 30
    assert len({row["credential_offer_uri"] for row in rows}) == 30

    # The same file again (a double click, a retry) leads to the same cohort.
    repeated = await issuer.client.post("/admin/cohorts/new", **upload)  # type: ignore[arg-type]
    assert repeated.status_code == 303
    assert repeated.headers["location"] == page_url
    later = await issuer.client.get(page_url, headers=headers)
    assert "Make the links file again" in later.text
    assert "stop working" in later.text
    again = await issuer.client.post(f"{page_url}/links", headers=headers)
    assert {row["credential_offer_uri"] for row in _rows(again.text)}.isdisjoint(
        row["credential_offer_uri"] for row in rows
    )
    listing = await issuer.client.get("/admin/cohorts", headers=headers)
    assert cohort_id in listing.text
    assert (await _counts(issuer))["cohorts"] == 1


async def test_cohort_forms_from_another_site_are_refused(issuer: RunningIssuer) -> None:
    achievement_id = await _achievement_id(issuer)
    before = await _counts(issuer)
    evil = {**_page_headers(issuer), "Origin": "https://evil.example"}
    response = await issuer.client.post(
        "/admin/cohorts/new",
        data={"achievement_id": achievement_id},
        files={"file": ("cohort.csv", _csv(_learners(2)), "text/csv")},
        headers=evil,
    )
    assert response.status_code == 403
    assert await _counts(issuer) == before
    created = await _upload(issuer, achievement_id, _csv(_learners(2)))
    links = await issuer.client.post(
        f"/admin/cohorts/{created.json()['cohort_id']}/links", headers=evil
    )
    assert links.status_code == 403
    assert (await _counts(issuer))["credential_offers"] == before["credential_offers"] + 2


# --- helpers ------------------------------------------------------------------------------


def _rows(text: str, delimiter: str = ",") -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=delimiter))
    assert all(list(row) == list(OFFER_COLUMNS) for row in rows)
    return rows


def _offer_object_uri(offer_link: str) -> str:
    return unquote(parse_qs(urlsplit(offer_link).query)["credential_offer_uri"][0])


async def _offer_object(issuer: RunningIssuer, offer: dict[str, Any]) -> dict[str, Any]:
    response = await issuer.client.get(_offer_object_uri(offer["credential_offer_uri"]))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _redeem(issuer: RunningIssuer, offer: dict[str, Any]) -> httpx.Response:
    """What a wallet does with a links file's line: fetch the offer, POST its code to /token."""
    grant = (await _offer_object(issuer, offer))["grants"][PRE_AUTHORIZED_GRANT]
    form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": grant["pre-authorized_code"]}
    if offer.get("tx_code"):
        form["tx_code"] = offer["tx_code"]
    return await issuer.client.post("/token", data=form)
