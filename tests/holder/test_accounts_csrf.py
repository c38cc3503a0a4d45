"""Every state-changing form needs the page's CSRF token: without it, or with another
session's, the wallet answers 403 with a page that says what to do, and does nothing."""

from __future__ import annotations

import pytest

from holder.pages.common import CSRF_FIELD
from tests.holder.conftest import PASSWORD, RunningWallet, SignedInLearner
from tests.holder.samples import micro_credential

FORMS = [
    "/logout",
    "/credentials/status",
    "/credentials/{id}/status",
    "/credentials/{id}/delete",
    "/account/erase",
    "/account/backup",
]


async def learner_with_credential(wallet: RunningWallet) -> tuple[SignedInLearner, str]:
    learner = await wallet.sign_up()
    return learner, await wallet.store_credential(learner, micro_credential(learner.did))


async def assert_nothing_happened(learner: SignedInLearner, credential_id: str) -> None:
    me = await learner.api.get("/api/v1/me")
    assert me.status_code == 200, "the session survived"
    credential = await learner.api.get(f"/api/v1/credentials/{credential_id}")
    assert credential.status_code == 200, "the credential survived"
    assert credential.json()["status_checked_at"] is None, "no status was checked"


@pytest.mark.parametrize("path", FORMS)
async def test_a_form_post_without_the_token_is_refused(wallet: RunningWallet, path: str) -> None:
    learner, credential_id = await learner_with_credential(wallet)
    data = {"confirm_email": learner.email, "passphrase": "a long enough passphrase"}
    response = await learner.browser.post(path.format(id=credential_id), data=data)
    assert response.status_code == 403, response.text
    assert "did not come from your wallet" in response.text
    assert response.headers["content-type"].startswith("text/html")
    await assert_nothing_happened(learner, credential_id)


@pytest.mark.parametrize("token", ["", "0" * 64, "not-hex"])
async def test_a_wrong_token_is_refused(wallet: RunningWallet, token: str) -> None:
    learner, credential_id = await learner_with_credential(wallet)
    response = await learner.browser.post(
        f"/credentials/{credential_id}/delete", data={CSRF_FIELD: token}
    )
    assert response.status_code == 403
    await assert_nothing_happened(learner, credential_id)


async def test_another_sessions_token_is_refused(wallet: RunningWallet) -> None:
    """The token is bound to the session: one learned from another session (even the same
    learner's) does not work."""
    learner, credential_id = await learner_with_credential(wallet)
    second_session = await wallet.log_in(learner.email)
    response = await learner.browser.post(
        f"/credentials/{credential_id}/delete", data={CSRF_FIELD: second_session.csrf}
    )
    assert response.status_code == 403
    await assert_nothing_happened(learner, credential_id)
    accepted = await learner.post_form(f"/credentials/{credential_id}/delete")
    assert accepted.status_code == 303


async def test_the_sign_up_and_login_forms_need_the_pre_session_token(
    wallet: RunningWallet,
) -> None:
    """Login CSRF would sign a learner into someone else's wallet, where what they receive
    next would land."""
    await wallet.sign_up("ada@example.org")
    form = {"email": "ada@example.org", "password": PASSWORD}
    assert (await wallet.client.post("/login", data=form)).status_code == 403
    signup = {**form, "email": "eve@example.org"}
    assert (await wallet.client.post("/signup", data=signup)).status_code == 403
    assert (await wallet.client.get("/api/v1/me")).status_code == 401
    taken = await wallet.client.post("/api/v1/sessions", json=form)
    assert taken.status_code == 201  # the account is fine; only the forged forms were refused
    refused = await wallet.client.post(
        "/api/v1/sessions", json={"email": "eve@example.org", "password": PASSWORD}
    )
    assert refused.status_code == 401  # and the forged sign-up made no account
