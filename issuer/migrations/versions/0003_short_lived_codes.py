"""pre-authorized codes are minted per fetch and stored nowhere: drop credential_offers.code_hash

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_UNIQUE = "uq_credential_offers_code_hash"


def upgrade() -> None:
    with op.batch_alter_table("credential_offers") as batch_op:
        batch_op.drop_constraint(batch_op.f(_UNIQUE), type_="unique")
        batch_op.drop_column("code_hash")


def downgrade() -> None:
    # Nullable: the hashes cannot be recomputed (the URI tokens are not stored either), so
    # the older issuer can redeem none of the offers still open; it has to make new ones.
    with op.batch_alter_table("credential_offers") as batch_op:
        batch_op.add_column(sa.Column("code_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f(_UNIQUE), ["code_hash"])
