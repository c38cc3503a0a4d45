"""A verifier's OpenID4VP authorization request: read from a link, fetched, checked, resolved.

What arrives is untrusted (security checklist B.2). A request reaches the wallet as a link
(``openid4vp://?…``, or the ``haip://`` and ``eudi-openid4vp://`` aliases, or an https link
carrying the same query), by value or by reference (``request_uri``, GET or, with
``request_uri_method=post``, POST with ``wallet_nonce``). ``resolve`` turns it into an
``AuthorizationRequest`` or refuses it with the spec's error code and a sentence a learner
can read. The rules, by how the verifier identifies itself (its client identifier prefix):

- ``redirect_uri:<uri>`` (1.0) or ``client_id_scheme=redirect_uri`` (drafts): the request
  cannot be signed, so the verifier is unauthenticated; a signed request object is refused,
  an unsigned one (``alg`` none) is read like parameters by value. The response goes to
  exactly that URI: ``response_uri`` must equal it (VP "Validation of the Response URI").
- ``decentralized_identifier:did:…`` (1.0), ``client_id_scheme=did`` or a bare ``did:``
  client id (drafts): the request must be a request object signed with the key its ``kid``
  names in that DID's document (resolved over ``runtime.http``).
- everything else (``x509_san_dns:``, ``x509_hash:``, ``verifier_attestation:``,
  ``openid_federation:``, pre-registered clients, ``origin:``) is refused as not supported.

A request object's header ``typ`` must be ``oauth-authz-req+jwt``, its ``client_id`` must
equal the link's (prefix included), and only its own parameters count (RFC 9101). Neither
``request_uri`` nor ``response_uri`` redirects are followed (VP-E "HTTP Redirects").

Requests the wallet cannot honour are refused before the learner sees them: another
response mode than ``direct_post`` (``direct_post.jwt`` needs response encryption we do not
have yet), ``redirect_uri`` together with ``direct_post``, ``transaction_data``, a ``scope``
instead of a query, Presentation Exchange with a 1.0 client identifier prefix (interop note
5). Invalid requests are not reported back to the verifier: an unauthenticated request
would let anyone make the wallet post to a URL of their choosing.
"""

from __future__ import annotations

import ipaddress
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

import httpx

from holder.i18n import _
from holder.share.matching import FORMAT_FAMILIES
from shared.credentials.formats.vcdm import did_of
from shared.crypto import jose
from shared.did.resolver import DIDResolver
from shared.errors import CredstackError, FetchFailed, InvalidInput, ProtocolError, UnsafeURL
from shared.http import fetch_json, vetted_url

SCHEMES = frozenset({"openid4vp", "haip", "eudi-openid4vp"})
JAR_TYP = "oauth-authz-req+jwt"
JAR_MEDIA_TYPES = frozenset({"application/oauth-authz-req+jwt", "application/jwt"})
DIRECT_POST = "direct_post"
MAX_LINK_CHARS = 64 * 1024

# How the verifier was identified; stored with the request and shown on the consent page.
REDIRECT_URI = "redirect_uri"
DECENTRALIZED_IDENTIFIER = "decentralized_identifier"
DID = "did"  # the draft-era client_id_scheme for a bare DID client id

_UNSUPPORTED_PREFIXES = {
    "x509_san_dns": "certificate-based verifiers (x509_san_dns) are not supported yet",
    "x509_san_uri": "certificate-based verifiers (x509_san_uri) are not supported yet",
    "x509_hash": "certificate-based verifiers (x509_hash) are not supported yet",
    "verifier_attestation": "verifier attestations are not supported yet",
    "openid_federation": "OpenID Federation verifiers are not supported yet",
    "entity_id": "OpenID Federation verifiers are not supported yet",
    "origin": "the origin: prefix is reserved for the browser's Digital Credentials API",
    "pre-registered": "this wallet has no pre-registered verifiers",
}
# What the wallet tells a verifier that asks with request_uri_method=post.
WALLET_METADATA = {
    "vp_formats_supported": {
        "ldp_vc": {"proof_type_values": ["Ed25519Signature2020"]},
        "jwt_vc_json": {"alg_values": ["EdDSA"]},
    },
    "client_id_prefixes_supported": [REDIRECT_URI, DECENTRALIZED_IDENTIFIER],
    "response_modes_supported": [DIRECT_POST],
    "request_object_signing_alg_values_supported": list(jose.DEFAULT_ALLOWED_ALGS),
}
_ONE_ZERO_PREFIXES = frozenset({REDIRECT_URI, DECENTRALIZED_IDENTIFIER, *_UNSUPPORTED_PREFIXES})
# Parameters whose value is JSON; in a URL they arrive as JSON text.
_JSON_PARAMETERS = ("dcql_query", "presentation_definition", "client_metadata")
_NONCE = re.compile(r"^[\x21-\x7e]{1,512}$")  # printable ASCII; 1.0 narrows it further


