"""The trust list's JSON, for the file format and the API alike.

One entry per university::

    {"did": "did:web:uni.example",
     "name": {"en": "University of Example", "de": "Universität Beispiel"},
     "country": "DE",
     "accreditation": {"name": "Agency for Quality Assurance (AQAS)",
                       "url": "https://www.eqar.eu/register/agencies/aqas/"},
     "notes": {"en": "Institutional accreditation until 2031."}}

``trust-list.schema.json`` beside this module is the same format as a JSON Schema, for
operators and their editors; ``tests/verifier/test_trust_document.py`` holds the two to the
same examples.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from shared.credentials.microcredential.i18n import LocalizedText, NonEmptyText
from shared.credentials.microcredential.model import CountryCode, is_did
from verifier.trust.entries import TrustedIssuer

MAX_DID_LENGTH = 500  # the column's width
MAX_URL_LENGTH = 500


def _did(value: str) -> str:
    value = value.strip()
    if not is_did(value) or len(value) > MAX_DID_LENGTH:
        raise ValueError(f"{value!r} is not a DID such as 'did:web:uni.example'")
    return value


def _web_address(value: str) -> str:
    value = value.strip()
    if not value.startswith(("https://", "http://")) or len(value) > MAX_URL_LENGTH:
        raise ValueError(f"{value!r} is not a web address starting with https://")
    return value


Did = Annotated[str, AfterValidator(_did)]
WebAddress = Annotated[str, AfterValidator(_web_address)]


class Accreditation(BaseModel):
    """The quality-assurance body that accredits the university (an EQAR-registered agency,
    a national ministry...)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: NonEmptyText = Field(max_length=300)
    url: WebAddress | None = None


class TrustEntry(BaseModel):
    """One trusted university."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    did: Did
    name: LocalizedText  # first language = default, as in the catalogue files
    country: CountryCode  # ISO 3166-1 alpha-2
    accreditation: Accreditation
    notes: LocalizedText | None = None

    def to_issuer(self) -> TrustedIssuer:
        return TrustedIssuer(
            did=self.did,
            name=self.name,
            country=self.country,
            accreditation=self.accreditation.name,
            accreditation_url=self.accreditation.url,
            notes=self.notes.texts() if self.notes else {},
        )

    @classmethod
    def of(cls, issuer: TrustedIssuer) -> TrustEntry:
        return cls(
            did=issuer.did,
            name=issuer.name,
            country=issuer.country,
            accreditation=Accreditation(name=issuer.accreditation, url=issuer.accreditation_url),
            notes=LocalizedText.model_validate(issuer.notes) if issuer.notes else None,
        )


class TrustListDocument(BaseModel):
    """A whole trust list: the file an operator configures, and the body of a PUT."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    schema_: str | None = Field(default=None, alias="$schema")
    universities: list[TrustEntry]

    def to_json(self) -> dict[str, object]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)
