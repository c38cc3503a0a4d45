"""The issuer's core records: organisations, catalogue, awards and offers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from issuer.awards.offers import Offers
from issuer.awards.service import Awards, Recipient
from issuer.catalogue.service import Catalogue
from issuer.models import CredentialOffer, StatusAllocation
from issuer.organisations.service import Organisations
from shared.clock import utcnow
from shared.credentials.microcredential.validation import InvalidMicroCredential
from shared.errors import Conflict
from tests.issuer.conftest import RunningIssuer


async def test_a_new_development_node_is_seeded_with_a_demo_catalogue(
    issuer: RunningIssuer,
) -> None:
    async with issuer.session() as session:
        organisations = await Organisations(
            session, issuer.settings, issuer.runtime.key_encryption_key
        ).all()
        items = await Catalogue(session, issuer.settings.base_url).items()
    assert [o.slug for o in organisations] == ["demo"]
    assert organisations[0].did.startswith("did:key:z6Mk")
    assert len(items) == 2
    for item in items:
        assert item.entry.title.languages() == ["en", "de"]
        assert item.entry.id == f"{issuer.settings.base_url}/achievements/{item.achievement.id}"


async def test_an_edit_makes_a_new_version_and_leaves_awards_on_theirs(
    issuer: RunningIssuer,
) -> None:
    async with issuer.session() as session:
        catalogue = Catalogue(session, issuer.settings.base_url)
        item = (await catalogue.items())[0]
        award = await Awards(session, issuer.settings.base_url).create(
            item.achievement.id, Recipient(name="Maria Muster", grade="B"), actor="test"
        )
        data = item.entry.model_dump(mode="json", exclude={"id"})
        data["ects"] = 6
        edited = await catalogue.edit(item.achievement.id, data, actor="test")
        model = await Awards(session, issuer.settings.base_url).model_of(award)
    assert edited.version.version == 2
    assert model.entry.ects == 5  # the award keeps the version it was made from
    assert edited.entry.ects == 6


async def test_an_award_missing_an_element_or_for_a_retired_entry_is_refused(
    issuer: RunningIssuer,
) -> None:
    async with issuer.session() as session:
        catalogue = Catalogue(session, issuer.settings.base_url)
        item = (await catalogue.items())[0]
        awards = Awards(session, issuer.settings.base_url)
        with pytest.raises(InvalidMicroCredential, match="Grade"):
            await awards.create(item.achievement.id, Recipient(name="X", grade="Z"), actor="t")
        await catalogue.retire(item.achievement.id, actor="test")
        with pytest.raises(Conflict, match="retired"):
            await awards.create(item.achievement.id, Recipient(name="X"), actor="t")


async def test_awards_get_distinct_random_status_indexes(issuer: RunningIssuer) -> None:
    async with issuer.session() as session:
        item = (await Catalogue(session, issuer.settings.base_url).items())[1]
        awards = await Awards(session, issuer.settings.base_url).create_many(
            item.achievement.id, [Recipient(name=f"Learner {i}") for i in range(50)], actor="t"
        )
        taken = list(await session.scalars(select(StatusAllocation.index)))
    revocation = [a.revocation_index for a in awards]
    assert len(set(revocation)) == 50
    assert len(taken) == 100  # one revocation and one suspension index each
    assert revocation != sorted(revocation)


async def test_an_offer_stores_only_hashes_no_code_and_a_new_offer_withdraws_the_old(
    issuer: RunningIssuer,
) -> None:
    kek = issuer.runtime.key_encryption_key
    async with issuer.session() as session:
        item = (await Catalogue(session, issuer.settings.base_url).items())[0]
        award = await Awards(session, issuer.settings.base_url).create(
            item.achievement.id, Recipient(name="Maria Muster"), actor="t"
        )
        offers = Offers(session, issuer.settings, kek)
        first = await offers.create(award, with_tx_code=True, actor="t")
        offer_object = offers.offer_object(first.offer)
        second = await offers.create(award, with_tx_code=False, actor="t")
        rows = list(await session.scalars(select(CredentialOffer)))
    code = offer_object["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    assert issuer.codes.offer_id(code["pre-authorized_code"], utcnow()) == first.offer.id
    assert code["tx_code"]["length"] == 6
    assert first.tx_code is not None
    assert len(first.tx_code) == 6
    stored = repr([[getattr(r, c.key) for c in CredentialOffer.__table__.columns] for r in rows])
    for secret in (first.uri_token, code["pre-authorized_code"], first.tx_code):
        assert secret not in stored
    by_id = {r.id: r for r in rows}
    assert by_id[first.offer.id].invalidated_at is not None
    assert by_id[second.offer.id].invalidated_at is None
    assert second.links(issuer.settings)["credential_offer_uri"].startswith(
        "openid-credential-offer://?credential_offer_uri=http%3A%2F%2Fissuer.test%2Fcredential-offer%2F"
    )


async def test_a_did_web_node_serves_its_organisation_documents(
    database_url_for, issuer_settings_for
) -> None:
    from issuer.app import create_app
    from tests.support.apps import serving

    settings = issuer_settings_for(await database_url_for("issuer"), did_method="web")
    app = create_app(settings)
    async with serving(app, base_url="http://issuer.test") as client:
        document = (await client.get("/.well-known/did.json")).json()
    assert document["id"] == "did:web:issuer.test"
    assert document["assertionMethod"] == [document["verificationMethod"][0]["id"]]
    assert document["verificationMethod"][0]["type"] == "Ed25519VerificationKey2020"
