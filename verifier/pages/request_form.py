"""The "new request" form: what the recruiter typed, read into the request's constraints.

Every field has a length limit (the form states it, the server enforces it) and every
refusal is one sentence placed next to its field (``verifier.checks.constraints``'s own
sentences): a recruiter never sees validation library text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from verifier.checks.constraints import MAX_CREDENTIALS, Constraints, constraint_errors
from verifier.checks.facts import DISCLOSABLE
from verifier.requests.service import (
    DECENTRALIZED_IDENTIFIER,
    REDIRECT_URI,
    ClientIdScheme,
    Era,
)

FORMATS = {
    "ldp_vc": "Signed JSON-LD credential (W3C, Data Integrity proof)",
    "jwt_vc_json": "Signed JWT credential",
}
LIMITS = {
    "template": 64,
    "title": 200,
    "purpose": 500,
    "field_of_study": 4,
    "min_ects_per_credential": 10,
    "min_ects_total": 10,
    "min_eqf_level": 1,
    "max_credentials": 2,
    "issued_after": 10,
    "required_skills": 20 * 201,
}
BY_HAND = ""
# The "Advanced" choices: how the verifier identifies itself to the wallet, and which
# OpenID4VP the wallet speaks (the API's client_id_scheme and era). First = default.
CLIENT_IDS = {
    "decentralized_identifier": "Signed by this verifier's DID (recommended): the wallet "
    "can check who is asking",
    "redirect_uri": "Unsigned, by the address answers go to: for wallets that cannot check "
    "a DID; the request travels in the QR code itself",
}
ERAS = {
    "1.0": "OpenID4VP 1.0 with DCQL (recommended)",
    "draft": "An older draft wallet, with Presentation Exchange",
}


@dataclass
class RequestForm:
    """The form's values as typed (to show them again) and the problems found, by field."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def template(self) -> str | None:
        return self.values.get("template") or None

    @property
    def title(self) -> str | None:
        return self.values.get("title") or None

    @property
    def client_id_scheme(self) -> ClientIdScheme:
        value = self.values.get("client_id_scheme")
        return REDIRECT_URI if value == REDIRECT_URI else DECENTRALIZED_IDENTIFIER

    @property
    def era(self) -> Era:
        return "draft" if self.values.get("era") == "draft" else "1.0"


def blank_form() -> RequestForm:
    return RequestForm(
        values={
            "template": "microcredential",
            "formats": list(FORMATS),
            "trusted_issuers_only": "yes",
            "disclose": [],
            "max_credentials": "5",
            "client_id_scheme": next(iter(CLIENT_IDS)),
            "era": next(iter(ERAS)),
        }
    )


def read_form(form: FormData) -> RequestForm:
    """The typed values, each cut to its limit; problems of length named per field."""
    result = RequestForm()
    for name, limit in LIMITS.items():
        value = form.get(name)
        text = value.strip() if isinstance(value, str) else ""
        if len(text) > limit:
            result.errors[name] = f"At most {limit} characters, please."
            text = text[:limit]
        result.values[name] = text
    result.values["formats"] = [str(v) for v in form.getlist("formats") if v in FORMATS]
    result.values["disclose"] = [str(v) for v in form.getlist("disclose") if v in DISCLOSABLE]
    trusted = form.get("trusted_issuers_only")
    result.values["trusted_issuers_only"] = "no" if trusted == "no" else "yes"
    # Anything but a known choice (a forged form) falls back to the default.
    for name, choices in (("client_id_scheme", CLIENT_IDS), ("era", ERAS)):
        value = form.get(name)
        result.values[name] = (
            value if isinstance(value, str) and value in choices else next(iter(choices))
        )
    return result


def constraints_of(form: RequestForm) -> Constraints | None:
    """The constraints made by hand, or None with ``form.errors`` filled in."""
    values = form.values
    data: dict[str, Any] = {
        "formats": values["formats"],
        "trusted_issuers_only": values["trusted_issuers_only"] == "yes",
        "disclose": values["disclose"],
        "purpose": values["purpose"],
        "required_skills": values["required_skills"].split(),
    }
    for name in (
        "min_ects_per_credential",
        "min_ects_total",
        "field_of_study",
        "min_eqf_level",
        "issued_after",
        "max_credentials",
    ):
        if values[name]:
            data[name] = values[name]
    try:
        constraints = Constraints.model_validate(data)
    except ValidationError as exc:
        for name, sentence in constraint_errors(exc).items():
            form.errors.setdefault(name, sentence)
        return None
    return None if form.errors else constraints


__all__ = ["BY_HAND", "CLIENT_IDS", "ERAS", "FORMATS", "LIMITS", "MAX_CREDENTIALS", "RequestForm"]
