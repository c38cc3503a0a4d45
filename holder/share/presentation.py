"""The authorization response: presentations signed with the learner's key, posted to the
verifier's ``response_uri`` (``direct_post``).

Each picked credential travels in its own presentation, in the format it is stored in:
an ``ldp_vc`` credential in an ``ldp_vp`` (Data Integrity proof, ``proofPurpose``
authentication, ``challenge`` = nonce, ``domain`` = the full client_id), a ``jwt_vc_json``
credential in a ``jwt_vp_json`` VP-JWT (``nonce``, ``aud`` = the full client_id). Both are
signed by shared.credentials.formats with the holder key; the presentation's ``holder``
is the learner's DID, the subject every credential is bound to.

The response's shape depends on the request:

- DCQL (1.0): ``vp_token`` is a JSON object ``{query id: [presentation, …]}``;
- Presentation Exchange (drafts): ``vp_token`` is the one presentation (a JWT as is, an
  object as JSON) or a JSON array of several, with a ``presentation_submission`` whose
  ``descriptor_map`` says which presentation answers which input descriptor.

The verifier answers ``200`` with ``{}`` or ``{"redirect_uri": …}`` for the learner's
browser. Redirects from the response URI are not followed (VP-E "HTTP Redirects").
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from uuid import uuid4

import httpx

from holder.i18n import _
from holder.share.matching import JWT_VC_JSON, Pick
from holder.share.presentation_exchange import VP_FORMATS
from holder.share.request import AuthorizationRequest
from shared.credentials.formats import CredentialFormat, SignedDocument
from shared.credentials.formats.vcdm import CREDENTIALS_V1_CONTEXT, PRESENTATION_TYPE, shown
from shared.crypto.keys import SigningKey

DECLINED_DESCRIPTION = "The holder declined to share credentials."


@dataclass(frozen=True)
class VerifierAnswer:
    """What the response URI said: accepted (and where the browser goes next) or not."""

    accepted: bool
    redirect_uri: str | None = None
    error: str | None = None


async def presentation_of(
    pick: Pick,
    key: SigningKey,
    request: AuthorizationRequest,
    formats: Mapping[str, CredentialFormat],
) -> SignedDocument:
    presentation = {
        "@context": [CREDENTIALS_V1_CONTEXT],
        "type": [PRESENTATION_TYPE],
        "holder": key.did,
        "verifiableCredential": [pick.candidate.document],
    }
    return await formats[pick.candidate.format].sign_presentation(
        presentation, key, nonce=request.nonce, audience=request.audience
    )


def response_fields(
    request: AuthorizationRequest, picks: Sequence[Pick], presentations: Sequence[SignedDocument]
) -> dict[str, str]:
    """The form fields of the response, in the shape the request's query language wants."""
    if request.dcql_query is not None:
        return dcql_response(picks, presentations)
    definition_id = str((request.presentation_definition or {}).get("id"))
    return presentation_exchange_response(definition_id, picks, presentations)


def dcql_response(picks: Sequence[Pick], presentations: Sequence[SignedDocument]) -> dict[str, str]:
    token: dict[str, list[SignedDocument]] = {}
    for pick, presentation in zip(picks, presentations, strict=True):
        token.setdefault(pick.query.id, []).append(presentation)
    return {"vp_token": json.dumps(token)}


def presentation_exchange_response(
    definition_id: str, picks: Sequence[Pick], presentations: Sequence[SignedDocument]
) -> dict[str, str]:
    single = len(presentations) == 1
    descriptor_map = []
    for index, pick in enumerate(picks):
        credential_format = pick.candidate.format
        nested = (
            "$.vp.verifiableCredential[0]"
            if credential_format == JWT_VC_JSON
            else ("$.verifiableCredential[0]")
        )
        descriptor_map.append(
            {
                "id": pick.query.id,
                "format": VP_FORMATS[credential_format],
                "path": "$" if single else f"$[{index}]",
                "path_nested": {"format": credential_format, "path": nested},
            }
        )
    submission = {
        "id": str(uuid4()),
        "definition_id": definition_id,
        "descriptor_map": descriptor_map,
    }
    token: Any = presentations[0] if single else list(presentations)
    return {
        "vp_token": token if isinstance(token, str) else json.dumps(token),
        "presentation_submission": json.dumps(submission),
    }


def declined_response() -> dict[str, str]:
    return {"error": "access_denied", "error_description": DECLINED_DESCRIPTION}


async def post_response(
    http: httpx.AsyncClient, request: AuthorizationRequest, fields: Mapping[str, str]
) -> VerifierAnswer:
    form = dict(fields)
    if request.state is not None:
        form["state"] = request.state
    response = await http.post(
        request.response_uri,
        data=form,
        headers={"Accept": "application/json"},
        follow_redirects=False,
    )
    body = _json_object(response)
    if response.status_code == httpx.codes.OK:
        return VerifierAnswer(True, redirect_uri=_browser_url(body.get("redirect_uri")))
    if response.is_redirect:
        return VerifierAnswer(
            False, error=_("The verifier answered with a redirect, which wallets do not follow.")
        )
    said = body.get("error_description") or body.get("error")
    detail = f": {shown(said)}" if isinstance(said, str) else ""
    return VerifierAnswer(
        False,
        error=_(
            "The verifier refused the answer (%(status)s)%(detail)s.",
            status=response.status_code,
            detail=detail,
        ),
    )


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = json.loads(response.content) if response.content else {}
    except (ValueError, RecursionError):
        return {}
    return body if isinstance(body, dict) else {}


def _browser_url(value: object) -> str | None:
    """Only a web address is offered to the learner's browser (no javascript: or data:)."""
    if not isinstance(value, str) or len(value) > 2048:
        return None
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:  # an unclosed IPv6 bracket, say: not an address to offer
        return None
    return value if parts.scheme in ("https", "http") and host else None
