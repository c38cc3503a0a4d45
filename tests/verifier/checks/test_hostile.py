"""Whatever arrives as a vp_token or a pasted document, the engine answers with a report
whose failed checks say what is wrong; nothing escapes as an exception, nothing verifies."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.crypto.b64url import b64url_encode
from tests.verifier.checks.world import World, dcql_query, expect, presentation_definition
from verifier.checks.report import Outcome, Report


def unsigned_jwt(claims: dict[str, Any], kid: str = "did:key:z6Mk#z6Mk") -> str:
    header = b64url_encode(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
    return f"{header}.{b64url_encode(json.dumps(claims).encode())}."


def crashed(report: Report) -> bool:
    """The engine's last line of defence caught something: a bug, not a handled input."""
    return any("please try again" in check.reason for check in report.checks)


DEEP_LIST = json.loads("[" * 900 + "]" * 900)
DEEP = "[" * 100_000 + "]" * 100_000
HOSTILE: list[Any] = [
    None,
    5,
    "",
    "   ",
    "{",
    "[1, 2",
    DEEP,
    {"a": DEEP},
    json.loads("[" * 200 + "]" * 200),
    {"mc": "not a list"},
    {"mc": []},
    {"mc": [None, 7, ["x"]]},
    {"mc": ["a.b.c"]},
    {"mc": [unsigned_jwt({"vp": json.loads("[" * 900 + "]" * 900)})]},
    {"mc": [unsigned_jwt({"vp": {"verifiableCredential": [unsigned_jwt({"vc": DEEP_LIST})]}})]},
    unsigned_jwt({"vc": DEEP_LIST}),
    {"mc": ["%%%.***.$$$"]},
    "a.b.c",
    "eyJhbGciOiJFZERTQSJ9.!!!!.xx",
    unsigned_jwt({"iss": "did:key:z6Mk", "nonce": "x", "vp": {"type": ["VerifiablePresentation"]}}),
    {"mc": [{"type": "VerifiablePresentation", "verifiableCredential": "nope"}]},
    {"mc": [{"type": ["VerifiablePresentation"], "proof": [1, "x", {"proofPurpose": 5}]}]},
    {"mc": [{"verifiableCredential": [{"issuer": {"id": ["x"]}, "proof": "x"}] * 50}]},
    [{"type": ["VerifiablePresentation"]}] * 500,
    {str(n): [{}] for n in range(1000)},
    "x" * (2 * 1024 * 1024),
]


@pytest.mark.parametrize("token", HOSTILE, ids=range(len(HOSTILE)))
async def test_hostile_answers_give_failed_reports(world: World, token: Any) -> None:
    for expectation in (
        expect(dcql_query=dcql_query("ldp_vc")),
        expect(presentation_definition=presentation_definition()),
        expect(),
    ):
        report = await world.verifier.check_response(token, {"junk": [1]}, expectation)
        assert not report.verified
        assert report.failed()
        assert all(check.reason for check in report.checks)
        assert not crashed(report), report.checks
        assert json.loads(json.dumps(report.to_json()))["verified"] is False


@pytest.mark.parametrize("document", HOSTILE, ids=range(len(HOSTILE)))
async def test_hostile_documents_give_failed_reports(world: World, document: Any) -> None:
    report = await world.verifier.check_document(document)
    assert not report.verified
    assert report.failed()
    assert not crashed(report), report.checks


async def test_an_unsigned_jwt_presentation_is_refused_in_words(world: World) -> None:
    token = unsigned_jwt(
        {
            "iss": world.holder.did,
            "aud": "redirect_uri:https://verifier.example/oid4vp/response",
            "nonce": "n-0S6_WzA2Mj-verifier-nonce",
            "vp": {"type": ["VerifiablePresentation"], "verifiableCredential": []},
        },
        kid=world.holder.verification_method,
    )
    report = await world.verifier.check_response(
        json.dumps({"mc": [token]}), None, expect(dcql_query=dcql_query("jwt_vc_json"))
    )
    signature = next(c for c in report.checks if c.name == "presentation_signature")
    assert signature.outcome is Outcome.FAILED
    assert "alg none" in signature.reason
