"""Export and encrypted backup: the export holds the credentials as received and no key; a
backup restores into a new account with its credentials, key and DID; a wrong passphrase
changes nothing."""

from __future__ import annotations

import json

from sqlalchemy import select

from holder.accounts.service import key_owner
from holder.models import StoredKey
from holder.wallet.backup import EXPORT_FORMAT
from shared.credentials.formats import get_format
from shared.crypto.backup import open_backup
from shared.did.resolver import DIDResolver
from tests.holder.conftest import RunningWallet, SignedInLearner
from tests.holder.samples import micro_credential, outside_badge
from tests.shared.credentials.test_microcredential_samples import did_key_signer

PASSPHRASE = "seven blue lanterns over the harbour"


async def learner_with_two_credentials(
    wallet: RunningWallet,
) -> tuple[SignedInLearner, dict[str, tuple[str, object]]]:
    """A learner holding an ldp_vc and a jwt_vc_json credential; returns them by id."""
    learner = await wallet.sign_up()
    issuer = did_key_signer()
    jwt = await get_format("jwt_vc_json", DIDResolver()).sign_credential(
        micro_credential(learner.did, issuer_did=issuer.did, ects=3), issuer
    )
    ldp = micro_credential(learner.did)
    documents = {
        await wallet.store_credential(learner, ldp): ("ldp_vc", ldp),
        await wallet.store_credential(learner, jwt, format_name="jwt_vc_json"): (
            "jwt_vc_json",
            jwt,
        ),
    }
    return learner, documents


async def documents_of(learner: SignedInLearner) -> list[tuple[str, object]]:
    listed = (await learner.api.get("/api/v1/credentials")).json()
    found = []
    for item in listed:
        one = (await learner.api.get(f"/api/v1/credentials/{item['id']}")).json()
        found.append((one["format"], one["document"]))
    return sorted(found, key=lambda pair: json.dumps(pair))


def as_sorted(documents: dict[str, tuple[str, object]]) -> list[tuple[str, object]]:
    return sorted(documents.values(), key=lambda pair: json.dumps(pair))


async def test_the_export_holds_every_credential_as_received_and_no_key(
    wallet: RunningWallet,
) -> None:
    learner, documents = await learner_with_two_credentials(wallet)
    response = await learner.api.get("/api/v1/export")
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].startswith(
        'attachment; filename="credstack-wallet-export-'
    )
    assert response.headers["cache-control"] == "no-store"
    export = response.json()
    assert export["format"] == EXPORT_FORMAT
    assert export["holder"] == learner.did
    assert {item["id"]: (item["format"], item["credential"]) for item in export["credentials"]} == (
        documents
    )
    key = json.loads((await wallet.private_key(learner)).private_jwk_json())
    assert key["d"] not in response.text

    page = await learner.browser.get("/account/export")
    assert page.status_code == 200
    assert page.headers["content-disposition"].startswith("attachment;")
    assert len(page.json()["credentials"]) == 2


async def test_a_backup_restores_into_a_new_account_with_credentials_key_and_did(
    wallet: RunningWallet,
) -> None:
    old, documents = await learner_with_two_credentials(wallet)
    old_key = await wallet.private_key(old)
    backup = await old.api.post("/api/v1/backup", json={"passphrase": PASSPHRASE})
    assert backup.status_code == 200, backup.text
    assert backup.headers["content-disposition"].startswith(
        'attachment; filename="credstack-wallet-backup-'
    )
    assert json.loads(old_key.private_jwk_json())["d"] not in backup.text
    assert open_backup(backup.content, PASSPHRASE).contents["holder"] == old.did

    new = await wallet.sign_up()
    assert new.did != old.did
    restored = await new.api.post(
        "/api/v1/backup/restore",
        files={"file": ("backup.json", backup.content, "application/json")},
        data={"passphrase": PASSPHRASE},
    )
    assert restored.status_code == 200, restored.text
    assert restored.json() == {"restored": 2, "did": old.did}

    assert (await new.api.get("/api/v1/me")).json()["did"] == old.did
    assert await documents_of(new) == as_sorted(documents)
    assert all(c["source"] == "backup" for c in (await new.api.get("/api/v1/credentials")).json())
    # The new account signs with the old key: credentials bound to the old DID can be presented.
    new_key = await wallet.private_key(new)
    assert json.loads(new_key.private_jwk_json()) == json.loads(old_key.private_jwk_json())
    async with wallet.session() as session:
        keys = list(
            await session.scalars(select(StoredKey).where(StoredKey.owner == key_owner(new.id)))
        )
        signing = await wallet.accounts(session).holder_signing_key(
            await wallet.learner(session, new)
        )
    assert len(keys) == 1  # the account's first key is gone, replaced by the backup's
    assert signing.did == old.did
    presentation = await get_format("ldp_vc", DIDResolver()).sign_presentation(
        {
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "type": ["VerifiablePresentation"],
        },
        signing,
        nonce="n-1",
        audience="redirect_uri:https://verifier.example/cb",
    )
    verified = await get_format("ldp_vc", DIDResolver()).verify_presentation(
        presentation, nonce="n-1", audience="redirect_uri:https://verifier.example/cb"
    )
    assert verified.verified, verified.problems
    assert presentation["holder"] == old.did


