"""OpenID4VCI 1.0 pre-authorized code flow against the issuer app, over HTTP.

The wallet here is a test helper with real keys (did:key, or a bare jwk), signing its key
proofs with shared.crypto.jose; every credential it receives is verified with the shared
credential formats, as a verifier would.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest
from sqlalchemy import select, update

from issuer.admin.audit import events_for
from issuer.awards.offers import NewOffer, Offers
from issuer.awards.service import Awards, Recipient
from issuer.catalogue.service import Catalogue
from issuer.models import AccessToken, Award, CredentialOffer, IssuedCredential, Nonce
from issuer.oid4vci.codes import CLOCK_SKEW_SECONDS, PreAuthorizedCodes
from issuer.oid4vci.configurations import JWT_VC_JSON, LDP_VC, PRE_AUTHORIZED_GRANT, format_of
from shared.clock import utcnow
from shared.credentials.formats import get_format
from shared.crypto.jose import sign_jwt
from shared.crypto.keys import KeyAlgorithm, SigningKey, generate_key
from shared.did.jwk import did_jwk_from_jwk
from shared.did.key import did_key_from_jwk, did_key_verification_method_id
from shared.did.resolver import DIDResolver
from tests.issuer.conftest import BASE_URL, RunningIssuer

PROOF_TYP = "openid4vci-proof+jwt"
FORMATS = {LDP_VC: "ldp_vc", JWT_VC_JSON: "jwt_vc_json"}


def did_key_signer(algorithm: KeyAlgorithm = KeyAlgorithm.ED25519) -> SigningKey:
    key = generate_key(algorithm)
    return SigningKey(key, did_key_verification_method_id(did_key_from_jwk(key.public_jwk())))


@dataclass
class Wallet:
    """Just enough of a wallet to walk the flow, and to misbehave on purpose."""

    client: httpx.AsyncClient
    key: SigningKey

    @property
    def did(self) -> str:
        return self.key.did

    async def offer(self, new_offer: NewOffer, issuer: RunningIssuer) -> dict[str, Any]:
        link = new_offer.links(issuer.settings)["credential_offer_uri"]
        offer_uri = unquote(parse_qs(urlsplit(link).query)["credential_offer_uri"][0])
        response = await self.client.get(offer_uri)
        assert response.status_code == 200, response.text
        offer: dict[str, Any] = response.json()
        return offer

    async def token(self, offer: dict[str, Any], **form: str) -> httpx.Response:
        code = offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
        data = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code, **form}
        return await self.client.post("/token", data=data)

    async def access_token(self, offer: dict[str, Any], **form: str) -> str:
        response = await self.token(offer, **form)
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    async def nonce(self) -> str:
        response = await self.client.post("/nonce")
        assert response.status_code == 200, response.text
        return str(response.json()["c_nonce"])

    def proof(
        self,
        nonce: str | None,
        *,
        audience: str = BASE_URL,
        issued_at: float | None = None,
        typ: str = PROOF_TYP,
        key: SigningKey | None = None,
        headers: dict[str, Any] | None = None,
    ) -> str:
        claims: dict[str, Any] = {"aud": audience, "iat": int(issued_at or time.time())}
        if nonce is not None:
            claims["nonce"] = nonce
        return sign_jwt(claims, key or self.key, typ=typ, extra_headers=headers)

    async def credential(
        self, access_token: str, body: dict[str, Any] | None = None, **members: Any
    ) -> httpx.Response:
        return await self.client.post(
            "/credential",
            json=body if body is not None else members,
            headers={"Authorization": f"Bearer {access_token}"},
        )

    async def request(
        self, access_token: str, configuration_id: str, proof: str | None = None
    ) -> httpx.Response:
        """A 1.0 credential request with one jwt proof (a fresh one unless given)."""
        proof = proof or self.proof(await self.nonce())
        return await self.credential(
            access_token, credential_configuration_id=configuration_id, proofs={"jwt": [proof]}
        )


@pytest.fixture
def wallet(issuer: RunningIssuer) -> Wallet:
    return Wallet(issuer.client, did_key_signer())


async def make_offer(issuer: RunningIssuer, *, with_tx_code: bool = False) -> NewOffer:
    """An award of the first demo micro-credential and its offer, made with the core services."""
    async with issuer.session() as session:
        item = (await Catalogue(session, issuer.settings.base_url).items())[0]
        award = await Awards(session, issuer.settings.base_url).create(
            item.achievement.id, Recipient(name="Maria Muster", grade="B"), actor="test"
        )
        offers = Offers(session, issuer.settings, issuer.runtime.key_encryption_key)
        new_offer = await offers.create(award, with_tx_code=with_tx_code, actor="test")
    return new_offer


async def received(issuer: RunningIssuer, wallet: Wallet) -> tuple[NewOffer, str]:
    """An offer the wallet has already redeemed, and its access token."""
    new_offer = await make_offer(issuer)
    return new_offer, await wallet.access_token(await wallet.offer(new_offer, issuer))


def error_of(response: httpx.Response, status: int = 400) -> str:
    assert response.status_code == status, response.text
    error: str = response.json()["error"]
    return error


async def verified_subject(credential_format: str, credential: Any) -> str:
    """Verify as a verifier would; the subject the credential is bound to."""
    result = await get_format(credential_format, DIDResolver()).verify_credential(credential)
    assert result.verified, result.problems
    subject: str = result.document["credentialSubject"]["id"]
    return subject


# -- the whole flow ------------------------------------------------------------------------


async def test_a_wallet_receives_the_award_in_both_formats_bound_to_its_did(
    issuer: RunningIssuer, wallet: Wallet
) -> None:
    new_offer = await make_offer(issuer, with_tx_code=True)
    offer = await wallet.offer(new_offer, issuer)
    assert offer["credential_issuer"] == BASE_URL
    # The award's own configurations, one per format (their display names the course).
    offered = [format_of(identifier) for identifier in offer["credential_configuration_ids"]]
    assert sorted(offered) == sorted(FORMATS.values())
    metadata = (await wallet.client.get("/.well-known/openid-credential-issuer")).json()
    assert metadata["credential_issuer"] == offer["credential_issuer"]

    assert new_offer.tx_code is not None
    token = await wallet.token(offer, tx_code=new_offer.tx_code)
    assert token.status_code == 200, token.text
    assert token.headers["cache-control"] == "no-store"
    assert token.json()["token_type"] == "Bearer"
    assert token.json()["expires_in"] == issuer.settings.access_token_ttl_seconds
    access_token = token.json()["access_token"]

    notification_ids = []
    for configuration_id, credential_format in FORMATS.items():
        response = await wallet.request(access_token, configuration_id)
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        body = response.json()
        assert set(body) == {"credentials", "notification_id"}
        [issued] = body["credentials"]
        assert await verified_subject(credential_format, issued["credential"]) == wallet.did
        notification_ids.append(body["notification_id"])
        if credential_format == "jwt_vc_json":
            claims = json.loads(base64.urlsafe_b64decode(issued["credential"].split(".")[1] + "=="))
            assert claims["sub"] == wallet.did
    # The offer named each configuration once: a second credential of one is refused.
    assert error_of(await wallet.request(access_token, JWT_VC_JSON)) == "credential_request_denied"

    accepted = await wallet.client.post(
        "/notification",
        json={"notification_id": notification_ids[0], "event": "credential_accepted"},
        headers={"Authorization": f"Bearer {access_token}"},
    )
    assert accepted.status_code == 204, accepted.text

    async with issuer.session() as session:
        rows = list(await session.scalars(select(IssuedCredential)))
        actions = [e.action for e in await events_for(session, f"award:{new_offer.offer.award_id}")]
        stored_token = await session.scalar(select(AccessToken.token_hash))
    assert sorted(r.format for r in rows) == ["jwt_vc_json", "ldp_vc"]
    assert {r.holder_did for r in rows} == {wallet.did}
    assert all(r.id.startswith("urn:uuid:") for r in rows)
    assert sorted(notification_ids) == sorted(r.id for r in rows if r.id in notification_ids)
    assert actions.count("offer.redeem") == 1
    assert actions.count("credential.issue") == 2
    assert "credential.accepted" in actions
    assert stored_token != access_token  # only its hash is kept


async def test_a_wallet_that_names_its_key_by_jwk_gets_a_did_jwk_subject(
    issuer: RunningIssuer,
) -> None:
    key = SigningKey(generate_key(KeyAlgorithm.P256), "unused")
    wallet = Wallet(issuer.client, key)
    _, access_token = await received(issuer, wallet)
    proof = wallet.proof(await wallet.nonce(), headers={"jwk": key.key.public_jwk()})
    assert "kid" not in json.loads(base64.urlsafe_b64decode(proof.split(".")[0] + "=="))
    response = await wallet.request(access_token, LDP_VC, proof)
    assert response.status_code == 200, response.text
    credential = response.json()["credentials"][0]["credential"]
    assert await verified_subject("ldp_vc", credential) == did_jwk_from_jwk(key.key.public_jwk())


async def test_a_p256_did_key_wallet_signing_es256_gets_its_credential(
    issuer: RunningIssuer,
) -> None:
    wallet = Wallet(issuer.client, did_key_signer(KeyAlgorithm.P256))
    _, access_token = await received(issuer, wallet)
    proof = wallet.proof(await wallet.nonce())
    assert json.loads(base64.urlsafe_b64decode(proof.split(".")[0] + "=="))["alg"] == "ES256"
    response = await wallet.request(access_token, JWT_VC_JSON, proof)
    assert response.status_code == 200, response.text
    credential = response.json()["credentials"][0]["credential"]
    assert await verified_subject("jwt_vc_json", credential) == wallet.did


# -- the token endpoint --------------------------------------------------------------------


async def test_a_pre_authorized_code_works_once(issuer: RunningIssuer, wallet: Wallet) -> None:
    new_offer = await make_offer(issuer)
    offer = await wallet.offer(new_offer, issuer)
    assert (await wallet.token(offer)).status_code == 200
    assert error_of(await wallet.token(offer)) == "invalid_grant"
    offer_uri = new_offer.links(issuer.settings)["offer_object_uri"]
    assert error_of(await wallet.client.get(offer_uri), 404) == "not_found"


def code_of(offer: dict[str, Any]) -> str:
    code: str = offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    return code


def with_code(offer: dict[str, Any], code: str) -> dict[str, Any]:
    grant = {**offer["grants"][PRE_AUTHORIZED_GRANT], "pre-authorized_code": code}
    return {**offer, "grants": {PRE_AUTHORIZED_GRANT: grant}}


@pytest.mark.parametrize("redeemed", [0, 1], ids=["first-code", "second-code"])
async def test_two_fetches_of_an_offer_give_two_codes_and_either_redeems_it_once(
    issuer: RunningIssuer, wallet: Wallet, redeemed: int
) -> None:
    new_offer = await make_offer(issuer)
    fetched = [await wallet.offer(new_offer, issuer) for _ in range(2)]  # link previews too
    assert code_of(fetched[0]) != code_of(fetched[1])
    assert with_code(fetched[0], "") == with_code(fetched[1], "")
    assert (await wallet.token(fetched[redeemed])).status_code == 200
    other = await wallet.token(fetched[1 - redeemed])
    assert error_of(other) == "invalid_grant"
    assert other.json()["error_description"].isascii()


@pytest.mark.parametrize("two_codes", [False, True], ids=["one-code", "two-codes"])
async def test_of_two_concurrent_redemptions_exactly_one_wins(
    issuer: RunningIssuer, wallet: Wallet, two_codes: bool
) -> None:
    new_offer = await make_offer(issuer)
    first_offer = await wallet.offer(new_offer, issuer)
    second_offer = await wallet.offer(new_offer, issuer) if two_codes else first_offer
    first, second = await asyncio.gather(wallet.token(first_offer), wallet.token(second_offer))
    assert sorted([first.status_code, second.status_code]) == [200, 400]
    loser = first if first.status_code == 400 else second
    assert loser.json()["error"] == "invalid_grant"
    async with issuer.session() as session:
        assert len(list(await session.scalars(select(AccessToken)))) == 1


CODE_AGES = {
    "a second past its lifetime": (lambda ttl: ttl + 1, "invalid_grant"),
    "ten seconds short of its lifetime": (lambda ttl: ttl - 10, None),
    "minted a little in the future (clock skew)": (lambda ttl: -CLOCK_SKEW_SECONDS + 5, None),
    "minted beyond the clock skew in the future": (
        lambda ttl: -CLOCK_SKEW_SECONDS - 5,
        "invalid_grant",
    ),
}


@pytest.mark.parametrize("case", sorted(CODE_AGES))
async def test_a_code_works_only_within_its_lifetime(
    issuer: RunningIssuer, wallet: Wallet, case: str
) -> None:
    """Codes minted with the issuer's own key at chosen times: taken within their lifetime
    (allowing for a small clock skew between replicas), refused outside it."""
    age, expected = CODE_AGES[case]
    new_offer = await make_offer(issuer)
    offer = await wallet.offer(new_offer, issuer)
    minted_at = utcnow() - timedelta(seconds=age(issuer.settings.pre_authorized_code_ttl_seconds))
    aged = with_code(offer, issuer.codes.mint(new_offer.offer.id, minted_at))
    response = await wallet.token(aged)
    if expected is None:
        assert response.status_code == 200, response.text
    else:
        assert error_of(response) == expected
        assert response.json()["error_description"].isascii()


async def test_an_expired_code_is_refused_but_the_offer_link_gives_a_working_fresh_one(
    issuer: RunningIssuer, wallet: Wallet
) -> None:
    new_offer = await make_offer(issuer)
    offer = await wallet.offer(new_offer, issuer)
    ttl = issuer.settings.pre_authorized_code_ttl_seconds
    assert 300 <= ttl <= 600  # security checklist A.1: 5 to 10 minutes
    stale = issuer.codes.mint(new_offer.offer.id, utcnow() - timedelta(seconds=ttl + 1))
    refused = await wallet.token(with_code(offer, stale))
    assert error_of(refused) == "invalid_grant"
    assert "expired" in refused.json()["error_description"]
    fresh = await wallet.offer(new_offer, issuer)
    assert (await wallet.token(fresh)).status_code == 200


def _tampered_mac(code: str, other: str) -> str:
    signed, _, mac = code.rpartition(".")
    return f"{signed}.{'A' if mac[0] != 'A' else 'B'}{mac[1:]}"


def _renewed(code: str, other: str) -> str:
    """An expired code re-dated to the minting time of a fresh one, its MAC kept."""
    offer_id, _, salt, mac = code.split(".")
    return ".".join((offer_id, other.split(".")[1], salt, mac))


def _for_another_offer(code: str, other: str) -> str:
    """This offer's code pointed at another offer, its MAC kept."""
    return ".".join([other.split(".")[0], *code.split(".")[1:]])


