"""Which stored credentials answer a DCQL query or a Presentation Exchange input descriptor.

The credentials are our OB 3.0 micro-credentials (``AchievementCredential``), unsigned: the
matching reads what the credential says, the signature plays no part in it.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from holder.models import StoredCredential
from holder.share.dcql import parse_dcql
from holder.share.jsonpath import compile_path
from holder.share.matching import (
    OB_VOCAB,
    VC_VOCAB,
    Candidate,
    checked_picks,
    expanded_types,
)
from holder.share.presentation_exchange import parse_definition
from shared.credentials.formats.base import SignedDocument
from shared.crypto.jose import sign_jwt
from shared.errors import InvalidInput
from tests.holder.samples import micro_credential
from tests.holder.test_share_verifier_double import micro_credential_definition
from tests.shared.credentials.test_microcredential_samples import HOLDER_DID, did_key_signer

OB_CREDENTIAL = OB_VOCAB + "OpenBadgeCredential"
ACHIEVEMENT_CREDENTIAL = OB_VOCAB + "AchievementCredential"
VC = VC_VOCAB + "VerifiableCredential"


def candidate(
    document: SignedDocument, fmt: str = "ldp_vc", credential_id: str = "c1"
) -> Candidate:
    record = StoredCredential(id=credential_id, format=fmt, summary={"title": {"en": "x"}})
    return Candidate.of(record, document)


@pytest.fixture
def ldp() -> Candidate:
    return candidate(micro_credential(HOLDER_DID))


@pytest.fixture
def jwt() -> Candidate:
    """The same kind of credential as a VC-JWT (signature irrelevant here, but real)."""
    credential = micro_credential(HOLDER_DID)
    claims = {"iss": credential["issuer"]["id"], "sub": HOLDER_DID, "vc": credential}
    return candidate(sign_jwt(claims, did_key_signer(), typ="JWT"), "jwt_vc_json", "c2")


def dcql(**query: Any) -> dict[str, Any]:
    base = {"id": "mc", "format": "ldp_vc", "meta": {"type_values": [[VC, OB_CREDENTIAL]]}}
    return {"credentials": [{**base, **query}]}


# --- types -------------------------------------------------------------------------------


def test_our_type_names_expand_to_the_iris_of_every_ob_context() -> None:
    types = expanded_types(["VerifiableCredential", "AchievementCredential"])
    assert {VC, OB_CREDENTIAL, ACHIEVEMENT_CREDENTIAL} <= types
    assert "AchievementCredential" in types  # the name as written stays too
    assert expanded_types(["IDCredential"]) == {"IDCredential"}


@pytest.mark.parametrize(
    ("type_values", "matches"),
    [
        ([[VC, OB_CREDENTIAL]], True),
        ([[ACHIEVEMENT_CREDENTIAL]], True),
        ([["https://example.org/vocab#DrivingLicence"], [OB_CREDENTIAL]], True),
        ([[VC, OB_CREDENTIAL, "https://example.org/vocab#DrivingLicence"]], False),
        ([["https://example.org/vocab#DrivingLicence"]], False),
    ],
    ids=["ob-iri", "achievement-iri", "second-alternative", "all-must-be-present", "other-type"],
)
def test_dcql_type_values_are_alternatives_of_iris_that_must_all_be_present(
    ldp: Candidate, type_values: list[list[str]], matches: bool
) -> None:
    query = parse_dcql(dcql(meta={"type_values": type_values})).credentials[0]
    assert query.matches(ldp) is matches


def test_a_dcql_query_matches_only_its_own_format(ldp: Candidate, jwt: Candidate) -> None:
    ldp_query = parse_dcql(dcql()).credentials[0]
    jwt_query = parse_dcql(dcql(format="jwt_vc_json")).credentials[0]
    assert (ldp_query.matches(ldp), ldp_query.matches(jwt)) == (True, False)
    assert (jwt_query.matches(jwt), jwt_query.matches(ldp)) == (True, False)
    sd_jwt = parse_dcql(dcql(format="dc+sd-jwt", meta={"vct_values": ["x"]})).credentials[0]
    assert not sd_jwt.matches(ldp)
    assert not sd_jwt.matches(jwt)


# --- claims ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claims", "matches"),
    [
        ([{"path": ["credentialSubject", "achievement", "name"]}], True),
        ([{"path": ["credentialSubject", "achievement", "ectsCredits"], "values": [5]}], True),
        ([{"path": ["credentialSubject", "achievement", "ectsCredits"], "values": [6]}], False),
        ([{"path": ["credentialSubject", "achievement", "nonsense"]}], False),
        (
            [
                {
                    "path": ["credentialSubject", "identifier", None, "identityType"],
                    "values": ["sisSourcedId"],
                }
            ],
            True,
        ),
        (
            [
                {
                    "path": ["credentialSubject", "identifier", 1, "identityType"],
                    "values": ["sisSourcedId"],
                }
            ],
            True,
        ),
        (
            [
                {
                    "path": ["credentialSubject", "identifier", 0, "identityType"],
                    "values": ["sisSourcedId"],
                }
            ],
            False,
        ),
        ([{"path": ["credentialSubject", "identifier", 0, "hashed"], "values": [0]}], False),
    ],
    ids=[
        "present",
        "value",
        "other-value",
        "absent",
        "null-wildcard",
        "index",
        "other-index",
        "false-is-not-0",
    ],
)
def test_dcql_claims_paths_and_values(
    ldp: Candidate, jwt: Candidate, claims: list[dict[str, Any]], matches: bool
) -> None:
    assert parse_dcql(dcql(claims=claims)).credentials[0].matches(ldp) is matches
    # The same paths start at the credential for a VC-JWT, not at its payload.
    jwt_query = parse_dcql(dcql(format="jwt_vc_json", claims=claims)).credentials[0]
    assert jwt_query.matches(jwt) is matches


def test_dcql_claim_sets_need_one_set_whose_claims_all_match(ldp: Candidate) -> None:
    claims = [
        {"id": "name", "path": ["credentialSubject", "achievement", "name"]},
        {"id": "gpa", "path": ["credentialSubject", "gpa"]},
        {"id": "ects", "path": ["credentialSubject", "achievement", "ectsCredits"]},
    ]
    either = parse_dcql(dcql(claims=claims, claim_sets=[["name", "gpa"], ["name", "ects"]]))
    only_gpa = parse_dcql(dcql(claims=claims, claim_sets=[["gpa"]]))
    assert either.credentials[0].matches(ldp)
    assert not only_gpa.credentials[0].matches(ldp)


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"credentials": []},
        {"credentials": [{"id": "a b", "format": "ldp_vc", "meta": {"type_values": [[VC]]}}]},
        {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {}}]},
        {"credentials": [{"id": "a", "format": "ldp_vc"}]},
        dcql(claims=[{"path": []}]),
        dcql(claims=[{"path": ["a", -1]}]),
        dcql(claims=[{"path": ["a"]}], claim_sets=[["x"]]),
        {"credentials": [dcql()["credentials"][0]] * 2},
        {**dcql(), "credential_sets": [{"options": [["nope"]]}]},
    ],
    ids=[
        "empty",
        "no-queries",
        "bad-id",
        "no-type-values",
        "no-meta",
        "empty-path",
        "negative-index",
        "claim-set-without-ids",
        "duplicate-ids",
        "unknown-set-member",
    ],
)
def test_malformed_dcql_is_refused(query: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput, match="dcql_query"):
        parse_dcql(query)


def test_credential_sets_decide_what_is_required() -> None:
    query = parse_dcql(
        {
            "credentials": [
                dcql()["credentials"][0],
                {**dcql()["credentials"][0], "id": "degree"},
                {**dcql()["credentials"][0], "id": "extra"},
            ],
            "credential_sets": [
                {"options": [["mc"], ["degree"]]},
                {"options": [["extra"]], "required": False},
            ],
        }
    )
    assert query.unmet({"degree"}) == []
    assert query.unmet({"mc", "extra"}) == []
    assert query.unmet({"extra"}) == ["Answer one of: mc or degree."]
    assert not query.is_required("extra")
    assert not query.is_required("mc")  # one option among two
    plain = parse_dcql(dcql())
    assert plain.is_required("mc")
    assert plain.unmet(set()) == ["'mc' needs a credential."]


# --- Presentation Exchange ---------------------------------------------------------------


def descriptor(**constraints: Any) -> dict[str, Any]:
    return {"id": "pd", "input_descriptors": [{"id": "d", "constraints": constraints}]}


def test_a_pe_type_filter_matches_in_both_formats(ldp: Candidate, jwt: Candidate) -> None:
    ldp_only = parse_definition(micro_credential_definition("ldp_vc")).descriptors[0]
    jwt_only = parse_definition(micro_credential_definition("jwt_vc_json")).descriptors[0]
    assert ldp_only.matches(ldp)
    assert not ldp_only.matches(jwt)
    assert jwt_only.matches(jwt)
    assert not jwt_only.matches(ldp)


@pytest.mark.parametrize(
    ("field", "matches"),
    [
        ({"path": ["$.credentialSubject.achievement.name"]}, True),
        (
            {
                "path": ["$['credentialSubject']['achievement']['ectsCredits']"],
                "filter": {"type": "number", "minimum": 5},
            },
            True,
        ),
        (
            {
                "path": ["$.credentialSubject.achievement.ectsCredits"],
                "filter": {"type": "number", "minimum": 6},
            },
            False,
        ),
        (
            {
                "path": ["$.nothing", "$.credentialSubject.identifier[*].identityType"],
                "filter": {"const": "sisSourcedId"},
            },
            True,
        ),
        (
            {
                "path": ["$.credentialSubject.identifier[-1].identityType"],
                "filter": {"const": "sisSourcedId"},
            },
            True,
        ),
        ({"path": ["$.issuer.name"], "filter": {"type": "string", "pattern": "^University"}}, True),
        ({"path": ["$.nothing"]}, False),
        ({"path": ["$.nothing"], "optional": True}, True),
    ],
    ids=[
        "present",
        "minimum",
        "below-minimum",
        "second-path-wildcard",
        "negative-index",
        "pattern",
        "absent",
        "optional",
    ],
)
def test_pe_fields_paths_and_filters(
    ldp: Candidate, jwt: Candidate, field: dict[str, Any], matches: bool
) -> None:
    definition = parse_definition(descriptor(fields=[field]))
    assert definition.descriptors[0].matches(ldp) is matches
    assert definition.descriptors[0].matches(jwt) is matches  # tried against the VC too


def test_limit_disclosure_required_matches_nothing_whole_credentials_can_answer(
    ldp: Candidate,
) -> None:
    definition = parse_definition(descriptor(fields=[], limit_disclosure="required"))
    assert not definition.descriptors[0].matches(ldp)
    preferred = parse_definition(descriptor(fields=[], limit_disclosure="preferred"))
    assert preferred.descriptors[0].matches(ldp)


@pytest.mark.parametrize(
    ("definition", "words"),
    [
        ({"id": "x", "input_descriptors": [], "submission_requirements": []}, "submission_req"),
        ({"input_descriptors": [{"id": "d", "constraints": {}}]}, "no id"),
        ({"id": "x", "input_descriptors": [{"id": "d"}]}, "constraints"),
        (descriptor(fields=[{"path": ["$..name"]}]), "recursive"),
        (descriptor(fields=[{"path": ["$[?(@.x)]"]}]), "Unsupported JSONPath"),
        (descriptor(fields=[{"path": ["credentialSubject"]}]), "start with $"),
        (descriptor(fields=[{"path": ["$.a"], "filter": {"$ref": "https://x/s"}}]), "$ref"),
        (descriptor(fields=[{"path": ["$.a"], "filter": {"pattern": "(a+)+$"}}]), "pattern"),
        (descriptor(fields=[{"path": ["$.a"], "filter": {"pattern": "(a|ab)*c"}}]), "pattern"),
        (descriptor(fields=[{"path": ["$.a"], "filter": {"type": "nonsense"}}]), "JSON Schema"),
        (descriptor(fields=[{"path": ["$.a"], "filter": {"enum": ["x" * 9000]}}]), "8 KiB"),
    ],
    ids=[
        "submission-requirements",
        "no-id",
        "no-constraints",
        "recursive-descent",
        "script",
        "relative",
        "ref",
        "nested-quantifier",
        "alternation-quantified",
        "bad-schema",
        "huge-filter",
    ],
)
def test_unsafe_or_unsupported_definitions_are_refused(
    definition: dict[str, Any], words: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_definition(definition)
    assert words in caught.value.description


def test_a_long_value_is_not_run_through_a_pattern(ldp: Candidate) -> None:
    long = copy.deepcopy(ldp.credential)
    long["description"] = "a" * 5000
    field = {"path": ["$.description"], "filter": {"type": "string", "pattern": "a"}}
    definition = parse_definition(descriptor(fields=[field]))
    assert not definition.descriptors[0].matches(candidate(long))


def test_jsonpath_subset_steps() -> None:
    path = compile_path("$.a['b c'][\"d\"][2][*].e.*")
    assert path.steps == ("a", "b c", "d", 2, None, "e", None)
    assert compile_path("$").values({"x": 1}) == [{"x": 1}]


# --- the learner's picks -----------------------------------------------------------------


def test_a_pick_that_answers_its_query_is_taken(ldp: Candidate, jwt: Candidate) -> None:
    (pick,) = checked_picks(parse_dcql(dcql()), [ldp, jwt], {"mc": ["c1"]})
    assert (pick.query.id, pick.candidate.id) == ("mc", "c1")


@pytest.mark.parametrize(
    ("selection", "words"),
    [
        ({"other": ["c1"]}, "no query"),
        ({"mc": ["someone-elses"]}, "not in your wallet"),
        ({"mc": ["c2"]}, "does not answer"),
        ({"mc": ["c1", "c3"]}, "Pick one"),
        ({"mc": []}, "needs a credential"),
    ],
    ids=["unknown-query", "not-the-learners", "wrong-format", "two-for-one", "nothing"],
)
def test_picks_are_checked_against_queries_and_the_learners_credentials(
    ldp: Candidate, jwt: Candidate, selection: dict[str, list[str]], words: str
) -> None:
    third = candidate(micro_credential(HOLDER_DID), credential_id="c3")
    with pytest.raises(InvalidInput, match=words):
        checked_picks(parse_dcql(dcql()), [ldp, jwt, third], selection)


def test_multiple_allows_several_credentials_for_one_query(ldp: Candidate) -> None:
    third = candidate(micro_credential(HOLDER_DID), credential_id="c3")
    picks = checked_picks(parse_dcql(dcql(multiple=True)), [ldp, third], {"mc": ["c1", "c3"]})
    assert [p.candidate.id for p in picks] == ["c1", "c3"]
