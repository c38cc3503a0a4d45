"""axe-core (Deque's accessibility engine, from npm) run inside a page by the browser tests.

``package.json`` beside this file pins it; ``axe_source()`` installs it on first use
(``npm ci``) and returns its code. The pages allow no inline script, so the code is run
through Playwright's ``evaluate`` (the DevTools protocol, which the page's CSP does not
govern) rather than injected as a <script> tag.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.support.npm import ensure_installed

if TYPE_CHECKING:
    from playwright.async_api import Page

HERE = Path(__file__).resolve().parent
# The rules of WCAG 2.0 and 2.1, levels A and AA (axe's tags for them).
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@cache
def axe_source() -> str:
    ensure_installed(HERE, "the accessibility checks (axe-core)")
    return (HERE / "node_modules" / "axe-core" / "axe.min.js").read_text()


async def assert_accessible(page: Page) -> None:
    """No WCAG 2.1 A or AA violation that axe-core finds on the page as it is now."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(axe_source())
    result: dict[str, Any] = await page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_21_AA
    )
    violations = [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "where": [node["target"] for node in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]
    assert not violations, f"{page.url}: " + json.dumps(violations, indent=1)
