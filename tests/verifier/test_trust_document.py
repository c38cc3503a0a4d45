"""The trust list file format: what it accepts, how it says what is wrong, and the JSON
Schema beside the code agreeing with the code on both."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from shared.credentials.microcredential.i18n import LocalizedText
from tests.verifier.trust_webhooks_support import EXAMPLE
from verifier.trust.document import (
    SCHEMA_FILE,
    TrustListRefused,
    document_of,
    merge_into_file,
    parse_document,
    parse_list,
)
from verifier.trust.entries import TrustedIssuer


def schema_accepts(document: Any) -> bool:
    validator = Draft202012Validator(json.loads(SCHEMA_FILE.read_text()))
    return bool(validator.is_valid(document))


def with_first_entry(**changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(EXAMPLE)
    entry = document["universities"][0]
    for key, value in changes.items():
        if value is None:
            del entry[key]
        else:
            entry[key] = value
    return document


def test_the_documented_example_is_read_with_every_member() -> None:
    first, second = parse_list(EXAMPLE)
    assert first == TrustedIssuer(
        did="did:web:uni.example",
        name=LocalizedText.of("en", "University of Example", de="Universität Beispiel"),
        country="DE",
        accreditation="Agency for Quality Assurance (AQAS)",
        accreditation_url="https://www.eqar.eu/register/agencies/aqas/",
        notes={"en": "Institutional accreditation until 2031."},
    )
    assert second.name.language == "fr"
    assert second.accreditation_url is None
    assert second.notes == {}
    assert schema_accepts(EXAMPLE)
    assert document_of([first, second]) == EXAMPLE


def test_the_docs_show_an_example_the_code_and_the_schema_accept() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "verifier-trust-list.md").read_text()
    block = docs.split("```json\n", 1)[1].split("```", 1)[0]
    document = json.loads(block)
    assert parse_list(document)
    assert schema_accepts(document)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            with_first_entry(country="Germany"),
            "Entry 1 (did:web:uni.example): the country: 'Germany' is not an ISO 3166-1 "
            "alpha-2 country code such as 'DE'.",
        ),
        (
            with_first_entry(did="uni.example"),
            "Entry 1 (uni.example): the DID: 'uni.example' is not a DID such as "
            "'did:web:uni.example'.",
        ),
        (
            with_first_entry(name={}),
            "Entry 1 (did:web:uni.example): the name: a text needs at least its default language.",
        ),
        (
            with_first_entry(name={"english": "University of Example"}),
            "Entry 1 (did:web:uni.example): the name: 'english' is not a language tag such "
            "as 'en', 'de-AT' or 'zh-Hant-TW'.",
        ),
        (
            with_first_entry(accreditation=None),
            "Entry 1 (did:web:uni.example): the accreditation is missing.",
        ),
        (
            with_first_entry(accreditation={"name": "AQAS", "url": "www.aqas.de"}),
            "Entry 1 (did:web:uni.example): the accreditation's web address: 'www.aqas.de' "
            "is not a web address starting with https://.",
        ),
        (
            with_first_entry(country=49),
            "Entry 1 (did:web:uni.example): the country must be text.",
        ),
        (
            with_first_entry(nmae="typo"),
            "Entry 1 (did:web:uni.example): 'nmae' is not a field we know (an entry has did, "
            "name, country, accreditation, notes).",
        ),
        (
            {"universities": [EXAMPLE["universities"][1], EXAMPLE["universities"][1]]},
            "Entries 1 and 2 both name did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp;"
            " list each university once.",
        ),
        (
            {"universities": [EXAMPLE["universities"][0], "did:web:b.example"]},
            "Entry 2 must be an object with did, name, country, accreditation, notes.",
        ),
        (
            [EXAMPLE["universities"][0]],
            'The trust list must be a JSON object with a "universities" list of entries.',
        ),
    ],
)
def test_a_bad_list_is_refused_naming_the_entry_and_what_is_wrong(
    document: Any, message: str
) -> None:
    with pytest.raises(TrustListRefused) as refused:
        parse_list(document)
    assert refused.value.description == message
    is_duplicate = message.startswith("Entries")  # uniqueness is beyond JSON Schema
    assert schema_accepts(document) is is_duplicate


def test_text_that_is_not_json_is_refused_with_where_it_breaks() -> None:
    with pytest.raises(TrustListRefused) as refused:
        parse_document(b'{"universities": [\n  {"did": }\n]}')
    assert refused.value.description == "The trust list is not valid JSON (line 2, column 11)."


def test_merging_into_the_file_adds_an_entry_or_replaces_the_one_with_its_did(
    tmp_path: Path,
) -> None:
    path = tmp_path / "data" / "trust-list.json"
    demo = TrustedIssuer(
        did="did:key:z6MkDemo",
        name=LocalizedText.of("en", "University of Example (demo)"),
        country="DE",
        accreditation="Demo accreditation (not a real agency)",
    )
    merge_into_file(path, demo)
    assert parse_document(path.read_bytes()) == [demo]

    path.write_text(json.dumps(EXAMPLE))
    merge_into_file(path, demo)
    renamed = TrustedIssuer(**{**demo.__dict__, "country": "AT"})
    merge_into_file(path, renamed)
    issuers = parse_document(path.read_bytes())
    assert [issuer.did for issuer in issuers] == [
        "did:web:uni.example",
        EXAMPLE["universities"][1]["did"],
        "did:key:z6MkDemo",
    ]
    assert issuers[-1].country == "AT"
    assert [p.name for p in path.parent.iterdir()] == ["trust-list.json"]  # no leftovers


def test_a_broken_file_is_not_overwritten_by_a_merge(tmp_path: Path) -> None:
    path = tmp_path / "trust-list.json"
    path.write_text("{ not json")
    demo = parse_list(EXAMPLE)[0]
    with pytest.raises(TrustListRefused):
        merge_into_file(path, demo)
    assert path.read_text() == "{ not json"
