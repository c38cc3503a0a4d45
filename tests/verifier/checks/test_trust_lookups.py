"""The trust list is asked once per issuer for one answer, and afresh for the next answer."""

from __future__ import annotations

import pytest

from tests.verifier.checks.world import World, not_passed, reason
from verifier.trust.entries import TrustedIssuer


@pytest.fixture
def asked(world: World, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The DIDs the engine asks the trust list about, in order."""
    seen: list[str] = []
    lookup = world.trust.lookup

    async def counting(did: str) -> TrustedIssuer | None:
        seen.append(did)
        return await lookup(did)

    monkeypatch.setattr(world.trust, "lookup", counting)
    return seen


async def test_three_credentials_from_one_university_cost_one_look_up(
    world: World, asked: list[str]
) -> None:
    credentials = [await world.credential("jwt_vc_json") for _ in range(3)]
    vp = await world.present("jwt_vc_json", credentials)
    report = await world.check_dcql("jwt_vc_json", [vp])
    assert report.verified, not_passed(report)
    assert [c.trusted for c in report.credentials] == [True, True, True]
    assert asked == [world.lists.key.did]


async def test_the_next_answer_asks_the_trust_list_again(world: World, asked: list[str]) -> None:
    vp = await world.present("jwt_vc_json", [await world.credential("jwt_vc_json")])
    assert (await world.check_dcql("jwt_vc_json", [vp])).verified
    world.trust.issuers.clear()  # the operator removes the university meanwhile
    again = await world.check_dcql("jwt_vc_json", [vp])
    assert not_passed(again) == {"trusted_issuer#0"}
    assert "unknown issuer" in reason(again, "trusted_issuer", 0)
    assert len(asked) == 2
