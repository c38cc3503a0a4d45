"""The employer's pages and the public "check a credential" page.

Sign-in is required (303 to the sign-in page), every form needs the page's CSRF token, a
refused form shows each problem next to its field in words, a request's page shows its QR
code and links and then the answer's report, and the public page checks a real signed
credential (and survives garbage).
"""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest

from shared.errors import InvalidInput
from shared.pages import CSRF_FIELD
from shared.qr import qr_png
from tests.verifier.conftest import BASE_URL, RunningVerifier, Wallet
from verifier.employers.auth import SESSION_COOKIE
from verifier.pages.common import SITE
from verifier.pages.pasted import fetch_document

ORIGIN = {"Origin": BASE_URL}
HTML = {"Accept": "text/html"}
HOSTILE = "<script>alert(1)</script>"


def csrf_of(html: str) -> str:
    match = re.search(rf'name="{CSRF_FIELD}" value="([0-9a-f]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


async def form_token(verifier: RunningVerifier) -> str:
    session = verifier.client.cookies.get(SESSION_COOKIE)
    if session:
        return SITE.csrf_token_for(session, verifier.runtime.key_encryption_key)
    page = await verifier.client.get("/verify")
    return csrf_of(page.text)


async def post_form(
    verifier: RunningVerifier,
    path: str,
    data: dict[str, Any] | None = None,
    files: dict[str, Any] | None = None,
) -> httpx.Response:
    token = await form_token(verifier)
    return await verifier.client.post(
        path, data={**(data or {}), CSRF_FIELD: token}, files=files, headers={**ORIGIN, **HTML}
    )


async def sign_in(verifier: RunningVerifier) -> None:
    page = await verifier.client.get("/employer/login")
    assert page.status_code == 200, page.text
    response = await verifier.client.post(
        "/employer/login",
        data={"token": verifier.token, "next": "/employer/", CSRF_FIELD: csrf_of(page.text)},
        headers=ORIGIN,
    )
    assert (response.status_code, response.headers["location"]) == (303, "/employer/")


async def html(verifier: RunningVerifier, path: str) -> str:
    response = await verifier.client.get(path, headers=HTML)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    return response.text


async def answer(
    verifier: RunningVerifier, wallet: Wallet, request: dict[str, Any], **changes: Any
) -> None:
    """The learner's wallet answers ``request`` with one signed micro-credential (ldp_vc)."""
    _, claims = await verifier.request_object(request)
    credential = await wallet.credential("ldp_vc", **changes)
    presentation = await wallet.presentation(
        "ldp_vc", credential, nonce=claims["nonce"], audience=claims["client_id"]
    )
    query_id = claims["dcql_query"]["credentials"][0]["id"]
    posted = await verifier.client.post(
        urlsplit(claims["response_uri"]).path,
        data={"vp_token": json.dumps({query_id: [presentation]}), "state": claims["state"]},
    )
    assert posted.status_code == 200, posted.text


@pytest.mark.parametrize(
    "path",
    [
        "/employer/",
        "/employer/requests/new",
        "/employer/trust",
        "/employer/trust/new",
        "/employer/webhooks",
        "/employer/requests/some-id",
    ],
)
async def test_every_employer_page_sends_a_stranger_to_the_sign_in_page(
    verifier: RunningVerifier, path: str
) -> None:
    response = await verifier.client.get(path, headers=HTML)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/employer/login?next={quote(path, safe='')}"


async def test_signing_in_sets_a_strict_cookie_for_the_pages_only(
    verifier: RunningVerifier,
) -> None:
    page = await verifier.client.get("/employer/login?next=https://evil.example/")
    assert 'name="next" value="/employer/"' in page.text  # never another site
    wrong = await verifier.client.post(
        "/employer/login", data={"token": "nope", CSRF_FIELD: csrf_of(page.text)}, headers=ORIGIN
    )
    assert wrong.status_code == 401
    assert "unknown or was revoked" in wrong.text
    assert 'aria-invalid="true"' in wrong.text
    await sign_in(verifier)
    cookie = verifier.client.cookies.jar
    session = [c for c in cookie if c.name == SESSION_COOKIE]
    assert session
    assert session[0].path == "/employer"
    listing = await html(verifier, "/employer/")
    assert "Demo Employer" in listing
    # The cookie is for the pages: the JSON API still wants a bearer token.
    assert (await verifier.client.get("/api/v1/requests")).status_code == 401


async def test_forms_without_the_token_are_refused_and_change_nothing(
    verifier: RunningVerifier,
) -> None:
    await sign_in(verifier)
    for path, data in [
        ("/employer/requests/new", {"template": "microcredential"}),
        ("/employer/trust/new", {"did": "did:web:evil.example", "name": "Evil"}),
        ("/employer/webhooks", {"url": "https://evil.example/hook"}),
        ("/employer/logout", {}),
        ("/verify", {"document": "{}"}),
    ]:
        response = await verifier.client.post(path, data=data, headers=HTML)
        assert response.status_code == 403, (path, response.text)
        assert "did not come from the verifier" in response.text
        forged = await verifier.client.post(
            path,
            data={**data, CSRF_FIELD: await form_token(verifier)},
            headers={"Origin": "https://evil.example"},
        )
        assert forged.status_code == 403, path
    listed = await verifier.client.get("/api/v1/requests", headers=verifier.auth)
    assert listed.json() == []
    trust = await verifier.client.get("/api/v1/trust-list", headers=verifier.auth)
    assert "evil.example" not in trust.text
    assert (await verifier.client.get("/employer/")).status_code == 200  # still signed in


async def test_a_request_by_hand_shows_each_problem_next_to_its_field(
    verifier: RunningVerifier,
) -> None:
    await sign_in(verifier)
    form = await html(verifier, "/employer/requests/new")
    assert 'maxlength="500"' in form  # the purpose's limit is stated
    response = await post_form(
        verifier,
        "/employer/requests/new",
        {
            "template": "",
            "formats": "ldp_vc",
            "field_of_study": "abc",
            "min_ects_total": "lots",
            "purpose": "",
            "title": HOSTILE,
        },
    )
    assert response.status_code == 400, response.text
    page = response.text
    for field in ("field_of_study", "min_ects_total", "purpose"):
        assert f'id="{field}-error"' in page, field
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', page), field
    assert "is not an ISCED-F field code" in page
    assert "Say in a few words" in page
    assert "validation error" not in page.lower()
    assert "pydantic" not in page.lower()
    assert HOSTILE not in page
    assert "&lt;script&gt;" in page
    assert (await verifier.client.get("/api/v1/requests", headers=verifier.auth)).json() == []


async def test_a_request_page_shows_the_qr_code_then_the_verified_answer(
    verifier: RunningVerifier, wallet: Wallet
) -> None:
    verifier.trust.add(wallet.issuer.did)
    await sign_in(verifier)
    made = await post_form(
        verifier,
        "/employer/requests/new",
        {
            "template": "",
            "title": "Analyst job",
            "formats": ["ldp_vc", "jwt_vc_json"],
            "trusted_issuers_only": "yes",
            "min_ects_total": "1",
            "disclose": "name",
            "purpose": "To check your data literacy training",
        },
    )
    assert made.status_code == 303, made.text
    path = made.headers["location"]
    request_id = path.rsplit("/", 1)[1]

    pending = await html(verifier, path)
    assert "Show this QR code to the learner" in pending
    assert f'src="/employer/requests/{request_id}/qr.svg"' in pending
    assert "request-live.js" in pending
    assert "<script>" not in pending
    link = unescape(re.search(r'<p class="link-text"><a href="([^"]+)"', pending)[1])
    assert link.startswith("openid4vp://?")
    assert "Open in wallet on this device" in pending
    svg = await verifier.client.get(f"{path}/qr.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    state = await verifier.client.get(f"{path}/state")
    assert state.json() == {"status": "pending"}
    script = await verifier.client.get("/employer/static/request-live.js")
    assert script.status_code == 200
    assert "EventSource" in script.text

    api = await verifier.get(request_id)
    await answer(verifier, wallet, api.json())

    events = await verifier.client.get(f"{path}/events")
    assert events.headers["content-type"].startswith("text/event-stream")
    assert "event: status\ndata: verified" in events.text
    done = await html(verifier, path)
    assert "Verified" in done
    assert "Not verified" not in done
    assert "University of Example" in done  # the trust list's name for the issuer
    assert "on your trusted list" in done
    assert "ECTS" in done
    assert "Learning outcomes" in done
    for title in ("Signed by its issuer and unchanged", "Not revoked or suspended"):
        assert title in done
    assert "Sent to your systems (webhooks)" in done
    listing = await html(verifier, "/employer/")
    assert "Analyst job" in listing
    assert "Verified" in listing


async def test_an_unknown_issuer_is_named_so_never_by_its_own_claim(
    verifier: RunningVerifier, wallet: Wallet
) -> None:
    await sign_in(verifier)
    request = await verifier.create_request()
    await answer(verifier, wallet, request)
    page = await html(verifier, f"/employer/requests/{request['request_id']}")
    assert "Not verified" in page
    assert "Unknown issuer" in page
    assert "the credential&#39;s own claim" in page or "credential's own claim" in page


async def test_the_public_page_checks_a_real_credential_and_garbage(
    verifier: RunningVerifier, wallet: Wallet
) -> None:
    verifier.trust.add(wallet.issuer.did)
    form = await html(verifier, "/verify")
    assert "Check a micro-credential" in form
    credential = await wallet.credential("jwt_vc_json")
    checked = await post_form(verifier, "/verify", {"document": credential})
    assert checked.status_code == 200, checked.text
    assert "Verified" in checked.text
    assert "Not verified" not in checked.text
    assert "Not applicable" in checked.text  # nonce and audience: there was no request
    assert "University of Example" in checked.text

    tampered = json.loads(json.dumps(await wallet.credential("ldp_vc")))
    tampered["credentialSubject"]["achievement"]["name"] = {"en": "Brain surgery"}
    refused = await post_form(verifier, "/verify", {"document": json.dumps(tampered)})
    assert refused.status_code == 200
    assert "Not verified" in refused.text

    for garbage in ["{", "eyJhbGciOi.x.y", "[]", "x" * 1000, HOSTILE]:
        response = await post_form(verifier, "/verify", {"document": garbage})
        assert response.status_code in (200, 400), response.text
        assert "Not verified" in response.text or "field-error" in response.text
        assert HOSTILE not in response.text

    as_file = await post_form(
        verifier, "/verify", files={"file": ("credential.jwt", str(credential).encode())}
    )
    assert "Verified" in as_file.text
    assert "Not verified" not in as_file.text
    # A certificate's QR code carries the issuer's address; one that cannot be reached (or
    # is on a private network) is explained, not a 500.
    photo = qr_png("https://issuer.invalid/certificates/abc")
    from_qr = await post_form(verifier, "/verify", files={"file": ("qr.png", photo, "image/png")})
    assert from_qr.status_code == 400, from_qr.text
    assert "could not be reached" in from_qr.text
    no_code = await post_form(
        verifier, "/verify", files={"file": ("blank.png", qr_png("openid4vp://?x=1"), "image/png")}
    )
    assert no_code.status_code == 400
    assert "meant for a wallet" in no_code.text


async def test_the_trust_list_pages_add_change_and_remove(verifier: RunningVerifier) -> None:
    await sign_in(verifier)
    bad = await post_form(
        verifier,
        "/employer/trust/new",
        {"did": "not a did", "name": "", "country": "Germany", "accreditation": ""},
    )
    assert bad.status_code == 400
    for field in ("did", "country", "accreditation"):
        assert f'id="{field}-error"' in bad.text, field
    added = await post_form(
        verifier,
        "/employer/trust/new",
        {
            "did": "did:web:uni.example",
            "name": "University of Example",
            "language": "en",
            "other_names": "de: Universität Beispiel",
            "country": "de",
            "accreditation": "Akkreditierungsrat",
            "accreditation_url": "https://www.akkreditierungsrat.de/",
        },
    )
    assert added.status_code == 303, added.text
    listed = await html(verifier, "/employer/trust")
    assert "University of Example" in listed
    assert "did:web:uni.example" in listed
    edit_path = "/employer/trust/edit?did=" + quote("did:web:uni.example", safe="")
    edit = await html(verifier, edit_path)
    assert "Universität Beispiel" in edit
    changed = await post_form(
        verifier,
        edit_path,
        {"name": "Example University", "language": "en", "country": "DE", "accreditation": "AQAS"},
    )
    assert changed.status_code == 303, changed.text
    assert "Example University" in await html(verifier, "/employer/trust")
    removed = await post_form(verifier, "/employer/trust/remove", {"did": "did:web:uni.example"})
    assert removed.status_code == 303
    assert "did:web:uni.example" not in await html(verifier, "/employer/trust")


async def test_the_webhook_page_shows_the_secret_once(verifier: RunningVerifier) -> None:
    await sign_in(verifier)
    refused = await post_form(verifier, "/employer/webhooks", {"url": "ftp://example.org"})
    assert refused.status_code == 400
    assert 'id="url-error"' in refused.text
    added = await post_form(
        verifier, "/employer/webhooks", {"url": "https://ats.example/hook", "description": "ATS"}
    )
    assert added.status_code == 200, added.text
    assert "Save the signing secret now" in added.text
    again = await html(verifier, "/employer/webhooks")
    assert "https://ats.example/hook" in again
    assert "Save the signing secret" not in again


async def test_a_declined_request_says_so_in_words(verifier: RunningVerifier) -> None:
    await sign_in(verifier)
    request = await verifier.create_request()
    _, claims = await verifier.request_object(request)
    declined = await verifier.client.post(
        urlsplit(claims["response_uri"]).path,
        data={"error": "access_denied", "state": claims["state"]},
    )
    assert declined.status_code == 200, declined.text
    page = await html(verifier, f"/employer/requests/{request['request_id']}")
    assert "No credential was shared" in page
    assert "The learner declined to share." in page
    again = await post_form(verifier, f"/employer/requests/{request['request_id']}/again")
    assert again.status_code == 303, again.text
    fresh = await html(verifier, again.headers["location"])
    assert "Show this QR code to the learner" in fresh


async def test_a_certificates_qr_address_is_fetched_asking_for_a_credential(
    wallet: Wallet,
) -> None:
    """The page behind a certificate's QR code is asked for JSON; a signed credential is
    checked, the issuer's description of the certificate is explained, not 'checked'."""
    credential = await wallet.credential("ldp_vc")
    asked: list[str] = []

    def issuer(request: httpx.Request) -> httpx.Response:
        asked.append(request.headers["accept"])
        if request.url.path.endswith("/signed"):
            return httpx.Response(200, json=credential)
        return httpx.Response(200, json={"title": "Data Literacy", "status": "valid"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(issuer)) as http:
        fetched = await fetch_document("https://uni.example/certificates/signed", http)
        assert json.loads(fetched) == credential
        with pytest.raises(InvalidInput, match="describes the certificate"):
            await fetch_document("https://uni.example/certificates/abc", http)
    assert all("application/json" in accept for accept in asked)
