"""The claims a DCQL query asks for must be in the credential that answers it."""

from __future__ import annotations

import json
from typing import Any

from tests.verifier.checks.world import World, dcql_query, expect, reason
from verifier.checks.claims import missing_claims

CREDENTIAL: dict[str, Any] = {
    "credentialSubject": {
        "achievement": {"name": "Data Literacy", "alignment": [{"targetUrl": "x"}]},
        "identifier": [{"identityType": "name", "identityHash": "Maria"}],
    }
}


def claim(*path: Any, id: str | None = None) -> dict[str, Any]:
    return {"path": list(path), **({"id": id} if id else {})}


def test_every_claim_is_needed_without_claim_sets() -> None:
    query = {
        "claims": [
            claim("credentialSubject", "achievement", "name"),
            claim("credentialSubject", "achievement", "alignment", None, "targetUrl"),
            claim("credentialSubject", "identifier", 0, "identityHash"),
            claim("credentialSubject", "achievement", "ectsCredits"),
            claim("credentialSubject", "identifier", 3),
        ]
    }
    assert missing_claims(query, CREDENTIAL) == [
        "credentialSubject.achievement.ectsCredits",
        "credentialSubject.identifier.3",
    ]


def test_one_claim_set_is_enough() -> None:
    query = {
        "claims": [
            claim("credentialSubject", "achievement", "ectsCredits", id="ects"),
            claim("credentialSubject", "achievement", "name", id="title"),
        ],
        "claim_sets": [["ects"], ["title"]],
    }
    assert missing_claims(query, CREDENTIAL) == []
    query["claim_sets"] = [["ects", "title"]]
    assert missing_claims(query, CREDENTIAL) == ["credentialSubject.achievement.ectsCredits"]


def test_hostile_paths_are_simply_missing() -> None:
    query = {"claims": [{"path": "credentialSubject"}, {"path": [True]}, {"path": []}, 7]}
    assert missing_claims(query, CREDENTIAL) == ["(no path)", "True", "(no path)"]


async def test_a_credential_without_the_asked_claim_fails_the_response(world: World) -> None:
    vp = await world.present("ldp_vc", [await world.credential("ldp_vc")])
    query = dcql_query("ldp_vc")
    query["credentials"][0]["claims"] = [
        claim("credentialSubject", "achievement", "name"),
        claim("credentialSubject", "achievement", "nqfLevel"),
    ]
    report = await world.verifier.check_response(
        json.dumps({"mc": [vp]}), None, expect(dcql_query=query)
    )
    assert not report.verified
    assert reason(report, "response") == (
        "The credential answering 'mc' lacks credentialSubject.achievement.nqfLevel, which "
        "the request asked for."
    )
    query["credentials"][0]["claims"] = query["credentials"][0]["claims"][:1]
    report = await world.verifier.check_response(
        json.dumps({"mc": [vp]}), None, expect(dcql_query=query)
    )
    assert report.verified