FORGED_CODES = {
    "with a changed MAC": _tampered_mac,
    "re-dated to now": _renewed,
    "pointed at another offer": _for_another_offer,
    "without its MAC": lambda code, other: code.rpartition(".")[0],
    "with a piece too many": lambda code, other: f"{code}.AAAA",
    "with a MAC that is not base64url": lambda code, other: f"{code.rpartition('.')[0]}.n/t!",
    "of the old layout (one HMAC)": lambda code, other: code.rpartition(".")[2],
    "with a letter that is not ASCII": lambda code, other: code.replace(".", ".\u00e9", 2),
}


@pytest.mark.parametrize("case", sorted(FORGED_CODES))
async def test_a_tampered_or_malformed_code_is_an_invalid_grant(
    issuer: RunningIssuer, wallet: Wallet, case: str
) -> None:
    new_offer, other_offer = await make_offer(issuer), await make_offer(issuer)
    offer = await wallet.offer(new_offer, issuer)
    ttl = issuer.settings.pre_authorized_code_ttl_seconds
    expired = issuer.codes.mint(new_offer.offer.id, utcnow() - timedelta(seconds=ttl + 1))
    code = expired if case == "re-dated to now" else code_of(offer)
    other = code_of(await wallet.offer(other_offer, issuer))
    forged = FORGED_CODES[case](code, other)
    assert forged not in (code, other)
    response = await wallet.token(with_code(offer, forged))
    assert error_of(response) == "invalid_grant"
    assert response.json()["error_description"].isascii()
    # A forgery spends nothing: both offers still redeem with their own codes.
    assert (await wallet.token(offer)).status_code == 200
    other_response = await wallet.token(with_code(offer, other))
    assert other_response.status_code == 200, other_response.text


