"""The migrations build the schema and the knowledge, and undo exactly what they did."""

from typing import Any

from alembic import command
from sqlalchemy import create_engine, inspect, text

from app.knowledge import TABLE_ORDER
from tests.conftest import alembic_config


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every knowledge table, in a stable order."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            return {
                name: sorted(
                    (
                        tuple(str(value) for value in row)
                        for row in connection.execute(text(f"SELECT * FROM {name}"))
                    ),
                )
                for name in TABLE_ORDER
                if name in tables
            }
    finally:
        engine.dispose()


def test_round_trip_gives_the_same_rows(empty_database_url: str) -> None:
    url = empty_database_url
    config = alembic_config(url)
    command.upgrade(config, "head")
    first = snapshot(url)
    command.downgrade(config, "base")
    assert snapshot(url) == {}
    command.upgrade(config, "head")
    assert snapshot(url) == first
    assert len(first["risk_factor"]) == 19


def test_data_migration_removes_exactly_its_rows(empty_database_url: str) -> None:
    url = empty_database_url
    config = alembic_config(url)
    command.upgrade(config, "0002")
    assert snapshot(url)["evidence"]
    command.downgrade(config, "0001")
    assert all(rows == [] for rows in snapshot(url).values())


def test_models_match_migrations(empty_database_url: str) -> None:
    url = empty_database_url
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.check(config)  # raises if the models drifted from the migrations
