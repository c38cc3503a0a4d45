"""The checks engine on real, signed presentations: a good one is verified in both formats and
both answer shapes, and each check fails on its own when its one thing is wrong."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from shared.credentials.status_list import Bitstring
from shared.crypto.b64url import b64url_decode, b64url_encode
from tests.shared.credentials.test_microcredential_samples import did_key_signer
from tests.support.credentials import REVOCATION_LIST, SUSPENSION_LIST
from tests.verifier.checks.world import (
    CLIENT_ID,
    FORMATS,
    World,
    expect,
    not_passed,
    outcomes,
    presentation_definition,
    reason,
    submission,
)
from verifier.checks.report import CHECK_NAMES, CREDENTIAL_CHECKS, Outcome, Report
from verifier.checks.tokens import MAX_CREDENTIALS


def with_ects_raised(signed: Any, ects: int) -> Any:
    """The signed credential with its ECTS changed after signing (its signature left as is)."""
    if isinstance(signed, dict):
        tampered = copy.deepcopy(signed)
        tampered["credentialSubject"]["achievement"]["ectsCredits"] = ects
        return tampered
    header, payload, signature = signed.split(".")
    claims = json.loads(b64url_decode(payload))
    claims["vc"]["credentialSubject"]["achievement"]["ectsCredits"] = ects
    return ".".join([header, b64url_encode(json.dumps(claims).encode()), signature])


def assert_verified(report: Report) -> None:
    assert not_passed(report) == set(), [c.reason for c in report.failed()]
    assert report.verified
    names = {check.name for check in report.checks}
    assert names == set(CHECK_NAMES)


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_good_dcql_answer_is_verified(world: World, fmt: str) -> None:
    credential = await world.credential(fmt)
    vp = await world.present(fmt, [credential])
    report = await world.check_dcql(fmt, [vp], min_ects_total=5, min_eqf_level=6)
    assert_verified(report)
    assert report.holder == world.holder.did
    assert all(outcomes(report)[f"{name}#0"] is Outcome.PASSED for name in CREDENTIAL_CHECKS)
    [presented] = report.credentials
    assert presented.format == fmt
    assert presented.trusted
    assert presented.issuer_did == world.issuer.did
    assert presented.issuer_name is not None
    assert presented.issuer_name.text == "University of Example"  # from the trust list
    assert presented.status == "valid"
    assert presented.achievement["ects"] == "5"
    assert presented.achievement["eqf_level"] == 6
    assert presented.achievement["isced_field"] == {
        "code": "061",
        "name": "Information and Communication Technologies",
    }
    assert presented.achievement["participation"] == "Blended"
    assert presented.achievement["provider_as_named"]["label"].startswith("Named in the credential")
    assert len(presented.achievement["skills"]) == 3
    assert presented.subject["name"] == "Maria Muster"
    assert "ECTS in total" in reason(report, "constraints")


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_good_presentation_exchange_answer_is_verified(world: World, fmt: str) -> None:
    """Draft-era wallets: one VP as vp_token (a JWT as is, an object as JSON text)."""
    vp = await world.present(fmt, [await world.credential(fmt)])
    token = vp if isinstance(vp, str) else json.dumps(vp)
    expectation = expect(presentation_definition=presentation_definition())
    report = await world.verifier.check_response(token, json.dumps(submission(fmt)), expectation)
    assert_verified(report)


async def test_several_presentations_as_a_pe_array_add_up(world: World) -> None:
    first = await world.present("ldp_vc", [await world.credential("ldp_vc", ects=3)])
    second = await world.present(
        "jwt_vc_json",
        [await world.credential("jwt_vc_json", ects=3, id="https://uni.example/mc/other")],
    )
    pe = submission("ldp_vc", count=2)
    expectation = expect(
        {"min_ects_total": 6, "min_credentials": 2},
        presentation_definition=presentation_definition(),
    )
    report = await world.verifier.check_response(json.dumps([first, second]), pe, expectation)
    assert_verified(report)
    assert [c.format for c in report.credentials] == ["ldp_vc", "jwt_vc_json"]


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_tampered_claim_fails_the_credential_signature(world: World, fmt: str) -> None:
    """The learner raises their ECTS after issuance and presents it, signed by their own key."""
    tampered = with_ects_raised(await world.credential(fmt), 50)
    report = await world.check_dcql(fmt, [await world.present(fmt, [tampered])])
    assert not report.verified
    assert outcomes(report)["credential_signature#0"] is Outcome.FAILED
    # Nothing else in a forged credential is believed: trust and status are not looked up.
    assert not_passed(report) == {"credential_signature#0", "trusted_issuer#0", "status#0"}
    assert report.credentials[0].issuer_name is None


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_wrong_nonce_rejects_the_whole_answer(world: World, fmt: str) -> None:
    vp = await world.present(fmt, [await world.credential(fmt)], nonce="an-old-nonce")
    report = await world.check_dcql(fmt, [vp])
    assert not report.verified
    assert not_passed(report) == {"nonce", "response"}
    assert "replay" in reason(report, "nonce")
    assert "whole answer is rejected" in reason(report, "response")


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_wrong_audience_fails(world: World, fmt: str) -> None:
    vp = await world.present(
        fmt, [await world.credential(fmt)], audience="redirect_uri:https://other.example/cb"
    )
    report = await world.check_dcql(fmt, [vp])
    assert not_passed(report) == {"audience"}
    assert "other.example" in reason(report, "audience")
    assert CLIENT_ID in reason(report, "audience")


@pytest.mark.parametrize("fmt", FORMATS)
async def test_someone_elses_credential_fails_holder_binding(world: World, fmt: str) -> None:
    someone = did_key_signer()
    theirs = await world.sign(fmt, world.unsigned(holder_did=someone.did))
    report = await world.check_dcql(fmt, [await world.present(fmt, [theirs])])
    assert not_passed(report) == {"holder_binding#0"}
    assert someone.did in reason(report, "holder_binding", 0)


@pytest.mark.parametrize("fmt", FORMATS)
async def test_an_expired_credential_fails_its_dates(world: World, fmt: str) -> None:
    unsigned = world.unsigned()
    unsigned["expirationDate"] = "2025-12-31T00:00:00Z"
    signed = await world.sign(fmt, unsigned)
    report = await world.check_dcql(fmt, [await world.present(fmt, [signed])])
    assert not_passed(report) == {"validity_dates#0"}
    assert "expired" in reason(report, "validity_dates", 0)
    assert report.credentials[0].status == "expired"


@pytest.mark.parametrize(
    ("url", "status"), [(REVOCATION_LIST, "revoked"), (SUSPENSION_LIST, "suspended")]
)
async def test_revoked_and_suspended_fail_status(world: World, url: str, status: str) -> None:
    credential = await world.credential("ldp_vc")
    world.lists.bits[url].set(world.lists.next_index, True)
    await world.lists.publish()
    report = await world.check_dcql("ldp_vc", [await world.present("ldp_vc", [credential])])
    assert not_passed(report) == {"status#0"}
    assert outcomes(report)["status#0"] is Outcome.FAILED
    assert report.credentials[0].status == status
    assert f"has {status} this credential" in reason(report, "status", 0)


async def test_an_unreachable_list_leaves_status_unknown_and_not_verified(world: World) -> None:
    credential = await world.credential("jwt_vc_json")
    world.lists.served.clear()
    report = await world.check_dcql(
        "jwt_vc_json", [await world.present("jwt_vc_json", [credential])]
    )
    assert not_passed(report) == {"status#0"}
    assert outcomes(report)["status#0"] is Outcome.UNKNOWN
    assert not report.verified
    assert "could not be fetched" in reason(report, "status", 0)


async def test_a_list_signed_by_someone_else_leaves_status_unknown(world: World) -> None:
    credential = await world.credential("ldp_vc")
    world.lists.bits = {REVOCATION_LIST: Bitstring.empty(), SUSPENSION_LIST: Bitstring.empty()}
    await world.lists.publish(signer=did_key_signer())
    report = await world.check_dcql("ldp_vc", [await world.present("ldp_vc", [credential])])
    assert outcomes(report)["status#0"] is Outcome.UNKNOWN
    assert not report.verified
    assert "not signed by the credential's issuer" in reason(report, "status", 0)


async def test_an_issuer_not_on_the_trust_list_is_an_unknown_issuer(world: World) -> None:
    world.trust.issuers.clear()
    vp = await world.present("ldp_vc", [await world.credential("ldp_vc")])
    report = await world.check_dcql("ldp_vc", [vp])
    assert not_passed(report) == {"trusted_issuer#0"}
    assert "unknown issuer" in reason(report, "trusted_issuer", 0)
    assert report.credentials[0].issuer_name is None
    assert not report.credentials[0].trusted

    accepting = await world.check_dcql("ldp_vc", [vp], trusted_issuers_only=False)
    assert accepting.verified
    assert "accepts credentials from any issuer" in reason(accepting, "trusted_issuer", 0)


async def test_too_few_ects_in_one_credential(world: World) -> None:
    vp = await world.present("ldp_vc", [await world.credential("ldp_vc", ects=3)])
    report = await world.check_dcql("ldp_vc", [vp], min_ects_per_credential=5)
    assert not_passed(report) == {"constraints"}
    assert reason(report, "constraints") == (
        "Credential 1 is worth 3 ECTS; the request asks for at least 5 per credential."
    )


async def test_too_few_ects_summed_over_two_and_one_achievement_counts_once(
    world: World,
) -> None:
    first = await world.credential("ldp_vc", ects=3)
    again = await world.credential("ldp_vc", ects=3)  # the same achievement, issued twice
    other = await world.credential("ldp_vc", ects=2.5, id="https://uni.example/mc/other")
    twice = await world.check_dcql(
        "ldp_vc", [await world.present("ldp_vc", [first, again])], min_ects_total=5
    )
    assert not_passed(twice) == {"constraints"}
    assert reason(twice, "constraints") == (
        "3 ECTS presented in total; the request asks for at least 5."
    )
    summed = await world.check_dcql(
        "ldp_vc", [await world.present("ldp_vc", [first, other])], min_ects_total=6
    )
    assert reason(summed, "constraints") == (
        "5.5 ECTS presented in total; the request asks for at least 6."
    )
    enough = await world.check_dcql(
        "ldp_vc", [await world.present("ldp_vc", [first, other])], min_ects_total=5.5
    )
    assert enough.verified


async def test_only_credentials_in_the_asked_field_count(world: World) -> None:
    ict = await world.credential("ldp_vc", ects=3)
    law = await world.credential(
        "ldp_vc", ects=3, id="https://uni.example/mc/law", field_of_study="Law"
    )
    vp = await world.present("ldp_vc", [ict, law])
    report = await world.check_dcql("ldp_vc", [vp], min_ects_total=5, field_of_study="061")
    assert reason(report, "constraints") == (
        "3 ECTS presented in total in ISCED-F 061 Information and Communication "
        "Technologies; the request asks for at least 5."
    )
    too_narrow = await world.check_dcql("ldp_vc", [vp], field_of_study="0613")
    assert "No credential is in the field of study" in reason(too_narrow, "constraints")


async def test_an_eqf_level_too_low_fails_constraints(world: World) -> None:
    vp = await world.present("jwt_vc_json", [await world.credential("jwt_vc_json", eqf_level=4)])
    report = await world.check_dcql("jwt_vc_json", [vp], min_eqf_level=6)
    assert not_passed(report) == {"constraints"}
    assert reason(report, "constraints") == (
        "Credential 1 is at EQF level 4; the request asks for level 6 or higher."
    )


async def test_a_missing_skill_fails_constraints(world: World) -> None:
    wanted = "http://data.europa.eu/esco/skill/00000000-0000-0000-0000-000000000000"
    vp = await world.present("ldp_vc", [await world.credential("ldp_vc")])
    report = await world.check_dcql("ldp_vc", [vp], required_skills=[wanted])
    assert not_passed(report) == {"constraints"}
    assert wanted in reason(report, "constraints")
    shown = report.credentials[0].achievement["skills"][0]["uri"]
    fine = await world.check_dcql("ldp_vc", [vp], required_skills=[shown])
    assert fine.verified


async def test_an_undisclosed_detail_fails_constraints(world: World) -> None:
    vp = await world.present("ldp_vc", [await world.credential("ldp_vc")])
    report = await world.check_dcql("ldp_vc", [vp], disclose=["name", "email"])
    assert reason(report, "constraints") == (
        "Not disclosed: the learner's e-mail address; the request asks for it."
    )


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_missing_eu_element_fails_the_shape(world: World, fmt: str) -> None:
    unsigned = world.unsigned()
    del unsigned["credentialSubject"]["achievement"]["participationMode"]
    report = await world.check_dcql(
        fmt, [await world.present(fmt, [await world.sign(fmt, unsigned)])]
    )
    assert not_passed(report) == {"credential_shape#0"}
    assert "Form of participation" in reason(report, "credential_shape", 0)


async def test_a_presentation_signed_by_another_key_fails(world: World) -> None:
    """The VP names the learner as holder, but someone else's key signed it."""
    credential = await world.credential("ldp_vc")
    thief = did_key_signer()
    forged = await world.present("ldp_vc", [credential], key=thief)
    assert isinstance(forged, dict)
    report = await world.check_dcql("ldp_vc", [forged])
    assert "holder_binding#0" in not_passed(report)
    assert not report.verified


