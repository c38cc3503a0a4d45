"""Where a learner takes a share link: LinkedIn's "add certification" form and an e-mail.

LinkedIn's Add to Profile link (``https://www.linkedin.com/profile/add``) opens the member's
own "Add license or certification" form filled in from its query: ``startTask`` says which
form, then ``name``, ``organizationName``, ``issueYear``/``issueMonth``,
``expirationYear``/``expirationMonth``, ``certUrl`` (the "Credential URL" a recruiter
follows: our share link) and ``certId``. Nothing is sent to LinkedIn by the wallet: the
learner's browser goes there and the learner saves the form.

The e-mail is a ``mailto:`` link: the learner's own mail app writes it, from their address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode

from holder.i18n import _

LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


@dataclass(frozen=True)
class Shown:
    """What the outlets say about the credential, already in the learner's language."""

    title: str
    issuer: str
    issued_at: datetime | None
    expires_at: datetime | None
    credential_id: str | None


def linkedin_url(shown: Shown, share_url: str) -> str:
    query: dict[str, str | int] = {
        "startTask": "CERTIFICATION_NAME",
        "name": shown.title,
        "organizationName": shown.issuer,
    }
    if shown.issued_at is not None:
        query |= {"issueYear": shown.issued_at.year, "issueMonth": shown.issued_at.month}
    if shown.expires_at is not None:
        query |= {
            "expirationYear": shown.expires_at.year,
            "expirationMonth": shown.expires_at.month,
        }
    query["certUrl"] = share_url
    if shown.credential_id:
        query["certId"] = shown.credential_id
    return f"{LINKEDIN_ADD_TO_PROFILE}?{urlencode(query)}"


def mail_link(shown: Shown, share_url: str) -> str:
    """``mailto:`` with a subject and body, encoded as RFC 6068 asks (``%20``, not ``+``)."""
    subject = _("My micro-credential: %(title)s", title=shown.title)
    body = _(
        'Hello,\n\nhere is my micro-credential "%(title)s" from %(issuer)s. This link shows '
        "it and checks it with the issuer, so you can see that it is genuine and still "
        "valid:\n\n%(url)s\n\nKind regards",
        title=shown.title,
        issuer=shown.issuer,
        url=share_url,
    )
    return f"mailto:?subject={quote(subject, safe='')}&body={quote(body, safe='')}"
