"""build → sign → verify → parse gives back the award, in both formats credstack issues."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from shared.credentials.formats import SignedDocument, get_format
from shared.credentials.microcredential.build import StatusEntry, build_credential
from shared.credentials.microcredential.model import Award
from shared.credentials.microcredential.parse import parse_credential
from shared.crypto.b64url import b64url_decode, b64url_encode
from shared.did.resolver import DIDResolver
from tests.shared.credentials.test_microcredential_samples import (
    award,
    did_key_signer,
    full_award_data,
    minimal_award_data,
    online_award_data,
)

FORMATS = ["ldp_vc", "jwt_vc_json"]


def stacked_award(issuer_did: str) -> Award:
    """Two languages, three ESCO skills, EQF 6, 5 ECTS and a stackability statement."""
    result = award(full_award_data(issuer_did))
    entry = result.entry
    assert entry.ects == 5
    assert entry.eqf_level == 6
    assert len(entry.skills) == 3
    assert entry.title.languages() == ["en", "de"]
    assert entry.field_of_study is not None
    assert entry.stackability is not None
    return result


def with_achievement_changed(signed: SignedDocument, **members: Any) -> SignedDocument:
    """The signed credential with achievement members replaced and the signature kept."""
    if isinstance(signed, dict):
        changed = copy.deepcopy(signed)
        changed["credentialSubject"]["achievement"].update(members)
        return changed
    header, payload, signature = signed.split(".")
    claims: dict[str, Any] = json.loads(b64url_decode(payload))
    claims["vc"]["credentialSubject"]["achievement"].update(members)
    return ".".join([header, b64url_encode(json.dumps(claims).encode()), signature])


@pytest.mark.parametrize("format_name", FORMATS)
async def test_a_signed_micro_credential_verifies_and_parses_back(format_name: str) -> None:
    issuer, holder = did_key_signer(), did_key_signer()
    original = stacked_award(issuer.did)
    fmt = get_format(format_name, DIDResolver())
    credential = build_credential(
        original, holder_did=holder.did, status=StatusEntry("https://uni.example/status/1", 4)
    )

    signed = await fmt.sign_credential(credential, issuer)
    result = await fmt.verify_credential(signed)

    assert result.verified, result.problems
    view = parse_credential(result.document)
    assert view.to_award() == original
    assert view.holder_did == holder.did
    assert view.achievement.name is not None
    assert view.achievement.name.pick("de") == "Datenkompetenz für die öffentliche Verwaltung"
    assert view.achievement.field_of_study is not None
    assert view.achievement.field_of_study.texts() == {
        "en": "Information and Communication Technologies",
        "de": "Informations- und Kommunikationstechnologien",
    }
    assert [skill.label.pick("de") for skill in view.achievement.skills] == [
        "Python (Computerprogrammierung)",
        "SQL",
        "Statistik",
    ]


@pytest.mark.parametrize("sample", [minimal_award_data, online_award_data])
@pytest.mark.parametrize("format_name", FORMATS)
async def test_other_micro_credentials_sign_in_both_formats(
    format_name: str, sample: Callable[[str], dict[str, Any]]
) -> None:
    """Mandatory elements only, or fractional ECTS and an end date alone: both formats
    accept them and they parse back unchanged."""
    issuer, holder = did_key_signer(), did_key_signer()
    original = award(sample(issuer.did))
    fmt = get_format(format_name, DIDResolver())
    signed = await fmt.sign_credential(build_credential(original, holder_did=holder.did), issuer)
    result = await fmt.verify_credential(signed)
    assert result.verified, result.problems
    assert parse_credential(result.document).to_award() == original


CHANGES: dict[str, dict[str, Any]] = {
    "ECTS": {"ectsCredits": 50},
    "field of study, a translation": {"fieldOfStudyTranslations": {"de": "Informatik"}},
    "field of study": {"fieldOfStudy": "Business and administration"},
}


@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize("format_name", FORMATS)
async def test_changing_a_member_after_signing_is_caught(format_name: str, change: str) -> None:
    """The extension's members (ECTS, the field of study's translations) are covered by the
    signature like the OB ones."""
    issuer, holder = did_key_signer(), did_key_signer()
    fmt = get_format(format_name, DIDResolver())
    credential = build_credential(stacked_award(issuer.did), holder_did=holder.did)
    signed = await fmt.sign_credential(credential, issuer)
    result = await fmt.verify_credential(with_achievement_changed(signed, **CHANGES[change]))
    assert not result.verified
