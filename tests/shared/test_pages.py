"""shared.pages on its own: where ``next`` may lead, and what a CSRF token is bound to."""

from __future__ import annotations

import pytest

from shared.pages import PageSite
from shared.web import templates_for

KEK = bytes(range(32))


def site(service: str = "issuer", prefix: str = "/admin") -> PageSite:
    return PageSite(
        service=service,
        templates=templates_for(),
        session_cookie="session",
        login_path=f"{prefix.rstrip('/')}/login",
        home_path=f"{prefix.rstrip('/')}/",
        own_pages="our pages",
        pages_prefix=prefix,
    )


@pytest.mark.parametrize(
    ("asked", "landing"),
    [
        ("/admin/awards?offset=0", "/admin/awards?offset=0"),
        ("/admin/", "/admin/"),
        (None, "/admin/"),
        ("", "/admin/"),
        ("https://evil.example/admin/", "/admin/"),
        ("//evil.example/admin/", "/admin/"),
        ("/\\evil.example", "/admin/"),
        ("/admin/\\\\evil.example", "/admin/"),
        ("/admin/\r\nSet-Cookie: x=1", "/admin/"),
        ("/api/v1/awards", "/admin/"),
        ("/other-page", "/admin/"),
    ],
)
def test_next_stays_on_the_sites_own_pages(asked: str | None, landing: str) -> None:
    assert site().safe_next(asked) == landing


def test_the_wallets_pages_are_its_whole_site_but_the_api() -> None:
    wallet = site("holder", "/")
    assert wallet.safe_next("/receive?x=1") == "/receive?x=1"
    assert wallet.safe_next("/api/v1/me") == "/"
    assert wallet.safe_next("//evil.example") == "/"


def test_a_token_is_bound_to_its_session_its_service_and_the_kek() -> None:
    token = site().csrf_token_for("session-a", KEK)
    assert token == site().csrf_token_for("session-a", KEK)  # nothing stored: recomputed
    assert token != site().csrf_token_for("session-b", KEK)
    assert token != site("verifier").csrf_token_for("session-a", KEK)
    assert token != site().csrf_token_for("session-a", bytes(32))
    assert len(bytes.fromhex(token)) == 32
