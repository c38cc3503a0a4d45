"""Malformed addresses in offers and presentation requests are refused in words (400), never
a 500; the wallet's API answers are neither sniffed nor cached; a production wallet is
not started over plain http."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest

from holder.app import create_app
from holder.settings import HolderSettings
from shared.errors import ConfigurationError
from shared.settings import new_kek_text
from tests.holder.conftest import RunningWallet
from tests.support.apps import serving

MALFORMED_HOSTS = ["0177.0.0.1", "256.1.1.1", "01.1.1.1"]
MALFORMED_URLS = [*(f"https://{host}/x" for host in MALFORMED_HOSTS), "http://[::1/x"]


def offer(credential_issuer: str, **grant: Any) -> dict[str, Any]:
    return {
        "credential_issuer": credential_issuer,
        "credential_configuration_ids": ["MicroCredential_ldp_vc"],
        "grants": {
            "urn:ietf:params:oauth:grant-type:pre-authorized_code": {
                "pre-authorized_code": "code",
                **grant,
            }
        },
    }


@pytest.mark.parametrize("url", MALFORMED_URLS)
async def test_an_offer_uri_with_a_malformed_host_is_refused_in_words(
    wallet: RunningWallet, url: str
) -> None:
    learner = await wallet.sign_up()
    link = "openid-credential-offer://?credential_offer_uri=" + quote(url, safe="")
    response = await learner.api.post("/api/v1/offers", json={"offer_uri": link})
    assert response.status_code == 400, response.text
    assert "not a valid web address" in response.json()["error_description"]


@pytest.mark.parametrize(
    "body",
    [
        *({"offer": offer(url)} for url in MALFORMED_URLS),
        {"offer": offer("https://issuer.example", authorization_server="http://[::1/x")},
        {"link": "http://[::1/x?credential_offer_uri=https://issuer.example/o"},
    ],
)
async def test_an_offer_naming_a_malformed_address_is_refused_in_words(
    wallet: RunningWallet, body: dict[str, Any]
) -> None:
    learner = await wallet.sign_up()
    if "offer" in body:
        link = "openid-credential-offer://?credential_offer=" + quote(json.dumps(body["offer"]))
    else:
        link = body["link"]
    response = await learner.api.post("/api/v1/offers", json={"offer_uri": link})
    assert response.status_code == 400, response.text
    assert response.json()["error"] in ("invalid_credential_offer", "invalid_request")


@pytest.mark.parametrize(
    "link",
    [
        *(
            "openid4vp://?client_id=decentralized_identifier:did:web:v.example&request_uri="
            + quote(url, safe="")
            for url in MALFORMED_URLS
        ),
        "http://[::1/x",
        "openid4vp://?client_id=redirect_uri:http://[::1/x&response_uri=http://[::1/x"
        "&response_type=vp_token&response_mode=direct_post&nonce=n",
    ],
)
async def test_a_presentation_request_naming_a_malformed_address_is_refused_in_words(
    wallet: RunningWallet, link: str
) -> None:
    learner = await wallet.sign_up()
    response = await learner.api.post("/api/v1/presentation-requests", json={"link": link})
    assert response.status_code == 400, response.text
    assert response.json()["error"] in ("invalid_request", "invalid_client")


async def test_the_wallets_api_answers_are_not_sniffed_or_cached(wallet: RunningWallet) -> None:
    learner = await wallet.sign_up()
    for path in ("/api/v1/credentials", "/api/v1/me", "/api/v1/nowhere"):
        response = await learner.api.get(path)
        assert response.headers["content-type"].startswith("application/json"), path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["cache-control"] == "no-store", path


async def test_a_production_wallet_over_plain_http_does_not_start(
    database_url_for: Callable[[str], Any],
    wallet_settings_for: Callable[..., HolderSettings],
) -> None:
    settings = wallet_settings_for(
        await database_url_for("holder"),
        environment="production",
        key_encryption_key=new_kek_text(),
    )
    with pytest.raises(ConfigurationError) as refused:
        async with serving(create_app(settings)):
            pass
    assert "CREDSTACK_TLS_TERMINATED_BY_PROXY" in refused.value.description
