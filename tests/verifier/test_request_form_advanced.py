"""The new-request form's "Advanced" section: how the verifier identifies itself (signed
by its DID by default, or unsigned redirect_uri) and the protocol era (OpenID4VP 1.0 with
DCQL by default, or a draft wallet with Presentation Exchange), each a labelled radio group
in a fieldset with a legend, inside a details element."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.verifier.conftest import RunningVerifier
from tests.verifier.test_pages import html, post_form, sign_in


def section(page: str) -> str:
    found = re.search(r"<details[^>]*>.*?</details>", page, re.DOTALL)
    assert found, "the form has no details section"
    return found.group(0)


async def test_the_form_offers_both_choices_with_the_defaults_checked(
    verifier: RunningVerifier,
) -> None:
    await sign_in(verifier)
    advanced = section(await html(verifier, "/employer/requests/new"))
    assert "<summary>Advanced" in advanced
    assert advanced.count("<fieldset>") == 2
    assert advanced.count("<legend>") == 2
    for name, default, other in (
        ("client_id_scheme", "decentralized_identifier", "redirect_uri"),
        ("era", "1.0", "draft"),
    ):
        assert re.search(rf'name="{name}" value="{re.escape(default)}" checked', advanced)
        assert re.search(rf'name="{name}" value="{other}">', advanced)
    # Every radio is inside its label.
    radios = re.findall(r"<input type=\"radio\"", advanced)
    labelled = re.findall(r'<label class="choice"><input type="radio"', advanced)
    assert len(radios) == len(labelled) == 4


async def made(verifier: RunningVerifier, **choices: str) -> dict[str, Any]:
    response = await post_form(
        verifier, "/employer/requests/new", {"template": "microcredential", **choices}
    )
    assert response.status_code == 303, response.text
    request_id = response.headers["location"].rsplit("/", 1)[-1]
    found = await verifier.get(request_id)
    assert found.status_code == 200, found.text
    result: dict[str, Any] = found.json()
    return result


@pytest.mark.parametrize(
    ("choices", "prefix", "asks_with"),
    [
        ({}, "decentralized_identifier:did:", "dcql_query"),
        ({"client_id_scheme": "redirect_uri"}, "redirect_uri:", "dcql_query"),
        ({"era": "draft"}, "did:", "presentation_definition"),
        ({"client_id_scheme": "redirect_uri", "era": "draft"}, "http", "presentation_definition"),
        (
            {"client_id_scheme": "x509_san_dns", "era": "1.1"},
            "decentralized_identifier:",
            "dcql_query",
        ),
    ],
)
async def test_the_choices_make_the_request_the_api_would(
    verifier: RunningVerifier, choices: dict[str, str], prefix: str, asks_with: str
) -> None:
    await sign_in(verifier)
    request = await made(verifier, **choices)
    assert request["client_id"].startswith(prefix), request["client_id"]
    _, claims = await verifier.request_object(request)
    assert asks_with in claims


async def test_asking_again_keeps_the_choices(verifier: RunningVerifier) -> None:
    await sign_in(verifier)
    first = await made(verifier, client_id_scheme="redirect_uri", era="draft")
    again = await post_form(verifier, f"/employer/requests/{first['request_id']}/again")
    assert again.status_code == 303, again.text
    second = (await verifier.get(again.headers["location"].rsplit("/", 1)[-1])).json()
    assert second["request_id"] != first["request_id"]
    assert second["client_id"] == first["client_id"]
    _, claims = await verifier.request_object(second)
    assert "presentation_definition" in claims
