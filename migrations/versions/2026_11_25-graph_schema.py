"""Graph schema: concepts and statements, each statement with its own evidence and certainty.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 19:05:00

Replaces the first schema (one table per kind of item, every item owned by one condition) with
the concept graph: concepts defined once, statements linking a condition to them, evidence per
claim, the open vocabularies, and derived search documents with their full-text index (an FTS5
table kept in step by triggers on SQLite; a generated, weighted tsvector with a GIN index on
PostgreSQL). The first schema's tables are empty by now (revision 0004); downgrading builds
them again, empty, with revisions 0001 and 0003, whose own code does it.
"""

from collections.abc import Sequence
from types import ModuleType

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The revisions that built the first schema and its search index.
FIRST_SCHEMA = ("0001", "0003")
GRAPH_TABLES = (
    "source",
    "vocabulary_term",
    "predicate",
    "concept",
    "concept_code",
    "condition",
    "guidance",
    "statement",
    "evidence",
    "search_document",
    "search_condition",
)
SEARCHED_COLUMNS = ("name", "aliases", "description", "details", "quotes")


def _first_schema() -> list[ModuleType]:
    return [context.script.get_revision(r).module for r in FIRST_SCHEMA]


def _sqlite_index() -> list[str]:
    columns = ", ".join(SEARCHED_COLUMNS)
    new = ", ".join(f"new.{c}" for c in SEARCHED_COLUMNS)
    old = ", ".join(f"old.{c}" for c in SEARCHED_COLUMNS)
    delete = (
        f"INSERT INTO search_index (search_index, rowid, {columns}) "
        f"VALUES ('delete', old.id, {old});"
    )
    insert = f"INSERT INTO search_index (rowid, {columns}) VALUES (new.id, {new});"
    return [
        # remove_diacritics 0: PostgreSQL's simple configuration keeps accents too.
        f"""CREATE VIRTUAL TABLE search_index USING fts5(
            {columns},
            content='search_document', content_rowid='id',
            tokenize='unicode61 remove_diacritics 0'
        )""",
        f"CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN {insert} END",
        f"CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN {delete} END",
        f"CREATE TRIGGER search_document_au AFTER UPDATE ON search_document BEGIN "
        f"{delete} {insert} END",
    ]


def _weighted(column: str, weight: str) -> str:
    # PostgreSQL's parser reads "calcium/phosphate" as one file-path token and "3.5" as one
    # number; splitting on every non-alphanumeric first makes the words FTS5's tokenizer makes.
    words = f"regexp_replace({column}, '[^[:alnum:]]+', ' ', 'g')"
    return f"setweight(to_tsvector('simple'::regconfig, {words}), '{weight}')"


# Names and aliases weigh alike (A), then descriptions (B), details (C) and quotes (D).
SEARCH_VECTOR = " || ".join(
    _weighted(column, weight) for column, weight in zip(SEARCHED_COLUMNS, "AABCD", strict=True)
)


