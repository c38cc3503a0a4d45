"""Our wallet's request reader (holder.share.request) accepts every kind of request the
verifier makes, by reference over GET and POST, and its matching finds a micro-credential
with the DCQL query and the presentation definition the verifier built.

The wallet fetches over an httpx client wired to the verifier app, so the request objects
it checks (signature by DID, typ, client_id, wallet_nonce) are exactly what is served.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from holder.models import StoredCredential
from holder.share.dcql import parse_dcql
from holder.share.matching import Candidate
from holder.share.presentation_exchange import parse_definition
from holder.share.request import Fetching, parse_link, resolve
from shared.did.resolver import DIDResolver
from tests.verifier.conftest import LOCAL_BASE_URL, RunningVerifier, Wallet


def fetching(verifier: RunningVerifier) -> Fetching:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=verifier.app))
    return Fetching(http=http, resolver=DIDResolver(), allow_loopback=True)


async def candidate(wallet: Wallet, fmt: str) -> Candidate:
    document = await wallet.credential(fmt)
    return Candidate.of(StoredCredential(id="c1", format=fmt, summary={}), document)


@pytest.mark.parametrize("scheme", ["decentralized_identifier", "redirect_uri"])
@pytest.mark.parametrize("method", ["get", "post"])
async def test_our_wallet_accepts_a_1_0_request_and_finds_the_credential(
    local_verifier: RunningVerifier, wallet: Wallet, scheme: str, method: str
) -> None:
    created = await local_verifier.create_request(
        template="microcredential", client_id_scheme=scheme
    )
    # By reference whatever the scheme: a redirect_uri request's QR link carries it by
    # value, but its request object is still served to wallets that fetch it.
    params = {"client_id": created["client_id"], "request_uri": created["request_object_uri"]}
    if method == "post":
        params["request_uri_method"] = "post"
    request = await resolve(params, fetching(local_verifier))
    assert request.era == "1.0"
    assert request.client_id == created["client_id"]
    assert request.client_id_scheme == scheme
    if scheme == "decentralized_identifier":
        assert request.authenticated_by is not None
    assert request.response_uri == f"{LOCAL_BASE_URL}/oid4vp/response"
    assert request.dcql_query is not None
    query = parse_dcql(request.dcql_query)
    for fmt in ("ldp_vc", "jwt_vc_json"):
        found = await candidate(wallet, fmt)
        assert [q.id for q in query.queries if q.matches(found)] == [f"micro_credential_{fmt}"]
    assert query.unmet({"micro_credential_jwt_vc_json"}) == []


async def test_our_wallet_accepts_a_redirect_uri_request_by_value(
    local_verifier: RunningVerifier,
) -> None:
    created = await local_verifier.create_request(
        template="microcredential", client_id_scheme="redirect_uri"
    )
    request = await resolve(parse_link(created["by_value_link"]), fetching(local_verifier))
    assert request.client_id == created["client_id"]
    assert request.authenticated_by is None


@pytest.mark.parametrize("scheme", ["decentralized_identifier", "redirect_uri"])
async def test_our_wallet_accepts_a_draft_era_request_and_finds_the_credential(
    local_verifier: RunningVerifier, wallet: Wallet, scheme: str
) -> None:
    created = await local_verifier.create_request(
        template="microcredential", client_id_scheme=scheme, era="draft"
    )
    request = await resolve(parse_link(created["request_uri"]), fetching(local_verifier))
    assert request.era == "draft"
    assert request.client_id == created["client_id"]
    assert request.presentation_definition is not None
    definition = parse_definition(request.presentation_definition)
    for fmt in ("ldp_vc", "jwt_vc_json"):
        found = await candidate(wallet, fmt)
        assert all(descriptor.matches(found) for descriptor in definition.descriptors)


async def test_the_same_device_link_opens_our_wallets_share_page(
    local_verifier: RunningVerifier,
) -> None:
    created = await local_verifier.create_request()
    link = urlsplit(created["same_device_link"])
    assert link.path == "/share"
    params = dict(parse_qsl(link.query))
    request = await resolve(params, fetching(local_verifier))
    assert request.client_id == created["client_id"]
