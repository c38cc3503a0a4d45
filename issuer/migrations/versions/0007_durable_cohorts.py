"""cohorts become durable jobs: idempotency key, stored file, state and progress; awards
remember their line of the cohort's file, unique per cohort

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_WHEN = sa.DateTime(timezone=True)
# Cohorts made before this revision were created whole in one transaction: they are done.
_BACKFILL = """
UPDATE cohorts SET state = 'done', done = row_count, delimiter = ',', finished_at = created_at,
    organisation_id = (
        SELECT achievements.organisation_id FROM achievement_versions
        JOIN achievements ON achievements.id = achievement_versions.achievement_id
        WHERE achievement_versions.id = cohorts.achievement_version_id
    )
"""


def upgrade() -> None:
    with op.batch_alter_table("cohorts") as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.String(36), nullable=True))
        batch_op.add_column(sa.Column("idempotency_key", sa.String(200), nullable=True))
        batch_op.add_column(sa.Column("file_digest", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("file_data", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("delimiter", sa.String(1), nullable=True))
        batch_op.add_column(sa.Column("state", sa.String(16), nullable=True))
        batch_op.add_column(sa.Column("done", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", _WHEN, nullable=True))
        batch_op.add_column(sa.Column("finished_at", _WHEN, nullable=True))
        batch_op.add_column(sa.Column("links_made_at", _WHEN, nullable=True))
        batch_op.create_foreign_key(
            "fk_cohorts_organisation_id_organisations", "organisations", ["organisation_id"], ["id"]
        )
        batch_op.create_unique_constraint(
            "uq_cohorts_organisation_id", ["organisation_id", "idempotency_key"]
        )
    op.execute(_BACKFILL)
    with op.batch_alter_table("cohorts") as batch_op:
        batch_op.alter_column("delimiter", existing_type=sa.String(1), nullable=False)
        batch_op.alter_column("state", existing_type=sa.String(16), nullable=False)
        batch_op.alter_column("done", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("awards") as batch_op:
        batch_op.add_column(sa.Column("cohort_line", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cohort_tx_code", sa.Boolean(), nullable=True))
        batch_op.create_unique_constraint("uq_awards_cohort_id", ["cohort_id", "cohort_line"])


def downgrade() -> None:
    with op.batch_alter_table("awards") as batch_op:
        batch_op.drop_constraint("uq_awards_cohort_id", type_="unique")
        batch_op.drop_column("cohort_tx_code")
        batch_op.drop_column("cohort_line")
    with op.batch_alter_table("cohorts") as batch_op:
        batch_op.drop_constraint("uq_cohorts_organisation_id", type_="unique")
        batch_op.drop_constraint("fk_cohorts_organisation_id_organisations", type_="foreignkey")
        for column in (
            "links_made_at",
            "finished_at",
            "updated_at",
            "error",
            "done",
            "state",
            "delimiter",
            "file_data",
            "file_digest",
            "idempotency_key",
            "organisation_id",
        ):
            batch_op.drop_column(column)
