from alembic import context

from holder.models import Base
from shared.db import run_migrations_from_env

run_migrations_from_env(context, Base.metadata)