def invalid_request(description: str) -> ProtocolError:
    return ProtocolError(description, code="invalid_request")


def invalid_client(description: str) -> ProtocolError:
    return ProtocolError(description, code="invalid_client")


def invalid_request_object(description: str) -> ProtocolError:
    return ProtocolError(description, code="invalid_request_object")


@dataclass(frozen=True)
class AuthorizationRequest:
    """A request that passed every check; what the wallet stores and answers.

    ``client_id`` is exactly what the verifier sent, prefix included: it is the audience
    of every presentation (interop note 7). ``authenticated_by`` is the DID URL whose key
    signed the request, or None for an unauthenticated (``redirect_uri``) verifier.
    """

    era: Literal["1.0", "draft"]
    client_id: str
    client_id_scheme: str
    response_uri: str
    nonce: str
    state: str | None
    client_metadata: dict[str, Any]
    dcql_query: dict[str, Any] | None = None
    presentation_definition: dict[str, Any] | None = None
    authenticated_by: str | None = None

    @property
    def audience(self) -> str:
        """LDP ``domain`` / JWT ``aud``: the full client_id as sent. (Drafts up to 21 have no
        prefixes, so their client_id is the bare one those drafts expect.)"""
        return self.client_id

    @property
    def verifier_name(self) -> str | None:
        name = self.client_metadata.get("client_name")
        return (name.strip()[:200] or None) if isinstance(name, str) else None

    @property
    def accepted_formats(self) -> frozenset[str] | None:
        """The wallet formats the verifier's metadata says it takes (1.0
        ``vp_formats_supported``, draft ``vp_formats``); None when it does not say."""
        supported = self.client_metadata.get("vp_formats_supported")
        if supported is None:
            supported = self.client_metadata.get("vp_formats")
        if not isinstance(supported, dict) or not supported:
            return None
        return frozenset(fmt for fmt, names in FORMAT_FAMILIES.items() if names & supported.keys())

    @property
    def response_host(self) -> str:
        return urlsplit(self.response_uri).hostname or self.response_uri

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AuthorizationRequest:
        names = cls.__dataclass_fields__
        return cls(**{key: value for key, value in data.items() if key in names})


@dataclass(frozen=True)
class Fetching:
    """What resolving needs from outside: the guarded client and where DIDs resolve."""

    http: httpx.AsyncClient
    resolver: DIDResolver
    allow_loopback: bool  # development: verifiers on this machine, over http


# --- links ------------------------------------------------------------------------------


def parse_link(text: str) -> dict[str, str]:
    """The authorization request parameters a pasted or scanned link carries.

    Accepts ``openid4vp://?…`` and its aliases, an https link with the same query, or a
    bare https URL, which is taken as a ``request_uri``.
    """
    text = text.strip()
    if not text:
        raise InvalidInput(_("Paste the verifier's link (it starts with openid4vp://)."))
    if len(text) > MAX_LINK_CHARS:
        raise invalid_request(_("The link is too long to be a presentation request."))
    try:
        parts = urlsplit(text)
    except ValueError:
        raise InvalidInput(_("This is not a presentation request link: it is malformed.")) from None
    scheme = parts.scheme.lower()
    if scheme in SCHEMES:
        return query_parameters(parts.query)
    if scheme in ("https", "http"):
        params = _unique_parameters(parts.query)
        if {"client_id", "request_uri", "request"} & params.keys():
            return params
        return {"request_uri": text}
    raise InvalidInput(
        _("This is not a presentation request link: it should start with openid4vp://.")
    )


