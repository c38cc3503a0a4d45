"""The registrar's pages: sign-in, the CSRF token, escaping, and the award journey."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest

from issuer.admin.auth import SESSION_COOKIE
from issuer.admin.tokens import DEV_TOKEN_FILE
from issuer.app import create_app
from issuer.pages.common import SITE
from issuer.settings import IssuerSettings
from shared.pages import CSRF_FIELD
from tests.issuer.conftest import BASE_URL, RunningIssuer
from tests.issuer.test_awards_api import offer_uri_of
from tests.issuer.test_catalogue_api import entry_json, first_achievement
from tests.support.apps import serving

ORIGIN = {"Origin": BASE_URL}
HOSTILE = "<script>alert(1)</script>"


def csrf_of(html: str) -> str:
    match = re.search(rf'name="{CSRF_FIELD}" value="([0-9a-f]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


async def form_token(issuer: RunningIssuer) -> str:
    """The token the browser's forms carry: bound to its session cookie, or, signed out, to
    the pre-session cookie the sign-in page sets."""
    session = issuer.client.cookies.get(SESSION_COOKIE)
    if session:
        return SITE.csrf_token_for(session, issuer.runtime.key_encryption_key)
    return csrf_of(await page(issuer, "/admin/login"))


async def post_form(
    issuer: RunningIssuer, path: str, data: dict[str, Any] | None = None
) -> httpx.Response:
    """A form sent from the registrar's own page: same origin, with the page's CSRF token."""
    token = await form_token(issuer)
    return await issuer.client.post(path, data={**(data or {}), CSRF_FIELD: token}, headers=ORIGIN)


async def sign_in(issuer: RunningIssuer, token: str | None = None) -> httpx.Response:
    return await post_form(
        issuer, "/admin/login", data={"token": token or issuer.admin_token, "next": "/admin/"}
    )


async def page(issuer: RunningIssuer, path: str) -> str:
    response = await issuer.client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def offer_link_in(html: str) -> str:
    match = re.search(r'<p class="link"><a href="([^"]+)"', html)
    assert match, "the page shows no offer link"
    return unescape(match.group(1))


def pin_in(html: str) -> str | None:
    match = re.search(r'<p class="digits">(\d+)</p>', html)
    return match.group(1) if match else None


async def test_the_root_leads_to_the_dashboard_which_needs_sign_in(issuer: RunningIssuer) -> None:
    root = await issuer.client.get("/")
    assert (root.status_code, root.headers["location"]) == (303, "/admin/")
    dashboard = await issuer.client.get("/admin/")
    assert dashboard.status_code == 303
    assert dashboard.headers["location"] == "/admin/login?next=%2Fadmin%2F"
    login = await page(issuer, "/admin/login?next=%2Fadmin%2F")
    assert 'name="token"' in login


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/achievements/new",
        "/admin/awards",
        "/admin/achievements/{id}",
        "/admin/achievements/{id}/edit",
        "/admin/achievements/{id}/award",
    ],
)
async def test_every_page_sends_a_stranger_to_the_sign_in_page(
    issuer: RunningIssuer, path: str
) -> None:
    achievement = await first_achievement(issuer)
    wanted = path.format(id=achievement["id"])
    response = await issuer.client.get(wanted)
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/admin/login?next=")
    # With a stale cookie (a revoked or made-up token) it is the same, and the cookie goes.
    issuer.client.cookies.set(SESSION_COOKIE, "made-up", path="/admin")
    stale = await issuer.client.get(wanted)
    assert stale.status_code == 303
    assert f"{SESSION_COOKIE}=" in stale.headers["set-cookie"]


async def test_signing_in_sets_a_strict_http_only_cookie_for_the_pages_only(
    issuer: RunningIssuer,
) -> None:
    wrong = await sign_in(issuer, "not-the-token")
    assert wrong.status_code == 401
    assert "set-cookie" not in wrong.headers
    assert "unknown or was revoked" in wrong.text

    response = await sign_in(issuer)
    assert (response.status_code, response.headers["location"]) == (303, "/admin/")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    for attribute in ("HttpOnly", "SameSite=strict", "Path=/admin"):
        assert attribute.lower() in cookie.lower()
    assert "secure" not in cookie.lower()  # the test node is on http
    assert "token:development admin" in await page(issuer, "/admin/")
    # The cookie signs in the pages, not the JSON API (that takes bearer tokens).
    api = await issuer.client.get("/api/v1/achievements")
    assert api.status_code == 401


async def test_after_signing_in_the_registrar_returns_to_the_page_asked_for(
    issuer: RunningIssuer,
) -> None:
    for asked, landing in [
        ("/admin/awards?offset=0", "/admin/awards?offset=0"),
        ("https://evil.example/", "/admin/"),
        ("//evil.example/admin/", "/admin/"),
    ]:
        response = await post_form(
            issuer, "/admin/login", data={"token": issuer.admin_token, "next": asked}
        )
        assert response.headers["location"] == landing


async def test_on_https_the_cookie_is_secure(
    database_url_for: Callable[[str], Any], data_dir: Path
) -> None:
    settings = IssuerSettings(
        data_dir=data_dir,
        database_url=await database_url_for("issuer"),
        public_base_url="https://issuer.test",
    )
    async with serving(create_app(settings), base_url="https://issuer.test") as client:
        token = (data_dir / DEV_TOKEN_FILE).read_text().strip()
        form = await client.get("/admin/login")
        assert "secure" in form.headers["set-cookie"].lower()  # the pre-session cookie too
        response = await client.post(
            "/admin/login",
            data={"token": token, CSRF_FIELD: csrf_of(form.text)},
            headers={"Origin": "https://issuer.test"},
        )
    assert response.status_code == 303, response.text
    assert "secure" in response.headers["set-cookie"].lower()


async def test_signing_out_clears_the_cookie(issuer: RunningIssuer) -> None:
    await sign_in(issuer)
    response = await post_form(issuer, "/admin/logout")
    assert (response.status_code, response.headers["location"]) == (303, "/admin/login")
    assert f'{SESSION_COOKIE}=""' in response.headers["set-cookie"]
    assert (await issuer.client.get("/admin/")).status_code == 303


@pytest.mark.parametrize(
    ("headers", "token"),
    [
        ({}, None),
        (ORIGIN, None),
        (ORIGIN, "0" * 64),
        ({"Origin": "https://evil.example"}, "valid"),
        ({"Origin": "null"}, "valid"),
        ({"Referer": "https://evil.example/admin/"}, "valid"),
        ({"Origin": "http://issuer.test.evil.example"}, "valid"),
    ],
    ids=["nothing", "no-token", "wrong-token", "other-site", "null", "other-referer", "look-alike"],
)
async def test_a_form_without_the_pages_token_or_from_another_origin_is_refused(
    issuer: RunningIssuer, headers: dict[str, str], token: str | None
) -> None:
    """The token is the defence; a foreign Origin is refused even with a token (one leaked
    or guessed from elsewhere would still need the victim's browser on our page)."""
    await sign_in(issuer)
    achievement = await first_achievement(issuer)
    valid = await form_token(issuer)
    sent = {} if token is None else {CSRF_FIELD: valid if token == "valid" else token}
    attempts = [
        (f"/admin/achievements/{achievement['id']}/retire", {}),
        (f"/admin/achievements/{achievement['id']}/award", {"name": "Mallory"}),
        ("/admin/login", {"token": issuer.admin_token}),
    ]
    for path, data in attempts:
        response = await issuer.client.post(path, data={**data, **sent}, headers=headers)
        assert response.status_code == 403, (path, response.text)
        assert "issuer's own pages" in response.json()["error_description"]
    assert (await first_achievement(issuer))["status"] == "active"
    listed = await issuer.client.get("/api/v1/awards", headers=issuer.admin)
    assert listed.json()["total"] == 0


async def test_a_same_origin_referer_is_not_enough_without_the_token(
    issuer: RunningIssuer,
) -> None:
    """The Origin check is only an extra: the form token decides; with it, a request whose
    browser sent no Origin (a proxy stripped it) still works."""
    await sign_in(issuer)
    achievement = await first_achievement(issuer)
    path = f"/admin/achievements/{achievement['id']}/retire"
    referer = {"Referer": f"{BASE_URL}/admin/achievements/{achievement['id']}"}
    refused = await issuer.client.post(path, headers=referer)
    assert refused.status_code == 403
    assert (await first_achievement(issuer))["status"] == "active"
    response = await issuer.client.post(
        path, data={CSRF_FIELD: await form_token(issuer)}, headers=referer
    )
    assert response.status_code == 303, response.text
    assert (await first_achievement(issuer))["status"] == "retired"


async def test_pages_are_never_cached_or_framed(issuer: RunningIssuer) -> None:
    await sign_in(issuer)
    response = await issuer.client.get("/admin/")
    assert response.headers["cache-control"] == "no-store"
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy  # the layout's styles are a file, like its scripts
    style = await issuer.client.get("/admin/static/admin.css")
    assert style.status_code == 200
    assert style.headers["content-type"].startswith("text/css")
    assert (await issuer.client.get("/admin/static/../common.py")).status_code == 404


async def test_hostile_text_is_shown_as_text(issuer: RunningIssuer) -> None:
    """A micro-credential or learner named like a script appears escaped, never as markup."""
    created = await issuer.client.post(
        "/api/v1/achievements",
        headers=issuer.admin,
        json=entry_json(
            title={"en": HOSTILE, "de": f'"><img src=x onerror=alert(2)>{HOSTILE}'},
            learning_resources=["javascript:alert(3)"],
        ),
    )
    assert created.status_code == 201, created.text
    achievement_id = created.json()["id"]
    made = await issuer.client.post(
        "/api/v1/awards",
        headers=issuer.admin,
        json={"achievement_id": achievement_id, "name": HOSTILE},
    )
    assert made.status_code == 201, made.text

    await sign_in(issuer)
    for path in [
        "/admin/",
        f"/admin/achievements/{achievement_id}",
        f"/admin/achievements/{achievement_id}/award",
        f"/admin/achievements/{achievement_id}/edit",
        "/admin/awards",
        f"/admin/awards/{made.json()['award_id']}",
    ]:
        html = await page(issuer, path)
        assert "<script>" not in html, path
        assert "<img src=x" not in html, path
        assert 'href="javascript:' not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path


async def test_the_micro_credential_page_shows_every_element_in_the_readers_language(
    issuer: RunningIssuer,
) -> None:
    await sign_in(issuer)
    achievement = await first_achievement(issuer)
    path = f"/admin/achievements/{achievement['id']}"
    english = await page(issuer, path)
    for label in (
        "Title of the micro-credential",
        "Learning outcomes",
        "Notional workload (ECTS)",
        "Level (EQF/NQF)",
        "Type of assessment",
        "Form of participation",
        "Type of quality assurance",
        "Awarding body(ies)",
        "Country(ies)/Region(s) of the issuer",
    ):
        assert label in english
    assert '<h1 lang="en">Data Literacy for Public Administration</h1>' in english
    assert "Datenkompetenz für die öffentliche Verwaltung" in english  # the other language

    response = await issuer.client.get(path, headers={"Accept-Language": "de-AT, en;q=0.5"})
    assert '<h1 lang="de">Datenkompetenz für die öffentliche Verwaltung</h1>' in response.text
    assert "Retire" in english
    assert "Award to a learner" in english


async def test_the_form_names_each_problem_and_a_valid_edit_makes_a_version(
    issuer: RunningIssuer,
) -> None:
    await sign_in(issuer)
    achievement = await first_achievement(issuer)
    path = f"/admin/achievements/{achievement['id']}/edit"
    form = await page(issuer, path)
    assert "Data Literacy for Public Administration" in form  # pre-filled with the entry

    broken = await post_form(issuer, path, data={"entry": '{"title": '})
    assert broken.status_code == 400
    assert "not valid JSON at line 1" in broken.text

    data = entry_json(eqf_level=11, assessment_type=None)
    invalid = await post_form(issuer, path, data={"entry": json.dumps(data)})
    assert invalid.status_code == 400
    for shown in ("Level (EQF/NQF)", "eqf_level", "Type of assessment", "assessment_type"):
        assert shown in invalid.text
    assert "&#34;eqf_level&#34;: 11" in invalid.text  # the registrar's text is kept

    valid = await post_form(issuer, path, data={"entry": json.dumps(entry_json(ects=7))})
    assert valid.status_code == 303, valid.text
    assert (await first_achievement(issuer))["version"] == 2
    history = await page(issuer, f"/admin/achievements/{achievement['id']}/versions/1")
    assert "You are looking at version 1" in history


async def test_a_new_micro_credential_is_made_from_the_form(issuer: RunningIssuer) -> None:
    await sign_in(issuer)
    form = await page(issuer, "/admin/achievements/new")
    assert 'name="organisation"' in form
    response = await post_form(
        issuer,
        "/admin/achievements/new",
        data={
            "organisation": "demo",
            "entry": json.dumps(entry_json(title={"en": "Open Data in Practice"})),
        },
    )
    assert response.status_code == 303, response.text
    shown = await page(issuer, response.headers["location"])
    assert "Open Data in Practice" in shown


async def test_awarding_shows_the_qr_link_and_pin_until_the_offer_is_replaced(
    issuer: RunningIssuer,
) -> None:
    await sign_in(issuer)
    achievement = await first_achievement(issuer)
    form = await page(issuer, f"/admin/achievements/{achievement['id']}/award")
    assert 'name="tx_code"' in form

    response = await post_form(
        issuer,
        f"/admin/achievements/{achievement['id']}/award",
        data={"name": "Maria Muster", "email": "maria@example.org", "grade": "B", "tx_code": "1"},
    )
    assert response.status_code == 303, response.text
    award_path = response.headers["location"]
    assert re.fullmatch(r"/admin/awards/[0-9a-f-]{36}", award_path)

    html = await page(issuer, award_path)
    link = offer_link_in(html)
    assert link.startswith("openid-credential-offer://?credential_offer_uri=")
    assert "<svg" in html
    assert "send this to the learner separately" in html
    pin = pin_in(html)
    assert pin is not None
    assert len(pin) == 6
    assert await page(issuer, award_path) == html  # a reload shows the same offer
    qr_url = f"{offer_uri_of(link)}/qr.png"
    assert (await issuer.client.get(qr_url)).status_code == 200

    again = await post_form(issuer, f"{award_path}/offers")
    assert (again.status_code, again.headers["location"]) == (303, award_path)
    replaced = await page(issuer, award_path)
    assert offer_link_in(replaced) != link
    assert pin_in(replaced) is None  # this offer was made without a PIN
    assert "withdrawn" in replaced
    assert (await issuer.client.get(qr_url)).status_code == 404  # the old offer is over


async def test_the_award_form_shows_what_is_wrong_and_awards_nothing(
    issuer: RunningIssuer,
) -> None:
    await sign_in(issuer)
    achievement = await first_achievement(issuer)
    response = await post_form(
        issuer,
        f"/admin/achievements/{achievement['id']}/award",
        data={"name": "Maria", "email": "nope", "activity_start": "2025-05-01"},
    )
    assert response.status_code == 400
    assert "email" in response.text
    assert "is not an e-mail address" in response.text
    assert 'value="Maria"' in response.text  # what was typed stays
    wrong_grade = await post_form(
        issuer,
        f"/admin/achievements/{achievement['id']}/award",
        data={"name": "Maria", "grade": "Z"},
    )
    assert wrong_grade.status_code == 400
    assert "Grade achieved" in wrong_grade.text
    listed = await issuer.client.get("/api/v1/awards", headers=issuer.admin)
    assert listed.json()["total"] == 0


async def test_the_award_page_offers_the_status_forms_that_fit(issuer: RunningIssuer) -> None:
    await sign_in(issuer)
    achievement = await first_achievement(issuer)
    made = await issuer.client.post(
        "/api/v1/awards",
        headers=issuer.admin,
        json={"achievement_id": achievement["id"], "name": "Maria Muster"},
    )
    path = f"/admin/awards/{made.json()['award_id']}"
    html = await page(issuer, path)
    assert f'action="{path}/suspend"' in html
    assert f'action="{path}/revoke"' in html
    assert "reinstate" not in html
    assert 'name="reason"' in html
    # Made through the API, the offer was shown there: the page cannot show it again.
    assert 'class="link"' not in html
    assert "make a new offer" in html

    suspended = await post_form(issuer, f"{path}/suspend", data={"reason": "under review"})
    assert suspended.status_code == 303, suspended.text
    html = await page(issuer, path)
    assert f'action="{path}/reinstate"' in html
    assert "under review" in html
    assert f'action="{path}/offers"' not in html  # no new offer while suspended


async def test_a_suspended_awards_page_shows_no_qr_code_even_just_after_the_offer(
    issuer: RunningIssuer,
) -> None:
    await sign_in(issuer)
    achievement = await first_achievement(issuer)
    response = await post_form(
        issuer, f"/admin/achievements/{achievement['id']}/award", data={"name": "Maria Muster"}
    )
    award_path = response.headers["location"]
    assert 'class="link"' in await page(issuer, award_path)
    suspended = await post_form(issuer, f"{award_path}/suspend", data={"reason": "under review"})
    assert suspended.status_code == 303, suspended.text
    html = await page(issuer, award_path)
    assert 'class="link"' not in html
    assert "<svg" not in html
