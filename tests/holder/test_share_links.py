"""Share links: a learner makes a public link to one credential, with an expiry they choose;
whoever opens it sees the credential in words and a live check of it, until it expires or
the learner revokes it. Only the token's hash is stored.

The issuer's status lists are really signed (ldp_vc, didkit) and served on "the internet" of
the test (a MockTransport behind the wallet's own guarded client), as in test_wallet_status.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest
from sqlalchemy import select, text, update

from holder.models import ShareLink
from shared.clock import utcnow
from shared.credentials.formats import get_format
from shared.credentials.formats.ldp_vc import LdpVc
from shared.did.resolver import DIDResolver
from shared.http import safe_client
from shared.tokens import token_hash
from tests.holder.conftest import BASE_URL, RunningWallet, SignedInLearner, TwoLearners
from tests.holder.samples import HOSTILE, micro_credential
from tests.shared.test_http import PUBLIC_IP, Web, resolver_for
from tests.support.credentials import REVOCATION_LIST, StatusLists

TITLE = "Data Literacy for Public Administration"
GONE = "This link is no longer shared"


@pytest.fixture
async def lists(wallet: RunningWallet) -> StatusLists:
    """The issuer's lists, reachable through the wallet's guarded client."""
    issuer = StatusLists()
    await issuer.publish()
    dns = resolver_for({"issuer.example": [PUBLIC_IP]})
    wallet.runtime.http = await wallet.stack.enter_async_context(
        safe_client(resolver=dns, transport=Web(issuer.handle).transport())
    )
    return issuer


async def signed_credential(
    wallet: RunningWallet, learner: SignedInLearner, lists: StatusLists, format_name: str = "ldp_vc"
) -> tuple[str, int]:
    """A credential the issuer really signed, with its status entries; (id, list index)."""
    entries = lists.entries()
    unsigned = micro_credential(learner.did, issuer_did=lists.key.did, **entries)
    signed = await get_format(format_name, DIDResolver()).sign_credential(unsigned, lists.key)
    credential_id = await wallet.store_credential(learner, signed, format_name=format_name)
    return credential_id, entries["status"].index


async def new_link(learner: SignedInLearner, credential_id: str, lifetime: str = "30d") -> Any:
    made = await learner.api.post(
        f"/api/v1/credentials/{credential_id}/share-links", json={"lifetime": lifetime}
    )
    assert made.status_code == 201, made.text
    return made.json()


async def links_of(learner: SignedInLearner, credential_id: str) -> list[Any]:
    found = await learner.api.get(f"/api/v1/credentials/{credential_id}/share-links")
    assert found.status_code == 200, found.text
    result: list[Any] = found.json()
    return result


async def anonymous(wallet: RunningWallet) -> httpx.AsyncClient:
    return await wallet.new_client(headers={"Accept": "text/html"})


async def test_a_link_opens_the_credential_verified_for_anyone_and_counts_views(
    wallet: RunningWallet, lists: StatusLists
) -> None:
    learner = await wallet.sign_up(display_name="Maria Private-Name")
    credential_id, _ = await signed_credential(wallet, learner, lists)
    made = await new_link(learner, credential_id, "7d")
    assert made["url"].startswith(f"{BASE_URL}/s/")
    assert made["state"] == "active"
    assert made["views"] == 0

    viewer = await anonymous(wallet)
    for _ in range(2):
        page = await viewer.get(made["url"])
        assert page.status_code == 200, page.text
    assert f"<h1>{TITLE}</h1>" in page.text
    assert '<h2 id="check-heading">\n    Verified\n  </h2>' in page.text
    assert "neither revoked nor suspended" in page.text
    assert lists.key.did in page.text  # who signed
    assert "Maria Private-Name" not in page.text  # the wallet's name for them is not shared
    assert learner.email not in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "noindex" in page.headers["x-robots-tag"]
    assert 'href="/account"' not in page.text  # no wallet navigation for a stranger

    [listed] = await links_of(learner, credential_id)
    assert listed["views"] == 2
    assert listed["url"] is None  # the address is shown once, when it is made
    shown = await learner.browser.get(f"/credentials/{credential_id}/share-links")
    assert shown.status_code == 200, shown.text
    assert "2 views" in shown.text


async def test_the_token_is_long_random_and_stored_only_as_a_hash(
    wallet: RunningWallet, two_learners: TwoLearners
) -> None:
    a = two_learners.a
    made = await new_link(a, two_learners.a_credential)
    token = made["url"].rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 random bytes, base64url: 256 bits, at least the 128 asked for
    assert token != (await new_link(a, two_learners.a_credential))["url"].rsplit("/", 1)[1]
    async with wallet.session() as session:
        [row] = await session.scalars(select(ShareLink).where(ShareLink.id == made["id"]))
        assert row.token_hash == token_hash(token)
        dumped = await session.execute(text("SELECT * FROM share_links"))
        assert token not in repr(dumped.all())


async def test_a_revoked_link_stops_working_and_counts_nothing(
    wallet: RunningWallet, two_learners: TwoLearners
) -> None:
    a = two_learners.a
    made = await new_link(a, two_learners.a_credential)
    viewer = await anonymous(wallet)
    assert (await viewer.get(made["url"])).status_code == 200

    revoked = await a.post_form(f"/share-links/{made['id']}/revoke")
    assert revoked.status_code == 303, revoked.text
    listing = await a.browser.get(revoked.headers["location"])
    assert "The link was revoked" in listing.text

    gone = await viewer.get(made["url"])
    assert gone.status_code == 410, gone.text
    assert GONE in gone.text
    assert TITLE not in gone.text
    assert "noindex" in gone.headers["x-robots-tag"]
    [listed] = await links_of(a, two_learners.a_credential)
    assert (listed["state"], listed["views"]) == ("revoked", 1)
    again = await a.api.post(f"/api/v1/share-links/{made['id']}/revoke")
    assert again.status_code == 200, again.text
    assert again.json()["revoked_at"] == listed["revoked_at"]  # the first revocation stands


async def test_an_expired_link_stops_working(
    wallet: RunningWallet, two_learners: TwoLearners
) -> None:
    a = two_learners.a
    made = await new_link(a, two_learners.a_credential, "1d")
    [listed] = await links_of(a, two_learners.a_credential)
    assert listed["expires_at"][:10] == (utcnow() + timedelta(days=1)).date().isoformat()
    async with wallet.session() as session:  # a day goes by
        await session.execute(
            update(ShareLink)
            .where(ShareLink.id == made["id"])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    gone = await (await anonymous(wallet)).get(made["url"])
    assert gone.status_code == 410
    assert GONE in gone.text
    [listed] = await links_of(a, two_learners.a_credential)
    assert (listed["state"], listed["views"]) == ("expired", 0)


async def test_a_link_never_made_is_not_found(wallet: RunningWallet) -> None:
    viewer = await anonymous(wallet)
    for token in ("x" * 43, "short", "a" * 500, "%00%3Cscript%3E"):
        page = await viewer.get(f"/s/{token}")
        assert page.status_code == 404, page.text
        assert GONE in page.text


async def test_another_learner_can_neither_revoke_nor_make_nor_list_links(
    wallet: RunningWallet, two_learners: TwoLearners
) -> None:
    a, b = two_learners.a, two_learners.b
    made = await new_link(a, two_learners.a_credential)
    assert (await b.api.post(f"/api/v1/share-links/{made['id']}/revoke")).status_code == 404
    assert (await b.post_form(f"/share-links/{made['id']}/revoke")).status_code == 404
    path = f"/api/v1/credentials/{two_learners.a_credential}/share-links"
    assert (await b.api.post(path, json={"lifetime": "1d"})).status_code == 404
    assert (await b.api.get(path)).status_code == 404
    assert (
        await b.browser.get(f"/credentials/{two_learners.a_credential}/file")
    ).status_code == 404
    assert (await (await anonymous(wallet)).get(made["url"])).status_code == 200  # still works


async def test_deleting_the_credential_ends_its_links(
    wallet: RunningWallet, two_learners: TwoLearners
) -> None:
    a = two_learners.a
    made = await new_link(a, two_learners.a_credential)
    deleted = await a.api.delete(f"/api/v1/credentials/{two_learners.a_credential}")
    assert deleted.status_code == 204
    assert (await (await anonymous(wallet)).get(made["url"])).status_code == 404


async def test_the_page_shows_a_revocation_by_the_issuer_at_once(
    wallet: RunningWallet, lists: StatusLists
) -> None:
    learner = await wallet.sign_up()
    credential_id, index = await signed_credential(wallet, learner, lists)
    made = await new_link(learner, credential_id)
    viewer = await anonymous(wallet)
    assert "Verified" in (await viewer.get(made["url"])).text

    lists.bits[REVOCATION_LIST].set(index, True)
    await lists.publish()
    page = await viewer.get(made["url"])
    assert page.status_code == 200, page.text
    assert "Not verified" in page.text
    assert "revoked by the issuer" in page.text


async def test_a_tampered_credential_is_not_verified(
    wallet: RunningWallet, lists: StatusLists
) -> None:
    learner = await wallet.sign_up()
    entries = lists.entries()
    signed = await LdpVc().sign_credential(
        micro_credential(learner.did, issuer_did=lists.key.did, **entries), lists.key
    )
    signed["credentialSubject"]["achievement"]["name"] = "Brain Surgery"
    credential_id = await wallet.store_credential(learner, signed)
    made = await new_link(learner, credential_id)
    page = await (await anonymous(wallet)).get(made["url"])
    assert page.status_code == 200, page.text
    assert "Not verified" in page.text
    assert "does not hold" in page.text


async def test_a_vc_jwt_is_verified_and_downloads_as_a_jwt_file(
    wallet: RunningWallet, lists: StatusLists
) -> None:
    learner = await wallet.sign_up()
    credential_id, _ = await signed_credential(wallet, learner, lists, "jwt_vc_json")
    made = await new_link(learner, credential_id)
    page = await (await anonymous(wallet)).get(made["url"])
    assert "Checked just now: the issuer's signature holds" in page.text, page.text

    saved = await learner.browser.get(f"/credentials/{credential_id}/file")
    assert saved.status_code == 200, saved.text
    assert saved.headers["content-type"] == "application/jwt"
    assert re.fullmatch(
        r'attachment; filename="micro-credential-[0-9a-f-]{8}\.jwt"',
        saved.headers["content-disposition"],
    )
    assert saved.text.count(".") == 2


async def test_the_card_offers_sharing_and_downloads_its_credential_as_json_and_pdf(
    wallet: RunningWallet, two_learners: TwoLearners
) -> None:
    a, credential_id = two_learners.a, two_learners.a_credential
    card = await a.browser.get(f"/credentials/{credential_id}")
    assert card.status_code == 200, card.text
    for path in ("share-links", "linkedin", "file", "certificate.pdf"):
        assert f'href="/credentials/{credential_id}/{path}"' in card.text

    saved = await a.browser.get(f"/credentials/{credential_id}/file")
    assert saved.status_code == 200, saved.text
    assert saved.headers["content-disposition"].endswith('.json"')
    assert saved.json()["credentialSubject"]["id"] == a.did
    by_api = await a.api.get(f"/api/v1/credentials/{credential_id}/file")
    assert by_api.json() == saved.json()

    pdf = await a.browser.get(f"/credentials/{credential_id}/certificate.pdf")
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-disposition"].endswith('.pdf"')


async def test_the_new_link_page_offers_e_mail_and_linkedin(
    wallet: RunningWallet, two_learners: TwoLearners
) -> None:
    a, credential_id = two_learners.a, two_learners.a_credential
    made = await a.post_form(f"/credentials/{credential_id}/share-links", {"lifetime": "7d"})
    assert made.status_code == 201, made.text
    url = re.search(r'id="share-url" readonly value="([^"]+)"', made.text)
    assert url is not None
    mail = re.search(r'href="(mailto:[^"]+)"', made.text)
    assert mail is not None
    query = parse_qs(urlsplit(mail.group(1).replace("&amp;", "&")).query)
    assert TITLE in query["subject"][0]
    assert url.group(1) in unquote(query["body"][0])
    [listed] = await links_of(a, credential_id)
    assert listed["expires_at"][:10] == (utcnow() + timedelta(days=7)).date().isoformat()


async def test_linkedin_gets_a_new_year_long_link_after_the_learner_confirms(
    wallet: RunningWallet, two_learners: TwoLearners
) -> None:
    a, credential_id = two_learners.a, two_learners.a_credential
    confirm = await a.browser.get(f"/credentials/{credential_id}/linkedin")
    assert confirm.status_code == 200, confirm.text
    for what in ("share-links", "linkedin"):  # a form from elsewhere makes nothing
        forged = await a.browser.post(
            f"/credentials/{credential_id}/{what}", data={"lifetime": "1d"}
        )
        assert forged.status_code == 403
    assert await links_of(a, credential_id) == []  # nothing made before confirming

    sent = await a.post_form(f"/credentials/{credential_id}/linkedin")
    assert sent.status_code == 303, sent.text
    target = urlsplit(sent.headers["location"])
    assert (target.scheme, target.netloc, target.path) == (
        "https",
        "www.linkedin.com",
        "/profile/add",
    )
    query = {name: values[0] for name, values in parse_qs(target.query).items()}
    assert query["startTask"] == "CERTIFICATION_NAME"
    assert query["name"] == TITLE
    assert query["organizationName"]
    assert query["issueYear"].isdigit()
    assert 1 <= int(query["issueMonth"]) <= 12
    assert query["certId"].startswith("urn:")
    [listed] = await links_of(a, credential_id)
    assert listed["expires_at"][:4] == str((utcnow() + timedelta(days=365)).year)
    opened = await (await anonymous(wallet)).get(query["certUrl"])
    assert opened.status_code == 200, opened.text


async def test_an_issuers_markup_stays_text_on_the_public_page(wallet: RunningWallet) -> None:
    learner = await wallet.sign_up()
    hostile = micro_credential(learner.did, title={"en": HOSTILE})
    credential_id = await wallet.store_credential(learner, hostile)
    made = await new_link(learner, credential_id)
    page = await (await anonymous(wallet)).get(made["url"])
    assert page.status_code == 200, page.text
    assert HOSTILE not in page.text
    assert "&lt;script&gt;" in page.text
    assert "Not verified" in page.text  # never signed
