"""Alembic's entry point. The store passes its own connection (already holding the migration
lock, inside its transaction); run by hand, ``DATABASE_URL`` names the database."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from bot.storage.schema import create_engine_for, metadata

config = context.config
connection = config.attributes.get("connection")


def run(connection_to_use: Connection) -> None:
    # render_as_batch: SQLite cannot ALTER most things; batch mode copies the table instead.
    context.configure(connection=connection_to_use, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=os.environ["DATABASE_URL"], target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif connection is not None:
    run(connection)
else:
    engine, _ = create_engine_for(os.environ["DATABASE_URL"])
    with engine.begin() as own_connection:
        run(own_connection)
    engine.dispose()
