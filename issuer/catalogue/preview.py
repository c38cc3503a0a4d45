"""What an unsaved micro-credential will look like once awarded: the wallet's card, the
certificate's elements and its PDF, made from the designer's form for a sample learner.

The certificate is the one ``issuer.certificates`` prints for a real award (same elements,
same PDF layout); only the learner, the date and the addresses are stand-ins, and nothing is
stored or signed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from issuer.awards.service import Recipient, award_model
from issuer.certificates.content import Certificate, ElementLines, LiveStatus, elements_of
from issuer.models import Organisation
from shared.clock import utcnow
from shared.credentials.microcredential import model as mc
from shared.credentials.microcredential.validation import InvalidMicroCredential

SAMPLE_LEARNER = "Sample Learner"
PREVIEW_ID = "urn:x-credstack:preview"


@dataclass(frozen=True)
class Preview:
    award: mc.Award | None  # None when the form cannot make an award yet
    problem: str | None  # why not, in words

    def elements(self) -> list[ElementLines]:
        return elements_of(self.award, self.award.entry.language) if self.award else []

    def certificate(self, base_url: str) -> Certificate | None:
        if self.award is None:
            return None
        address = f"{base_url}/certificates/preview"
        return Certificate(self.award, LiveStatus.VALID, None, address, f"{address}.pdf")


def preview(entry: dict[str, Any] | None, organisation: Organisation | None) -> Preview:
    """The sample award of ``entry`` (the designer's checked JSON) by ``organisation``."""
    if entry is None:
        return Preview(None, "The certificate appears here once the form has no problems left.")
    if organisation is None:
        return Preview(None, "There is no issuing organisation yet to award it.")
    try:
        award = award_model(
            {**entry, "id": PREVIEW_ID}, organisation, Recipient(name=SAMPLE_LEARNER), utcnow()
        )
    except InvalidMicroCredential as exc:
        # The entry is fine on its own (the form checked it); what is left concerns the
        # organisation, e.g. its name lacks the entry's default language.
        elements = ", ".join(exc.elements) or "the awarding body"
        return Preview(
            None,
            f"It cannot be awarded by this organisation as it is ({elements}): "
            "its default language must be one the organisation's name is written in.",
        )
    return Preview(award, None)
