"""Reading offer links and offers, finding metadata, telling 1.0 from draft 13: the rules."""

from __future__ import annotations

import io
import json
from typing import Any
from urllib.parse import quote

import pytest
from PIL import Image

from holder.receive.client import (
    Issuer,
    IssuerError,
    SpecVersion,
    appended_well_known,
    choose_configuration,
    detect_version,
    inserted_well_known,
)
from holder.receive.offers import (
    PRE_AUTHORIZED_GRANT,
    CredentialOffer,
    TxCode,
    parse_offer,
    parse_offer_link,
)
from holder.receive.qr_image import read_qr_codes
from shared.errors import InvalidInput

OFFER = {
    "credential_issuer": "https://issuer.example",
    "credential_configuration_ids": ["MicroCredential_ldp_vc", "MicroCredential_jwt_vc_json"],
    "grants": {PRE_AUTHORIZED_GRANT: {"pre-authorized_code": "abc"}},
}


def test_an_offer_by_value_and_by_reference_are_both_read() -> None:
    by_value = parse_offer_link(
        "openid-credential-offer://?credential_offer=" + quote(json.dumps(OFFER))
    )
    by_reference = parse_offer_link(
        "openid-credential-offer://?credential_offer_uri="
        + quote("https://issuer.example/credential-offer/t1", safe="")
    )
    assert by_value.offer == OFFER
    assert by_value.fetch_host == "issuer.example"
    assert by_reference.offer_uri == "https://issuer.example/credential-offer/t1"
    assert by_reference.fetch_host == "issuer.example"


def test_the_wallet_link_of_an_issuer_and_a_bare_offer_object_are_read_too() -> None:
    link = parse_offer_link(
        "https://wallet.example/receive?credential_offer_uri=https%3A%2F%2Fi.example%2Fo%2F1"
    )
    assert link.offer_uri == "https://i.example/o/1"
    assert parse_offer_link(f"  {json.dumps(OFFER)}\n").offer == OFFER


@pytest.mark.parametrize(
    "link",
    [
        "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fa&credential_offer=%7B%7D",
        "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fa&credential_offer_uri=https%3A%2F%2Fb",
        "openid-credential-offer://?credential_offer=%5B1%5D",
        "openid-credential-offer://?credential_offer_uri=javascript%3Aalert(1)",
        "",
    ],
    ids=["both", "twice", "array", "javascript", "empty"],
)
def test_links_that_carry_no_single_offer_are_refused(link: str) -> None:
    with pytest.raises(InvalidInput):
        parse_offer_link(link)


def test_the_offer_with_a_tx_code_says_how_to_enter_it() -> None:
    offer = parse_offer(
        {
            **OFFER,
            "grants": {
                PRE_AUTHORIZED_GRANT: {
                    "pre-authorized_code": "abc",
                    "tx_code": {"input_mode": "numeric", "length": 6, "description": "x" * 500},
                }
            },
        }
    )
    assert offer.tx_code is not None
    assert offer.tx_code.length == 6
    assert offer.tx_code.description == "x" * 300  # the spec's limit
    assert offer.tx_code.problem_with("12345") == "The code has 6 characters; you entered 5."
    assert offer.tx_code.problem_with("12a456") == "The code is made of digits only."
    assert offer.tx_code.problem_with("123456") is None
    assert TxCode(input_mode="text").problem_with("ab-12") is None


def test_an_empty_tx_code_object_still_requires_a_code() -> None:
    offer = parse_offer(
        {**OFFER, "grants": {PRE_AUTHORIZED_GRANT: {"pre-authorized_code": "c", "tx_code": {}}}}
    )
    assert offer.tx_code == TxCode()


