"""The URLs of a presentation request: request object, response URI, wallet links, results.

- ``openid4vp://?client_id=…&request_uri=…``: the QR code any wallet scans for a signed
  request (by reference, so the code stays small enough to scan);
- our wallet's share page with the same query (``<holder>/share?client_id=…``), for a
  same-device flow: its ``request_uri`` says ``flow=same-device``, so the response is answered
  with a redirect back to the verifier's result page, carrying a response code;
- for ``redirect_uri`` verifiers, whose request cannot be signed, the QR code carries the
  request by value (every parameter in the link); its request object is still served.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

REQUEST_PATH = "/oid4vp/request/{request_id}"
RESPONSE_PATH = "/oid4vp/response"
# The page the learner's browser returns to after a same-device presentation (the pages
# read ``response_code`` from its query to show the result to that browser only).
DONE_PATH = "/requests/{request_id}/done"
SAME_DEVICE = "same-device"
WALLET_SHARE_PATH = "/share"
SCHEME = "openid4vp://"


def response_uri(base_url: str) -> str:
    return base_url + RESPONSE_PATH


def request_object_uri(base_url: str, request_id: str, *, same_device: bool = False) -> str:
    uri = base_url + REQUEST_PATH.format(request_id=request_id)
    return f"{uri}?flow={SAME_DEVICE}" if same_device else uri


def done_uri(base_url: str, request_id: str, response_code: str) -> str:
    path = DONE_PATH.format(request_id=request_id)
    return f"{base_url}{path}?{urlencode({'response_code': response_code})}"


def by_reference(
    client_id: str, request_uri: str, client_id_scheme: str | None = None
) -> dict[str, str]:
    params = {"client_id": client_id, "request_uri": request_uri}
    if client_id_scheme is not None:  # drafts up to 21 name it beside the client id
        params["client_id_scheme"] = client_id_scheme
    return params


def by_value(parameters: Mapping[str, Any]) -> dict[str, str]:
    """Every parameter as a query value; JSON-valued ones as JSON text (OpenID4VP §5)."""
    return {
        name: value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        for name, value in parameters.items()
    }


def openid4vp_link(params: Mapping[str, str]) -> str:
    return SCHEME + "?" + urlencode(params)


def wallet_link(wallet_url: str, params: Mapping[str, str]) -> str:
    return wallet_url.rstrip("/") + WALLET_SHARE_PATH + "?" + urlencode(params)
