"""The credential issuer metadata is served from a rendering kept until the catalogue
changes: a change made through any unit of work shows in the next answer."""

from __future__ import annotations

from typing import Any

from issuer.catalogue.service import Catalogue
from issuer.oid4vci.configurations import LDP_VC, achievement_configuration_id
from issuer.organisations.service import Organisations
from tests.issuer.conftest import RunningIssuer

METADATA = "/.well-known/openid-credential-issuer"


async def _configurations(issuer: RunningIssuer) -> dict[str, Any]:
    response = await issuer.client.get(METADATA)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    configurations: dict[str, Any] = response.json()["credential_configurations_supported"]
    return configurations


async def test_a_micro_credential_added_after_the_metadata_was_served_is_in_the_next_answer(
    issuer: RunningIssuer,
) -> None:
    before = await _configurations(issuer)
    assert await _configurations(issuer) == before  # served again from the rendering
    async with issuer.session() as session:
        catalogue = Catalogue(session, issuer.settings.base_url)
        [first, *_] = await catalogue.items()
        organisation = await Organisations(
            session, issuer.settings, issuer.runtime.key_encryption_key
        ).get(first.achievement.organisation_id)
        data = {**first.version.entry, "title": {"en": "Data stewardship in practice"}}
        added = await catalogue.create(organisation, data, actor="test")

    after = await _configurations(issuer)

    identifier = achievement_configuration_id(LDP_VC, added.achievement.id)
    assert identifier not in before
    assert after[identifier]["credential_metadata"]["display"][0]["name"] == (
        "Data stewardship in practice"
    )


async def test_the_authorization_server_metadata_is_the_same_document_each_time(
    issuer: RunningIssuer,
) -> None:
    first = await issuer.client.get("/.well-known/oauth-authorization-server")
    second = await issuer.client.get("/.well-known/oauth-authorization-server")
    assert first.status_code == 200, first.text
    assert first.json()["token_endpoint"] == f"{issuer.settings.base_url}/token"
    assert second.content == first.content
