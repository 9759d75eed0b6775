"""Search index: full-text search over search documents, built the way each backend does it best.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 15:30:00

SQLite: an FTS5 table over search_document (external content, so the text is stored once),
kept in step by triggers, so a later data migration or a bulk load that inserts, updates or
deletes search documents needs to do nothing else. PostgreSQL: a stored generated tsvector
column with a GIN index. Both index the same words: runs of letters and digits, lower-cased,
accents kept, no stemming and no stop words, so that a search finds the same items on both.
The name, the description, the details and the quotes are weighted apart (A, B, C, D on
PostgreSQL; columns of their own on SQLite) for ranking.

A later migration that rebuilds search_document in batch mode on SQLite drops these triggers
with the old table: it must create them again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UPGRADE = (
    # remove_diacritics 0: PostgreSQL's simple configuration keeps accents too.
    """CREATE VIRTUAL TABLE search_index USING fts5(
        name, description, details, quotes,
        content='search_document', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0'
    )""",
    """CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN
        INSERT INTO search_index (rowid, name, description, details, quotes)
        VALUES (new.id, new.name, new.description, new.details, new.quotes);
    END""",
    """CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN
        INSERT INTO search_index (search_index, rowid, name, description, details, quotes)
        VALUES ('delete', old.id, old.name, old.description, old.details, old.quotes);
    END""",
    """CREATE TRIGGER search_document_au AFTER UPDATE ON search_document BEGIN
        INSERT INTO search_index (search_index, rowid, name, description, details, quotes)
        VALUES ('delete', old.id, old.name, old.description, old.details, old.quotes);
        INSERT INTO search_index (rowid, name, description, details, quotes)
        VALUES (new.id, new.name, new.description, new.details, new.quotes);
    END""",
    # The rows the data migrations wrote before this revision.
    "INSERT INTO search_index (search_index) VALUES ('rebuild')",
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER search_document_au",
    "DROP TRIGGER search_document_ad",
    "DROP TRIGGER search_document_ai",
    "DROP TABLE search_index",
)


def _weighted(column: str, weight: str) -> str:
    # PostgreSQL's parser reads "calcium/phosphate" as one file-path token and "3.5" as one
    # number; splitting on every non-alphanumeric first makes the words FTS5's tokenizer makes.
    words = f"regexp_replace({column}, '[^[:alnum:]]+', ' ', 'g')"
    return f"setweight(to_tsvector('simple'::regconfig, {words}), '{weight}')"


SEARCH_VECTOR = " || ".join(
    [
        _weighted("name", "A"),
        _weighted("description", "B"),
        _weighted("details", "C"),
        _weighted("quotes", "D"),
    ]
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_UPGRADE:
            op.execute(statement)
    elif dialect == "postgresql":
        op.add_column(
            "search_document",
            sa.Column(
                "search_vector",
                postgresql.TSVECTOR(),
                sa.Computed(SEARCH_VECTOR, persisted=True),
                nullable=False,
            ),
        )
        op.create_index(
            "ix_search_document_search_vector",
            "search_document",
            ["search_vector"],
            postgresql_using="gin",
            # Only migrations write; without a pending list of recent entries, which every
            # search would read until autovacuum merges it, a bulk load is searched at once.
            postgresql_with={"fastupdate": "off"},
        )
    else:
        raise NotImplementedError(f"no search index for the {dialect} backend")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_DOWNGRADE:
            op.execute(statement)
    elif dialect == "postgresql":
        op.drop_index("ix_search_document_search_vector", table_name="search_document")
        op.drop_column("search_document", "search_vector")
    else:
        raise NotImplementedError(f"no search index for the {dialect} backend")
