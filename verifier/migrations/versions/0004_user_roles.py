"""users.role: member or operator (only operators change the trust list)

Revision ID: 0004
Revises: 0003

Users made before this revision become members: nobody gains the right to change the
node-wide trust list by an upgrade. An operator is named with
``credstack verifier token create --operator`` (the development seed's demo user is one).
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("role", sa.String(length=16), server_default="member", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("role")
