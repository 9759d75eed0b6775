"""Every migration, one step at a time: up, down, up again, and each down step restores
exactly the database the step before left: its tables, columns, every row, and what the
full-text index finds (not how the index stores it)."""

from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import Script
from sqlalchemy import MetaData, create_engine, inspect, select, text

from app.db import alembic_config, migrate, migration_script

# Words whose matches must come back the same after each step down and up.
PROBES = ("calcium", "kidney", "lump", "warfarin")
SEARCH_INDEX = "search_index"
MATCHES = text(f"SELECT rowid FROM {SEARCH_INDEX} WHERE {SEARCH_INDEX} MATCH :q")


def revisions() -> list[Script]:
    """Every revision, oldest first."""
    script = migration_script()
    return list(reversed(list(script.walk_revisions("base", "heads"))))


def snapshot(database_url: str) -> dict[str, Any]:
    """The schema, the data and the search results of a database, comparable between moments."""
    engine = create_engine(database_url)
    try:
        inspector = inspect(engine)
        metadata = MetaData()
        # The full-text index's own tables are its storage: compared by what it finds, below.
        metadata.reflect(engine, only=lambda name, _: not name.startswith(SEARCH_INDEX))
        with engine.connect() as connection:
            state: dict[str, Any] = {
                name: {
                    "columns": [(c["name"], str(c["type"])) for c in inspector.get_columns(name)],
                    "indexes": sorted(str(i["name"]) for i in inspector.get_indexes(name)),
                    "rows": sorted(repr(tuple(row)) for row in connection.execute(select(table))),
                }
                for name, table in metadata.tables.items()
            }
            if SEARCH_INDEX in inspector.get_table_names():
                state["search results"] = {
                    word: sorted(connection.execute(MATCHES, {"q": word}).scalars())
                    for word in PROBES
                }
    finally:
        engine.dispose()
    # Alembic keeps its (empty) version table at base: a database without one is the same.
    if not state.get("alembic_version", {"rows": None})["rows"]:
        state.pop("alembic_version", None)
    return state


@pytest.fixture(scope="module")
def stairway_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("stairway") / "knowledge.db"
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def below() -> dict[str, dict[str, Any]]:
    """The snapshot each revision's upgrade started from, filled as the stairway climbs."""
    return {}


@pytest.mark.parametrize("revision", revisions(), ids=lambda revision: revision.revision)
def test_step_up_down_up(
    stairway_url: str, below: dict[str, dict[str, Any]], revision: Script
) -> None:
    config = alembic_config(stairway_url)
    before = snapshot(stairway_url)

    command.upgrade(config, revision.revision)
    after = snapshot(stairway_url)
    assert after["alembic_version"]["rows"] == [repr((revision.revision,))]

    command.downgrade(config, revision.down_revision or "base")  # type: ignore[arg-type]
    assert snapshot(stairway_url) == before

    command.upgrade(config, revision.revision)
    assert snapshot(stairway_url) == after
    below[revision.revision] = before


def test_the_stairway_reaches_every_revision(below: dict[str, dict[str, Any]]) -> None:
    assert list(below) == [revision.revision for revision in revisions()]


def test_at_head_the_database_holds_no_derived_search_tables(stairway_url: str) -> None:
    # Search is built in each knowledge snapshot, from the knowledge it copies (app/snapshot.py).
    migrate(stairway_url)
    assert not [name for name in snapshot(stairway_url) if name.startswith("search")]
