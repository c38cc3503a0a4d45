"""an offer yields one credential per configuration; tx_codes under a keyed hash

- issued_credentials gains offer_id and configuration_id, unique together, so the database
  refuses a second credential of one configuration from one offer.
- tx_code digests become HMACs under a key derived from the key-encryption key. The old
  digests (plain SHA-256) cannot be converted without the PINs, which are stored nowhere,
  so the offers still open with a PIN are withdrawn: their learners would otherwise be told
  their right PIN is wrong. The registrar makes new offers for them ("Offer again").

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("issued_credentials") as batch_op:
        batch_op.add_column(sa.Column("offer_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("configuration_id", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_issued_credentials_offer_id_credential_offers"),
            "credential_offers",
            ["offer_id"],
            ["id"],
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_issued_credentials_offer_id"), ["offer_id", "configuration_id"]
        )
    _withdraw_open_offers_with_a_tx_code()


def _withdraw_open_offers_with_a_tx_code() -> None:
    offers = sa.table(
        "credential_offers",
        sa.column("tx_code_hash", sa.String),
        sa.column("redeemed_at", sa.DateTime(timezone=True)),
        sa.column("invalidated_at", sa.DateTime(timezone=True)),
    )
    op.execute(
        offers.update()
        .where(
            offers.c.tx_code_hash.is_not(None),
            offers.c.redeemed_at.is_(None),
            offers.c.invalidated_at.is_(None),
        )
        .values(invalidated_at=sa.func.now())
    )


def downgrade() -> None:
    # The keyed digests mean nothing to the older issuer: it withdraws what it cannot check.
    with op.batch_alter_table("issued_credentials") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_issued_credentials_offer_id"), type_="unique")
        batch_op.drop_constraint(
            batch_op.f("fk_issued_credentials_offer_id_credential_offers"), type_="foreignkey"
        )
        batch_op.drop_column("configuration_id")
        batch_op.drop_column("offer_id")
    _withdraw_open_offers_with_a_tx_code()
