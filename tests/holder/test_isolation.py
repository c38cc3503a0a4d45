"""Learner A cannot read or delete learner B's credentials, over the API or the pages: B's
ids answer exactly like ids that do not exist, and B's credentials stay as they were.

(Presenting B's credential is tried in the share tests, with the ``two_learners`` fixture.)
"""

from __future__ import annotations

from tests.holder.conftest import SignedInLearner, TwoLearners

NO_SUCH = "00000000-0000-4000-8000-000000000000"


async def b_is_untouched(learners: TwoLearners) -> None:
    own = await learners.b.api.get(f"/api/v1/credentials/{learners.b_credential}")
    assert own.status_code == 200
    assert own.json()["status_checked_at"] is None
    assert [c["id"] for c in (await learners.b.api.get("/api/v1/credentials")).json()] == [
        learners.b_credential
    ]


API_ATTEMPTS = [
    ("GET", "/api/v1/credentials/{id}"),
    ("DELETE", "/api/v1/credentials/{id}"),
    ("POST", "/api/v1/credentials/{id}/status"),
]
PAGE_ATTEMPTS = [
    ("GET", "/credentials/{id}"),
    ("GET", "/credentials/{id}/delete"),
    ("POST", "/credentials/{id}/delete"),
    ("POST", "/credentials/{id}/status"),
]


async def test_a_cannot_read_refresh_or_delete_bs_credential_over_the_api(
    two_learners: TwoLearners,
) -> None:
    a = two_learners.a
    for method, path in API_ATTEMPTS:
        theirs = await a.api.request(method, path.format(id=two_learners.b_credential))
        nothing = await a.api.request(method, path.format(id=NO_SUCH))
        assert theirs.status_code == 404, (method, path)
        assert theirs.json() == nothing.json()  # B's id reveals nothing
    await b_is_untouched(two_learners)


async def test_bs_credentials_appear_in_none_of_as_lists_totals_or_exports(
    two_learners: TwoLearners,
) -> None:
    a = two_learners.a
    listed = (await a.api.get("/api/v1/credentials")).json()
    assert [c["id"] for c in listed] == [two_learners.a_credential]
    assert (await a.api.get("/api/v1/stack")).json()["total"] == {"ects": 5.0, "credentials": 1}
    export = (await a.api.get("/api/v1/export")).json()
    assert [c["id"] for c in export["credentials"]] == [two_learners.a_credential]
    assert two_learners.b.did not in (await a.api.get("/api/v1/export")).text
    assert two_learners.b_credential not in (await a.browser.get("/")).text


async def test_a_cannot_read_refresh_or_delete_bs_credential_through_the_pages(
    two_learners: TwoLearners,
) -> None:
    a: SignedInLearner = two_learners.a
    for method, path in PAGE_ATTEMPTS:
        url = path.format(id=two_learners.b_credential)
        response = await (a.post_form(url) if method == "POST" else a.browser.get(url))
        assert response.status_code == 404, (method, path)
        assert "No such credential in your wallet." in response.text
    await b_is_untouched(two_learners)


async def test_a_bearer_token_only_opens_its_own_learners_wallet(
    two_learners: TwoLearners,
) -> None:
    """The control: each learner does reach their own credential."""
    for learner, credential in (
        (two_learners.a, two_learners.a_credential),
        (two_learners.b, two_learners.b_credential),
    ):
        assert (await learner.api.get(f"/api/v1/credentials/{credential}")).status_code == 200
