"""Offers reach the learner by e-mail, through a real SMTP server (aiosmtpd in this process).

Each issuer here runs in-process with its mail worker polling only once an hour; the tests
run rounds of a worker themselves, on a clock they move, so retries need no waiting.
"""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest

from issuer.admin.tokens import DEV_TOKEN_FILE
from issuer.app import create_app
from issuer.mail.service import email_new_offers
from issuer.mail.worker import MailWorker
from issuer.models import Award
from issuer.settings import IssuerSettings
from shared.clock import utcnow
from shared.qr_image import read_qr_codes
from shared.settings import Environment
from tests.issuer.conftest import BASE_URL, RunningIssuer
from tests.support.apps import serving
from tests.support.clock import Clock
from tests.support.processes import free_port
from tests.support.smtp import (
    Mailbox,
    SmtpServer,
    offer_link_in,
    pin_in,
    smtp_server,
    wallet_link_in,
)

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
LEARNER = "maria.muster@students.example"
SENDER = "registrar@uni.example"


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with smtp_server() as running:
        yield running


Start = Callable[..., Any]


@pytest.fixture
def start_issuer(
    database_url_for: Callable[[str], Any],
    issuer_settings_for: Callable[..., IssuerSettings],
) -> Start:
    """``async with start_issuer(**settings) as issuer:`` a development issuer."""

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[RunningIssuer]:
        settings = issuer_settings_for(
            await database_url_for("issuer"),
            mail_from_address=SENDER,
            mail_poll_seconds=3600,
            **overrides,
        )
        app = create_app(settings)
        async with serving(app, base_url=BASE_URL) as client:
            token = (settings.data_dir / DEV_TOKEN_FILE).read_text().strip()
            yield RunningIssuer(app, client, settings, token)

    return start


def smtp(server: SmtpServer, **more: Any) -> dict[str, Any]:
    return {"smtp_host": server.host, "smtp_port": server.port, "smtp_tls": "none", **more}


def worker(issuer: RunningIssuer, clock: Clock | None = None) -> MailWorker:
    return MailWorker(
        issuer.runtime.sessions,
        issuer.settings,
        issuer.runtime.key_encryption_key,
        clock=clock or utcnow,
    )


async def achievement(issuer: RunningIssuer, item: int = 0) -> str:
    """The id of one of the demo catalogue's micro-credentials (English, with German)."""
    catalogue = await issuer.client.get("/api/v1/achievements", headers=issuer.admin)
    assert catalogue.status_code == 200, catalogue.text
    return str(catalogue.json()[item]["id"])


async def award(issuer: RunningIssuer, *, email: str | None = LEARNER, item: int = 0) -> str:
    achievement_id = await achievement(issuer, item)
    body: dict[str, Any] = {"achievement_id": achievement_id, "name": "Maria Muster"}
    if email:
        body["email"] = email
    response = await issuer.client.post("/api/v1/awards", json=body, headers=issuer.admin)
    assert response.status_code == 201, response.text
    return str(response.json()["award_id"])


async def email(issuer: RunningIssuer, award_id: str, **body: Any) -> dict[str, Any]:
    response = await issuer.client.post(
        f"/api/v1/awards/{award_id}/email", json=body, headers=issuer.admin
    )
    assert response.status_code == 202, response.text
    sent: dict[str, Any] = response.json()
    return sent


async def email_states(issuer: RunningIssuer, award_id: str) -> list[dict[str, Any]]:
    response = await issuer.client.get(f"/api/v1/awards/{award_id}", headers=issuer.admin)
    assert response.status_code == 200, response.text
    states: list[dict[str, Any]] = response.json()["email"]
    return states