async def test_a_wrong_passphrase_is_a_clear_error_and_changes_nothing(
    wallet: RunningWallet,
) -> None:
    old, _ = await learner_with_two_credentials(wallet)
    backup = (await old.api.post("/api/v1/backup", json={"passphrase": PASSPHRASE})).content
    new = await wallet.sign_up()
    key_before = await wallet.private_key(new)

    refused = await new.api.post(
        "/api/v1/backup/restore",
        files={"file": ("backup.json", backup, "application/json")},
        data={"passphrase": PASSPHRASE.upper()},
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "wrong_passphrase"
    assert "passphrase does not open this backup" in refused.json()["error_description"]
    assert (await new.api.get("/api/v1/me")).json()["did"] == new.did
    assert (await new.api.get("/api/v1/credentials")).json() == []
    key_after = await wallet.private_key(new)
    assert key_after.private_jwk_json() == key_before.private_jwk_json()

    page = await new.post_form(
        "/account/restore",
        data={"passphrase": "not the passphrase"},
        files={"file": ("backup.json", backup, "application/json")},
    )
    assert page.status_code == 400
    assert "The passphrase does not open this backup" in page.text
    assert "Nothing in your wallet was changed." in page.text


async def test_a_backup_is_not_restored_over_an_account_that_holds_credentials(
    wallet: RunningWallet,
) -> None:
    old, _ = await learner_with_two_credentials(wallet)
    backup = (await old.api.post("/api/v1/backup", json={"passphrase": PASSPHRASE})).content
    busy, documents = await learner_with_two_credentials(wallet)
    refused = await busy.api.post(
        "/api/v1/backup/restore",
        files={"file": ("backup.json", backup, "application/json")},
        data={"passphrase": PASSPHRASE},
    )
    assert refused.status_code == 409
    assert "new, empty account" in refused.json()["error_description"]
    assert await documents_of(busy) == as_sorted(documents)
    assert (await busy.api.get("/api/v1/me")).json()["did"] == busy.did


async def test_a_file_that_is_no_backup_and_a_short_passphrase_are_refused(
    wallet: RunningWallet,
) -> None:
    learner = await wallet.sign_up()
    await wallet.store_credential(learner, outside_badge(learner.did))
    short = await learner.api.post("/api/v1/backup", json={"passphrase": "too short"})
    assert short.status_code == 400
    assert "at least 12 characters" in short.json()["error_description"]

    new = await wallet.sign_up()
    export = (await learner.api.get("/api/v1/export")).content
    refused = await new.api.post(
        "/api/v1/backup/restore",
        files={"file": ("export.json", export, "application/json")},
        data={"passphrase": PASSPHRASE},
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_backup"


async def test_backup_and_restore_work_from_the_pages(wallet: RunningWallet) -> None:
    old, documents = await learner_with_two_credentials(wallet)
    short = await old.post_form("/account/backup", data={"passphrase": "short"})
    assert short.status_code == 400
    assert "at least 12 characters" in short.text

    downloaded = await old.post_form("/account/backup", data={"passphrase": PASSPHRASE})
    assert downloaded.status_code == 200
    assert downloaded.headers["content-disposition"].startswith("attachment;")

    new = await wallet.sign_up()
    restored = await new.post_form(
        "/account/restore",
        data={"passphrase": PASSPHRASE},
        files={"file": ("backup.json", downloaded.content, "application/json")},
    )
    assert restored.status_code == 200, restored.text
    assert "2 credentials restored." in " ".join(restored.text.split())
    assert old.did in restored.text
    assert await documents_of(new) == as_sorted(documents)


async def test_restore_needs_a_signed_in_learner(wallet: RunningWallet) -> None:
    response = await wallet.client.post(
        "/api/v1/backup/restore",
        files={"file": ("backup.json", b"{}", "application/json")},
        data={"passphrase": PASSPHRASE},
    )
    assert response.status_code == 401
