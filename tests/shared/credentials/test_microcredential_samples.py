"""Sample awards and keys shared by the micro-credential tests, and a check that they are valid.

(Kept in a test module because the micro-credential tests may only add files named
test_microcredential*; the other modules import the helpers from here.)
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from shared.credentials.microcredential.catalogue import demo_catalogue
from shared.credentials.microcredential.model import Award
from shared.credentials.microcredential.validation import load_award
from shared.crypto.didkit_bridge import key_to_did_key
from shared.crypto.keys import SigningKey, generate_key

# The 1EdTech schemas are vendored under tests/vectors/ob3 (SOURCE.md there says from where).
OB3_VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "ob3"
OB3_SCHEMA_VC11 = OB3_VECTORS / "ob_v3p0_achievementcredential_schema.vc1.1.2024-01-26.json"

ISSUER_DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
HOLDER_DID = "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG"


def did_key_signer() -> SigningKey:
    """A fresh Ed25519 did:key issuer key, its verification method ``did:key:z6Mk…#z6Mk…``."""
    key = generate_key()
    did = key_to_did_key(key)
    return SigningKey(key, f"{did}#{did.split(':')[2]}")


def minimal_award_data(issuer_did: str = ISSUER_DID) -> dict[str, Any]:
    """An award with the mandatory elements only, in one language."""
    return {
        "entry": {
            "id": "https://uni.example/micro-credentials/accessible-docs",
            "language": "en",
            "title": {"en": "Accessible Documents"},
            "description": {"en": "Writing documents everyone can read."},
            "learning_outcomes": [{"en": "Structure a document for screen readers."}],
            "ects": 1,
            "eqf_level": 5,
            "assessment_type": {"en": "Practical assignment"},
            "participation": "online",
            "quality_assurance": {"en": "Internal quality assurance"},
        },
        "learner": {"name": "Alex Example"},
        "awarding_body": {
            "id": issuer_did,
            "name": {"en": "University of Example"},
            "country_code": "NL",
        },
        "issued_at": "2025-03-01T09:00:00Z",
    }


def full_award_data(issuer_did: str = ISSUER_DID) -> dict[str, Any]:
    """The demo catalogue's first entry (two languages, three ESCO skills, EQF 6, 5 ECTS,
    stackable) with every optional award element filled in."""
    entry = demo_catalogue()[0].model_dump(mode="json")
    return {
        "entry": entry,
        "learner": {
            "name": "Maria Muster",
            "identifiers": [{"identity_type": "sisSourcedId", "value": "s-2025-0042"}],
        },
        "awarding_body": {
            "id": issuer_did,
            "name": {"en": "University of Example", "de": "Universität Beispiel"},
            "url": "https://uni.example",
            "country_code": "DE",
            "region": "Bavaria",
        },
        "co_awarding_bodies": [
            {
                "id": "https://partner.example",
                "name": {"en": "Partner University", "pt-BR": "Universidade Parceira"},
                "country_code": "PT",
            }
        ],
        "issued_at": "2025-07-01T10:00:00Z",
        "activity_period": {"start": "2025-04-01", "end": "2025-06-15"},
        "grade": "B",
    }


def online_award_data(issuer_did: str = ISSUER_DID) -> dict[str, Any]:
    """The demo catalogue's second entry: 2.5 ECTS (a fraction), online, integrated."""
    return {
        "entry": demo_catalogue()[1].model_dump(mode="json"),
        "learner": {"name": "Jan Jansen"},
        "awarding_body": {
            "id": issuer_did,
            "name": {"en": "University of Example"},
            "country_code": "NL",
        },
        "issued_at": "2025-02-14T08:30:00Z",
        "activity_period": {"end": "2025-02-10"},
    }


def award(data: dict[str, Any]) -> Award:
    return load_award(copy.deepcopy(data))


def test_the_demo_catalogue_loads() -> None:
    """The demo catalogue is complete: every entry passes the model."""
    entries = demo_catalogue()
    assert len(entries) == 2
    assert {entry.participation.value for entry in entries} == {"blended", "online"}


def test_the_sample_awards_are_valid() -> None:
    """The samples other tests start from are themselves acceptable awards."""
    assert award(minimal_award_data()).entry.ects == 1
    assert len(award(full_award_data()).entry.skills) == 3
    assert str(award(online_award_data()).entry.ects) == "2.5"
