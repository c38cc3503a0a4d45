"""awards: an index on awarded_at, for the registrar's newest-first lists and searches

Revision ID: 0008
Revises: 0007

The awards pages and API list awards newest first, a page at a time; with the index a page
is read in order instead of sorting every award of the node first.
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_awards_awarded_at", "awards", ["awarded_at"])


def downgrade() -> None:
    op.drop_index("ix_awards_awarded_at", table_name="awards")