def query_parameters(query: str) -> dict[str, str]:
    """The parameters of a request link's query; refused when there are none."""
    params = _unique_parameters(query)
    if not params:
        raise invalid_request(_("The link carries no presentation request."))
    return params


def _unique_parameters(query: str) -> dict[str, str]:
    """A parameter given twice is refused (RFC 6749 §3.1): which one would count?"""
    params: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=False):
        if name in params:
            raise invalid_request(f"The request repeats the parameter {name!r}.")
        params[name] = value
    return params


def link_from_page_query(params: Mapping[str, str]) -> dict[str, str]:
    """``GET /share?…``: the request's own query, or ``?request=<uri>`` naming a request URI
    (a ``request`` value that is a URL cannot be a request object)."""
    params = dict(params)
    request = params.get("request", "")
    if request.startswith(("https://", "http://")) and "request_uri" not in params:
        params["request_uri"] = params.pop("request")
    return params


# --- resolving --------------------------------------------------------------------------


async def resolve(params: Mapping[str, str], fetching: Fetching) -> AuthorizationRequest:
    """Fetch what the link refers to, check it, and return the request to show the learner."""
    if "request" in params and "request_uri" in params:
        raise invalid_request("A request carries either request or request_uri, not both.")
    if "request_uri" in params or "request" in params:
        wallet_nonce: str | None = None
        if "request_uri" in params:
            jar, wallet_nonce = await _fetch_request_object(params, fetching)
        else:
            jar = params["request"]
        payload, signer = await _open_request_object(jar, params, wallet_nonce, fetching)
    else:
        payload, signer = dict(params), None
    return await _checked(payload, signer, fetching)


async def _fetch_request_object(
    params: Mapping[str, str], fetching: Fetching
) -> tuple[str, str | None]:
    """The request object's text, and the wallet_nonce it must echo (POST only)."""
    uri = params["request_uri"]
    wallet_nonce = None
    _require_url(uri, "request_uri", fetching.allow_loopback)
    method = params.get("request_uri_method", "get").lower()
    headers = {"Accept": "application/oauth-authz-req+jwt"}
    if method == "get":
        response = await fetching.http.get(uri, headers=headers, follow_redirects=False)
    elif method == "post":
        wallet_nonce = secrets.token_urlsafe(16)
        form = {"wallet_metadata": json.dumps(WALLET_METADATA), "wallet_nonce": wallet_nonce}
        response = await fetching.http.post(uri, data=form, headers=headers, follow_redirects=False)
    else:
        raise ProtocolError(
            f"request_uri_method {method!r} is neither get nor post.",
            code="invalid_request_uri_method",
        )
    host = urlsplit(uri).hostname
    if response.is_redirect:
        raise FetchFailed(
            _("%(host)s redirected the request; wallets do not follow redirects.", host=host)
        )
    if response.status_code != httpx.codes.OK:
        raise FetchFailed(
            _(
                "%(host)s answered %(status)s for the request object.",
                host=host,
                status=response.status_code,
            )
        )
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in JAR_MEDIA_TYPES:
        raise invalid_request_object(
            f"{host} sent {media_type or 'no content type'}, not a request object."
        )
    return response.text.strip(), wallet_nonce


