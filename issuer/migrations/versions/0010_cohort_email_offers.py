"""cohorts.email_offers: the registrar chose to e-mail each learner of the cohort their offer

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode, as the other revisions: SQLite drops a column only by copying its table.
    with op.batch_alter_table("cohorts") as batch:
        batch.add_column(
            sa.Column("email_offers", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("cohorts") as batch:
        batch.drop_column("email_offers")
