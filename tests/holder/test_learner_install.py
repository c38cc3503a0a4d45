"""The wallet installs to a phone's home screen, and scans QR codes with the camera.

What a browser needs to offer "Add to home screen": a web app manifest linked from every
page, served as ``application/manifest+json``, naming a start URL and PNG icons of 192 and
512 pixels that exist. The camera scanner is a script of the wallet's own (no other origin:
the CSP says ``script-src 'self'``) with its decoder vendored beside its licence; the page
works without it (the scanner is hidden until the script shows it).
"""

from __future__ import annotations

import io
import json
import re

from PIL import Image

from tests.holder.conftest import RunningWallet

HTML = {"Accept": "text/html"}


async def test_every_page_links_a_manifest_with_a_start_url_and_icons(
    wallet: RunningWallet,
) -> None:
    page = await wallet.client.get("/login", headers=HTML)
    assert page.status_code == 200, page.text
    link = re.search(r'<link rel="manifest" href="([^"]+)">', page.text)
    assert link is not None
    assert '<meta name="theme-color" content="#1d4ed8">' in page.text

    served = await wallet.client.get(link.group(1))
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(served.content)
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#1d4ed8"
    sizes = set()
    for icon in manifest["icons"]:
        image = await wallet.client.get(icon["src"])
        assert image.status_code == 200, icon["src"]
        assert image.headers["content-type"] == "image/png"
        width, height = Image.open(io.BytesIO(image.content)).size
        assert icon["sizes"] == f"{width}x{height}"
        sizes.add(width)
    assert {192, 512} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    touch = re.search(r'<link rel="apple-touch-icon" href="([^"]+)">', page.text)
    assert touch is not None
    assert (await wallet.client.get(touch.group(1))).status_code == 200


async def test_the_receive_page_offers_a_camera_scanner_served_by_the_wallet(
    wallet: RunningWallet,
) -> None:
    learner = await wallet.sign_up()
    page = await learner.browser.get("/receive")
    assert page.status_code == 200, page.text
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    assert scripts, page.text
    assert all(src.startswith("/static/") for src in scripts)  # the wallet's own
    for src in scripts:
        served = await wallet.client.get(src)
        assert served.status_code == 200, src
        assert "javascript" in served.headers["content-type"]
    decoder = next(src for src in scripts if "jsqr" in src.lower())
    folder = decoder.rsplit("/", 1)[0]
    licence = await wallet.client.get(f"{folder}/LICENSE")
    assert licence.status_code == 200
    assert "Apache License" in licence.text
    # Without the script, nothing is missing: the scanner stays hidden, upload stays.
    assert re.search(r'<div class="scanner" data-scanner-for="link"[^>]* hidden', page.text)
    assert 'type="file" accept="image/*"' in page.text
