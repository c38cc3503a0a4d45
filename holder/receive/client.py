"""The wallet's OpenID4VCI client: pre-authorized code flow, 1.0 and draft 13.

Steps (OpenID4VCI 1.0; the journey in docs/journeys.md):

1. ``discover``: the issuer's metadata from ``/.well-known/openid-credential-issuer`` (1.0
   inserts it after the host, draft 13 appends it to the identifier: both are tried, 1.0
   first), kept only when its ``credential_issuer`` is the offer's identifier exactly
   (§12.2.2); then the authorization server's metadata (RFC 8414, falling back to OpenID
   Connect discovery) for the token endpoint.
2. ``obtain``: the token request (form: grant_type, pre-authorized_code, tx_code), a nonce
   (1.0: ``nonce_endpoint``; draft 13: ``c_nonce`` in the token response), a key proof JWT
   signed inside the wallet, the credential request, and one retry with a fresh nonce when
   the issuer answers ``invalid_nonce``.

Which dialect an issuer speaks is decided once, from its metadata, by ``detect_version``.
Every request goes through the client the caller passes (the service's guarded
``runtime.http``), so no issuer can make the wallet reach a private address outside
development. Nothing here sees the learner's key: ``Prover`` signs proofs for us.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from holder.i18n import _, ngettext
from holder.receive.offers import INVALID_OFFER, PRE_AUTHORIZED_GRANT, CredentialOffer
from shared.credentials.formats.base import SignedDocument
from shared.crypto.jose import sign_jwt
from shared.crypto.keys import SigningKey
from shared.errors import (
    CredstackError,
    FetchFailed,
    InvalidInput,
    NotFound,
    ProtocolError,
    UnsafeURL,
)
from shared.http import fetch_json, vetted_url

logger = logging.getLogger(__name__)

ISSUER_METADATA = "openid-credential-issuer"
OAUTH_METADATA = "oauth-authorization-server"
OPENID_METADATA = "openid-configuration"
PROOF_TYP = "openid4vci-proof+jwt"
PROOF_TYPE_JWT = "jwt"
# What this wallet stores, in the order it prefers them when an offer has both: the
# linked-data proof survives any JSON processing, and both verify with shared.formats.
SUPPORTED_FORMATS = ("ldp_vc", "jwt_vc_json")
# A DID the issuer may bind to: the learner's did:key is named by the proof's kid.
_DID_KEY_BINDINGS = ("did", "did:*", "did:key")
_MAX_ISSUER_TEXT = 200
_MAX_ISSUER_DESCRIPTION = 500


class IssuerError(CredstackError):
    """The issuer answered in a way the protocol does not allow, or refused for good."""

    code = "issuer_error"
    status_code = 502


class SpecVersion(StrEnum):
    V1 = "1.0"
    DRAFT_13 = "draft-13"


Prover = Callable[[str | None], str]
"""Signs a key proof JWT for a nonce (None when the issuer uses none)."""


def key_prover(key: SigningKey, credential_issuer: str) -> Prover:
    """Proofs by ``key`` for ``credential_issuer`` (§8.2.1.1): typ, kid = the learner's
    verification method, aud, iat and nonce; no iss, as the wallet is an anonymous client."""

    def prove(nonce: str | None) -> str:
        claims: dict[str, Any] = {"aud": credential_issuer, "iat": int(time.time())}
        if nonce is not None:
            claims["nonce"] = nonce
        return sign_jwt(claims, key, typ=PROOF_TYP)

    return prove


@dataclass(frozen=True)
class Issuer:
    """What discovery found: enough to finish the flow later, and to show the learner."""

    identifier: str
    version: SpecVersion
    token_endpoint: str
    credential_endpoint: str
    nonce_endpoint: str | None
    notification_endpoint: str | None
    display: list[dict[str, Any]]
    configurations: dict[str, dict[str, Any]]  # only those the offer names

    @property
    def host(self) -> str:
        return urlsplit(self.identifier).netloc

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Issuer:
        return cls(**{**data, "version": SpecVersion(data["version"])})


@dataclass(frozen=True)
class AccessToken:
    access_token: str = field(repr=False)
    c_nonce: str | None
    # credential_configuration_id -> credential_identifiers, when the issuer used RAR.
    identifiers: dict[str, list[str]]


@dataclass(frozen=True)
class IssuedCredential:
    format: str
    document: SignedDocument
    notification_id: str | None


def inserted_well_known(identifier: str, name: str) -> str:
    """RFC 8615 as OpenID4VCI 1.0 and RFC 8414 use it: ``https://h/t`` → ``https://h/.well-known/<name>/t``."""
    parts = urlsplit(identifier)
    return urlunsplit(
        (parts.scheme, parts.netloc, f"/.well-known/{name}{parts.path.rstrip('/')}", "", "")
    )


