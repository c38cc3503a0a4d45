"""The keys table.

Revision ID: 0001
"""

from alembic import op

from shared.crypto.key_record import create_keys_table_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_keys_table_v1(op)


def downgrade() -> None:
    op.drop_table("keys")
