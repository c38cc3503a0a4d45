"""The people of the whole journey, each a browser context of their own in one Chromium.

A ``Person`` is a page with a name (registrar, learner, employer) and the checks every page
they see gets: axe-core's WCAG 2.1 A and AA rules on the page as it is shown at their screen
size, and a screenshot of each step. It also remembers every document the page navigated
to, so that the test can prove at its end that no page went unchecked.

``journey_services`` starts what the journey needs as real processes: our wallet, our issuer
(its "open in wallet" links pointing at that wallet) and our verifier (trusting the issuer's
organisation through a trust-list file, its "open in wallet" links pointing at the wallet).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from shared.credentials.microcredential.i18n import LocalizedText
from tests.browser.axe import assert_accessible
from tests.support.processes import Service, free_port, issuer_and_wallet, serving
from verifier.trust.document import merge_into_file
from verifier.trust.entries import TrustedIssuer

if TYPE_CHECKING:
    from playwright.async_api import Frame, Page


@dataclass
class JourneyServices:
    issuer: Service
    wallet: Service
    verifier: Service
    university: str  # the issuer's organisation, as the verifier's trust list names it


@contextmanager
def journey_services(tmp_path: Path) -> Iterator[JourneyServices]:
    with issuer_and_wallet(tmp_path) as (issuer, wallet):
        token = (issuer.data_dir / "issuer-admin-token").read_text().strip()
        organisations = httpx.get(
            f"{issuer.base_url}/api/v1/organisations",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert organisations.status_code == 200, organisations.text
        university = "University of Example"
        trust_list = tmp_path / "trust-list.json"
        merge_into_file(
            trust_list,
            TrustedIssuer(
                did=organisations.json()[0]["did"],
                name=LocalizedText.model_validate({"en": university}),
                country="DE",
                accreditation="Akkreditierungsrat",
            ),
        )
        with serving(
            "verifier",
            tmp_path,
            free_port(),
            VERIFIER_TRUST_LIST_SOURCE=str(trust_list),
            # The request page's "open in wallet" link leads to this wallet.
            HOLDER_PUBLIC_BASE_URL=wallet.base_url,
        ) as verifier:
            yield JourneyServices(issuer, wallet, verifier, university)


@dataclass
class Person:
    """One person's page; ``check`` after each page they reach."""

    name: str
    page: Page
    folder: Path  # every step, numbered
    published: Path | None  # $CREDSTACK_SCREENSHOTS: the pictures the README shows
    steps: list[str] = field(default_factory=list)  # shared by everyone: one numbering
    navigated: list[str] = field(default_factory=list)  # each document, in order
    checked: set[int] = field(default_factory=set)  # their indexes

    def __post_init__(self) -> None:
        self.page.on("framenavigated", self._navigated)

    def _navigated(self, frame: Frame) -> None:
        if frame == self.page.main_frame:
            self.navigated.append(frame.url)

    async def check(self, step: str | None = None, *, publish: str | None = None) -> None:
        """axe-core on the page as it is now; a screenshot when it is a step of the journey
        (and, under ``publish``'s name, into $CREDSTACK_SCREENSHOTS)."""
        await self.page.wait_for_load_state("load")
        await assert_accessible(self.page)
        self.checked.add(len(self.navigated) - 1)
        if step is None:
            return
        self.steps.append(step)
        # A viewport at CSS scale: what the person sees, small enough to commit.
        path = self.folder / f"{len(self.steps):02d}-{self.name}-{step}.png"
        await self.page.evaluate("window.scrollTo(0, 0)")
        await self.page.screenshot(path=str(path), scale="css")
        if publish is not None and self.published is not None:
            self.published.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, self.published / f"{publish}.png")

    def unchecked(self) -> list[str]:
        """The documents this person saw that axe-core never looked at."""
        return [url for index, url in enumerate(self.navigated) if index not in self.checked]
