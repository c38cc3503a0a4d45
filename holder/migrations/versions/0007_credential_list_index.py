"""credentials: an index on (learner_id, received_at, id) for the list, newest first

Revision ID: 0007
Revises: 0006

A wallet with ten thousand credentials is listed a page at a time; this index finds a page
(and the page after a given credential) without sorting the learner's whole list.
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_credentials_learner_received",
        "credentials",
        ["learner_id", "received_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_credentials_learner_received", table_name="credentials")
