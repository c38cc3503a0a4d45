from alembic import context

from issuer.models import Base
from shared.db import run_migrations_from_env

run_migrations_from_env(context, Base.metadata)
