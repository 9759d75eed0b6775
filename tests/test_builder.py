"""The builder a worker keeps started ahead (app/snapshot.py's Builder): it builds only when
told, a new one waits after each build, and it never outlives the worker that started it."""

import asyncio
import time
from pathlib import Path

import pytest

from app.config import Settings
from app.snapshot import SUFFIX, Builder, SnapshotError


def snapshots_in(directory: Path) -> list[Path]:
    return list(directory.glob(f"*{SUFFIX}")) if directory.is_dir() else []


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
