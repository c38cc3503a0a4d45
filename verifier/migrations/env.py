from alembic import context

from shared.db import run_migrations_from_env
from verifier.models import Base

run_migrations_from_env(context, Base.metadata)
