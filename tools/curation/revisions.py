"""Data revisions: what the migrations hold, what the seeds say, and the revision between them.

Every data revision freezes its rows in migrations/data (see migrations/frozen.py). Replaying
those files in revision order gives the knowledge a database at head holds, without a
database; the difference between that and the rows the seeds give is exactly what the next
data revision must write. The same difference, against a live database, is what its clients
would see change.
"""

import datetime
import hashlib
import json
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Connection, Integer, MetaData, Table, inspect, select
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table

from app.config import ROOT
from app.knowledge.ids import definition_claim, guidance_claim
from app.knowledge.rows import KNOWLEDGE_TABLES, Row
from app.models import METADATA
from migrations import frozen
from migrations.frozen import DATA_DIR, Shape, TableChanges, dump_changes, read_changes

State = dict[str, list[Row]]


def data_revisions(script: ScriptDirectory) -> list[ModuleType]:
    """The modules of the data revisions, oldest first: those that write frozen rows."""
    chain = reversed(list(script.walk_revisions("base", "heads")))
    return [r.module for r in chain if hasattr(r.module, "ROWS") or hasattr(r.module, "UNDOES")]


def head_state(script: ScriptDirectory) -> State:
    """The knowledge rows a database holds at head, replayed from the frozen rows files."""
    state: dict[str, dict[str, Row]] = {}
    for module in data_revisions(script):
        undone = getattr(module, "UNDOES", None)
        frozen = script.get_revision(undone).module if undone else module
        changes = read_changes(frozen.ROWS, frozen.ROWS_SHA256, frozen.SHAPES)
        if undone:
            # Undoing a revision applies its rows file backwards.
            changes = [
                TableChanges(c.name, c.delete, [(n, o) for o, n in c.update], c.insert)
                for c in changes
            ]
        for table in map(_at_head, changes):
            rows = state.setdefault(table.name, {})
            for row in table.insert:
                rows[_identity(row)] = row
            for old, new in table.update:
                del rows[_identity(old)]
                rows[_identity(new)] = new
            for row in table.delete:
                del rows[_identity(row)]
    return {name: list(rows.values()) for name, rows in state.items()}


def _at_head(changes: TableChanges) -> TableChanges:
    """Frozen rows as a database at head holds them: with every column a schema revision added
    after they were frozen, null (such columns are nullable, so that old rows still fit). The
    first schema's tables, gone at head, keep their rows as frozen."""
    table = METADATA.tables.get(changes.name)
    columns = [] if table is None else [column.name for column in table.columns]

    def complete(row: Row) -> Row:
        return {**dict.fromkeys(columns), **row}

    return TableChanges(
        changes.name,
        [complete(row) for row in changes.insert],
        [(complete(old), complete(new)) for old, new in changes.update],
        [complete(row) for row in changes.delete],
    )


def database_state(connection: Connection) -> State:
    """The knowledge rows a live database holds."""
    present = set(inspect(connection).get_table_names())
    metadata = MetaData()
    state: State = {}
    for name in KNOWLEDGE_TABLES:
        if name in present:
            table = Table(name, metadata, autoload_with=connection)
            state[name] = [dict(row._mapping) for row in connection.execute(select(table))]
    return state


def _identity(row: Row) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False)


def primary_keys() -> dict[str, tuple[str, ...]]:
    """The columns that identify a row of each knowledge table, from the models."""
    tables = METADATA.tables
    return {name: tuple(c.name for c in tables[name].primary_key) for name in KNOWLEDGE_TABLES}


def current_shapes() -> dict[str, Shape]:
    """The knowledge tables as the models define them today, to write changes through."""
    tables = METADATA.tables
    keys = primary_keys()
    return {
        name: Shape(
            sa_table(name, *(sa_column(c.name, c.type) for c in tables[name].columns)),
            keys[name],
        )
        for name in KNOWLEDGE_TABLES
    }


def apply_changes(connection: Connection, changes: list[TableChanges]) -> None:
    """Write changes straight into a database at head, as a data revision would write them."""
    frozen.upgrade(connection, current_shapes(), changes)


def changes_between(old: State, new: State) -> list[TableChanges]:
    """The inserts, updates and deletes that turn `old` into `new`, table by table."""
    keys = primary_keys()
    result = []
    for name in KNOWLEDGE_TABLES:
        key = keys[name]
        before = {tuple(r[k] for k in key): _plain(r) for r in old.get(name, [])}
        after = {tuple(r[k] for k in key): _plain(r) for r in new.get(name, [])}
        result.append(
            TableChanges(
                name,
                insert=[row for k, row in after.items() if k not in before],
                update=[(before[k], row) for k, row in after.items() if before.get(k, row) != row],
                delete=[row for k, row in before.items() if k not in after],
            )
        )
    return result


def _plain(row: Row) -> Row:
    """A row as JSON holds it, so rows read back from a database compare equal to seed rows."""
    return {
        name: json.loads(value) if isinstance(value, str) and name in JSON_COLUMNS else value
        for name, value in row.items()
    }


# The knowledge columns that hold JSON (a column name means the same in every table).
JSON_COLUMNS = frozenset(
    column.name
    for table in METADATA.tables.values()
    for column in table.columns
    if isinstance(column.type, JSON)
)


@dataclass(frozen=True)
class WrittenRevision:
    revision: str
    migration: Path
    rows: Path
    changes: list[TableChanges]