async def redeem(issuer: RunningIssuer, link: str, **form: str) -> httpx.Response:
    """What a wallet does with the link: fetch the offer, and redeem its code at /token."""
    offer_uri = unquote(parse_qs(urlsplit(link).query)["credential_offer_uri"][0])
    offer = await issuer.client.get(offer_uri)
    assert offer.status_code == 200, offer.text
    code = offer.json()["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    data = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code, **form}
    return await issuer.client.post("/token", data=data)


async def test_an_award_emails_its_offer_with_the_qr_inline_and_the_link_redeems(
    start_issuer: Start, server: SmtpServer
) -> None:
    async with start_issuer(**smtp(server), mail_from_name="University of Example") as issuer:
        award_id = await award(issuer)
        sent = await email(issuer, award_id)
        assert [m["state"] for m in sent["messages"]] == ["queued"]
        assert "tx_code" not in sent

        assert await worker(issuer).run_once() == 1
        assert await worker(issuer).run_once() == 0  # sent once

        [received] = server.mailbox.to(LEARNER)
        message = received.message
        assert received.sender == SENDER
        assert message["To"] == LEARNER
        assert message["From"] == f"University of Example <{SENDER}>"
        assert (
            message["Subject"] == "Your micro-credential: Data Literacy for Public Administration"
        )
        assert message["Content-Language"] == "en"
        assert "Hello Maria Muster," in received.text

        # The QR code travels inside the message: an HTML part that names a cid image.
        assert message.get_content_type() == "multipart/alternative"
        related = [p for p in message.walk() if p.get_content_type() == "multipart/related"]
        assert len(related) == 1
        image = next(p for p in message.walk() if p.get_content_type() == "image/png")
        cid = image["Content-ID"].strip("<>")
        assert f'src="cid:{cid}"' in received.html
        link = offer_link_in(received)
        assert read_qr_codes(image.get_content()) == [link]
        # The wallet link opens the same offer in our wallet.
        wallet = wallet_link_in(received)
        assert parse_qs(urlsplit(wallet).query) == parse_qs(urlsplit(link).query)

        token = await redeem(issuer, link)
        assert token.status_code == 200, token.text
        assert token.json()["token_type"].lower() == "bearer"

        [state] = await email_states(issuer, award_id)
        assert state["state"] == "sent"
        assert state["channel"] == "smtp"
        assert state["description"].startswith(f"The offer was sent to {LEARNER} at ")
        page = await issuer.client.get(f"/admin/awards/{award_id}", headers=issuer.admin)
        assert page.status_code == 200, page.text
        assert f"The offer was sent to {LEARNER} at" in page.text
        assert "Send again" in page.text

        # Sent through a real server, the message's text (its live link) is not shown again.
        listing = await issuer.client.get("/admin/outbox", headers=issuer.admin)
        assert listing.status_code == 200, listing.text
        assert "Maria Muster" in listing.text
        assert f'href="/admin/outbox/{state["id"]}"' not in listing.text
        shown = await issuer.client.get(f"/admin/outbox/{state['id']}", headers=issuer.admin)
        assert shown.status_code == 404, shown.text


async def test_a_pin_goes_in_a_second_message_or_only_to_the_registrar_as_the_operator_says(
    start_issuer: Start, server: SmtpServer
) -> None:
    async with start_issuer(**smtp(server), mail_pin_policy="separate") as issuer:
        award_id = await award(issuer)
        sent = await email(issuer, award_id, tx_code=True)
        assert "tx_code" not in sent  # it goes to the learner, not back to the caller
        assert sorted(m["kind"] for m in sent["messages"]) == ["offer", "pin"]
        assert await worker(issuer).run_once() == 2

        offer = server.mailbox.latest_to(LEARNER)
        pin_message = server.mailbox.latest_to(LEARNER, kind="pin")
        assert "it comes in a separate e-mail" in offer.text
        pin = pin_in(pin_message)
        assert pin not in offer.text
        assert "credential-offer" not in pin_message.text
        assert not [p for p in pin_message.message.walk() if p.get_content_type() == "image/png"]
        # A subject this long is folded onto its own line, which the parser reads back with
        # the fold's space in front.
        subject = pin_message.message["Subject"].strip()
        assert subject.startswith("The PIN for your micro-credential")

        link = offer_link_in(offer)
        without = await redeem(issuer, link)
        assert without.status_code == 400, without.text
        with_pin = await redeem(issuer, link, tx_code=pin)
        assert with_pin.status_code == 200, with_pin.text
        assert [s["state"] for s in await email_states(issuer, award_id)] == ["sent", "sent"]

        # The operator's other choice: the PIN is shown only to the registrar.
        issuer.settings.mail_pin_policy = "registrar"
        sent = await email(issuer, award_id, tx_code=True)
        pin = sent["tx_code"]
        assert re.fullmatch(r"\d{6}", pin)
        assert [m["kind"] for m in sent["messages"]] == ["offer"]
        assert await worker(issuer).run_once() == 1
        offer = server.mailbox.latest_to(LEARNER)
        assert len(server.mailbox.to(LEARNER)) == 3
        assert pin not in offer.text
        assert pin not in offer.html
        assert "gives it to you separately" in offer.text
        token = await redeem(issuer, offer_link_in(offer), tx_code=pin)
        assert token.status_code == 200, token.text


async def test_the_message_speaks_the_learners_language(
    start_issuer: Start, server: SmtpServer
) -> None:
    async with start_issuer(**smtp(server)) as issuer:
        award_id = await award(issuer)
        await email(issuer, award_id, language="de")
        await worker(issuer).run_once()
        german = server.mailbox.latest_to(LEARNER)
        # The course's own German title, German sentences, a German date.
        assert german.message["Subject"] == (
            "Ihr Micro-Credential: Datenkompetenz für die öffentliche Verwaltung"
        )
        assert german.message["Content-Language"] == "de"
        assert "Hallo Maria Muster," in german.text
        assert re.search(r"bis zum \d{1,2}\. \w+ \d{4}\.", german.text)
        assert 'lang="de"' in german.html

        await email(issuer, award_id, language="pl")
        await worker(issuer).run_once()
        polish = server.mailbox.latest_to(LEARNER)
        # No Polish title in the catalogue: the course keeps its own, the sentences are Polish.
        assert polish.message["Subject"] == (
            "Twoje mikropoświadczenie: Data Literacy for Public Administration"
        )
        assert "Dzień dobry, Maria Muster," in polish.text

        # The award page's "Send again" button, in French.
        again = await issuer.client.post(
            f"/admin/awards/{award_id}/email", data={"language": "fr"}, headers=issuer.admin
        )
        assert again.status_code == 303, again.text
        assert again.headers["location"] == f"/admin/awards/{award_id}"
        await worker(issuer).run_once()
        french = server.mailbox.latest_to(LEARNER)
        assert "Bonjour Maria Muster," in french.text
        assert french.message["Content-Language"] == "fr"

        # Only the newest e-mail's link still works: each carries a new offer.
        stale = await issuer.client.get(
            unquote(parse_qs(urlsplit(offer_link_in(polish)).query)["credential_offer_uri"][0])
        )
        assert stale.status_code == 404, stale.text
        assert (await redeem(issuer, offer_link_in(french))).status_code == 200

        refused = await issuer.client.post(
            f"/api/v1/awards/{award_id}/email", json={"language": "xx"}, headers=issuer.admin
        )
        assert refused.status_code == 400, refused.text
        assert "English, German, French, Spanish, Italian, Dutch or Polish" in refused.text

        # An award without an address cannot be e-mailed; an unknown award is not found.
        no_address = await award(issuer, email=None)
        response = await issuer.client.post(
            f"/api/v1/awards/{no_address}/email", json={}, headers=issuer.admin
        )
        assert response.status_code == 400, response.text
        assert "no e-mail address" in response.json()["error_description"]
        page = await issuer.client.get(f"/admin/awards/{no_address}", headers=issuer.admin)
        assert "has no e-mail address for the learner" in page.text
        unknown = await issuer.client.post(
            "/api/v1/awards/nope/email", json={}, headers=issuer.admin
        )
        assert unknown.status_code == 404, unknown.text


async def test_a_refusing_server_is_retried_then_failed_in_words(
    start_issuer: Start, server: SmtpServer
) -> None:
    async with start_issuer(**smtp(server), mail_max_attempts=3) as issuer:
        award_id = await award(issuer)
        await email(issuer, award_id)
        clock = Clock()
        server.mailbox.refuse = "550 5.1.1 No such mailbox here"

        the_worker = worker(issuer, clock)
        assert await the_worker.run_once() == 1
        [state] = await email_states(issuer, award_id)
        assert state["state"] == "queued"
        assert state["attempts"] == 1
        assert "refused the address" in state["last_error"]
        assert "550 5.1.1 No such mailbox here" in state["last_error"]
        assert "attempt 1 failed" in state["description"]
        assert await the_worker.run_once() == 0  # not before its backoff is over

        clock.advance(issuer.settings.mail_retry_base_seconds + 1)
        assert await the_worker.run_once() == 1
        clock.advance(2 * issuer.settings.mail_retry_base_seconds + 1)
        assert await the_worker.run_once() == 1
        [state] = await email_states(issuer, award_id)
        assert state["state"] == "failed"
        assert state["attempts"] == 3
        assert state["description"].startswith(f"The offer could not be sent to {LEARNER}:")
        clock.advance(24 * 3600)
        assert await the_worker.run_once() == 0  # given up for good
        assert server.mailbox.to(LEARNER) == []

        page = await issuer.client.get(f"/admin/awards/{award_id}", headers=issuer.admin)
        assert page.status_code == 200, page.text
        assert "status-failed" in page.text
        assert "could not be sent to" in page.text

        # The server mends; "send again" gets through.
        server.mailbox.refuse = None
        await email(issuer, award_id)
        assert await the_worker.run_once() == 1
        assert len(server.mailbox.to(LEARNER)) == 1
        assert [s["state"] for s in await email_states(issuer, award_id)] == ["sent", "failed"]

        # A refusal that passes: sent on the next try.
        await email(issuer, award_id)
        server.mailbox.refuse = "451 4.3.0 Try again later"
        clock.advance(1)
        assert await the_worker.run_once() == 1
        server.mailbox.refuse = None
        clock.advance(issuer.settings.mail_retry_base_seconds + 1)
        assert await the_worker.run_once() == 1
        newest = (await email_states(issuer, award_id))[0]
        assert (newest["state"], newest["attempts"]) == ("sent", 2)
        assert (await redeem(issuer, offer_link_in(server.mailbox.latest_to(LEARNER)))).is_success

        # A server that does not answer at all.
        nobody = free_port()
        issuer.settings.smtp_port = nobody
        await email(issuer, award_id)
        clock.advance(1)
        assert await worker(issuer, clock).run_once() == 1
        newest = (await email_states(issuer, award_id))[0]
        assert newest["state"] == "queued"
        assert f"Could not reach the mail server at 127.0.0.1:{nobody}" in newest["last_error"]


async def test_development_without_a_server_keeps_messages_in_the_outbox_pages(
    start_issuer: Start,
) -> None:
    async with start_issuer() as issuer:
        # The award form's box e-mails the first offer: no second offer needed.
        achievement_id = await achievement(issuer)
        form = await issuer.client.get(
            f"/admin/achievements/{achievement_id}/award", headers=issuer.admin
        )
        assert 'name="send_email"' in form.text
        awarded = await issuer.client.post(
            f"/admin/achievements/{achievement_id}/award",
            data={"name": "Jan Kowalski", "email": LEARNER, "send_email": "1"},
            headers=issuer.admin,
        )
        assert awarded.status_code == 303, awarded.text
        award_id = awarded.headers["location"].rsplit("/", 1)[1]
        assert await worker(issuer).run_once() == 1

        [state] = await email_states(issuer, award_id)
        assert state["state"] == "sent"
        assert state["channel"] == "local"
        assert "development outbox" in state["description"]

        listing = await issuer.client.get("/admin/outbox", headers=issuer.admin)
        assert listing.status_code == 200, listing.text
        assert "Jan Kowalski" in listing.text
        assert "no mail server is set" in listing.text
        shown = await issuer.client.get(f"/admin/outbox/{state['id']}", headers=issuer.admin)
        assert shown.status_code == 200, shown.text
        assert "Your micro-credential: Data Literacy for Public Administration" in shown.text
        assert "Hello Jan Kowalski," in shown.text
        link = re.search(r'href="(openid-credential-offer://[^"]+)"', shown.text)
        assert link
        offer_link = link.group(1).replace("&amp;", "&")
        png = re.search(r'src="data:image/png;base64,([^"]+)"', shown.text)
        assert png
        assert read_qr_codes(base64.b64decode(png.group(1))) == [offer_link]
        assert (await redeem(issuer, offer_link)).status_code == 200

        missing = await issuer.client.get("/admin/outbox/no-such-message", headers=issuer.admin)
        assert missing.status_code == 404, missing.text

        # What a cohort does with its awards: a fresh offer for each learner with an address,
        # queued with the PIN its file asked for.
        others = [await award(issuer), await award(issuer, email=None)]
        issuer.settings.mail_pin_policy = "separate"
        async with issuer.session() as session:
            awards = [await session.get(Award, award_id) for award_id in others]
            queued = await email_new_offers(
                session,
                issuer.settings,
                issuer.runtime.key_encryption_key,
                [a for a in awards if a is not None],
                [True, False],
                actor="cohort",
            )
        assert sorted((m.award_id, m.kind) for m in queued) == sorted(
            [(others[0], "offer"), (others[0], "pin")]
        )
        assert await worker(issuer).run_once() == 2
        assert [s["state"] for s in await email_states(issuer, others[0])] == ["sent", "sent"]

        # Production without a mail server: e-mail is not offered, and says so in words.
        issuer.settings.environment = Environment.PRODUCTION
        refused = await issuer.client.post(
            f"/api/v1/awards/{award_id}/email", json={}, headers=issuer.admin
        )
        assert refused.status_code == 409, refused.text
        assert "E-mail is not set up on this issuer" in refused.json()["error_description"]
        page = await issuer.client.get(f"/admin/awards/{award_id}", headers=issuer.admin)
        assert page.status_code == 200, page.text
        assert "E-mail is not set up on this issuer" in page.text
        assert 'action="/admin/awards/' + award_id + '/email"' not in page.text
        listing = await issuer.client.get("/admin/outbox", headers=issuer.admin)
        assert "E-mail is not set up on this issuer" in listing.text


def test_every_language_has_every_sentence() -> None:
    from issuer.mail.texts import catalogue

    texts = catalogue()
    assert set(texts) == {"en", "de", "fr", "es", "it", "nl", "pl"}
    for language, sentences in texts.items():
        assert set(sentences) == set(texts["en"]), language
        for key, sentence in sentences.items():
            placeholders = set(re.findall(r"{(\w+)}", sentence))
            assert placeholders == set(re.findall(r"{(\w+)}", texts["en"][key])), (language, key)


def test_the_mailbox_helper_reads_what_it_received(server: SmtpServer) -> None:
    import smtplib

    with smtplib.SMTP(server.host, server.port) as client:
        client.sendmail(
            SENDER,
            [LEARNER],
            "Subject: x\r\n\r\nopenid-credential-offer://?credential_offer_uri=a\r\n",
        )
    assert offer_link_in(server.mailbox.latest_to(LEARNER, timeout=5)).endswith("uri=a")
    mailbox: Mailbox = server.mailbox
    with pytest.raises(AssertionError):
        mailbox.latest_to("someone.else@example.org")
