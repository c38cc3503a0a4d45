"""PDF certificates and the public verification page their QR code opens.

The PDF is read the way a person's tools read it: pypdfium2 (PDFium, the engine of Chrome's
viewer) renders the page to pixels and extracts its text, and zxing-cpp decodes the QR code
from those pixels.
"""

from __future__ import annotations

from typing import Any

import pypdfium2 as pdfium
import pytest

from issuer.awards.service import Awards, Recipient
from issuer.catalogue.service import Catalogue
from issuer.models import Award
from tests.issuer.conftest import RunningIssuer
from tests.support.qr import read_qr

NAMES = ["Łukasz Żółć", "Ηλέκτρα Παπαδοπούλου", "Jürgen Müller-Lüdenscheidt"]
JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html"}


async def make_award(issuer: RunningIssuer, name: str = NAMES[0]) -> Award:
    async with issuer.session() as session:
        item = (await Catalogue(session, issuer.settings.base_url).items())[0]
        award = await Awards(session, issuer.settings.base_url).create(
            item.achievement.id, Recipient(name=name, grade="B"), actor="t"
        )
    return award


def pdf_pages(content: bytes) -> list[tuple[str, Any]]:
    """Each page's text and its rendering (about 216 dpi) as a PIL image."""
    document = pdfium.PdfDocument(content)
    try:
        pages = []
        for page in document:
            text = page.get_textpage().get_text_range()
            pages.append((text, page.render(scale=3).to_pil()))
        return pages
    finally:
        document.close()


async def change(issuer: RunningIssuer, award: Award, action: str, reason: str) -> None:
    response = await issuer.client.post(
        f"/api/v1/awards/{award.id}/{action}", json={"reason": reason}, headers=issuer.admin
    )
    assert response.status_code == 200, response.text


async def test_the_qr_on_the_pdf_decodes_to_a_working_link(issuer: RunningIssuer) -> None:
    """The QR code on the PDF opens the verification page, which shows the award's title and
    its live status: valid now, revoked after a revocation."""
    award = await make_award(issuer)
    response = await issuer.client.get(
        f"/api/v1/awards/{award.id}/certificate.pdf", headers=issuer.admin
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    pages = pdf_pages(response.content)
    assert 1 <= len(pages) <= 2

    link = read_qr(pages[0][1]).text
    assert link == f"{issuer.settings.base_url}/certificates/{award.public_id}"

    page = await issuer.client.get(link, headers=HTML)
    assert page.status_code == 200, page.text
    assert "Data Literacy for Public Administration" in page.text
    assert "Status: valid" in page.text

    await change(issuer, award, "revoke", "Exam fraud established by the board")
    page = await issuer.client.get(link, headers=HTML)
    assert "Status: revoked" in page.text
    assert "Status: valid" not in page.text
    assert "fraud" not in page.text  # the reason stays internal


@pytest.mark.parametrize("name", NAMES)
async def test_the_pdf_carries_the_learner_name_in_any_european_script(
    issuer: RunningIssuer, name: str
) -> None:
    award = await make_award(issuer, name)
    response = await issuer.client.get(f"/certificates/{award.public_id}.pdf")
    assert response.status_code == 200, response.text
    text = "\n".join(page_text for page_text, _ in pdf_pages(response.content))
    assert name in text
    for element in ("Learning outcomes", "EQF level 6", "5 ECTS credits", "Blended", "ECTS grade"):
        assert element in text
    assert "Datenkompetenz für die öffentliche Verwaltung" in text  # the title's translation


async def test_the_page_as_json_shows_elements_live_status_and_issuer_did(
    issuer: RunningIssuer,
) -> None:
    award = await make_award(issuer)
    url = f"/certificates/{award.public_id}"
    body = (await issuer.client.get(url, headers=JSON)).json()
    did = (await issuer.client.get("/api/v1/organisations", headers=issuer.admin)).json()[0]["did"]
    assert body["status"] == "valid"
    assert body["status_changed_at"] is None
    assert body["issuer_did"] == did
    assert body["learner_name"] == "Łukasz Żółć"
    assert body["title"] == {
        "en": "Data Literacy for Public Administration",
        "de": "Datenkompetenz für die öffentliche Verwaltung",
    }
    elements = {item["key"]: item for item in body["elements"]}
    assert elements["learning_outcomes"]["label"] == "Learning outcomes"
    assert len(elements["learning_outcomes"]["values"]) == 3
    assert elements["grade"]["values"][0].startswith("B ")
    for key in (
        "learner",
        "awarding_body",
        "country",
        "date_of_issue",
        "workload",
        "level",
        "assessment_type",
        "participation",
        "quality_assurance",
    ):
        assert key in elements, key

    await change(issuer, award, "suspend", "Appeal pending")
    body = (await issuer.client.get(url, headers=JSON)).json()
    assert body["status"] == "suspended"
    assert body["status_changed_at"] is not None
    assert "Appeal" not in str(body)
    page = await issuer.client.get(url, headers=HTML)
    assert "Status: suspended" in page.text
    assert body["status_changed_at"][:10] in page.text

    await change(issuer, award, "reinstate", "Appeal upheld")
    assert (await issuer.client.get(url, headers=JSON)).json()["status"] == "valid"


async def test_the_page_speaks_the_readers_language_when_the_award_has_it(
    issuer: RunningIssuer,
) -> None:
    award = await make_award(issuer)
    url = f"/certificates/{award.public_id}"
    german = await issuer.client.get(url, headers={**HTML, "Accept-Language": "de-AT, en;q=0.5"})
    assert '<html lang="de">' in german.text
    assert "Datenkompetenz für die öffentliche Verwaltung</h1>" in german.text
    french = await issuer.client.get(url, headers={**JSON, "Accept-Language": "fr"})
    assert french.json()["language"] == "en"


async def test_certificates_are_private_documents(issuer: RunningIssuer) -> None:
    """Unknown ids are not found; the registrar's PDF needs a token; nothing is cached and
    the page's URL (a bearer link) is not sent on as a Referer."""
    award = await make_award(issuer)
    assert (await issuer.client.get("/certificates/not-a-real-id", headers=JSON)).status_code == 404
    assert (await issuer.client.get("/certificates/not-a-real-id.pdf")).status_code == 404
    anonymous = await issuer.client.get(f"/api/v1/awards/{award.id}/certificate.pdf")
    assert anonymous.status_code == 401
    for path in (f"/certificates/{award.public_id}", f"/certificates/{award.public_id}.pdf"):
        response = await issuer.client.get(path)
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "noindex" in response.headers["x-robots-tag"]
