"""Fixtures for the browser tests: our issuer and wallet as processes, an offer's QR picture,
our verifier as a process, and a phone or a desktop screen (headless Chromium through
Playwright) with a fresh profile.

Without the playwright package or Debian's Chromium a test that needs the phone is skipped,
saying what to install; in CI (CI=true) it fails instead, since CI must run it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.browser.phone import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    Screenshots,
    async_playwright,
    browser_missing,
)
from tests.support.processes import Service, award, free_port, issuer_and_wallet, serving

if TYPE_CHECKING:
    from playwright.async_api import Page


@pytest.fixture
def chromium() -> Path:
    if async_playwright is None:
        browser_missing("the playwright Python package is missing (pip install -e '.[test]')")
    if not CHROMIUM.is_file():
        browser_missing(f"Debian's Chromium is missing at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


async def _browser_page(
    chromium: Path, profile: Path, screen: dict[str, Any]
) -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            profile,
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_ARGS,
            **screen,
        )
        try:
            yield context.pages[0] if context.pages else await context.new_page()
        finally:
            await context.close()


@pytest.fixture
async def phone(chromium: Path, tmp_path: Path) -> AsyncIterator[Page]:
    """A page in a new headless Chromium, phone-sized, with a profile of its own."""
    async for page in _browser_page(chromium, tmp_path / "chromium-profile", PHONE):
        yield page


@pytest.fixture(params=["desktop", "phone"])
async def screen(
    request: pytest.FixtureRequest, chromium: Path, tmp_path: Path
) -> AsyncIterator[Page]:
    """A page on a desktop screen, then (the test again) on a phone."""
    size = DESKTOP if request.param == "desktop" else PHONE
    async for page in _browser_page(chromium, tmp_path / "chromium-profile", size):
        yield page


@pytest.fixture
def verifier_service(tmp_path: Path) -> Iterator[Service]:
    """Our verifier, `credstack serve verifier` in development mode (the demo employer)."""
    with serving("verifier", tmp_path, free_port()) as verifier:
        yield verifier


@pytest.fixture
def screenshots(tmp_path: Path) -> Screenshots:
    return Screenshots(tmp_path / "screenshots")


@pytest.fixture
def services(tmp_path: Path) -> Iterator[tuple[Service, Service]]:
    """(issuer, wallet), each `credstack serve` in development mode."""
    with issuer_and_wallet(tmp_path) as both:
        yield both


@pytest.fixture
async def offer_qr(services: tuple[Service, Service], tmp_path: Path) -> Path:
    """A registrar's new award: its offer's QR code as the PNG the issuer serves."""
    issuer, _ = services
    offer = await award(issuer, tx_code=False)
    async with httpx.AsyncClient(timeout=30) as client:
        picture = await client.get(offer["qr_png_url"])
    assert picture.status_code == 200, picture.text
    assert picture.headers["content-type"] == "image/png"
    path = tmp_path / "offer-qr.png"
    path.write_bytes(picture.content)
    return path
