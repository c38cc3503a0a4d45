"""The operator commands stay light: scripts run `credstack issuer award` once per learner."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("fastapi", "sqlalchemy", "alembic", "didkit", "fpdf", "argon2")


def test_the_command_line_loads_no_web_app_or_database_stack() -> None:
    probe = (
        "import sys, credstack.cli;"
        "from credstack.cli import build_parser; build_parser();"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""
