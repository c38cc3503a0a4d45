"""awards keep their certificate's signed credential (the QR code's address answers it)

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: existing awards get theirs signed when their certificate's QR is first read.
    with op.batch_alter_table("awards") as batch_op:
        batch_op.add_column(sa.Column("certificate_credential", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("awards") as batch_op:
        batch_op.drop_column("certificate_credential")