async def test_a_code_minted_with_another_key_is_an_invalid_grant(
    issuer: RunningIssuer, wallet: Wallet
) -> None:
    new_offer = await make_offer(issuer)
    offer = await wallet.offer(new_offer, issuer)
    foreign = PreAuthorizedCodes(bytes(32), issuer.settings.pre_authorized_code_ttl_seconds)
    forged = with_code(offer, foreign.mint(new_offer.offer.id, utcnow()))
    response = await wallet.token(forged)
    assert error_of(response) == "invalid_grant"
    assert "not issued by this issuer" in response.json()["error_description"]
    assert (await wallet.token(offer)).status_code == 200


async def test_a_fresh_code_of_an_expired_offer_is_refused(
    issuer: RunningIssuer, wallet: Wallet
) -> None:
    new_offer = await make_offer(issuer)
    offer = await wallet.offer(new_offer, issuer)
    async with issuer.session() as session:
        await session.execute(
            update(CredentialOffer)
            .where(CredentialOffer.id == new_offer.offer.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert error_of(await wallet.token(offer)) == "invalid_grant"
    offer_uri = new_offer.links(issuer.settings)["offer_object_uri"]
    assert error_of(await wallet.client.get(offer_uri), 404) == "not_found"


async def test_an_unknown_code_and_another_grant_type_are_refused(wallet: Wallet) -> None:
    unknown = {"grants": {PRE_AUTHORIZED_GRANT: {"pre-authorized_code": "not-a-code"}}}
    assert error_of(await wallet.token(unknown)) == "invalid_grant"
    code_grant = await wallet.client.post(
        "/token", data={"grant_type": "authorization_code", "code": "x"}
    )
    assert error_of(code_grant) == "unsupported_grant_type"
    assert error_of(await wallet.client.post("/token", data={})) == "invalid_request"


async def test_a_wrong_tx_code_is_refused_and_five_lock_the_offer(
    issuer: RunningIssuer, wallet: Wallet
) -> None:
    new_offer = await make_offer(issuer, with_tx_code=True)
    offer = await wallet.offer(new_offer, issuer)
    assert new_offer.tx_code is not None
    wrong = "000000" if new_offer.tx_code != "000000" else "111111"
    assert error_of(await wallet.token(offer)) == "invalid_request"  # missing: not an attempt
    for _ in range(issuer.settings.tx_code_max_failures):
        assert error_of(await wallet.token(offer, tx_code=wrong)) == "invalid_grant"
    assert error_of(await wallet.token(offer, tx_code=new_offer.tx_code)) == "invalid_grant"
    async with issuer.session() as session:
        stored = await session.get(CredentialOffer, new_offer.offer.id)
        actions = [e.action for e in await events_for(session, f"award:{stored.award_id}")]
    assert stored is not None
    assert stored.tx_code_failures == 5
    assert stored.invalidated_at is not None
    assert stored.redeemed_at is None
    assert actions.count("offer.tx_code_failure") == 4
    assert actions.count("offer.lock") == 1


async def test_wrong_tx_codes_count_per_offer_whichever_code_they_came_with(
    issuer: RunningIssuer, wallet: Wallet
) -> None:
    new_offer = await make_offer(issuer, with_tx_code=True)
    assert new_offer.tx_code is not None
    wrong = "000000" if new_offer.tx_code != "000000" else "111111"
    for _ in range(issuer.settings.tx_code_max_failures):
        offer = await wallet.offer(new_offer, issuer)  # a fresh code for every attempt
        assert error_of(await wallet.token(offer, tx_code=wrong)) == "invalid_grant"
    assert error_of(await wallet.token(offer, tx_code=new_offer.tx_code)) == "invalid_grant"
    offer_uri = new_offer.links(issuer.settings)["offer_object_uri"]
    assert error_of(await wallet.client.get(offer_uri), 404) == "not_found"


async def test_four_wrong_tx_codes_still_leave_the_right_one_working(
    issuer: RunningIssuer, wallet: Wallet
) -> None:
    new_offer = await make_offer(issuer, with_tx_code=True)
    offer = await wallet.offer(new_offer, issuer)
    assert new_offer.tx_code is not None
    wrong = "000000" if new_offer.tx_code != "000000" else "111111"
    for _ in range(issuer.settings.tx_code_max_failures - 1):
        assert error_of(await wallet.token(offer, tx_code=wrong)) == "invalid_grant"
    # Older wallets call it user_pin; interop note 4: some send both plus ``resource``.
    response = await wallet.token(offer, user_pin=new_offer.tx_code, resource=BASE_URL)
    assert response.status_code == 200, response.text


async def test_a_tx_code_for_an_offer_without_one_is_an_invalid_request(
    issuer: RunningIssuer, wallet: Wallet
) -> None:
    offer = await wallet.offer(await make_offer(issuer), issuer)
    assert error_of(await wallet.token(offer, tx_code="123456")) == "invalid_request"
    assert (await wallet.token(offer)).status_code == 200


# -- nonces and key proofs -----------------------------------------------------------------


async def test_nonces_are_fresh_unstored_in_clear_and_not_cached(
    issuer: RunningIssuer, wallet: Wallet
) -> None:
    response = await wallet.client.post("/nonce")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    first, second = response.json()["c_nonce"], await wallet.nonce()
    assert first != second
    assert len(first) >= 32
    async with issuer.session() as session:
        stored = list(await session.scalars(select(Nonce.value_hash)))
    assert len(stored) == 2
    assert first not in stored


async def test_a_reused_nonce_is_refused(issuer: RunningIssuer, wallet: Wallet) -> None:
    _, access_token = await received(issuer, wallet)
    nonce = await wallet.nonce()
    assert (await wallet.request(access_token, LDP_VC, wallet.proof(nonce))).status_code == 200
    replay = await wallet.request(access_token, JWT_VC_JSON, wallet.proof(nonce))
    assert error_of(replay) == "invalid_nonce"


async def test_a_stale_or_unknown_nonce_is_refused(issuer: RunningIssuer, wallet: Wallet) -> None:
    _, access_token = await received(issuer, wallet)
    nonce = await wallet.nonce()
    async with issuer.session() as session:
        await session.execute(update(Nonce).values(expires_at=utcnow() - timedelta(seconds=1)))
    stale = await wallet.request(access_token, LDP_VC, wallet.proof(nonce))
    assert error_of(stale) == "invalid_nonce"
    unknown = await wallet.request(access_token, LDP_VC, wallet.proof("made-up-nonce"))
    assert error_of(unknown) == "invalid_nonce"


def unsigned_jwt(header: dict[str, Any], claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part(header)}.{part(claims)}."


def forged_kid(wallet: Wallet) -> SigningKey:
    """Another key that claims to be the wallet's (its kid names the wallet's DID)."""
    return SigningKey(generate_key(), wallet.key.verification_method)


def badly_signed(wallet: Wallet, nonce: str, **header: Any) -> str:
    """A proof with the given key headers and a signature that is not one."""
    claims = {"aud": BASE_URL, "iat": int(time.time()), "nonce": nonce}
    return unsigned_jwt({"alg": "EdDSA", "typ": PROOF_TYP, **header}, claims) + "c2ln"


BAD_PROOFS = {
    "for another audience": lambda w, n: w.proof(n, audience="https://other-issuer.example"),
    "audience with a trailing slash": lambda w, n: w.proof(n, audience=BASE_URL + "/"),
    "signed by another key than its kid": lambda w, n: w.proof(n, key=forged_kid(w)),
    "with a wrong typ": lambda w, n: w.proof(n, typ="JWT"),
    "with alg none": lambda w, n: unsigned_jwt(
        {"alg": "none", "typ": PROOF_TYP, "kid": w.key.verification_method},
        {"aud": BASE_URL, "iat": int(time.time()), "nonce": n},
    ),
    "issued an hour ago": lambda w, n: w.proof(n, issued_at=time.time() - 3600),
    "issued in the future": lambda w, n: w.proof(n, issued_at=time.time() + 3600),
    "without a nonce": lambda w, n: w.proof(None),
    # sign_jwt itself refuses to write these headers; their signatures are never reached.
    "with kid and jwk": lambda w, n: badly_signed(
        w, n, kid=w.key.verification_method, jwk=w.key.key.public_jwk()
    ),
    "with x5c": lambda w, n: badly_signed(w, n, x5c=["MIIBszCCAVmgAwIBAgIU"]),
    "with a did:web kid": lambda w, n: w.proof(
        n, key=SigningKey(w.key.key, "did:web:attacker.example#key-1")
    ),
    "not a JWT": lambda w, n: "not-a-jwt",
}


@pytest.mark.parametrize("case", sorted(BAD_PROOFS))
async def test_a_bad_key_proof_is_an_invalid_proof(
    issuer: RunningIssuer, wallet: Wallet, case: str
) -> None:
    _, access_token = await received(issuer, wallet)
    nonce = await wallet.nonce()
    response = await wallet.request(access_token, LDP_VC, BAD_PROOFS[case](wallet, nonce))
    assert error_of(response) == "invalid_proof"
    # The nonce was not spent by a refused proof, so the wallet can retry with it.
    assert (await wallet.request(access_token, LDP_VC, wallet.proof(nonce))).status_code == 200


async def test_a_proof_header_with_a_private_key_is_refused(
    issuer: RunningIssuer, wallet: Wallet
) -> None:
    _, access_token = await received(issuer, wallet)
    private = json.loads(wallet.key.key.private_jwk_json())
    proof = badly_signed(wallet, await wallet.nonce(), jwk=private)
    response = await wallet.request(access_token, LDP_VC, proof)
    assert error_of(response) == "invalid_proof"
    assert "private" in response.json()["error_description"]
    assert json.loads(wallet.key.key.private_jwk_json())["d"] not in response.text


# -- the credential endpoint's other refusals ----------------------------------------------


async def test_the_credential_endpoint_needs_a_live_access_token(
    issuer: RunningIssuer, wallet: Wallet
) -> None:
    missing = await wallet.client.post("/credential", json={})
    assert error_of(missing, 401) == "invalid_token"
    assert missing.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    unknown = await wallet.request("not-a-token", LDP_VC, "x")
    assert error_of(unknown, 401) == "invalid_token"
    _, access_token = await received(issuer, wallet)
    async with issuer.session() as session:
        await session.execute(
            update(AccessToken).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    expired = await wallet.request(access_token, LDP_VC)
    assert error_of(expired, 401) == "invalid_token"


REQUESTS = {
    "an unknown configuration": (
        {"credential_configuration_id": "Diploma_mso_mdoc", "proofs": {"jwt": ["x"]}},
        "unknown_credential_configuration",
    ),
    "both configuration and format": (
        {"credential_configuration_id": LDP_VC, "format": "ldp_vc"},
        "invalid_credential_request",
    ),
    "a credential identifier": (
        {"credential_identifier": "abc", "proofs": {"jwt": ["x"]}},
        "unknown_credential_identifier",
    ),
    "two proofs (no batch issuance)": (
        {"credential_configuration_id": LDP_VC, "proofs": {"jwt": ["x", "y"]}},
        "invalid_credential_request",
    ),
    "proofs that are not a list": (
        {"credential_configuration_id": LDP_VC, "proofs": {"jwt": "x"}},
        "invalid_credential_request",
    ),
    "no proof": ({"credential_configuration_id": LDP_VC}, "invalid_proof"),
    "another proof type": (
        {"credential_configuration_id": LDP_VC, "proofs": {"di_vp": [{}]}},
        "invalid_proof",
    ),
    "response encryption": (
        {
            "credential_configuration_id": LDP_VC,
            "proofs": {"jwt": ["x"]},
            "credential_response_encryption": {"jwk": {}, "enc": "A256GCM"},
        },
        "invalid_encryption_parameters",
    ),
}


@pytest.mark.parametrize("case", sorted(REQUESTS))
async def test_a_malformed_credential_request_gets_the_spec_error(
    issuer: RunningIssuer, wallet: Wallet, case: str
) -> None:
    _, access_token = await received(issuer, wallet)
    body, expected = REQUESTS[case]
    response = await wallet.credential(access_token, body)
    assert error_of(response) == expected
    assert "c_nonce" not in response.json()  # 1.0 requests get no nonce in errors


async def test_a_body_that_is_not_json_is_an_invalid_credential_request(
    issuer: RunningIssuer, wallet: Wallet
) -> None:
    _, access_token = await received(issuer, wallet)
    response = await wallet.client.post(
        "/credential", content=b"{not json", headers={"Authorization": f"Bearer {access_token}"}
    )
    assert error_of(response) == "invalid_credential_request"


async def test_a_revoked_award_gets_no_credential(issuer: RunningIssuer, wallet: Wallet) -> None:
    new_offer, access_token = await received(issuer, wallet)
    async with issuer.session() as session:
        await session.execute(
            update(Award).where(Award.id == new_offer.offer.award_id).values(status="revoked")
        )
    assert error_of(await wallet.request(access_token, LDP_VC)) == "credential_request_denied"


async def test_a_notification_for_someone_elses_credential_is_refused(
    issuer: RunningIssuer, wallet: Wallet
) -> None:
    _, first_token = await received(issuer, wallet)
    issued = (await wallet.request(first_token, LDP_VC)).json()["notification_id"]
    _, second_token = await received(issuer, wallet)

    async def notify(token: str, body: dict[str, Any]) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        return await wallet.client.post("/notification", json=body, headers=headers)

    other_award = await notify(
        second_token, {"notification_id": issued, "event": "credential_deleted"}
    )
    assert error_of(other_award) == "invalid_notification_id"
    odd_event = await notify(first_token, {"notification_id": issued, "event": "credential_lost"})
    assert error_of(odd_event) == "invalid_notification_request"
    repeated = [
        await notify(first_token, {"notification_id": issued, "event": "credential_deleted"})
        for _ in range(2)
    ]
    assert [r.status_code for r in repeated] == [204, 204]


# -- draft 13 ------------------------------------------------------------------------------


async def test_a_draft_13_wallet_is_answered_in_draft_13_style(
    issuer: RunningIssuer, wallet: Wallet
) -> None:
    offer = await wallet.offer(await make_offer(issuer), issuer)
    token = (await wallet.token(offer)).json()
    assert token["c_nonce_expires_in"] == issuer.settings.nonce_ttl_seconds
    nonce = token["c_nonce"]  # draft 13: the first nonce comes with the token
    for credential_format in ("ldp_vc", "jwt_vc_json"):
        definition: dict[str, Any] = {"type": ["VerifiableCredential", "AchievementCredential"]}
        response = await wallet.credential(
            token["access_token"],
            format=credential_format,
            credential_definition=definition,
            proof={"proof_type": "jwt", "jwt": wallet.proof(nonce)},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"credential", "c_nonce", "c_nonce_expires_in", "notification_id"}
        assert await verified_subject(credential_format, body["credential"]) == wallet.did
        nonce = body["c_nonce"]  # and the next one with each credential


async def test_a_draft_13_wallet_gets_a_fresh_nonce_with_a_nonce_or_proof_error(
    issuer: RunningIssuer, wallet: Wallet
) -> None:
    _, access_token = await received(issuer, wallet)

    async def ask(proof: dict[str, Any] | None) -> httpx.Response:
        members: dict[str, Any] = {"format": "ldp_vc"}
        if proof is not None:
            members["proof"] = proof
        return await wallet.credential(access_token, members)

    first = await ask(None)  # a draft-13 wallet without a nonce asks like this
    assert error_of(first) == "invalid_proof"
    stale = await ask({"proof_type": "jwt", "jwt": wallet.proof("made-up")})
    assert error_of(stale) == "invalid_nonce"
    assert stale.json()["c_nonce"] != first.json()["c_nonce"]
    retry = await ask({"proof_type": "jwt", "jwt": wallet.proof(stale.json()["c_nonce"])})
    assert retry.status_code == 200, retry.text


DRAFT_13_REFUSALS = {
    "an unknown format": ({"format": "mso_mdoc"}, "unsupported_credential_format"),
    "another type": (
        {"format": "jwt_vc_json", "credential_definition": {"type": ["UniversityDegree"]}},
        "unsupported_credential_type",
    ),
    "a proof type other than jwt": (
        {"format": "ldp_vc", "proof": {"proof_type": "ldp_vp", "ldp_vp": {}}},
        "invalid_proof",
    ),
}


@pytest.mark.parametrize("case", sorted(DRAFT_13_REFUSALS))
async def test_a_draft_13_request_for_something_else_gets_the_draft_13_error(
    issuer: RunningIssuer, wallet: Wallet, case: str
) -> None:
    _, access_token = await received(issuer, wallet)
    body, expected = DRAFT_13_REFUSALS[case]
    assert error_of(await wallet.credential(access_token, body)) == expected


# -- offer objects and metadata ------------------------------------------------------------


async def test_the_offer_object_is_json_not_cached_and_unknown_ones_are_404(
    issuer: RunningIssuer, wallet: Wallet
) -> None:
    new_offer = await make_offer(issuer)
    response = await wallet.client.get(new_offer.links(issuer.settings)["offer_object_uri"])
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    grant = response.json()["grants"][PRE_AUTHORIZED_GRANT]
    assert "tx_code" not in grant
    missing = await wallet.client.get("/credential-offer/no-such-offer")
    assert error_of(missing, 404) == "not_found"


async def test_the_issuer_metadata_names_this_issuer_exactly(issuer: RunningIssuer) -> None:
    response = await issuer.client.get("/.well-known/openid-credential-issuer")
    assert response.status_code == 200, response.text
    metadata = response.json()
    assert metadata["credential_issuer"] == "http://issuer.test"
    assert metadata["credential_endpoint"] == "http://issuer.test/credential"
    assert metadata["nonce_endpoint"] == "http://issuer.test/nonce"
    assert "batch_credential_issuance" not in metadata
    names = {entry["locale"]: entry["name"] for entry in metadata["display"]}
    assert names["en"] == "credstack issuer: University of Example (demo)"
    assert names["de"] == "credstack issuer: Universität Beispiel (Demo)"

    configurations = metadata["credential_configurations_supported"]
    ldp, jwt = configurations[LDP_VC], configurations[JWT_VC_JSON]
    assert ldp["format"] == "ldp_vc"
    assert jwt["format"] == "jwt_vc_json"
    assert ldp["credential_signing_alg_values_supported"] == ["Ed25519Signature2020"]
    assert jwt["credential_signing_alg_values_supported"] == ["EdDSA"]
    types = ["VerifiableCredential", "AchievementCredential"]
    assert ldp["credential_definition"]["type"] == jwt["credential_definition"]["type"] == types
    assert "https://www.w3.org/2018/credentials/v1" in ldp["credential_definition"]["@context"]
    assert "@context" not in jwt["credential_definition"]
    for configuration in (ldp, jwt):
        assert configuration["cryptographic_binding_methods_supported"] == [
            "did:key",
            "did:jwk",
            "jwk",
        ]
        assert configuration["proof_types_supported"] == {
            "jwt": {"proof_signing_alg_values_supported": ["EdDSA", "ES256"]}
        }
        display = configuration["credential_metadata"]["display"]
        assert [entry["locale"] for entry in display] == ["en", "de"]
        assert configuration["display"] == display  # draft 13 reads it here
        paths = [claim["path"] for claim in configuration["credential_metadata"]["claims"]]
        assert ["credentialSubject", "achievement", "name"] in paths


async def test_the_authorization_server_metadata_offers_anonymous_pre_authorized_access(
    issuer: RunningIssuer,
) -> None:
    metadata = (await issuer.client.get("/.well-known/oauth-authorization-server")).json()
    assert metadata["issuer"] == "http://issuer.test"
    assert metadata["token_endpoint"] == "http://issuer.test/token"
    assert metadata["grant_types_supported"] == [PRE_AUTHORIZED_GRANT]
    assert metadata["pre-authorized_grant_anonymous_access_supported"] is True
