"""A newcomer's first run: "Demo Employer" with a user whose token the CLI finds at once.

Runs on the start of a development node. The organisation is made once;
the token is re-made whenever the file in the data directory is missing or names no live
token (a fresh database beside an old data directory). The verifier's own key is made too,
so its DID is fixed from the first start.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from shared.private_files import write_private_file
from verifier.employers.dev_token import DEV_TOKEN_FILE
from verifier.employers.service import OPERATOR, Employers
from verifier.requests.identity import VerifierIdentity

DEMO_SLUG = "demo-employer"
DEMO_NAME = "Demo Employer"
DEMO_USER = "Demo recruiter"
DEV_TOKEN_NAME = "development"  # noqa: S105 (a label)


async def seed_development(session: AsyncSession, data_dir: Path, kek: bytes) -> None:
    await VerifierIdentity(session, kek).ensure_key()
    employers = Employers(session)
    path = data_dir / DEV_TOKEN_FILE
    token = path.read_text().strip() if path.exists() else ""
    demo = await employers.employer_for_token(token) if token else None
    if demo is not None:
        if not demo.is_operator:  # seeded before users had roles (migration 0004)
            await employers.set_role(demo.user_id, OPERATOR)
        return
    organisation = await employers.find_organisation(
        DEMO_SLUG
    ) or await employers.create_organisation(DEMO_SLUG, DEMO_NAME)
    # An operator: on a development node the newcomer runs the whole node, trust list too.
    user = await employers.add_user(organisation, DEMO_USER, role=OPERATOR)
    write_private_file(path, await employers.create_token(user, DEV_TOKEN_NAME))