def upgrade() -> None:
    for module in reversed(_first_schema()):
        module.downgrade()
    op.create_table(
        "concept",
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("also_called", sa.JSON(), nullable=False),
        sa.Column("kind", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_concept")),
    )
    with op.batch_alter_table("concept", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_concept_kind"), ["kind"], unique=False)

    op.create_table(
        "predicate",
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("resource", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_predicate")),
    )
    op.create_table(
        "search_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("aliases", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("details", sa.String(), nullable=False),
        sa.Column("quotes", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_document")),
    )
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_document_slug"), ["slug"], unique=False)

    op.create_table(
        "source",
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("file_name", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("language", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("publisher", sa.String(), nullable=True),
        sa.Column("url", sa.String(), nullable=True),
        sa.Column("licence", sa.String(), nullable=True),
        sa.Column("retrieved", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_source")),
    )
    op.create_table(
        "vocabulary_term",
        sa.Column("vocabulary", sa.String(), nullable=False),
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("vocabulary", "slug", name=op.f("pk_vocabulary_term")),
    )
    op.create_table(
        "concept_code",
        sa.Column("concept_slug", sa.String(), nullable=False),
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("display", sa.String(), nullable=False),
        sa.Column("relation", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["concept_slug"], ["concept.slug"], name=op.f("fk_concept_code_concept_slug_concept")
        ),
        sa.PrimaryKeyConstraint("concept_slug", "system", "code", name=op.f("pk_concept_code")),
    )
    op.create_table(
        "condition",
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("source_slug", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["slug"], ["concept.slug"], name=op.f("fk_condition_slug_concept")),
        sa.ForeignKeyConstraint(
            ["source_slug"], ["source.slug"], name=op.f("fk_condition_source_slug_source")
        ),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_condition")),
    )
    with op.batch_alter_table("condition", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_condition_source_slug"), ["source_slug"], unique=False)

    op.create_table(
        "evidence",
        sa.Column("claim", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source_slug", sa.String(), nullable=False),
        sa.Column("quote", sa.String(), nullable=False),
        sa.Column("char_start", sa.Integer(), nullable=False),
        sa.Column("char_end", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_slug"], ["source.slug"], name=op.f("fk_evidence_source_slug_source")
        ),
        sa.PrimaryKeyConstraint("claim", "position", name=op.f("pk_evidence")),
    )
    op.create_table(
        "search_condition",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("condition_slug", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["search_document.id"],
            name=op.f("fk_search_condition_document_id_search_document"),
        ),
        sa.PrimaryKeyConstraint("document_id", "condition_slug", name=op.f("pk_search_condition")),
    )
    with op.batch_alter_table("search_condition", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_search_condition_condition_slug"), ["condition_slug"], unique=False
        )

    op.create_table(
        "guidance",
        sa.Column("condition_slug", sa.String(), nullable=False),
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["condition_slug"],
            ["condition.slug"],
            name=op.f("fk_guidance_condition_slug_condition"),
        ),
        sa.PrimaryKeyConstraint("condition_slug", "slug", name=op.f("pk_guidance")),
    )
    op.create_table(
        "statement",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("condition_slug", sa.String(), nullable=False),
        sa.Column("subject_slug", sa.String(), nullable=False),
        sa.Column("predicate", sa.String(), nullable=False),
        sa.Column("object_slug", sa.String(), nullable=False),
        sa.Column("cause_type_slug", sa.String(), nullable=True),
        sa.Column("certainty", sa.String(), nullable=False),
        sa.Column("qualifiers", sa.JSON(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("aim", sa.String(), nullable=True),
        sa.Column("indications", sa.JSON(), nullable=False),
        sa.Column("cautions", sa.JSON(), nullable=False),
        sa.Column("audience", sa.String(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cause_type_slug"], ["concept.slug"], name=op.f("fk_statement_cause_type_slug_concept")
        ),
        sa.ForeignKeyConstraint(
            ["condition_slug"],
            ["condition.slug"],
            name=op.f("fk_statement_condition_slug_condition"),
        ),
        sa.ForeignKeyConstraint(
            ["object_slug"], ["concept.slug"], name=op.f("fk_statement_object_slug_concept")
        ),
        sa.ForeignKeyConstraint(
            ["predicate"], ["predicate.slug"], name=op.f("fk_statement_predicate_predicate")
        ),
        sa.ForeignKeyConstraint(
            ["subject_slug"], ["concept.slug"], name=op.f("fk_statement_subject_slug_concept")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement")),
    )
    with op.batch_alter_table("statement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_statement_cause_type_slug"), ["cause_type_slug"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_statement_condition_slug_predicate"),
            ["condition_slug", "predicate"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_statement_object_slug_predicate"),
            ["object_slug", "predicate"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_statement_subject_slug"), ["subject_slug"], unique=False
        )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in _sqlite_index():
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
        for trigger in ("search_document_au", "search_document_ad", "search_document_ai"):
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute("DROP TABLE search_index")
    for table in reversed(GRAPH_TABLES):
        op.drop_table(table)
    for module in _first_schema():
        module.upgrade()