async def test_the_answer_must_answer_the_dcql_query(world: World) -> None:
    vp = await world.present("ldp_vc", [await world.credential("ldp_vc")])
    expectation = expect(
        dcql_query={
            "credentials": [
                {"id": "mc", "format": "ldp_vc", "meta": {}},
                {"id": "cv", "format": "ldp_vc", "meta": {}},
            ]
        }
    )
    report = await world.verifier.check_response(
        json.dumps({"mc": [vp], "extra": [vp]}), None, expectation
    )
    assert outcomes(report)["response"] is Outcome.FAILED
    words = reason(report, "response")
    assert "'extra', which the request did not ask for" in words
    assert "nothing for cv" in words
    assert not report.verified


async def test_a_pe_answer_needs_its_submission(world: World) -> None:
    vp = await world.present("jwt_vc_json", [await world.credential("jwt_vc_json")])
    expectation = expect(presentation_definition=presentation_definition())
    report = await world.verifier.check_response(vp, None, expectation)
    assert "presentation_submission" in reason(report, "response")
    assert not report.verified


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_lone_credential_is_checked_without_presentation_checks(
    world: World, fmt: str
) -> None:
    signed = await world.credential(fmt)
    report = await world.verifier.check_document(
        signed if isinstance(signed, str) else json.dumps(signed)
    )
    assert_verified(report)
    found = outcomes(report)
    for name in ("presentation_signature", "nonce", "audience", "holder_binding#0", "constraints"):
        assert found[name] is Outcome.NOT_APPLICABLE
    assert report.holder is None


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_lone_presentation_has_no_nonce_or_audience_to_match(
    world: World, fmt: str
) -> None:
    vp = await world.present(fmt, [await world.credential(fmt)])
    report = await world.verifier.check_document(vp if isinstance(vp, str) else json.dumps(vp))
    assert_verified(report)
    assert outcomes(report)["nonce"] is Outcome.NOT_APPLICABLE
    assert "no nonce to match" in reason(report, "nonce")
    assert outcomes(report)["holder_binding#0"] is Outcome.PASSED
    assert outcomes(report)["presentation_signature"] is Outcome.PASSED


