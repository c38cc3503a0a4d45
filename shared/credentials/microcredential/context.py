"""The JSON-LD contexts of a credstack micro-credential, and the embedded extension context.

The extension context (``data/credstack-context-v1.jsonld``) defines the EU elements that
Open Badges 3.0 has no member for. It is embedded in every credential as an object, never
referenced by URL: didkit 0.3.3 refuses remote contexts it does not know, and a verifier
should not have to fetch anything to understand the credential.

Rules the context file follows, each learned by signing with didkit and verifying with the
Digital Bazaar libraries (tests/interop):

- every term is defined, with a full IRI: VCDM 1.1 has no ``@vocab``, so an undefined term
  is dropped by JSON-LD (jsonld.js refuses it in safe mode, didkit refuses to sign);
- plain strings carry no ``@type``: a literal typed ``xsd:string`` canonicalises differently
  in didkit and in jsonld.js, so the signature would not verify elsewhere;
- translations are language maps (``"@container": "@language"``) on the same property as
  the default-language text, with lower-case language keys (``pt-br``), because the two
  implementations disagree on the case of language tags;
- concept URIs use ``"@type": "@id"``; ECTS and hours are ``xsd:decimal``.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
OPEN_BADGES_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context.json"
# In the credential's own @context, not only the proof's: see interop note 1.
ED25519_2020 = "https://w3id.org/security/suites/ed25519-2020/v1"
STATUS_LIST_2021 = "https://w3id.org/vc/status-list/2021/v1"

EXTENSION_CONTEXT_FILE = "credstack-context-v1.jsonld"


@cache
def _extension_document() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("data", EXTENSION_CONTEXT_FILE).read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def extension_context() -> dict[str, Any]:
    """The term definitions to embed (a fresh copy, so a caller cannot alter the original)."""
    return copy.deepcopy(_extension_document()["@context"])


def credential_context(*, with_status: bool) -> list[str | dict[str, Any]]:
    """The ``@context`` of a credential we build; StatusList2021 terms only when needed."""
    contexts: list[str | dict[str, Any]] = [CREDENTIALS_V1, OPEN_BADGES_V3, ED25519_2020]
    if with_status:
        contexts.append(STATUS_LIST_2021)
    contexts.append(extension_context())
    return contexts