def appended_well_known(identifier: str, name: str) -> str:
    """Draft 13 and OpenID Connect discovery: ``https://h/t`` → ``https://h/t/.well-known/<name>``."""
    return f"{identifier.rstrip('/')}/.well-known/{name}"


def detect_version(metadata: Mapping[str, Any]) -> SpecVersion:
    """1.0 if the metadata has something only 1.0 (draft 14 on) defines.

    ``nonce_endpoint`` came with draft 14; ``credential_metadata`` (where 1.0 moved display
    and claims) with 1.0. Draft 13 metadata has neither. A 1.0 issuer that publishes
    neither is read as draft 13; the same rule as ``@openid4vc/openid4vci`` (interop note 3).
    """
    if isinstance(metadata.get("nonce_endpoint"), str):
        return SpecVersion.V1
    configurations = published_configurations(metadata)
    if any("credential_metadata" in configuration for configuration in configurations.values()):
        return SpecVersion.V1
    return SpecVersion.DRAFT_13


def published_configurations(metadata: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``credential_configurations_supported`` (draft 13 on), or drafts 11/12's
    ``credentials_supported`` (a map, or a list of objects with ``id``)."""
    supported = metadata.get(
        "credential_configurations_supported", metadata.get("credentials_supported")
    )
    if isinstance(supported, dict):
        return {key: value for key, value in supported.items() if isinstance(value, dict)}
    if isinstance(supported, list):
        return {
            item["id"]: item
            for item in supported
            if isinstance(item, dict) and isinstance(item.get("id"), str)
        }
    return {}


def configuration_display(configuration: Mapping[str, Any]) -> Any:
    """1.0 keeps display under ``credential_metadata``; draft 13 on the configuration."""
    metadata = configuration.get("credential_metadata")
    if isinstance(metadata, dict) and "display" in metadata:
        return metadata["display"]
    return configuration.get("display")


def display_names(entries: Any) -> dict[str, str]:
    """``{locale: name}`` from a metadata ``display`` list; a name without locale is "und"."""
    names: dict[str, str] = {}
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            continue
        locale = entry.get("locale")
        names.setdefault(
            locale if isinstance(locale, str) else "und", entry["name"].strip()[:_MAX_ISSUER_TEXT]
        )
    return {locale: name for locale, name in names.items() if name}


def display_descriptions(entries: Any) -> dict[str, str]:
    """``{locale: description}`` from a configuration's ``display`` list (1.0 §12.2.4): what
    the issuer says of the credential (ours: the workload, EQF level and awarding body)."""
    descriptions: dict[str, str] = {}
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("description"), str):
            continue
        locale = entry.get("locale")
        text = entry["description"].strip()[:_MAX_ISSUER_DESCRIPTION]
        if text:
            descriptions.setdefault(locale if isinstance(locale, str) else "und", text)
    return descriptions


def choose_configuration(issuer: Issuer, offer: CredentialOffer, proof_alg: str) -> str:
    """The offered configuration to request: a format we store (``ldp_vc`` first) that can
    be bound to a did:key with a proof in ``proof_alg``."""
    offered = [
        (identifier, issuer.configurations[identifier])
        for identifier in offer.configuration_ids
        if identifier in issuer.configurations
    ]
    if not offered:
        raise IssuerError(
            f"The issuer's metadata at {issuer.host} describes none of the credentials its "
            "offer names."
        )
    reasons: list[str] = []
    for wanted in SUPPORTED_FORMATS:
        for identifier, configuration in offered:
            if configuration.get("format") != wanted:
                continue
            reason = _binding_problem(configuration, proof_alg)
            if reason is None:
                return identifier
            reasons.append(reason)
    if reasons:
        raise IssuerError(reasons[0])
    formats = sorted({str(configuration.get("format")) for _, configuration in offered})
    raise InvalidInput(
        f"The issuer offers this credential only as {', '.join(formats)}; this wallet "
        f"receives {' and '.join(SUPPORTED_FORMATS)}.",
        code="unsupported_credential_format",
    )


def _binding_problem(configuration: Mapping[str, Any], proof_alg: str) -> str | None:
    methods = configuration.get("cryptographic_binding_methods_supported")
    if isinstance(methods, list) and not any(
        isinstance(method, str) and method.startswith(_DID_KEY_BINDINGS) for method in methods
    ):
        return "The issuer cannot bind this credential to your wallet's DID (did:key)."
    proof_types = configuration.get("proof_types_supported")
    if isinstance(proof_types, list):  # drafts 11/12: just the names
        proof_types = {name: {} for name in proof_types if isinstance(name, str)}
    if isinstance(proof_types, dict):
        jwt_proof = proof_types.get(PROOF_TYPE_JWT)
        if not isinstance(jwt_proof, dict):
            return "The issuer does not accept the key proof this wallet sends (a JWT)."
        algs = jwt_proof.get("proof_signing_alg_values_supported")
        if isinstance(algs, list) and proof_alg not in algs:
            return f"The issuer does not accept key proofs signed with {proof_alg}."
    return None


class OpenID4VCIClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def fetch_offer(self, offer_uri: str) -> Any:
        """The offer object behind a ``credential_offer_uri`` (§4.1.3: plain JSON).

        An issuer answers 404 (or 410) for an offer that was used, withdrawn or has
        expired: the learner is told that, in words, rather than an HTTP status."""
        response = await self._http.get(offer_uri, headers={"Accept": "application/json"})
        if response.status_code in (httpx.codes.NOT_FOUND, httpx.codes.GONE):
            raise offer_gone(_host(response))
        if response.status_code != httpx.codes.OK:
            raise FetchFailed(
                _(
                    "Could not open the offer at %(host)s: it answered %(status)s.",
                    host=_host(response),
                    status=response.status_code,
                )
            )
        return _offer_body(response)

    async def discover(self, offer: CredentialOffer) -> Issuer:
        metadata = await self._issuer_metadata(offer.credential_issuer)
        configurations = published_configurations(metadata)
        return Issuer(
            identifier=offer.credential_issuer,
            version=detect_version(metadata),
            token_endpoint=await self._token_endpoint(metadata, offer),
            credential_endpoint=_required_url(metadata, "credential_endpoint", offer),
            nonce_endpoint=_optional_url(metadata, "nonce_endpoint"),
            notification_endpoint=_optional_url(metadata, "notification_endpoint"),
            display=[entry for entry in _list(metadata.get("display")) if isinstance(entry, dict)],
            configurations={
                identifier: configurations[identifier]
                for identifier in offer.configuration_ids
                if identifier in configurations
            },
        )

    async def obtain(
        self,
        issuer: Issuer,
        offer: CredentialOffer,
        configuration_id: str,
        *,
        tx_code: str | None,
        prove: Prover,
    ) -> IssuedCredential:
        token = await self.redeem(issuer, offer, tx_code)
        issued = await self.request_credential(issuer, configuration_id, token, prove)
        await self._notify_accepted(issuer, token, issued.notification_id)
        return issued

    async def redeem(
        self, issuer: Issuer, offer: CredentialOffer, tx_code: str | None
    ) -> AccessToken:
        """The token request (§6.1); ``tx_code`` is sent if and only if the offer asked for one."""
        form = {
            "grant_type": PRE_AUTHORIZED_GRANT,
            "pre-authorized_code": offer.pre_authorized_code,
        }
        if offer.tx_code is not None:
            form["tx_code"] = tx_code or ""
        response = await self._http.post(
            issuer.token_endpoint, data=form, headers={"Accept": "application/json"}
        )
        body = _json_body(response)
        if response.status_code != httpx.codes.OK:
            raise _token_error(response, body, sent_tx_code=offer.tx_code is not None)
        access_token = body.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise IssuerError(f"{_host(response)} answered the token request without a token.")
        token_type = body.get("token_type", "Bearer")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise IssuerError(
                f"{_host(response)} issued a {token_type!r} access token; this wallet "
                "presents Bearer tokens only."
            )
        c_nonce = body.get("c_nonce")
        return AccessToken(
            access_token=access_token,
            c_nonce=c_nonce if isinstance(c_nonce, str) else None,
            identifiers=_credential_identifiers(body.get("authorization_details")),
        )

    async def fresh_nonce(self, issuer: Issuer) -> str | None:
        """A c_nonce from the nonce endpoint (§7); None when the issuer has none."""
        if issuer.nonce_endpoint is None:
            return None
        response = await self._http.post(
            issuer.nonce_endpoint, headers={"Accept": "application/json"}
        )
        body = _json_body(response)
        c_nonce = body.get("c_nonce")
        if response.status_code != httpx.codes.OK or not isinstance(c_nonce, str):
            raise IssuerError(f"{_host(response)} did not give the wallet a nonce.")
        return c_nonce

    async def request_credential(
        self, issuer: Issuer, configuration_id: str, token: AccessToken, prove: Prover
    ) -> IssuedCredential:
        """The credential request (§8), retried once with a fresh nonce on ``invalid_nonce``."""
        nonce = await self.fresh_nonce(issuer) if issuer.nonce_endpoint else token.c_nonce
        retried = False
        while True:
            request = _credential_request(issuer, configuration_id, token, prove(nonce))
            response = await self._http.post(
                issuer.credential_endpoint,
                json=request,
                headers={
                    "Authorization": f"Bearer {token.access_token}",
                    "Accept": "application/json",
                },
            )
            body = _json_body(response)
            if response.status_code == httpx.codes.OK and "transaction_id" not in body:
                return _issued(issuer, configuration_id, body, _host(response))
            if response.status_code == httpx.codes.ACCEPTED or "transaction_id" in body:
                raise IssuerError(
                    f"{_host(response)} will deliver this credential later (deferred "
                    "issuance), which this wallet does not support yet."
                )
            fresh = None if retried else await self._nonce_after_refusal(issuer, body)
            if fresh is None:
                raise _credential_error(response, body)
            nonce, retried = fresh, True

    async def _nonce_after_refusal(self, issuer: Issuer, body: dict[str, Any]) -> str | None:
        """The nonce to retry with, if the refusal was about the nonce: 1.0 says
        ``invalid_nonce``; draft 13 says ``invalid_proof`` and puts a new ``c_nonce`` in it."""
        error = body.get("error")
        fresh = body.get("c_nonce")
        if error == "invalid_proof" and isinstance(fresh, str):
            return fresh
        if error != "invalid_nonce":
            return None
        if isinstance(fresh, str):
            return fresh
        return await self.fresh_nonce(issuer)

    async def _notify_accepted(
        self, issuer: Issuer, token: AccessToken, notification_id: str | None
    ) -> None:
        """Tell the issuer the credential was stored (§11); a failure here loses nothing."""
        if issuer.notification_endpoint is None or notification_id is None:
            return
        try:
            await self._http.post(
                issuer.notification_endpoint,
                json={"notification_id": notification_id, "event": "credential_accepted"},
                headers={"Authorization": f"Bearer {token.access_token}"},
            )
        except CredstackError as exc:
            logger.info("notification to %s failed: %s", issuer.host, exc.code)

    async def _issuer_metadata(self, identifier: str) -> dict[str, Any]:
        """The first metadata document that answers and names ``identifier`` exactly."""
        candidates = dict.fromkeys(
            (
                inserted_well_known(identifier, ISSUER_METADATA),
                appended_well_known(identifier, ISSUER_METADATA),
            )
        )
        problem: CredstackError | None = None
        for url in candidates:
            try:
                metadata = await fetch_json(self._http, url)
            except FetchFailed as exc:
                problem = problem or exc
                continue
            if not isinstance(metadata, dict):
                problem = problem or IssuerError(
                    f"{_host_of(url)}'s issuer metadata is not a JSON object."
                )
                continue
            if metadata.get("credential_issuer") != identifier:
                problem = IssuerError(
                    f"The issuer metadata at {_host_of(url)} is for "
                    f"{_shown(metadata.get('credential_issuer'))}, not for the issuer the "
                    f"offer names ({_shown(identifier)}); refused."
                )
                continue
            return metadata
        assert problem is not None
        raise problem

    async def _token_endpoint(self, metadata: dict[str, Any], offer: CredentialOffer) -> str:
        servers = [s for s in _list(metadata.get("authorization_servers")) if _is_web_address(s)]
        if not servers and _is_web_address(metadata.get("authorization_server")):
            servers = [metadata["authorization_server"]]  # drafts 11/12
        if offer.authorization_server is not None:
            if servers and offer.authorization_server not in servers:
                raise IssuerError(
                    "The offer names an authorization server the issuer's metadata does not list."
                )
            server = offer.authorization_server
        else:
            server = servers[0] if servers else offer.credential_issuer
        server_metadata = await self._authorization_server_metadata(server)
        if server_metadata is not None:
            return _required_url(server_metadata, "token_endpoint", offer)
        # Drafts up to 13 let an issuer that is its own server put token_endpoint here.
        if server == offer.credential_issuer and isinstance(metadata.get("token_endpoint"), str):
            return _required_url(metadata, "token_endpoint", offer)
        raise IssuerError(f"Could not find the token endpoint of {_host_of(server)}.")

    async def _authorization_server_metadata(self, server: str) -> dict[str, Any] | None:
        """RFC 8414 metadata whose ``issuer`` is ``server`` (§3.3), else OpenID discovery."""
        candidates = dict.fromkeys(
            (
                inserted_well_known(server, OAUTH_METADATA),
                appended_well_known(server, OAUTH_METADATA),
                appended_well_known(server, OPENID_METADATA),
            )
        )
        for url in candidates:
            try:
                metadata = await fetch_json(self._http, url)
            except FetchFailed:
                continue
            if isinstance(metadata, dict) and metadata.get("issuer") == server:
                return metadata
        return None


def _credential_request(
    issuer: Issuer, configuration_id: str, token: AccessToken, proof: str
) -> dict[str, Any]:
    configuration = issuer.configurations[configuration_id]
    if issuer.version is SpecVersion.V1:
        request: dict[str, Any] = {"proofs": {PROOF_TYPE_JWT: [proof]}}
        identifiers = token.identifiers.get(configuration_id)
        if identifiers:
            request["credential_identifier"] = identifiers[0]
        else:
            request["credential_configuration_id"] = configuration_id
        return request
    # Draft 13 (§7.2): the format and its definition name the credential.
    request = {
        "format": configuration["format"],
        "proof": {"proof_type": PROOF_TYPE_JWT, "jwt": proof},
    }
    definition = configuration.get("credential_definition")
    if isinstance(definition, dict):
        request["credential_definition"] = {
            key: definition[key] for key in ("@context", "type") if key in definition
        }
    elif "types" in configuration:  # drafts 11/12
        request["types"] = configuration["types"]
    return request


def _issued(
    issuer: Issuer, configuration_id: str, body: dict[str, Any], host: str
) -> IssuedCredential:
    """1.0 ``{"credentials": [{"credential": …}]}`` or draft 13 ``{"credential": …}``."""
    format_name = str(issuer.configurations[configuration_id]["format"])
    credentials = body.get("credentials")
    if isinstance(credentials, list) and credentials:
        first = credentials[0]
        credential = first.get("credential") if isinstance(first, dict) else first
    else:
        credential = body.get("credential")
    if format_name == "ldp_vc" and isinstance(credential, str):
        # Some issuers send the JSON-LD document as a string.
        try:
            credential = json.loads(credential)
        except ValueError:
            credential = None
    expected = str if format_name == "jwt_vc_json" else dict
    if not isinstance(credential, expected):
        raise IssuerError(f"{host} sent no {format_name} credential in its response.")
    notification_id = body.get("notification_id")
    return IssuedCredential(
        format=format_name,
        document=credential,
        notification_id=notification_id if isinstance(notification_id, str) else None,
    )


def _credential_identifiers(details: Any) -> dict[str, list[str]]:
    identifiers: dict[str, list[str]] = {}
    for detail in _list(details):
        if not isinstance(detail, dict):
            continue
        configuration_id = detail.get("credential_configuration_id")
        found = [i for i in _list(detail.get("credential_identifiers")) if isinstance(i, str)]
        if isinstance(configuration_id, str) and found:
            identifiers[configuration_id] = found
    return identifiers


def offer_gone(host: str) -> NotFound:
    return NotFound(
        _(
            "This offer can no longer be used: it was accepted already, withdrawn by the "
            "issuer, or it has expired. Ask %(host)s for a new offer.",
            host=host,
        ),
        code=INVALID_OFFER,
    )


def _offer_body(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except (ValueError, RecursionError):
        raise IssuerError(
            _("%(host)s sent an offer that is not JSON.", host=_host(response))
        ) from None


# "2 tries left" / "1 attempt left": how an issuer's error_description (ours among them)
# says how many codes may still be tried; the number is all the wallet takes from it.
_TRIES_LEFT = re.compile(r"\b(\d{1,3})\s+(?:tries|try|attempts?)\s+(?:left|remaining)\b", re.I)
_NO_TRIES_LEFT = re.compile(r"too many|withdrawn|locked", re.I)


def _token_error(
    response: httpx.Response, body: dict[str, Any], *, sent_tx_code: bool
) -> CredstackError:
    """The spec's token error codes (RFC 6749 §5.2, OpenID4VCI §6.3) in the learner's words."""
    error = body.get("error")
    description = body.get("error_description")
    said = description if isinstance(description, str) else ""
    host = _host(response)
    if error in ("invalid_grant", "invalid_tx_code"):
        if not sent_tx_code:
            return ProtocolError(
                _(
                    "The issuer did not accept the offer: it was accepted already, withdrawn, "
                    "or it has expired. Ask %(host)s for a new offer.",
                    host=host,
                ),
                code="invalid_grant",
            )
        tries = _TRIES_LEFT.search(said)
        if tries is not None and int(tries.group(1)) > 0:
            left = int(tries.group(1))
            message = ngettext(
                "The code you entered is wrong. You can try %(num)d more time.",
                "The code you entered is wrong. You can try %(num)d more times.",
                left,
            )
        elif _NO_TRIES_LEFT.search(said) or tries is not None:
            message = _(
                "The code was entered wrong too many times, so the issuer has withdrawn this "
                "offer. Ask %(host)s for a new offer.",
                host=host,
            )
        else:
            message = _(
                "The issuer did not accept the offer: the code you entered is wrong, or the "
                "offer was accepted already, withdrawn or has expired."
            )
        return ProtocolError(message, code="invalid_grant")
    if response.status_code == httpx.codes.TOO_MANY_REQUESTS:
        return IssuerError(
            _("%(host)s is busy right now; try again in a minute.", host=host),
            code="issuer_busy",
        )
    return IssuerError(
        _(
            "%(host)s refused to give out the credential%(said)s.",
            host=host,
            said=_issuer_says(response, body),
        )
    )


def _credential_error(response: httpx.Response, body: dict[str, Any]) -> CredstackError:
    return IssuerError(
        f"{_host(response)} refused to issue the credential{_issuer_says(response, body)}."
    )


def _issuer_says(response: httpx.Response, body: dict[str, Any]) -> str:
    """The issuer's own error code and description, shortened (it is untrusted text)."""
    error = body.get("error")
    if not isinstance(error, str):
        return f" (HTTP {response.status_code})"
    description = body.get("error_description")
    said = error if not isinstance(description, str) else f"{error}: {description}"
    return f" ({said[:_MAX_ISSUER_TEXT]})"


def _json_body(response: httpx.Response) -> dict[str, Any]:
    """The response's JSON object; {} for an error response without one."""
    try:
        value = json.loads(response.content)
    except (ValueError, RecursionError):
        value = None
    if isinstance(value, dict):
        return value
    if response.status_code >= httpx.codes.BAD_REQUEST:
        return {}
    raise IssuerError(f"{_host(response)} answered with something that is not a JSON object.")


def _required_url(metadata: Mapping[str, Any], name: str, offer: CredentialOffer) -> str:
    url = _optional_url(metadata, name)
    if url is None:
        raise IssuerError(
            f"The metadata of {_host_of(offer.credential_issuer)} has no usable {name}."
        )
    return url


def _optional_url(metadata: Mapping[str, Any], name: str) -> str | None:
    value = metadata.get(name)
    return value if _is_web_address(value) else None


def _is_web_address(value: Any) -> bool:
    """A URL the outbound client would accept (``shared.http.vetted_url``): metadata is
    untrusted, and a malformed endpoint must read as missing, not break the flow."""
    if not isinstance(value, str):
        return False
    try:
        vetted_url(value)
    except UnsafeURL:
        return False
    return True


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _host(response: httpx.Response) -> str:
    return response.url.netloc.decode("ascii", "replace")


def _host_of(url: str) -> str:
    return urlsplit(url).netloc


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
