"""Cohort issuance: a CSV of learners is checked row by row, then awarded all at once."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import func, select

from issuer.admin.tokens import create_token
from issuer.catalogue.service import Catalogue
from issuer.cohorts.csvfile import parse_cohort
from issuer.cohorts.jobs import CohortJob, CohortJobs, JobState
from issuer.cohorts.service import Cohorts
from issuer.models import Award, Cohort, CredentialOffer, StatusAllocation
from issuer.oid4vci.codes import TxCodeDigests
from issuer.oid4vci.configurations import PRE_AUTHORIZED_GRANT
from shared.clock import utcnow
from shared.errors import Conflict
from shared.tokens import token_hash
from tests.issuer.conftest import BASE_URL, RunningIssuer

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
    offers = body["offers"]
    assert [offer["line"] for offer in offers] == list(range(2, 14))
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
    assert (
        "tx_code"
        not in (
            await issuer.client.get(
                f"/credential-offer/{_uri_token(first['credential_offer_uri'])}"
            )
        ).json()["grants"][PRE_AUTHORIZED_GRANT]
    )
    qr = await issuer.client.get(second["qr_png_url"])
    assert qr.status_code == 200
    assert qr.headers["content-type"] == "image/png"

    async with issuer.session() as session:
        stored = await session.scalar(
            select(CredentialOffer).where(CredentialOffer.award_id == second["award_id"])
        )
        award = await session.get(Award, second["award_id"])
    assert stored is not None
    assert award is not None
    assert stored.uri_token_hash == token_hash(token)
    assert stored.tx_code_hash is not None
    tx_codes = TxCodeDigests(issuer.runtime.key_encryption_key)
    assert tx_codes.matches(second["tx_code"], stored.tx_code_hash)
    assert issuer.codes.offer_id(grant["pre-authorized_code"], utcnow()) == stored.id
    assert award.cohort_id == body["cohort_id"]
    assert award.learner_student_id == "S-00001"

    record = await issuer.client.get(response.headers["location"], headers=issuer.admin)
    assert record.status_code == 200, record.text
    assert record.json()["row_count"] == 12
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
    rows = list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff")), delimiter=";"))
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
    ]
    assert rows[0]["line"] == "2"
    assert len(rows[0]["tx_code"]) == 6
    assert rows[1]["tx_code"] == ""
    assert rows[1]["name"] == "'=cmd()"  # never a formula when the registrar opens it
    assert rows[0]["wallet_link"].startswith(issuer.settings.wallet_url)
    assert rows[0]["qr_png_url"].startswith(f"{BASE_URL}/credential-offer/")


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
    async with issuer.session() as session:
        await Catalogue(session, issuer.settings.base_url).retire(achievement_id, actor="t")
    retired = await _upload(issuer, achievement_id, _csv(_learners(1)))
    assert retired.status_code == 409
    assert "retired" in retired.json()["error_description"]


async def test_creation_reports_progress_in_steps(issuer: RunningIssuer) -> None:
    """A page shows rows done / total while a large cohort is created."""
    achievement_id = await _achievement_id(issuer)
    seen: list[int] = []
    async with issuer.session() as session:
        cohorts = Cohorts(session, issuer.settings, issuer.runtime.key_encryption_key)
        plan = await cohorts.check(achievement_id, _csv(_learners(1200)))
        created = await cohorts.create(plan, actor="t", progress=seen.append)
    assert seen == [500, 1000, 1200]
    assert len(created.offers) == 1200


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


async def test_the_page_creates_in_the_background_and_offers_the_links_to_its_session_only(
    issuer: RunningIssuer,
) -> None:
    achievement_id = await _achievement_id(issuer)
    headers = _page_headers(issuer)
    response = await issuer.client.post(
        "/admin/cohorts/new",
        data={"achievement_id": achievement_id},
        files={"file": ("cohort.csv", _csv(_learners(30)), "text/csv")},
        headers=headers,
    )
    assert response.status_code == 303, response.text
    page_url = response.headers["location"]
    cohort_id = page_url.rsplit("/", 1)[1]
    running = await issuer.client.get(page_url, headers=headers)
    assert running.status_code == 200
    assert running.headers.get("refresh") == "1"  # reloads itself until done, without JS

    await issuer.app.state.cohort_jobs.wait(cohort_id)
    done = await issuer.client.get(page_url, headers=headers)
    assert "refresh" not in done.headers
    assert "Download the links file" in done.text
    assert "exist only in this file" in done.text
    links = await issuer.client.get(f"{page_url}/offers.csv", headers=headers)
    assert links.status_code == 200
    assert links.headers["cache-control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(links.text.removeprefix("\ufeff"))))
    assert len(rows) == 30
    assert len({row["credential_offer_uri"] for row in rows}) == 30

    async with issuer.session() as session:
        other_token = await create_token(session, "another registrar", actor="test")
    other = {**headers, "Authorization": f"Bearer {other_token}"}
    stranger = await issuer.client.get(f"{page_url}/offers.csv", headers=other)
    assert stranger.status_code == 404
    record = await issuer.client.get(page_url, headers=other)
    assert record.status_code == 200
    assert "openid-credential-offer" not in record.text
    assert "not kept" in record.text

    forgotten = await issuer.client.post(f"{page_url}/forget", headers=headers)
    assert forgotten.status_code == 303
    gone = await issuer.client.get(f"{page_url}/offers.csv", headers=headers)
    assert gone.status_code == 404
    listing = await issuer.client.get("/admin/cohorts", headers=headers)
    assert cohort_id in listing.text


async def test_a_cohort_form_from_another_site_is_refused(issuer: RunningIssuer) -> None:
    achievement_id = await _achievement_id(issuer)
    before = await _counts(issuer)
    response = await issuer.client.post(
        "/admin/cohorts/new",
        data={"achievement_id": achievement_id},
        files={"file": ("cohort.csv", _csv(_learners(2)), "text/csv")},
        headers={**_page_headers(issuer), "Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert await _counts(issuer) == before


async def test_finished_jobs_forget_their_links_after_the_keep_time() -> None:
    now = [1000.0]
    clock: Callable[[], float] = lambda: now[0]  # noqa: E731
    jobs = CohortJobs(keep_seconds=60, clock=clock)
    job = CohortJob(id="c1", owner="me", title={"en": "X"}, file_name=None, total=2)

    async def work(progress: Callable[[int], None]) -> str:
        progress(2)
        return "line,name\n"

    jobs.start(job, work)
    await jobs.wait("c1")
    assert job.state is JobState.DONE
    assert jobs.get("c1", "someone else") is None
    assert jobs.get("c1", "me") is job
    now[0] += 61
    assert jobs.get("c1", "me") is None


async def test_a_failed_job_says_why_and_keeps_nothing() -> None:
    jobs = CohortJobs()
    job = CohortJob(id="c2", owner="me", title={"en": "X"}, file_name=None, total=1)

    async def work(progress: Callable[[int], None]) -> str:
        raise Conflict("The micro-credential was edited meanwhile.")

    jobs.start(job, work)
    await jobs.wait("c2")
    assert job.state is JobState.FAILED
    assert job.error == "The micro-credential was edited meanwhile."
    assert job.links_csv is None