async def _open_request_object(
    jar: str, params: Mapping[str, str], wallet_nonce: str | None, fetching: Fetching
) -> tuple[dict[str, Any], str | None]:
    """The request object's parameters and the DID URL that signed it (None if unsigned).

    Only the object's parameters count (RFC 9101), except that a draft-era verifier may
    name its ``client_id_scheme`` in the link alone.
    """
    try:
        header = jose.unverified_header(jar)
        claims = jose.unverified_claims(jar)
    except CredstackError as exc:
        raise invalid_request_object(
            f"The request object is not a JWT: {exc.description}"
        ) from None
    if not _is_jar_typ(header.get("typ")):
        raise invalid_request_object(
            f"The request object's typ is {header.get('typ')!r}, not {JAR_TYP!r}."
        )
    client_id = claims.get("client_id")
    if not isinstance(client_id, str):
        raise invalid_request_object("The request object names no client_id.")
    link_client_id = params.get("client_id")
    if link_client_id is not None and client_id != link_client_id:
        raise invalid_client(
            "The request object's client_id differs from the link's: "
            f"{client_id!r} vs {link_client_id!r}."
        )
    if wallet_nonce is not None and claims.get("wallet_nonce") != wallet_nonce:
        raise invalid_request_object("The request object does not echo our wallet_nonce.")
    if "client_id_scheme" not in claims and "client_id_scheme" in params:
        claims["client_id_scheme"] = params["client_id_scheme"]
    scheme = _client_id_scheme(client_id, claims.get("client_id_scheme"))
    unsigned = str(header.get("alg", "")).lower() == "none"
    if scheme == REDIRECT_URI:
        if not unsigned:
            raise invalid_request_object(
                "A redirect_uri verifier cannot sign its request, yet this one is signed."
            )
        return claims, None
    if unsigned:
        raise invalid_request_object("The request object is unsigned.")
    return await _verified_by_did(jar, header, _client_did(client_id, scheme), fetching)


async def _verified_by_did(
    jar: str, header: Mapping[str, Any], did: str, fetching: Fetching
) -> tuple[dict[str, Any], str]:
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid.startswith("did:") or did_of(kid) != did:
        raise invalid_request_object(
            f"The request object must be signed with a key of {did} (its kid names one)."
        )
    public_jwk = await fetching.resolver.public_jwk(kid)
    try:
        _header, claims = jose.verify_jwt(jar, public_jwk, expected_typ=JAR_TYP)
    except CredstackError as exc:
        raise invalid_request_object(f"The request object: {exc.description}") from None
    return claims, kid


def _is_jar_typ(typ: object) -> bool:
    """RFC 7515 §4.1.9: case-insensitive, and ``application/`` may be left out."""
    return isinstance(typ, str) and typ.lower().removeprefix("application/") == JAR_TYP


def _client_id_scheme(client_id: str, draft_scheme: object) -> str:
    """How the verifier is identified: redirect_uri, decentralized_identifier or did.

    Drafts up to 21 name it in ``client_id_scheme``; 1.0 prefixes the client id; drafts
    22 to 25 prefix it too, except bare DIDs.
    """
    if draft_scheme is not None:
        if draft_scheme in (REDIRECT_URI, DID):
            return str(draft_scheme)
        why = _UNSUPPORTED_PREFIXES.get(str(draft_scheme), f"{draft_scheme!r} is unknown")
        raise invalid_client(f"Unsupported client_id_scheme: {why}.")
    if client_id.startswith("did:"):
        return DID
    prefix, colon, _rest = client_id.partition(":")
    if prefix in (REDIRECT_URI, DECENTRALIZED_IDENTIFIER):
        return prefix
    if not colon or prefix in ("https", "http"):
        prefix = "pre-registered" if not colon else "openid_federation"
    why = _UNSUPPORTED_PREFIXES.get(prefix, f"the client id prefix {prefix!r} is unknown")
    raise invalid_client(f"Unsupported verifier identification: {why}.")


def _client_did(client_id: str, scheme: str) -> str:
    return client_id.removeprefix(f"{DECENTRALIZED_IDENTIFIER}:") if scheme != DID else client_id


