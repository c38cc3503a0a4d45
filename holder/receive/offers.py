"""Credential offers (OpenID4VCI 1.0 §4.1): reading the link, then the offer object.

An offer reaches the wallet as a link carrying exactly one of ``credential_offer`` (the
offer as URL-encoded JSON) or ``credential_offer_uri`` (where to fetch it). The scheme is
``openid-credential-offer://`` from a QR code, or an https link to this wallet's
``/receive`` page from an issuer's "open in wallet" button; both read the same here.

Offers are untrusted input (security checklist B.1): every member is checked for shape,
and anything this wallet cannot do (the authorization code flow, an offer without
configurations) is refused with a message that says so. Draft 11/12 spellings that
issuers still send (``credentials``, ``user_pin_required``) are read as their 1.0 meaning.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from holder.i18n import _
from shared.errors import InvalidInput, UnsafeURL
from shared.http import vetted_url

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
OFFER_PARAMETER = "credential_offer"
OFFER_URI_PARAMETER = "credential_offer_uri"
TX_CODE_MODES = ("numeric", "text")
MAX_TX_CODE_DESCRIPTION = 300  # OpenID4VCI §4.1.1
INVALID_OFFER = "invalid_credential_offer"


def _invalid(description: str) -> InvalidInput:
    return InvalidInput(description, code=INVALID_OFFER)


@dataclass(frozen=True)
class OfferLink:
    """What a link carries: the offer object itself, or the URL to fetch it from."""

    offer: dict[str, Any] | None = None
    offer_uri: str | None = None

    @property
    def fetch_host(self) -> str | None:
        """The host the wallet will contact first (shown before it does)."""
        if self.offer_uri is not None:
            return vetted_url(self.offer_uri).netloc.decode("ascii")
        issuer = self.offer.get("credential_issuer") if self.offer is not None else None
        if not isinstance(issuer, str):
            return None
        try:
            return vetted_url(issuer).netloc.decode("ascii")
        except UnsafeURL:
            return None  # parse_offer says what is wrong with it


@dataclass(frozen=True)
class TxCode:
    """The transaction code the issuer sent the learner by another channel."""

    input_mode: str = "numeric"
    length: int | None = None
    description: str | None = None

    def problem_with(self, value: str) -> str | None:
        """Why ``value`` cannot be the code, checked before it is sent (attempts are limited)."""
        if not value:
            return _("Enter the code the issuer sent you.")
        if self.input_mode == "numeric" and not value.isdigit():
            return _("The code is made of digits only.")
        if self.length is not None and len(value) != self.length:
            return _(
                "The code has %(length)s characters; you entered %(entered)s.",
                length=self.length,
                entered=len(value),
            )
        return None


@dataclass(frozen=True)
class CredentialOffer:
    credential_issuer: str
    configuration_ids: tuple[str, ...]
    pre_authorized_code: str
    tx_code: TxCode | None = None
    authorization_server: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CredentialOffer:
        tx_code = data.get("tx_code")
        return cls(
            credential_issuer=data["credential_issuer"],
            configuration_ids=tuple(data["configuration_ids"]),
            pre_authorized_code=data["pre_authorized_code"],
            tx_code=TxCode(**tx_code) if tx_code is not None else None,
            authorization_server=data.get("authorization_server"),
        )


def parse_offer_link(text: str) -> OfferLink:
    """Read an ``openid-credential-offer://`` link (or any link with the same parameters).

    A bare offer object (JSON) is accepted too: some issuers show it for copying.
    """
    text = text.strip()
    if not text:
        raise _invalid(_("Paste the offer link, or upload a picture of its QR code."))
    if text.startswith("{"):
        return OfferLink(offer=_json_object(text))
    try:
        query = urlsplit(text).query
        parameters = parse_qs(query, strict_parsing=bool(query), max_num_fields=10)
    except ValueError:
        raise _invalid(_("This link is not a credential offer: its query is malformed.")) from None
    return offer_link_from_parameters(
        {name: values for name, values in parameters.items() if name in _LINK_PARAMETERS}
    )


_LINK_PARAMETERS = (OFFER_PARAMETER, OFFER_URI_PARAMETER)


def offer_link_from_parameters(parameters: dict[str, list[str]]) -> OfferLink:
    """An offer link from its query parameters (also how ``GET /receive?…`` arrives)."""
    present = [name for name in _LINK_PARAMETERS if parameters.get(name)]
    if not present:
        raise _invalid(
            _(
                "This is not a credential offer: the link has neither credential_offer nor "
                "credential_offer_uri."
            )
        )
    if len(present) > 1 or any(len(parameters[name]) > 1 for name in present):
        raise _invalid(_("A credential offer link carries exactly one offer parameter."))
    value = parameters[present[0]][0]
    if present[0] == OFFER_PARAMETER:
        return OfferLink(offer=_json_object(value))
    web_address(value, "credential_offer_uri")
    return OfferLink(offer_uri=value)


def parse_offer(data: Any) -> CredentialOffer:
    """The offer object, checked; only the pre-authorized code flow is supported."""
    if not isinstance(data, dict):
        raise _invalid(_("The credential offer is not a JSON object."))
    issuer = data.get("credential_issuer")
    if not isinstance(issuer, str):
        raise _invalid(_("The credential offer names no credential_issuer."))
    check_issuer_identifier(issuer)
    configuration_ids = _configuration_ids(data)
    grant = _pre_authorized_grant(data)
    return CredentialOffer(
        credential_issuer=issuer,
        configuration_ids=configuration_ids,
        pre_authorized_code=grant["pre-authorized_code"],
        tx_code=_tx_code(grant),
        authorization_server=_authorization_server(grant),
    )


def check_issuer_identifier(issuer: str) -> None:
    """An https URL without query or fragment (OpenID4VCI §12.2.1); http is left for the
    outbound guard to refuse outside development, where issuers run on localhost."""
    parts = web_address(issuer, "credential_issuer")
    if parts.query or parts.fragment or "?" in issuer or "#" in issuer:
        raise _invalid(_("The offer's credential_issuer must not have a query or fragment."))


def web_address(value: str, name: str) -> httpx.URL:
    """``value`` parsed by the outbound client's own parser (``shared.http.vetted_url``):
    what passes here is what the wallet can fetch, and nothing malformed gets further."""
    try:
        return vetted_url(value)
    except UnsafeURL:
        raise _invalid(_("The offer's %(name)s is not a valid web address.", name=name)) from None


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise _invalid(_("The credential offer in the link is not valid JSON.")) from None
    if not isinstance(value, dict):
        raise _invalid(_("The credential offer is not a JSON object."))
    return value


def _configuration_ids(data: dict[str, Any]) -> tuple[str, ...]:
    # Draft 11 called them "credentials" (and allowed objects there, which we cannot match).
    ids = data.get("credential_configuration_ids", data.get("credentials"))
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
        raise _invalid(_("The credential offer lists no credential_configuration_ids."))
    return tuple(dict.fromkeys(ids))


def _pre_authorized_grant(data: dict[str, Any]) -> dict[str, Any]:
    grants = data.get("grants")
    grant = grants.get(PRE_AUTHORIZED_GRANT) if isinstance(grants, dict) else None
    if not isinstance(grant, dict):
        raise _invalid(
            _(
                "This offer asks the wallet to sign in at the issuer (authorization code "
                "flow); this wallet receives offers with a pre-authorized code only."
            )
        )
    code = grant.get("pre-authorized_code")
    if not isinstance(code, str) or not code:
        raise _invalid(_("The credential offer's pre-authorized_code is missing."))
    return grant


def _tx_code(grant: dict[str, Any]) -> TxCode | None:
    tx_code = grant.get("tx_code")
    if tx_code is None:
        # Draft 11/12: a boolean instead of the tx_code object.
        return TxCode() if grant.get("user_pin_required") is True else None
    if not isinstance(tx_code, dict):
        raise _invalid("The credential offer's tx_code is not a JSON object.")
    mode = tx_code.get("input_mode", "numeric")
    if mode not in TX_CODE_MODES:
        raise _invalid(f"The credential offer's tx_code input_mode is neither of {TX_CODE_MODES}.")
    length = tx_code.get("length")
    if length is not None and (
        not isinstance(length, int) or isinstance(length, bool) or not 1 <= length <= 64
    ):
        raise _invalid("The credential offer's tx_code length is not a sensible number.")
    description = tx_code.get("description")
    if description is not None and not isinstance(description, str):
        raise _invalid("The credential offer's tx_code description is not text.")
    return TxCode(
        input_mode=mode,
        length=length,
        description=description[:MAX_TX_CODE_DESCRIPTION] if description else None,
    )


def _authorization_server(grant: dict[str, Any]) -> str | None:
    server = _string_or_none(grant, "authorization_server")
    if server is not None:
        web_address(server, "authorization_server")
    return server


def _string_or_none(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    return value if isinstance(value, str) and value else None