async def test_a_lone_credential_from_an_unknown_issuer_is_not_verified(world: World) -> None:
    stranger = did_key_signer()
    unsigned = world.unsigned()
    unsigned["issuer"]["id"] = stranger.did
    report = await world.verifier.check_document(await world.sign("ldp_vc", unsigned, stranger))
    assert not_passed(report) == {"trusted_issuer#0", "status#0"}  # its lists are not its own


async def test_the_report_survives_json(world: World) -> None:
    vp = await world.present("ldp_vc", [await world.credential("ldp_vc")])
    report = await world.check_dcql("ldp_vc", [vp], min_ects_total=9)
    stored = json.loads(json.dumps(report.to_json()))
    again = Report.from_json(stored)
    assert again == report
    assert again.to_json() == stored
    assert stored["verified"] is False
    assert stored["checks"][0]["title"]


async def test_one_wrong_nonce_among_several_presentations_rejects_them_all(world: World) -> None:
    good = await world.present("ldp_vc", [await world.credential("ldp_vc")])
    replayed = await world.present(
        "jwt_vc_json", [await world.credential("jwt_vc_json")], nonce="yesterdays-nonce"
    )
    report = await world.check_dcql("ldp_vc", [good, replayed])
    assert not report.verified
    assert outcomes(report)["nonce"] is Outcome.FAILED
    assert reason(report, "nonce").startswith("Presentation 2: ")
    assert "whole answer is rejected" in reason(report, "response")


