"""learners.interface_language: the language of the wallet's own words, as the learner chose

Revision ID: 0005
Revises: 0004

``learners.language`` stays what it was: the language credentials are shown in where the
issuer gives it (any EU language). The wallet's words exist in fewer languages, so their
choice is kept apart; NULL (every account made before this) means "from the browser".
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("learners", sa.Column("interface_language", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("learners") as batch:
        batch.drop_column("interface_language")