def test_draft_11_spellings_are_read_as_their_1_0_meaning() -> None:
    offer = parse_offer(
        {
            "credential_issuer": "https://issuer.example",
            "credentials": ["UniversityDegree"],
            "grants": {
                PRE_AUTHORIZED_GRANT: {"pre-authorized_code": "c", "user_pin_required": True}
            },
        }
    )
    assert offer.configuration_ids == ("UniversityDegree",)
    assert offer.tx_code == TxCode()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"grants": {"authorization_code": {"issuer_state": "s"}}}, "pre-authorized code only"),
        ({"credential_configuration_ids": []}, "lists no credential_configuration_ids"),
        ({"credential_issuer": "https://issuer.example?x=1"}, "query or fragment"),
        ({"credential_issuer": "ftp://issuer.example"}, "not a valid web address"),
        (
            {"grants": {PRE_AUTHORIZED_GRANT: {"pre-authorized_code": "c", "tx_code": "1234"}}},
            "tx_code is not a JSON object",
        ),
    ],
    ids=["authorization-code-only", "no-configurations", "query", "ftp", "tx-code-string"],
)
def test_offers_the_wallet_cannot_follow_are_refused_with_a_reason(
    change: dict[str, Any], reason: str
) -> None:
    with pytest.raises(InvalidInput, match=reason):
        parse_offer({**OFFER, **change})


def test_metadata_urls_for_1_0_are_inserted_and_for_draft_13_appended() -> None:
    assert (
        inserted_well_known("https://h.example/tenant", "openid-credential-issuer")
        == "https://h.example/.well-known/openid-credential-issuer/tenant"
    )
    assert (
        appended_well_known("https://h.example/tenant/", "openid-credential-issuer")
        == "https://h.example/tenant/.well-known/openid-credential-issuer"
    )
    # Without a path the two are one URL: our issuer serves both dialects there.
    assert inserted_well_known("https://h.example", "x") == appended_well_known(
        "https://h.example", "x"
    )


@pytest.mark.parametrize(
    ("metadata", "version"),
    [
        ({"nonce_endpoint": "https://h/nonce"}, SpecVersion.V1),
        (
            {"credential_configurations_supported": {"a": {"credential_metadata": {}}}},
            SpecVersion.V1,
        ),
        (
            {"credential_configurations_supported": {"a": {"format": "ldp_vc"}}},
            SpecVersion.DRAFT_13,
        ),
        ({"credentials_supported": [{"id": "a", "format": "jwt_vc_json"}]}, SpecVersion.DRAFT_13),
    ],
    ids=["nonce-endpoint", "credential-metadata", "draft-13", "draft-11"],
)
def test_the_dialect_is_told_from_the_metadata(
    metadata: dict[str, Any], version: SpecVersion
) -> None:
    assert detect_version(metadata) is version


def _issuer(configurations: dict[str, dict[str, Any]]) -> Issuer:
    return Issuer(
        identifier="https://issuer.example",
        version=SpecVersion.V1,
        token_endpoint="https://issuer.example/token",
        credential_endpoint="https://issuer.example/credential",
        nonce_endpoint=None,
        notification_endpoint=None,
        display=[],
        configurations=configurations,
    )


def _offer(*ids: str) -> CredentialOffer:
    return CredentialOffer("https://issuer.example", ids, "code")


def test_ldp_vc_is_preferred_and_jwt_vc_json_taken_when_alone() -> None:
    both = _issuer({"j": {"format": "jwt_vc_json"}, "l": {"format": "ldp_vc"}})
    assert choose_configuration(both, _offer("j", "l"), "EdDSA") == "l"
    assert choose_configuration(both, _offer("j"), "EdDSA") == "j"


@pytest.mark.parametrize(
    ("configuration", "reason"),
    [
        ({"cryptographic_binding_methods_supported": ["jwk"]}, "did:key"),
        (
            {"proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": ["ES256"]}}},
            "EdDSA",
        ),
        ({"proof_types_supported": {"attestation": {}}}, "key proof"),
    ],
    ids=["jwk-binding-only", "es256-only", "no-jwt-proof"],
)
def test_a_configuration_the_learners_key_cannot_be_bound_to_is_refused(
    configuration: dict[str, Any], reason: str
) -> None:
    issuer = _issuer({"l": {"format": "ldp_vc", **configuration}})
    with pytest.raises(IssuerError, match=reason):
        choose_configuration(issuer, _offer("l"), "EdDSA")


def test_a_picture_with_too_many_pixels_is_refused_before_decoding() -> None:
    buffer = io.BytesIO()
    Image.new("1", (10_000, 6_000)).save(buffer, format="PNG")  # 60 MP, a few kB
    with pytest.raises(InvalidInput, match="too many pixels"):
        read_qr_codes(buffer.getvalue())
