"""Search on stems: each document's stems by weight class, its kinds, and the word vocabulary.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 19:30:00

Words are stemmed in Python (app/search_index.py), so the full-text index now holds the stems a
document's columns list rather than reading its text itself. On SQLite: an FTS5 table over the
stem columns, kept in step by triggers, with an fts5vocab table listing where each stem is. On
PostgreSQL: a generated tsvector of the same stems, taken as they are (no parser, no
dictionary), with a GIN index. Both therefore hold the same terms. `search_word` is the
vocabulary: every word the documents hold, its stem, and how many documents hold that stem.
The search tables are derived: this revision empties them and the migration run rebuilds them
(migrations/env.py); downgrading empties them too and restores the index of revision 0005.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The revision whose full-text index this one replaces, and restores on the way down.
PREVIOUS_INDEX = "0005"
NEW_COLUMNS = (
    "kinds",
    "name_terms",
    "description_terms",
    "kind_terms",
    "detail_terms",
    "quote_terms",
)
TERM_COLUMNS = NEW_COLUMNS[1:]
TRIGGERS = ("search_document_au", "search_document_ad", "search_document_ai")
VECTOR_INDEX = "ix_search_document_search_vector"


def _sqlite_index() -> list[str]:
    columns = ", ".join(TERM_COLUMNS)
    new = ", ".join(f"new.{c}" for c in TERM_COLUMNS)
    old = ", ".join(f"old.{c}" for c in TERM_COLUMNS)
    delete = (
        f"INSERT INTO search_index (search_index, rowid, {columns}) "
        f"VALUES ('delete', old.id, {old});"
    )
    insert = f"INSERT INTO search_index (rowid, {columns}) VALUES (new.id, {new});"
    return [
        # The columns hold stems separated by spaces: the tokenizer only splits them.
        f"""CREATE VIRTUAL TABLE search_index USING fts5(
            {columns},
            content='search_document', content_rowid='id',
            tokenize='unicode61 remove_diacritics 0'
        )""",
        f"CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN {insert} END",
        f"CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN {delete} END",
        f"CREATE TRIGGER search_document_au AFTER UPDATE ON search_document BEGIN "
        f"{delete} {insert} END",
        # Where each stem is (document, column): ranking reads it, not the documents.
        "CREATE VIRTUAL TABLE search_index_instance USING fts5vocab(search_index, instance)",
    ]


# Every stem of every class, as lexemes taken verbatim: the same terms FTS5 holds.
SEARCH_VECTOR = (
    "array_to_tsvector(array_remove(string_to_array(" + " || ".join(TERM_COLUMNS) + ", ' '), ''))"
)


def _drop_index(dialect: str) -> None:
    if dialect == "sqlite":
        for trigger in TRIGGERS:
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute("DROP TABLE IF EXISTS search_index_instance")
        op.execute("DROP TABLE search_index")
    else:
        op.drop_index(VECTOR_INDEX, table_name="search_document")
        op.drop_column("search_document", "search_vector")


def _create_index(dialect: str, sqlite_index: list[str], search_vector: str) -> None:
    if dialect == "sqlite":
        for statement in sqlite_index:
            op.execute(statement)
    else:
        op.add_column(
            "search_document",
            sa.Column(
                "search_vector",
                postgresql.TSVECTOR(),
                sa.Computed(search_vector, persisted=True),
                nullable=False,
            ),
        )
        op.create_index(
            VECTOR_INDEX,
            "search_document",
            ["search_vector"],
            postgresql_using="gin",
            # As in revision 0005: only migrations write, so no pending list to merge later.
            postgresql_with={"fastupdate": "off"},
        )


def _empty_search_tables() -> None:
    # Derived rows: the migration run rebuilds them with the code of its revision.
    op.execute("DELETE FROM search_condition")
    op.execute("DELETE FROM search_document")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _drop_index(dialect)
    _empty_search_tables()
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        for name in NEW_COLUMNS:
            batch_op.add_column(
                sa.Column(name, sa.String(), nullable=False, server_default=sa.text("''"))
            )
    op.create_table(
        "search_word",
        sa.Column("word", sa.String(), nullable=False),
        sa.Column("stem", sa.String(), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("word", name=op.f("pk_search_word")),
    )
    _create_index(dialect, _sqlite_index(), SEARCH_VECTOR)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    previous = context.script.get_revision(PREVIOUS_INDEX).module
    _drop_index(dialect)
    _empty_search_tables()
    op.drop_table("search_word")
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        for name in reversed(NEW_COLUMNS):
            batch_op.drop_column(name)
    _create_index(dialect, previous._sqlite_index(), previous.SEARCH_VECTOR)
