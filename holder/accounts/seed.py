"""A newcomer's first run: one learner account to sign in with at once.

Only on an empty development wallet. The password is random, written to the data directory
(mode 0600) for `credstack up` to print; nothing is a default that a deployment could keep.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from holder.accounts.demo_login import DEMO_EMAIL, DEMO_LOGIN_FILE
from holder.accounts.service import Accounts, SignUp
from holder.models import Learner
from shared.private_files import write_private_file


async def seed_demo_learner(session: AsyncSession, accounts: Accounts, data_dir: Path) -> bool:
    """Create the demo learner in an empty wallet; returns whether it did."""
    if await session.scalar(select(func.count()).select_from(Learner)):
        return False
    password = secrets.token_urlsafe(12)
    await accounts.sign_up(SignUp(DEMO_EMAIL, password, "Demo Learner"))
    write_private_file(data_dir / DEMO_LOGIN_FILE, f"{DEMO_EMAIL}\n{password}\n")
    return True
