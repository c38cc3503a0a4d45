"""rate_limit_counters: requests counted per client address or offer, for rate limits

Revision ID: 0006
Revises: 0005
"""

from alembic import op

from shared.rate_limits import create_rate_limit_counters_table_v1, drop_rate_limit_counters_table

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_rate_limit_counters_table_v1(op)


def downgrade() -> None:
    drop_rate_limit_counters_table(op)
