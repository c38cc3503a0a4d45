"""A phone for the browser tests: Debian's Chromium, headless, at a phone's size.

Playwright (the Python package; it bundles its driver, not a browser) drives the Chromium of
Debian's ``chromium`` package: ``playwright install`` downloads a browser build of its own,
which this project's machines cannot fetch. What the checks here look at is what a learner
on a phone meets: the page fits the screen's width, and the things to tap are thumb-sized.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

if TYPE_CHECKING:
    from playwright.async_api import Locator, Page

# Imported here, not in the tests, so that without the package the `phone` fixture can skip
# the test (or fail it in CI) instead of the whole run failing to collect.
try:
    from playwright.async_api import async_playwright, expect
except ImportError:
    async_playwright = expect = None  # type: ignore[assignment]

# Debian's binary itself: /usr/bin/chromium is a shell wrapper that adds the flags in
# /etc/chromium.d (extensions, GPU rasterization), which a test should not depend on.
CHROMIUM = Path("/usr/lib/chromium/chromium")

# The machine has no network beyond loopback: these keep Chromium from trying to reach its
# update, sync and field-trial servers in the background (and from QUIC probes).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# A mid-size phone in portrait (an iPhone 12-15's CSS size), as Chrome on Android presents it.
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36"
    ),
    "locale": "en-GB",
}

# A recruiter's laptop screen.
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}, "locale": "en-GB"}

# Apple's and the W3C's (WCAG 2.5.5) minimum for something a thumb has to hit, in CSS px.
MIN_TAP_TARGET = 44


def browser_missing(reason: str) -> NoReturn:
    """CI must run the browser test; elsewhere it is skipped with what to install."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}, and CI must run the browser test", pytrace=False)
    pytest.skip(f"{reason}: the browser test needs it")


async def assert_fits_the_screen(page: Page) -> None:
    """Nothing is wider than the phone: no sideways scrolling, whatever the content."""
    widths = await page.evaluate(
        """() => ({
            scroll: document.documentElement.scrollWidth,
            screen: window.innerWidth,
            // What sticks out, to say where the layout breaks.
            wide: [...document.querySelectorAll("body *")]
                .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
                .map((e) => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""))
                .slice(0, 10),
        })"""
    )
    assert widths["scroll"] <= widths["screen"], (
        f"{page.url} scrolls sideways on a {widths['screen']}px wide phone "
        f"({widths['scroll']}px); too wide: {widths['wide']}"
    )


async def assert_thumb_sized(*targets: Locator) -> None:
    """Each target is at least 44 CSS px high and wide."""
    for target in targets:
        box = await target.bounding_box()
        assert box is not None, f"{target} is not on the page"
        size = f"{target} is {box['width']:.0f}x{box['height']:.0f} CSS px, too small for a thumb"
        assert box["height"] >= MIN_TAP_TARGET, size
        assert box["width"] >= MIN_TAP_TARGET, size


async def assert_clear_of_the_tab_bar(page: Page) -> None:
    """Scrolled to the end, the page's last button or line is above the fixed tab bar."""
    await page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    edges = await page.evaluate(
        """() => ({
            main: document.querySelector("main").getBoundingClientRect().bottom,
            tabs: document.querySelector("nav.tabs")?.getBoundingClientRect().top
                ?? window.innerHeight,
        })"""
    )
    assert edges["main"] <= edges["tabs"], (
        f"on {page.url} the tab bar covers the end of the page ({edges})"
    )


class Screenshots:
    """What the phone's screen shows at each step, numbered in order, to look at after a run:
    the top of the page, and its end when the page is longer than the screen (a full-page
    capture would draw the fixed tab bar in the middle of a long page)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.steps = 0
        folder.mkdir(parents=True, exist_ok=True)

    async def take(self, page: Page, name: str) -> None:
        self.steps += 1
        await page.evaluate("window.scrollTo(0, 0)")
        await self._save(page, f"{self.steps:02d}-{name}.png")
        if await page.evaluate("document.documentElement.scrollHeight > window.innerHeight"):
            await page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
            await self._save(page, f"{self.steps:02d}-{name}-end.png")
            await page.evaluate("window.scrollTo(0, 0)")

    async def _save(self, page: Page, name: str) -> None:
        await page.screenshot(path=str(self.folder / name))
