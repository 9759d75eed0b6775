"""The migrations build the schema and the knowledge, and undo exactly what they did, on every
backend: the whole way down and up, and each data revision's own step down."""

from typing import Any

import pytest
from alembic import command
from sqlalchemy import Integer, create_engine, inspect, text

from app.db import alembic_config, migration_script
from tools.curation.revisions import data_revisions


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but Alembic's own, in a stable order.

    Integer ids that the database numbers itself are left out: a sequence does not rewind, so
    a row written again gets another; what the migrations write is the rest of the row.
    """
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            tables = [
                name
                for name in inspector.get_table_names()
                if name != "alembic_version" and not name.startswith("search_index")
            ]
            result = {}
            for name in tables:
                columns = [
                    c["name"]
                    for c in inspector.get_columns(name)
                    if not (c["name"] == "id" and isinstance(c["type"], Integer))
                ]
                listed = ", ".join(f'"{column}"' for column in columns)
                rows = connection.execute(text(f'SELECT {listed} FROM "{name}"'))
                result[name] = sorted(tuple(str(value) for value in row) for row in rows)
            return result
    finally:
        engine.dispose()


def test_round_trip_gives_the_same_rows(empty_database_url: str) -> None:
    url = empty_database_url
    config = alembic_config(url)
    command.upgrade(config, "head")
    first = snapshot(url)
    assert first["statement"]
    command.downgrade(config, "base")
    assert snapshot(url) == {}
    command.upgrade(config, "head")
    assert snapshot(url) == first


@pytest.mark.parametrize(
    "revision", [module.revision for module in data_revisions(migration_script())]
)
def test_each_data_revision_removes_exactly_its_rows(
    empty_database_url: str, revision: str
) -> None:
    url = empty_database_url
    config = alembic_config(url)
    script = migration_script().get_revision(revision)
    assert script is not None
    command.upgrade(config, str(script.down_revision))
    before = snapshot(url)
    command.upgrade(config, revision)
    assert snapshot(url) != before
    command.downgrade(config, "-1")
    assert snapshot(url) == before


def test_models_match_migrations(empty_database_url: str) -> None:
    url = empty_database_url
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.check(config)  # raises if the models drifted from the migrations
