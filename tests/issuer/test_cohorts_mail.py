"""A cohort e-mails each learner their offer, through a real SMTP server (aiosmtpd).

The messages are queued in the transaction that creates each chunk's awards, and sent by
the issuer's mail worker (run here a round at a time, as in tests/issuer/test_mail.py). The
links file then leaves the e-mailed offers alone and serves the learners without an address.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from issuer.cohorts import repository
from issuer.cohorts.job import wait_until_finished
from issuer.models import Award, MailMessage
from shared.settings import Environment
from tests.issuer.conftest import BASE_URL, RunningIssuer
from tests.issuer.test_mail import (  # noqa: F401 (fixtures)
    Start,
    achievement,
    redeem,
    server,
    smtp,
    start_issuer,
    worker,
)
from tests.support.smtp import SmtpServer, offer_link_in

HEADER = "name,email,student_id,grade,activity_start,activity_end,tx_code"
ADDRESSES = [f"learner{i}@uni.example" for i in range(4)]
# Four learners with an address (the second with a PIN), one without.
FILE = (
    "\n".join(
        [
            HEADER,
            *(
                f"Learner {i},{address},S-{i},B,2025-02-03,2025-03-28,{'yes' if i == 1 else 'no'}"
                for i, address in enumerate(ADDRESSES)
            ),
            "Nomail Learner,,S-9,B,2025-02-03,2025-03-28,no",
        ]
    )
    + "\n"
).encode()


async def upload(issuer: RunningIssuer, achievement_id: str, **form: str) -> httpx.Response:
    return await issuer.client.post(
        f"/api/v1/achievements/{achievement_id}/cohorts",
        files={"file": ("spring.csv", FILE, "text/csv")},
        data=form,
        headers=issuer.admin,
    )


def page_headers(issuer: RunningIssuer) -> dict[str, str]:
    return {**issuer.admin, "Origin": BASE_URL, "Accept": "text/html"}


async def messages(issuer: RunningIssuer) -> int:
    async with issuer.session() as session:
        return int(await session.scalar(select(func.count()).select_from(MailMessage)) or 0)


def by_status(offers: list[dict[str, Any]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for offer in offers:
        found.setdefault(offer["status"], []).append(offer["name"])
    return found


async def test_a_cohort_emails_each_learner_with_an_address_and_links_serve_the_rest(
    start_issuer: Start,  # noqa: F811
    server: SmtpServer,  # noqa: F811
) -> None:
    async with start_issuer(**smtp(server)) as issuer:
        achievement_id = await achievement(issuer)
        created = await upload(issuer, achievement_id, email_offers="true")
        assert created.status_code == 201, created.text
        body = created.json()
        # The links file made with the answer leaves the e-mailed offers alone.
        assert by_status(body["offers"]) == {
            "sent by e-mail": [f"Learner {i}" for i in range(4)],
            "new offer": ["Nomail Learner"],
        }
        [by_link] = [offer for offer in body["offers"] if offer["status"] == "new offer"]
        assert "credential_offer_uri" not in body["offers"][0]

        assert await worker(issuer).run_once() == 4
        assert await worker(issuer).run_once() == 0
        assert sorted(one.recipients[0] for one in server.mailbox.received) == ADDRESSES
        # Each e-mailed link works, and so does the links file's for the learner without one.
        links = [offer_link_in(one) for one in server.mailbox.received]
        assert len(set(links)) == 4
        token = await redeem(issuer, offer_link_in(server.mailbox.to(ADDRESSES[0])[0]))
        assert token.status_code == 200, token.text
        token = await redeem(issuer, by_link["credential_offer_uri"])
        assert token.status_code == 200, token.text

        cohort_id = body["cohort_id"]
        record = await issuer.client.get(f"/api/v1/cohorts/{cohort_id}", headers=issuer.admin)
        assert record.status_code == 200, record.text
        assert record.json()["email_offers"] is True
        assert record.json()["delivery"] == {
            "queued": 0,
            "sent": 4,
            "failed": 0,
            "without_email": 1,
        }
        page = await issuer.client.get(f"/admin/cohorts/{cohort_id}", headers=page_headers(issuer))
        assert page.status_code == 200, page.text
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))
        assert "Sent 4" in text
        assert "Waiting to be sent 0" in text
        assert "Could not be sent 0" in text
        assert "1 learner has no e-mail address: use the links file for that learner." in text

        # The same upload again sends nothing more, and the e-mailed offers still work.
        again = await upload(issuer, achievement_id, email_offers="true")
        assert again.status_code == 200, again.text
        assert by_status(again.json()["offers"]) == {
            "already received": ["Learner 0", "Nomail Learner"],
            "sent by e-mail": ["Learner 1", "Learner 2", "Learner 3"],
        }
        assert await worker(issuer).run_once() == 0
        assert await messages(issuer) == 4
        assert len(server.mailbox.received) == 4
        token = await redeem(issuer, offer_link_in(server.mailbox.to(ADDRESSES[2])[0]))
        assert token.status_code == 200, token.text


async def test_five_learners_with_addresses_get_five_messages_chosen_on_the_page(
    start_issuer: Start,  # noqa: F811
    server: SmtpServer,  # noqa: F811
) -> None:
    async with start_issuer(**smtp(server)) as issuer:
        achievement_id = await achievement(issuer)
        headers = page_headers(issuer)
        form = await issuer.client.get("/admin/cohorts/new", headers=headers)
        assert "E-mail each learner their offer" in form.text
        data = FILE.replace(b"Nomail Learner,,", b"Fifth Learner,fifth@uni.example,")
        response = await issuer.client.post(
            "/admin/cohorts/new",
            data={"achievement_id": achievement_id, "email_offers": "1"},
            files={"file": ("cohort.csv", data, "text/csv")},
            headers=headers,
        )
        assert response.status_code == 303, response.text
        cohort_id = response.headers["location"].rsplit("/", 1)[1]
        await wait_until_finished(issuer.runtime, cohort_id, 60)
        queued = await issuer.client.get(response.headers["location"], headers=headers)
        assert "Waiting to be sent</dt><dd>5" in queued.text
        assert "no e-mail address" not in queued.text
        assert await worker(issuer).run_once() == 5
        assert len(server.mailbox.received) == 5

        # The links file lists every learner as sent by e-mail, and withdraws nothing.
        links = await issuer.client.post(f"/admin/cohorts/{cohort_id}/links", headers=headers)
        assert links.status_code == 200, links.text
        rows = list(csv.DictReader(io.StringIO(links.text.removeprefix("\ufeff"))))
        assert {row["status"] for row in rows} == {"sent by e-mail"}
        assert all(not row["credential_offer_uri"] for row in rows)
        # Messages are sent in no set order; the fifth learner's offer has no PIN.
        token = await redeem(issuer, offer_link_in(server.mailbox.to("fifth@uni.example")[0]))
        assert token.status_code == 200, token.text


async def test_messages_commit_with_their_awards_so_a_stopped_job_sends_each_once(
    start_issuer: Start,  # noqa: F811
    server: SmtpServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A chunk that fails after its messages were queued leaves neither awards nor
    messages; the job run again makes each award and each message exactly once."""
    async with start_issuer(**smtp(server)) as issuer:
        achievement_id = await achievement(issuer)
        set_done = repository.set_done

        async def dies(*args: Any) -> None:
            raise RuntimeError("the worker was killed")

        monkeypatch.setattr(repository, "set_done", dies)
        stopped = await upload(issuer, achievement_id, email_offers="true")
        assert stopped.status_code == 409, stopped.text
        async with issuer.session() as session:
            assert await session.scalar(select(func.count()).select_from(Award)) == 0
        assert await messages(issuer) == 0

        monkeypatch.setattr(repository, "set_done", set_done)
        resumed = await upload(issuer, achievement_id, email_offers="true")
        assert resumed.status_code == 200, resumed.text
        assert await messages(issuer) == 4
        assert await worker(issuer).run_once() == 4
        assert sorted(one.recipients[0] for one in server.mailbox.received) == ADDRESSES


async def test_without_mail_the_choice_is_not_offered_and_is_refused_in_words(
    start_issuer: Start,  # noqa: F811
) -> None:
    async with start_issuer() as issuer:
        achievement_id = await achievement(issuer)
        issuer.settings.environment = Environment.PRODUCTION
        form = await issuer.client.get("/admin/cohorts/new", headers=page_headers(issuer))
        assert form.status_code == 200, form.text
        assert "E-mail each learner their offer" not in form.text
        assert "E-mail is not set up on this issuer" in form.text
        refused = await upload(issuer, achievement_id, email_offers="true")
        assert refused.status_code == 409, refused.text
        assert "E-mail is not set up on this issuer" in refused.json()["error_description"]
