"""How a snapshot is built (app/snapshot.py): from the knowledge as one read saw it, by the
builder a worker keeps started ahead, which builds only when told, is followed by a new one
waiting after each build, and never outlives the worker that started it."""

import asyncio
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, pool, text

from app.config import Settings
from app.db import create_database_engine
from app.knowledge import Knowledge
from app.snapshot import SUFFIX, Builder, SnapshotError, consistent_read, copy_knowledge
from tests.conftest import corpus_database


def snapshots_in(directory: Path) -> list[Path]:
    return list(directory.glob(f"*{SUFFIX}")) if directory.is_dir() else []


def test_the_knowledge_is_copied_as_the_read_saw_it(
    empty_database_url: str, knowledge: Knowledge, tmp_path: Path
) -> None:
    """What a migration commits while a build copies the knowledge is the next revision's: the
    copy holds the knowledge as the build's one read saw it. (On SQLite, in WAL mode, where a
    writer commits beside a reader; in the default mode it waits for the reader.)"""
    corpus_database(empty_database_url, knowledge)
    copies = tmp_path / "copies"
    copies.mkdir()
    # The builder reads as a worker does (read-only); the migration writes.
    database = create_database_engine(empty_database_url, pooled=False)
    migration = create_engine(empty_database_url, poolclass=pool.NullPool)
    if empty_database_url.startswith("sqlite"):
        with migration.connect() as connection:
            connection.exec_driver_sql("PRAGMA journal_mode = WAL")
    try:
        with consistent_read(database) as source:
            seen = source.scalar(text("SELECT count(*) FROM evidence"))
            assert seen
            with migration.begin() as writer:
                writer.execute(text("DELETE FROM evidence"))
            copy_knowledge(source, copies / "copy.sqlite")
        with migration.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM evidence")) == 0
    finally:
        database.dispose()
        migration.dispose()
    copied = create_engine(f"sqlite:///{copies / 'copy.sqlite'}")
    with copied.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM evidence")) == seen
    copied.dispose()
    # Nothing beside it: it is read, then removed.
    assert [p.name for p in copies.iterdir()] == ["copy.sqlite"]


def test_the_waiting_builder_builds_when_told_and_the_next_one_waits(
    database_url: str, tmp_path: Path
) -> None:
    builder = Builder(Settings(database_url=database_url, snapshot_dir=tmp_path))

    async def run() -> None:
        await builder.prepare()
        first = builder.waiting
        assert first is not None
        # Started, its imports under way: it builds nothing until told.
        await asyncio.sleep(1.5)
        assert first.returncode is None
        assert snapshots_in(tmp_path) == []
        path = await builder.build()
        assert first.returncode == 0
        assert snapshots_in(tmp_path) == [path]
        # The next one waits already.
        assert builder.waiting is not None
        assert builder.waiting is not first
        assert builder.waiting.returncode is None
        await builder.close()
        assert builder.waiting is None

    asyncio.run(run())


def test_a_waiting_builder_ends_with_its_worker(database_url: str, tmp_path: Path) -> None:
    """A worker that goes, even killed, closes the builder's input: it ends, building nothing."""
    builder = Builder(Settings(database_url=database_url, snapshot_dir=tmp_path))

    async def run() -> int | None:
        await builder.prepare()
        waiting = builder.waiting
        assert waiting is not None
        assert waiting.stdin is not None
        waiting.stdin.close()
        began = time.monotonic()
        while waiting.returncode is None and time.monotonic() - began < 30:
            await asyncio.sleep(0.1)
        return waiting.returncode

    assert asyncio.run(run()) == 0
    assert snapshots_in(tmp_path) == []


def test_a_failed_build_says_why(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "knowledge.db"
    settings = Settings(database_url=f"sqlite:///{missing}", snapshot_dir=tmp_path / "snapshots")
    builder = Builder(settings)

    async def run() -> None:
        try:
            with pytest.raises(SnapshotError, match="unable to open database file"):
                await builder.build()
            # And the next one waits all the same.
            assert builder.waiting is not None
            assert builder.waiting.returncode is None
        finally:
            await builder.close()

    asyncio.run(run())
