"""Alembic environment: the models' metadata, the URL from settings (or the caller's config).

A migration writes rows and schema; it runs nothing of the app but its table metadata and
settings. What is derived from the knowledge (the search index) is built by the app, in each
knowledge snapshot.
"""

from pathlib import Path

from alembic import context
from sqlalchemy import create_engine, pool
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers the tables on the metadata)
from app.config import get_settings

config = context.config
target_metadata = SQLModel.metadata

# Revisions 0003 to 0007 kept a full-text index in the database, built per backend and with no
# model: an FTS5 table and its shadow tables on SQLite, a tsvector column and its GIN index on
# PostgreSQL. It is left out of the comparison with the models.
SEARCH_INDEX_TABLE = "search_index"
SEARCH_INDEX_PARTS = {"search_vector", "ix_search_document_search_vector"}


def include_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """Leave the backend-specific search index out of the comparison with the models."""
    if name is None:
        return True
    if type_ == "table":
        return name != SEARCH_INDEX_TABLE and not name.startswith(f"{SEARCH_INDEX_TABLE}_")
    return name not in SEARCH_INDEX_PARTS


def database_url() -> str:
    # Tests pass the URL of their own database; everyone else uses DATABASE_URL.
    return config.get_main_option("sqlalchemy.url") or get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = database_url()
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
