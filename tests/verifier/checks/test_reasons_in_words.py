"""Every check's reason is words a recruiter understands, whatever arrives: a VC Data Model
2.0 presentation, tampered or malformed documents. didkit's, jose's and pydantic's own text
(parser positions, JSON-LD expansion errors, validation errors, class names) stays in the
log."""

from __future__ import annotations

import copy
import json
import logging
import re
from typing import Any

import pytest

from shared.credentials.formats.vcdm import CREDENTIALS_V1_CONTEXT
from tests.verifier.checks.world import World, dcql_query, expect
from verifier.checks.report import Check, Outcome, Report
from verifier.checks.wording import in_words

V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
LIBRARY_TEXT = re.compile(
    r"line \d+ column \d+|Expansion failed|validation error|Traceback|didkit|signature error|"
    r"Verification equation|OKP key|untagged enum|"
    r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)*(?:Error|Exception)\b|"
    r"\b(?:ValueError|KeyError|TypeError|JSONDecodeError|ValidationError|DIDKitException)\b|"
    r"for further information visit|input_value=|\{'|\[\{",
)


def assert_in_words(report: Report) -> None:
    for check in report.checks:
        assert check.reason.strip(), check
        found = LIBRARY_TEXT.search(check.reason)
        assert found is None, f"{check.name}: {check.reason!r} ({found.group(0)!r})"


async def v2_presentation(world: World) -> dict[str, Any]:
    """A VCDM 2.0 presentation: our v1 one, signed, with its contexts moved to 2.0."""
    signed = await world.present("ldp_vc", [await world.credential("ldp_vc")])
    assert isinstance(signed, dict)
    v2 = copy.deepcopy(signed)
    v2["@context"] = [V2_CONTEXT, *v2["@context"][1:]]
    for credential in v2["verifiableCredential"]:
        credential["@context"] = [V2_CONTEXT, *credential["@context"][1:]]
        credential["validFrom"] = credential.pop("issuanceDate")
    return v2


async def test_a_vcdm_2_presentation_is_explained_as_a_newer_data_model(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    v2 = await v2_presentation(world)
    report = await world.verifier.check_response(
        json.dumps({"mc": [v2]}), None, expect(dcql_query=dcql_query("ldp_vc"))
    )
    assert not report.verified
    assert_in_words(report)
    signature = next(c for c in report.checks if c.name == "presentation_signature")
    assert "newer data model (VC 2.0)" in signature.reason, signature.reason
    credential = next(c for c in report.checks if c.name == "credential_signature")
    assert "newer data model (VC 2.0)" in credential.reason, credential.reason
    # The technical detail is kept for whoever runs the verifier.
    assert "Invalid context" in caplog.text or "line 1 column" in caplog.text

    pasted = await world.verifier.check_document(json.dumps(v2))
    assert_in_words(pasted)


def tampered(document: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["verifiableCredential"][0]["credentialSubject"]["name"] = "Mallory"
    return changed


def undefined_term(document: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["verifiableCredential"][0]["notInAnyContext"] = "x"
    changed["notInAnyContext"] = "x"
    return changed


def broken_context(document: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["@context"] = [CREDENTIALS_V1_CONTEXT, {"@version": 7}]
    changed["verifiableCredential"][0]["@context"] = 42
    return changed


def odd_proof(document: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["proof"]["proofValue"] = "not-multibase!"
    changed["proof"]["created"] = "yesterday"
    changed["verifiableCredential"][0]["proof"]["type"] = "NoSuchSuite2099"
    return changed


def odd_subject(document: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    credential = changed["verifiableCredential"][0]
    credential["credentialSubject"]["achievement"] = ["not", {"an": "achievement"}]
    credential["issuanceDate"] = "soon"
    return changed


@pytest.mark.parametrize(
    "spoil", [tampered, undefined_term, broken_context, odd_proof, odd_subject]
)
async def test_malformed_presentations_are_explained_in_words(world: World, spoil: Any) -> None:
    signed = await world.present("ldp_vc", [await world.credential("ldp_vc")])
    assert isinstance(signed, dict)
    spoilt = spoil(signed)
    report = await world.verifier.check_response(
        json.dumps({"mc": [spoilt]}), None, expect(dcql_query=dcql_query("ldp_vc"))
    )
    assert not report.verified
    assert_in_words(report)
    assert_in_words(await world.verifier.check_document(json.dumps(spoilt)))
    assert_in_words(
        await world.verifier.check_document(json.dumps(spoilt["verifiableCredential"][0]))
    )


JWT_SPOILS = [
    lambda jwt: jwt[:-4] + "AAAA",  # a signature that does not match
    lambda jwt: jwt.split(".")[0] + ".e30." + jwt.split(".")[2],  # other claims
    lambda jwt: "eyJhbGciOiJFZERTQSJ9." + jwt.split(".")[1] + ".",  # no kid
    lambda jwt: "e30.e30.e30",
]


@pytest.mark.parametrize("spoil", JWT_SPOILS, ids=range(len(JWT_SPOILS)))
async def test_malformed_jwts_are_explained_in_words(world: World, spoil: Any) -> None:
    credential = await world.credential("jwt_vc_json")
    assert isinstance(credential, str)
    presentation = await world.present("jwt_vc_json", [spoil(credential)])
    assert isinstance(presentation, str)
    for token in (presentation, spoil(presentation)):
        report = await world.verifier.check_response(
            json.dumps({"mc": [token]}), None, expect(dcql_query=dcql_query("jwt_vc_json"))
        )
        assert not report.verified
        assert_in_words(report)
    assert_in_words(await world.verifier.check_document(spoil(credential)))


async def test_what_passes_still_reads_as_before(world: World) -> None:
    signed = await world.present("ldp_vc", [await world.credential("ldp_vc")])
    report = await world.verifier.check_response(
        json.dumps({"mc": [signed]}), None, expect(dcql_query=dcql_query("ldp_vc"))
    )
    assert report.verified, [(c.name, c.reason) for c in report.checks]
    assert_in_words(report)


def test_any_reason_left_in_library_text_is_put_in_words() -> None:
    """The last line: whichever check a library's text reaches, the report says a sentence."""
    leaked = [
        Check("status", Outcome.UNKNOWN, "1 validation error for StatusList input_value=3", 0),
        Check("response", Outcome.FAILED, "Traceback (most recent call last): KeyError 'x'"),
        Check("credential_shape", Outcome.FAILED, "Expansion failed: Key expansion failed", 0),
    ]
    kept = Check("nonce", Outcome.PASSED, "The presentation was made for this request.")
    report = in_words(Report([*leaked, kept], [], None))
    assert_in_words(report)
    assert report.checks[-1] == kept
    assert [c.outcome for c in report.checks] == [c.outcome for c in [*leaked, kept]]
