"""What a data migration writes, frozen: exact rows in a hashed file, written through fixed shapes.

A data revision names its rows file in migrations/data/ and the file's sha256, and declares the
shape of every table it touches: its columns and the columns that identify a row. The rows were
computed from the seeds when the revision was written. Upgrading never reads the seeds, the
loader or the code table again, so no later change to them can change what an old revision
writes or deletes; a rows file that was edited, or a row with a column the shape does not
declare (or without one it does), is refused before anything is written.

A rows file lists, per table (parents first), the rows to insert, the rows to update (each
with its old and its new values) and the rows to delete (whole, so that a downgrade can put
them back). Upgrade inserts parents first, then updates, then deletes children first;
downgrade does the exact reverse.
"""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_
from sqlalchemy.sql.expression import TableClause

DATA_DIR = Path(__file__).resolve().parent / "data"

Row = dict[str, Any]


class FrozenDataError(Exception):
    """A rows file that does not match its revision: nothing was written."""


@dataclass(frozen=True)
class Shape:
    """A table as a data revision knows it: every column it writes, and the row's identity."""

    table: TableClause
    key: tuple[str, ...]

    @property
    def columns(self) -> frozenset[str]:
        return frozenset(column.name for column in self.table.columns)


@dataclass
class TableChanges:
    """The rows a revision inserts, updates (old and new values) and deletes in one table."""

    name: str
    insert: list[Row] = field(default_factory=list)
    update: list[tuple[Row, Row]] = field(default_factory=list)
    delete: list[Row] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.insert or self.update or self.delete)


def dump_changes(revision: str, tables: list[TableChanges]) -> bytes:
    """The rows file's bytes: stable, one row per line, so that a review reads it as a diff."""
    parts = []
    for changes in tables:
        if not changes:
            continue
        blocks = {
            "insert": [
                json.dumps(row, ensure_ascii=False, sort_keys=True) for row in changes.insert
            ],
            "update": [
                json.dumps({"old": old, "new": new}, ensure_ascii=False, sort_keys=True)
                for old, new in changes.update
            ],
            "delete": [
                json.dumps(row, ensure_ascii=False, sort_keys=True) for row in changes.delete
            ],
        }
        lines = [f'    {{"table": {json.dumps(changes.name)}']
        for action, rows in blocks.items():
            if rows:
                listed = ",\n".join(f"        {row}" for row in rows)
                lines.append(f'     "{action}": [\n{listed}\n     ]')
        parts.append(",\n".join(lines) + "}")
    body = ",\n".join(parts)
    return f'{{"revision": {json.dumps(revision)}, "tables": [\n{body}\n]}}\n'.encode()


def read_changes(
    name: str, sha256: str, shapes: Mapping[str, Shape], data_dir: Path = DATA_DIR
) -> list[TableChanges]:
    """The rows file `name` in migrations/data, checked against its hash and the shapes."""
    path = data_dir / name
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise FrozenDataError(f"{path}: sha256 is {digest}, the revision expects {sha256}")
    tables = []
    for entry in json.loads(data)["tables"]:
        changes = TableChanges(
            name=entry["table"],
            insert=entry.get("insert", []),
            update=[(pair["old"], pair["new"]) for pair in entry.get("update", [])],
            delete=entry.get("delete", []),
        )
        _check(path, changes, shapes)
        tables.append(changes)
    return tables


def _check(path: Path, changes: TableChanges, shapes: Mapping[str, Shape]) -> None:
    shape = shapes.get(changes.name)
    if shape is None:
        raise FrozenDataError(f"{path}: table {changes.name!r} has no shape in the revision")
    rows = [*changes.insert, *changes.delete, *(row for pair in changes.update for row in pair)]
    for row in rows:
        if set(row) != shape.columns:
            unknown = sorted(set(row) - shape.columns)
            missing = sorted(shape.columns - set(row))
            raise FrozenDataError(
                f"{path}: a {changes.name} row does not fit its shape "
                f"(unknown columns {unknown}, missing columns {missing}): {row}"
            )


def upgrade(
    connection: Connection, shapes: Mapping[str, Shape], tables: list[TableChanges]
) -> None:
    """Write the revision's rows: inserts parents first, then updates, then deletes."""
    for changes in tables:
        _insert(connection, shapes[changes.name], changes.insert)
    for changes in tables:
        for old, new in changes.update:
            _update(connection, shapes[changes.name], old, new)
    for changes in reversed(tables):
        _delete(connection, shapes[changes.name], changes.delete)


def downgrade(
    connection: Connection, shapes: Mapping[str, Shape], tables: list[TableChanges]
) -> None:
    """Undo `upgrade` exactly: put deleted rows back, revert updates, remove inserted rows."""
    for changes in tables:
        _insert(connection, shapes[changes.name], changes.delete)
    for changes in tables:
        for old, new in changes.update:
            _update(connection, shapes[changes.name], new, old)
    for changes in reversed(tables):
        _delete(connection, shapes[changes.name], changes.insert)


def _identity(shape: Shape, row: Row) -> Any:
    return and_(*(shape.table.c[name] == row[name] for name in shape.key))


def _insert(connection: Connection, shape: Shape, rows: list[Row]) -> None:
    if rows:
        connection.execute(shape.table.insert(), rows)


def _update(connection: Connection, shape: Shape, old: Row, new: Row) -> None:
    result = connection.execute(shape.table.update().where(_identity(shape, old)).values(new))
    if result.rowcount != 1:
        raise FrozenDataError(f"{shape.table.name}: expected one row to update, found {old}")


def _delete(connection: Connection, shape: Shape, rows: list[Row]) -> None:
    for row in rows:
        result = connection.execute(shape.table.delete().where(_identity(shape, row)))
        if result.rowcount != 1:
            raise FrozenDataError(f"{shape.table.name}: expected one row to delete, found {row}")
