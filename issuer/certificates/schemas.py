"""The verification page as JSON (``Accept: application/json``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from issuer.certificates.content import Certificate


class ElementOut(BaseModel):
    key: str
    label: str = Field(description="The element's name in Annex I of the EU recommendation")
    values: list[str]


class CertificateOut(BaseModel):
    status: str = Field(description="valid, suspended or revoked: the issuer's record now")
    status_changed_at: datetime | None = Field(
        description="When the status last changed (suspension, reinstatement, revocation)"
    )
    title: dict[str, str] = Field(description="The title in every language, the default first")
    language: str = Field(description="The language of the element values")
    learner_name: str | None
    issuer_did: str
    issuer_name: str
    issued_at: datetime
    elements: list[ElementOut]
    verification_url: str
    pdf_url: str

    @classmethod
    def of(cls, certificate: Certificate, language: str) -> CertificateOut:
        award = certificate.award
        return cls(
            status=certificate.status.value,
            status_changed_at=certificate.status_changed_at,
            title=award.entry.title.texts(),
            language=language,
            learner_name=award.learner.name,
            issuer_did=certificate.issuer_did,
            issuer_name=certificate.issuer_name_in(language),
            issued_at=award.issued_at,
            elements=[
                ElementOut(key=item.key, label=item.label, values=list(item.lines))
                for item in certificate.elements(language)
            ],
            verification_url=certificate.verification_url,
            pdf_url=certificate.pdf_url,
        )
