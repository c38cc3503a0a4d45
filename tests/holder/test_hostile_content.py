"""A credential from a hostile issuer, whose title, description, issuer name and every other
text carry HTML and script, is shown as plain text on every page that displays it."""

from __future__ import annotations

from typing import Any

from markupsafe import escape

from tests.holder.conftest import RunningWallet, SignedInLearner
from tests.holder.samples import HOSTILE, micro_credential

ESCAPED = str(escape(HOSTILE))
PROGRAMME = f"Programme {HOSTILE}"


def hostile_credential(holder_did: str) -> dict[str, Any]:
    text = {"en": HOSTILE}
    credential = micro_credential(
        holder_did,
        title=text,
        description=text,
        learning_outcomes=[text],
        assessment_type=text,
        quality_assurance=text,
        further_information=text,
        learning_resources=["javascript:alert(1)"],
        stackability={
            "integration": "integrated",
            "stackable_toward": [{"name": {"en": PROGRAMME}, "url": "https://uni.example/p"}],
        },
        field_of_study=HOSTILE,
    )
    credential["name"] = HOSTILE
    credential.pop("nameTranslations", None)
    credential["issuer"]["name"] = HOSTILE
    credential["issuer"].pop("nameTranslations", None)
    credential["issuer"]["address"]["addressRegion"] = HOSTILE
    return credential


def assert_plain_text(page: str, where: str) -> None:
    assert HOSTILE not in page, where
    assert "<script>alert" not in page, where
    assert "<img src=x" not in page, where
    assert 'href="javascript:' not in page, where
    assert ESCAPED in page, f"{where}: the hostile text should be shown, escaped"


async def test_every_page_showing_the_credential_shows_its_markup_as_text(
    wallet: RunningWallet,
) -> None:
    learner: SignedInLearner = await wallet.sign_up()
    credential_id = await wallet.store_credential(learner, hostile_credential(learner.did))
    listed = (await learner.api.get("/api/v1/credentials")).json()
    assert listed[0]["title"] == {"en": HOSTILE}  # the summary holds the issuer's text as is
    assert listed[0]["issuer_name"] == {"en": HOSTILE}

    for path in (
        "/",
        f"/credentials/{credential_id}",
        f"/credentials/{credential_id}/delete",
        "/stack",
    ):
        response = await learner.browser.get(path)
        assert response.status_code == 200, path
        assert_plain_text(response.text, path)

    detail = (await learner.browser.get(f"/credentials/{credential_id}")).text
    assert "javascript:alert(1)" in detail  # shown as text, not as a link
    stack = (await learner.browser.get("/stack")).text
    assert str(escape(PROGRAMME)) in stack
    assert "<script" not in stack.replace(ESCAPED, "")


async def test_the_pages_carry_a_policy_that_runs_no_inline_script(wallet: RunningWallet) -> None:
    """A second line of defence, should an escape ever be missed."""
    learner = await wallet.sign_up()
    credential_id = await wallet.store_credential(learner, hostile_credential(learner.did))
    response = await learner.browser.get(f"/credentials/{credential_id}")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
