"""rate_limit_counters: requests counted per client address, for rate limits (sign-up)

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from shared.rate_limits import create_rate_limit_counters_table_v1, drop_rate_limit_counters_table

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_rate_limit_counters_table_v1(op)


def downgrade() -> None:
    drop_rate_limit_counters_table(op)
