"""The learner's journey with our own issuer: the offer preview names the course, and a
used offer or a wrong PIN is explained in words.

Our issuer runs for real on loopback (uvicorn, its own database); the wallet runs in-process
and talks to it over HTTP as it would in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import html
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from issuer.app import create_app as create_issuer
from issuer.awards.offers import NewOffer, Offers, offer_link
from issuer.awards.service import Awards, Recipient
from issuer.catalogue.service import Catalogue
from issuer.oid4vci.configurations import format_of, resolve
from issuer.oid4vci.metadata import Course, credential_issuer_metadata
from issuer.settings import IssuerSettings
from shared.credentials.microcredential.i18n import LocalizedText
from shared.db import session_scope
from tests.holder.conftest import RunningWallet
from tests.holder.test_receive_issuer_double import _QuietServer
from tests.support.processes import free_port


@dataclass
class OurIssuer:
    settings: IssuerSettings
    runtime: Any

    async def offer(self, *, with_tx_code: bool = False) -> tuple[NewOffer, str]:
        """An award of the first demo micro-credential, its offer, and the course title."""
        async with session_scope(self.runtime.sessions) as session:
            item = (await Catalogue(session, self.settings.base_url).items())[0]
            award = await Awards(session, self.settings.base_url).create(
                item.achievement.id, Recipient(name="Maria Muster"), actor="test"
            )
            offers = Offers(session, self.settings, self.runtime.key_encryption_key)
            new_offer = await offers.create(award, with_tx_code=with_tx_code, actor="test")
            return new_offer, item.entry.title.text

    def link(self, new_offer: NewOffer) -> str:
        return offer_link(self.settings.base_url, new_offer.uri_token)


@pytest.fixture
async def our_issuer(
    tmp_path: Path, database_url_for: Callable[[str], Any]
) -> AsyncIterator[OurIssuer]:
    port = free_port()
    settings = IssuerSettings(
        data_dir=tmp_path / "issuer",
        database_url=await database_url_for("issuer"),
        public_base_url=f"http://127.0.0.1:{port}",
    )
    app = create_issuer(settings)
    async with app.router.lifespan_context(app):
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
        server = _QuietServer(config)
        task = asyncio.create_task(server.serve())
        try:
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
            yield OurIssuer(settings, app.state.runtime)
        finally:
            server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _text(page: str) -> str:
    return html.unescape(page)


async def test_the_offer_preview_names_the_course_its_workload_level_and_awarder(
    wallet: RunningWallet, our_issuer: OurIssuer
) -> None:
    """Before accepting, the learner sees which course it is (not "EU micro-credential")."""
    learner = await wallet.sign_up()
    new_offer, title = await our_issuer.offer()
    opened = await learner.post_form("/receive", {"link": our_issuer.link(new_offer)})
    assert opened.status_code == 303, opened.text
    page = await learner.browser.get(opened.headers["location"])
    assert page.status_code == 200, page.text
    shown = _text(page.text)
    heading = shown.split('class="offered-title">', 1)[1].split("<", 1)[0]
    assert heading == title
    assert "ECTS" in shown
    assert "EQF level" in shown
    assert "awarded by" in shown
    accepted = await learner.post_form(f"{opened.headers['location']}/accept")
    assert accepted.status_code == 303, accepted.text
    assert accepted.headers["location"].startswith("/credentials/")


async def test_a_used_offer_is_explained_in_words(
    wallet: RunningWallet, our_issuer: OurIssuer
) -> None:
    learner = await wallet.sign_up()
    new_offer, _ = await our_issuer.offer()
    link = our_issuer.link(new_offer)
    first = await learner.post_form("/receive", {"link": link})
    await learner.post_form(f"{first.headers['location']}/accept")
    again = await learner.post_form("/receive", {"link": link})
    assert again.status_code == 404, again.text
    shown = _text(again.text)
    assert "can no longer be used" in shown
    assert "accepted already, withdrawn by the issuer, or it has expired" in shown
    assert "answered 404" not in shown


async def test_a_wrong_pin_says_how_many_tries_are_left(
    wallet: RunningWallet, our_issuer: OurIssuer
) -> None:
    learner = await wallet.sign_up()
    new_offer, _ = await our_issuer.offer(with_tx_code=True)
    assert new_offer.tx_code is not None
    wrong_code = "0" * len(new_offer.tx_code) if new_offer.tx_code != "000000" else "111111"
    opened = await learner.post_form("/receive", {"link": our_issuer.link(new_offer)})
    offer_path = opened.headers["location"]
    allowed = our_issuer.settings.tx_code_max_failures
    wrong = await learner.post_form(f"{offer_path}/accept", {"tx_code": wrong_code})
    assert wrong.status_code == 400, wrong.text
    left = allowed - 1
    assert f"You can try {left} more time" in _text(wrong.text)
    for _ in range(left):
        last = await learner.post_form(f"{offer_path}/accept", {"tx_code": wrong_code})
    assert "withdrawn this offer" in _text(last.text)


# --- the metadata ---------------------------------------------------------------------------


def _course(number: int) -> Course:
    return Course(
        achievement_id=f"0000{number:04d}-6c2e-4a8e-9d4f-3b1f2a9c8e7d",
        title=LocalizedText.of(
            "en", f"Data literacy for engineers, part {number}", de=f"Datenkompetenz, Teil {number}"
        ),
        organisation=LocalizedText.of("en", "University of Example", de="Universität Beispiel"),
        eqf_level=6,
        ects=Decimal("5.00"),
    )


def test_each_course_has_configurations_whose_display_is_the_course(tmp_path: Path) -> None:
    settings = IssuerSettings(data_dir=tmp_path, public_base_url="https://issuer.example")
    names = [LocalizedText.of("en", "University of Example")]
    metadata = credential_issuer_metadata(settings, names, [_course(1)])
    supported = metadata["credential_configurations_supported"]
    own = {k: v for k, v in supported.items() if "0000" in k}
    assert sorted(format_of(identifier) or "" for identifier in own) == ["jwt_vc_json", "ldp_vc"]
    for identifier, configuration in own.items():
        display = configuration["credential_metadata"]["display"]
        assert {d["locale"]: d["name"] for d in display} == {
            "en": "Data literacy for engineers, part 1",
            "de": "Datenkompetenz, Teil 1",
        }
        by_locale = {d["locale"]: d["description"] for d in display}
        assert by_locale["en"] == "5 ECTS · EQF level 6 · awarded by University of Example"
        assert by_locale["de"] == "5 ECTS · EQR-Niveau 6 · vergeben von Universität Beispiel"
        requested = resolve(identifier)
        assert requested is not None
        assert requested.achievement_id == _course(1).achievement_id
        assert configuration["format"] == requested.configuration.format
    # The catalogue-wide configurations stay, for offers made before and draft-13 wallets.
    assert "MicroCredential_ldp_vc" in supported
    assert "MicroCredential_jwt_vc_json" in supported
    assert resolve("MicroCredential_ldp_vc__") is None
    assert resolve("Other_ldp_vc__x") is None


def test_the_metadata_size_with_300_courses(tmp_path: Path) -> None:
    """Printed for the record (pytest -s); bounded so that it stays a document a phone loads."""
    settings = IssuerSettings(data_dir=tmp_path, public_base_url="https://issuer.example")
    names = [LocalizedText.of("en", "University of Example")]
    courses = [_course(number) for number in range(300)]
    document = json.dumps(credential_issuer_metadata(settings, names, courses)).encode()
    empty = len(json.dumps(credential_issuer_metadata(settings, names)).encode())
    size, compressed = len(document), len(gzip.compress(document))
    print(f"issuer metadata: {empty} bytes without courses, {size} bytes with 300 courses")
    print(f"({compressed} bytes gzip-compressed)")
    assert size < 1_000_000