def write_revision(
    script: ScriptDirectory,
    changes: list[TableChanges],
    name: str,
    *,
    today: datetime.date | None = None,
) -> WrittenRevision:
    """Write the data revision that applies `changes` on top of the current head."""
    heads = script.get_heads()
    if len(heads) != 1:
        raise ValueError(f"the migrations have {len(heads)} heads; merge them first")
    down = heads[0]
    numbers = [int(r.revision) for r in script.walk_revisions() if r.revision.isdigit()]
    revision = f"{max(numbers, default=0) + 1:04d}"
    today = today or datetime.date.today()
    rows_name = f"{revision}-{name}.json"
    data = dump_changes(revision, [c for c in changes if c])
    rows_path = DATA_DIR / rows_name
    rows_path.write_bytes(data)
    touched = [c.name for c in changes if c]
    source = _MIGRATION.format(
        name=name,
        revision=revision,
        down=down,
        created=today.isoformat(),
        rows=rows_name,
        sha256=hashlib.sha256(data).hexdigest(),
        shapes=_render_shapes(touched),
    )
    versions = Path(script.versions)
    migration = versions / f"{today:%Y_%m_%d}-knowledge_{name.replace('-', '_')}.py"
    migration.write_text(source, encoding="utf-8")
    _format(migration)
    return WrittenRevision(revision, migration, rows_path, changes)


def _render_shapes(tables: Iterable[str]) -> str:
    metadata = METADATA.tables
    keys = primary_keys()
    blocks = []
    for name in tables:
        columns = "".join(
            f"\n            sa.column({c.name!r}, sa.{_type_name(c.type)}),"
            for c in metadata[name].columns
        )
        key = ", ".join(repr(k) for k in keys[name]) + ("," if len(keys[name]) == 1 else "")
        blocks.append(
            f"    {name!r}: Shape(\n        sa.table(\n            {name!r},{columns}\n"
            f"        ),\n        ({key}),\n    ),"
        )
    return "\n".join(blocks).replace("'", '"')


def _type_name(column_type: Any) -> str:
    if isinstance(column_type, JSON):
        return "JSON"
    if isinstance(column_type, Integer):
        return "Integer"
    return "String"


def _format(path: Path) -> None:
    """Format the new revision as the project's linter would, when it is installed."""
    ruff = shutil.which("ruff") or str(Path(ROOT / ".venv" / "bin" / "ruff"))
    if Path(ruff).exists():
        subprocess.run([ruff, "format", "--quiet", str(path)], check=False)


def describe(changes: list[TableChanges]) -> list[str]:
    """What a client would see change, one line each: concepts, statements, codes, sources."""
    lines: list[str] = []
    labels: Mapping[str, tuple[str, str]] = {
        "source": ("source", "slug"),
        "vocabulary_term": ("term", "slug"),
        "predicate": ("predicate", "slug"),
        "concept": ("concept", "slug"),
        "concept_redirect": ("redirect", "old_slug"),
        "condition": ("condition page", "slug"),
        "guidance": ("guidance", "slug"),
        "statement": ("statement", "id"),
    }
    for table in changes:
        if table.name not in labels:
            continue
        what, key = labels[table.name]
        lines += [f"+ {what} {row[key]}" for row in table.insert]
        for old, new in table.update:
            fields = ", ".join(sorted(k for k in new if old.get(k) != new[k]))
            lines.append(f"~ {what} {new[key]} ({fields})")
        lines += [f"- {what} {row[key]}" for row in table.delete]
    # Codes and evidence of a concept or claim added or removed whole go without saying.
    by_table = {table.name: table for table in changes}
    whole = {
        row[key]
        for name, key in (("concept", "slug"), ("statement", "id"))
        if name in by_table
        for row in [*by_table[name].insert, *by_table[name].delete]
    }
    whole |= {definition_claim(row["slug"]) for row in by_table.get("condition", _NONE).insert}
    whole |= {
        guidance_claim(row["condition_slug"], row["slug"])
        for row in [
            *by_table.get("guidance", _NONE).insert,
            *by_table.get("guidance", _NONE).delete,
        ]
    }
    for name, owner, noun in (
        ("concept_code", "concept_slug", "codes of"),
        ("evidence", "claim", "evidence of"),
    ):
        table = by_table.get(name, _NONE)
        touched = {row[owner] for row in [*table.insert, *table.delete]}
        touched |= {new[owner] for _, new in table.update}
        lines += [f"~ {noun} {slug}" for slug in sorted(touched - whole)]
    return lines


_NONE = TableChanges("none")


_MIGRATION = '''"""Knowledge: {name}.

Revision ID: {revision}
Revises: {down}
Create Date: {created}

Written by `python -m tools.curation migration`. The rows are frozen in the file ROWS names
(migrations/data/), computed from the seeds when this revision was written; the shapes below
are the tables as they were then.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import frozen
from migrations.frozen import Shape

revision: str = "{revision}"
down_revision: str | None = "{down}"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROWS = "{rows}"
ROWS_SHA256 = "{sha256}"

SHAPES = {{
{shapes}
}}


def upgrade() -> None:
    frozen.upgrade(op.get_bind(), SHAPES, frozen.read_changes(ROWS, ROWS_SHA256, SHAPES))


def downgrade() -> None:
    frozen.downgrade(op.get_bind(), SHAPES, frozen.read_changes(ROWS, ROWS_SHA256, SHAPES))
'''
