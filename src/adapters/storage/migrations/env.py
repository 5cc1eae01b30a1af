"""Alembic environment for the review queue.

proofdesk runs Alembic programmatically (`proofdesk.adapters.storage.migrate`): the caller passes
an open connection in `config.attributes["connection"]` and holds the migration lock on it, so
there is no alembic.ini and no URL here. SQLite gets batch mode (ALTER TABLE by copy-and-move).
"""

from __future__ import annotations

from alembic import context
from proofdesk.adapters.storage.sql import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "the queue migrations need an open connection in config.attributes['connection']; "
        "use `proofdesk db upgrade` or proofdesk.adapters.storage.migrate.upgrade_to_head()"
    )

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)

with context.begin_transaction():
    context.run_migrations()