@pytest.mark.parametrize("fmt", FORMATS)
async def test_each_credentials_verdict_stays_with_it_when_checked_at_once(
    world: World, fmt: str
) -> None:
    """The presentation and its credentials are verified at the same time: a forged one in
    the middle fails on its own index, and the ones around it still pass."""
    good = await world.credential(fmt, ects=3)
    other = await world.credential(fmt, ects=2, id="https://uni.example/mc/other")
    forged = with_ects_raised(
        await world.credential(fmt, ects=4, id="https://uni.example/mc/forged"), 40
    )
    report = await world.check_dcql(fmt, [await world.present(fmt, [good, forged, other])])
    assert not report.verified
    assert not_passed(report) == {"credential_signature#1", "trusted_issuer#1", "status#1"}
    assert [c.achievement.get("ects") for c in report.credentials] == ["3", "40", "2"]


async def test_more_credentials_than_the_limit_are_not_all_checked_and_the_answer_says_so(
    world: World,
) -> None:
    limit = MAX_CREDENTIALS
    credential = await world.credential("jwt_vc_json")
    presentation = await world.present("jwt_vc_json", [credential] * (limit + 1))
    report = await world.check_dcql("jwt_vc_json", [presentation])
    assert not report.verified
    assert len(report.credentials) == limit
    assert f"more than {limit} credentials" in reason(report, "response")
    assert outcomes(report)[f"credential_signature#{limit - 1}"] is Outcome.PASSED
    assert f"credential_signature#{limit}" not in outcomes(report)
