"""A photo of the QR code on our issuer's PDF certificate, uploaded to our verifier's public
"check a credential" page, gets the full check report: our issuer and our verifier as real
processes (the trust list made as in test_verifier_journey), the PDF rendered to pixels as
a screen or a printer shows it, saved as a JPEG as a phone would.

Two awards: one stays valid, the other is revoked before the verifier reads any status list,
so what the verifier caches (honouring the issuer's Cache-Control) already says so.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import httpx
import pypdfium2 as pdfium
import pytest

from shared.pages import CSRF_FIELD
from shared.qr_image import read_qr_codes
from tests.e2e.test_verifier_journey import _trust as trust
from tests.support.processes import Service, free_port, serving
from verifier.checks.report import CHECK_TITLES

pytestmark = pytest.mark.slow

UNIVERSITY = "Universität Beispielstadt"
LEARNER = "Łukasz Żółć"
NOT_APPLICABLE = ("presentation_signature", "nonce", "audience", "holder_binding", "constraints")
CHECK_ROW = re.compile(
    r'<li><span class="outcome outcome-(?P<outcome>[a-z_]+)">[^<]*</span> '
    r"<strong>(?P<title>[^<]*)</strong><br><span>(?P<reason>[^<]*)</span></li>"
)


@dataclass
class Setting:
    issuer: Service
    verifier: Service
    photos: dict[str, bytes]  # a photo of each certificate, by "valid" / "revoked"


def _award_and_photograph(
    issuer: Service, admin: dict[str, str], achievement: str
) -> tuple[str, bytes]:
    """What a registrar does (award, print the PDF), then a picture of the printed page;
    (the award's id, the picture)."""
    made = httpx.post(
        f"{issuer.base_url}/api/v1/awards",
        headers=admin,
        json={"achievement_id": achievement, "name": LEARNER, "email": "l@example.org"},
        timeout=30,
    )
    assert made.status_code == 201, made.text
    award_id = made.json()["award_id"]
    pdf = httpx.get(
        f"{issuer.base_url}/api/v1/awards/{award_id}/certificate.pdf", headers=admin, timeout=60
    )
    assert pdf.status_code == 200, pdf.text
    document = pdfium.PdfDocument(pdf.content)
    try:
        picture = document[0].render(scale=2).to_pil()  # about 144 dpi
    finally:
        document.close()
    jpeg = io.BytesIO()
    picture.convert("RGB").save(jpeg, format="JPEG", quality=85)
    return str(award_id), jpeg.getvalue()


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setting]:
    tmp = tmp_path_factory.mktemp("certificate-qr")
    with ExitStack() as stack:
        issuer = stack.enter_context(serving("issuer", tmp, free_port()))
        token = (issuer.data_dir / "issuer-admin-token").read_text().strip()
        admin = {"Authorization": f"Bearer {token}"}
        did = httpx.get(f"{issuer.base_url}/api/v1/organisations", headers=admin).json()[0]["did"]
        achievement = httpx.get(f"{issuer.base_url}/api/v1/achievements", headers=admin).json()[0]

        photos: dict[str, bytes] = {}
        awards: dict[str, str] = {}
        for role in ("valid", "revoked"):
            awards[role], photos[role] = _award_and_photograph(issuer, admin, achievement["id"])
        revoked = httpx.post(
            f"{issuer.base_url}/api/v1/awards/{awards['revoked']}/revoke",
            headers=admin,
            json={"reason": "Issued in error"},
            timeout=30,
        )
        assert revoked.status_code == 200, revoked.text

        trust_list = tmp / "trust-list.json"
        trust(trust_list, did, UNIVERSITY)
        verifier = stack.enter_context(
            serving("verifier", tmp, free_port(), VERIFIER_TRUST_LIST_SOURCE=str(trust_list))
        )
        yield Setting(issuer, verifier, photos)


def _upload(verifier: Service, photo: bytes) -> str:
    """What a person does: open /verify, choose the photo, press Check; the page they see."""
    with httpx.Client(base_url=verifier.base_url, timeout=60) as browser:
        form = browser.get("/verify", headers={"Accept": "text/html"})
        assert form.status_code == 200, form.text
        token = re.search(rf'name="{CSRF_FIELD}" value="([^"]+)"', form.text)
        assert token, form.text
        answer = browser.post(
            "/verify",
            data={CSRF_FIELD: token.group(1), "document": ""},
            files={"file": ("certificate.jpg", photo, "image/jpeg")},
            headers={"Origin": verifier.base_url, "Accept": "text/html"},
        )
    assert answer.status_code == 200, answer.text
    return answer.text


def _checks(page: str) -> dict[str, tuple[str, str]]:
    """Each check on the page: (outcome, reason), by its name."""
    names = {title: name for name, title in CHECK_TITLES.items()}
    found = {}
    for row in CHECK_ROW.finditer(page):
        name = names[html.unescape(row["title"])]
        assert name not in found, f"{name} listed twice"
        found[name] = (row["outcome"], html.unescape(row["reason"]))
    return found


def test_a_photo_of_a_valid_certificate_gets_the_full_report_verified(setting: Setting) -> None:
    page = _upload(setting.verifier, setting.photos["valid"])
    checks = _checks(page)
    assert set(checks) == set(CHECK_TITLES), checks
    assert 'id="verdict">Verified<' in page, checks
    for name, (outcome, reason) in checks.items():
        assert reason.strip(), name  # every check says why, in words
        expected = "not_applicable" if name in NOT_APPLICABLE else "passed"
        assert outcome == expected, (name, outcome, reason)
    assert "no request" in checks["nonce"][1]
    assert "not presented by anyone" in checks["holder_binding"][1]
    # The issuer's name comes from the trust list; the learner as the certificate names them.
    assert f"<strong>{UNIVERSITY}</strong> (DE), on your trusted list" in html.unescape(page)
    assert LEARNER in html.unescape(page)


def test_a_photo_of_a_revoked_certificate_is_not_verified(setting: Setting) -> None:
    page = _upload(setting.verifier, setting.photos["revoked"])
    checks = _checks(page)
    assert 'id="verdict">Not verified<' in page, checks
    outcome, reason = checks["status"]
    assert outcome == "failed", checks
    assert "revoked" in reason.lower()
    assert checks["credential_signature"][0] == "passed"
    assert checks["trusted_issuer"][0] == "passed"


def test_the_address_in_the_qr_still_shows_a_person_the_page(setting: Setting) -> None:
    """The same address opened in a browser is the certificate's page, not the credential."""
    [link] = read_qr_codes(setting.photos["valid"])
    page = httpx.get(link, headers={"Accept": "text/html,*/*;q=0.8"}, timeout=30)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "Status: valid" in page.text
