"""QR codes decode, with zxing-cpp, to exactly the URI they were made from."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from urllib.parse import quote, urlencode

import pytest
from PIL import Image, ImageDraw

from shared.errors import InvalidInput
from shared.qr import qr_png, qr_svg
from tests.support.qr import read_qr

SVG_NS = "{http://www.w3.org/2000/svg}"

OFFER = "openid-credential-offer://?credential_offer_uri=" + quote(
    "https://issuer.example/credential-offer/6f1c2a0e-3b1d-4c55-9a57-2f3e0c8d9b41", safe=""
)
LONG_REQUEST = "openid4vp://?" + urlencode(
    {
        "client_id": "x509_san_dns:verifier.example",
        "request_uri": "https://verifier.example/oid4vp/request/" + "q7Zk3" * 40,
        "request_uri_method": "post",
        "state": "b2f1c3d4-" * 12,
        "nonce": "n-0S6_WzA2Mj" * 8,
    }
)
NON_ASCII = "https://issuer.example/badges/grüne-energie?name=Jürgen%20Müller"

URIS = pytest.mark.parametrize(
    "uri", [OFFER, LONG_REQUEST, NON_ASCII], ids=["offer", "long-openid4vp", "non-ascii"]
)


def decode(image: Image.Image) -> str:
    barcode = read_qr(image)
    assert barcode.ec_level == "M"
    return barcode.text


def rasterise(svg: str, scale: int = 8) -> Image.Image:
    """Draw the SVG that qr_svg makes: a background rect and one path of square subpaths.

    Deliberately strict: anything other than axis-aligned squares fails the test rather
    than being drawn wrongly.
    """
    root = ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input
    _, _, width, height = (float(v) for v in root.attrib["viewBox"].split())
    image = Image.new("L", (round(width * scale), round(height * scale)), 255)
    draw = ImageDraw.Draw(image)
    [background] = root.findall(f"{SVG_NS}rect")
    assert background.attrib["fill"] == "white"
    [path] = root.findall(f"{SVG_NS}path")
    for subpath in re.findall(r"M[^Mz]*z", path.attrib["d"]):
        match = re.fullmatch(r"M([\d.]+),([\d.]+)H([\d.]+)V([\d.]+)H([\d.]+)z", subpath)
        assert match, subpath
        x0, y0, x1, y1, x_back = (float(v) for v in match.groups())
        assert x_back == x0
        draw.rectangle(
            (x0 * scale, y0 * scale, x1 * scale - 1, y1 * scale - 1), fill=0
        )  # PIL's rectangle includes its far edge
    return image


def test_the_long_request_is_as_long_as_a_real_one() -> None:
    assert 550 <= len(LONG_REQUEST) <= 700


@URIS
def test_the_png_decodes_to_exactly_the_uri(uri: str) -> None:
    png = qr_png(uri)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert decode(Image.open(io.BytesIO(png))) == uri


@URIS
def test_the_svg_decodes_to_exactly_the_uri(uri: str) -> None:
    assert decode(rasterise(qr_svg(uri))) == uri


def test_the_svg_is_a_standalone_document() -> None:
    """It parses on its own, declares the SVG namespace and scales by its viewBox."""
    svg = qr_svg(OFFER)
    assert svg.startswith("<svg")
    root = ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input
    assert root.tag == f"{SVG_NS}svg"
    assert root.attrib["viewBox"].startswith("0 0 ")


def test_box_size_and_border_set_the_png_size() -> None:
    small = Image.open(io.BytesIO(qr_png("https://issuer.example/", box_size=4, border=4)))
    large = Image.open(io.BytesIO(qr_png("https://issuer.example/", box_size=8, border=4)))
    assert large.size == (small.size[0] * 2, small.size[1] * 2)
    modules = small.size[0] // 4 - 8
    bare = Image.open(io.BytesIO(qr_png("https://issuer.example/", box_size=4, border=0)))
    assert bare.size == (modules * 4, modules * 4)
    # The quiet zone is white.
    assert small.convert("L").getpixel((0, 0)) == 255


def test_a_uri_too_long_for_any_qr_code_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="too long for a QR code"):
        qr_png("openid4vp://?request=" + "a" * 3000)
