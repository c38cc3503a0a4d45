"""Where an award's certificate and its public verification page live.

Both are addressed by the award's ``public_id``, a random value that only the learner (and
whoever they show the certificate to) knows; the award's own id is never public.
"""

from __future__ import annotations


def verification_url(base_url: str, public_id: str) -> str:
    return f"{base_url}/certificates/{public_id}"


def certificate_pdf_url(base_url: str, public_id: str) -> str:
    return f"{verification_url(base_url, public_id)}.pdf"