async def _checked(
    payload: Mapping[str, Any], signer: str | None, fetching: Fetching
) -> AuthorizationRequest:
    client_id = payload.get("client_id")
    if not isinstance(client_id, str) or not client_id:
        raise invalid_request("The request names no client_id.")
    draft_scheme = payload.get("client_id_scheme")
    scheme = _client_id_scheme(client_id, draft_scheme)
    if scheme != REDIRECT_URI and signer is None:
        raise invalid_request(
            "A verifier identified by a DID must send a signed request object; this one is "
            "unsigned."
        )
    if payload.get("response_type") != "vp_token":
        raise ProtocolError(
            "Only response_type=vp_token is supported.", code="unsupported_response_type"
        )
    response_mode = payload.get("response_mode")
    if response_mode != DIRECT_POST:
        raise invalid_request(
            f"The response mode {response_mode!r} is not supported: this wallet answers "
            "with direct_post only."
        )
    if "redirect_uri" in payload:
        raise invalid_request("redirect_uri must not be present with response_mode direct_post.")
    if "transaction_data" in payload:
        raise invalid_request("This wallet does not support transaction_data.")
    response_uri = payload.get("response_uri")
    if not isinstance(response_uri, str):
        raise invalid_request("The request has no response_uri to send the answer to.")
    _require_url(response_uri, "response_uri", fetching.allow_loopback)
    if scheme == REDIRECT_URI:
        expected = client_id.removeprefix(f"{REDIRECT_URI}:") if draft_scheme is None else client_id
        if response_uri != expected:
            raise invalid_client(
                "The response_uri is not the one the verifier's client id names; refused "
                "so that the answer cannot go to someone else."
            )
    nonce = payload.get("nonce")
    if not isinstance(nonce, str) or not _NONCE.match(nonce):
        raise invalid_request("The request has no usable nonce.")
    state = payload.get("state")
    if state is not None and (not isinstance(state, str) or not _NONCE.match(state)):
        raise invalid_request("The request's state is not a short printable string.")
    values = {name: _json_value(payload, name) for name in _JSON_PARAMETERS}
    dcql, definition = values["dcql_query"], values["presentation_definition"]
    if definition is None and isinstance(uri := payload.get("presentation_definition_uri"), str):
        _require_url(uri, "presentation_definition_uri", fetching.allow_loopback)
        definition = await fetch_json(fetching.http, uri)
    era: Literal["1.0", "draft"] = (
        "draft" if draft_scheme is not None or definition is not None or scheme == DID else "1.0"
    )
    if dcql is not None and definition is not None:
        raise invalid_request("A request carries a dcql_query or a presentation definition.")
    if dcql is None and definition is None:
        code = "invalid_scope" if "scope" in payload else "invalid_request"
        raise ProtocolError(
            "The request does not say what it asks for (no dcql_query or "
            "presentation_definition; scope values are not supported).",
            code=code,
        )
    if (
        definition is not None
        and draft_scheme is None
        and client_id.partition(":")[0] in (_ONE_ZERO_PREFIXES)
    ):
        raise invalid_request(
            "An OpenID4VP 1.0 request (client id with a prefix) asks with dcql_query; "
            "Presentation Exchange is for draft-era requests only."
        )
    return AuthorizationRequest(
        era=era,
        client_id=client_id,
        client_id_scheme=scheme,
        response_uri=response_uri,
        nonce=nonce,
        state=state,
        client_metadata=_object(values["client_metadata"], "client_metadata") or {},
        dcql_query=_object(dcql, "dcql_query"),
        presentation_definition=_object(definition, "presentation_definition"),
        authenticated_by=signer,
    )


def _json_value(payload: Mapping[str, Any], name: str) -> Any:
    value = payload.get(name)
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        raise invalid_request(f"{name} is not valid JSON.") from None


def _object(value: Any, name: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid_request(f"{name} must be a JSON object.")
    return value


def _require_url(url: str, name: str, allow_loopback: bool) -> None:
    """An early, readable refusal of an endpoint the guarded client would refuse anyway,
    before the learner is shown a request whose answer could never be delivered.

    Only the obvious cases are caught here (scheme, IP literals, ``localhost``); a host name
    that resolves to a private address is refused by ``runtime.http`` when it is contacted,
    before anything is sent.
    """
    try:
        parts = vetted_url(url)  # the outbound client's own parse, so nothing malformed passes
    except UnsafeURL:
        raise invalid_request(f"The {name} is not a valid https URL.") from None
    host = parts.host.lower()
    if parts.fragment:
        raise invalid_request(f"The {name} must not carry a fragment.")
    loopback = host == "localhost" or host.endswith(".localhost")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        loopback = address.is_loopback
        if not address.is_global and not loopback:
            raise UnsafeURL(f"Refused: the {name} points at {host}, a private address.")
    if loopback and not allow_loopback:
        raise UnsafeURL(f"Refused: the {name} points at {host}, a loopback address.")
    if parts.scheme == "http" and not (loopback and allow_loopback):
        raise invalid_request(f"The {name} is not an https URL.")
