"""Search moves into the knowledge snapshots: the search tables leave the database.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 01:30:00

The search documents, their vocabulary and the full-text index are derived from the knowledge,
and are now built in each knowledge snapshot (app/snapshot.py), in the same consistent read as
the knowledge they index: the migration run no longer rebuilds them in a second transaction, and
runs nothing of the app. Downgrading restores the tables and the index of revision 0007, empty.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PREVIOUS = "0007"
TERM_COLUMNS = ("name_terms", "description_terms", "kind_terms", "detail_terms", "quote_terms")


def upgrade() -> None:
    previous = context.script.get_revision(PREVIOUS).module
    previous._drop_index(op.get_bind().dialect.name)
    op.drop_table("search_word")
    with op.batch_alter_table("search_condition", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_condition_condition_slug"))
    op.drop_table("search_condition")
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_document_slug"))
    op.drop_table("search_document")


def downgrade() -> None:
    previous = context.script.get_revision(PREVIOUS).module

    def text(name: str) -> sa.Column[str]:
        return sa.Column(name, sa.String(), nullable=False)

    def empty(name: str) -> sa.Column[str]:
        return sa.Column(name, sa.String(), nullable=False, server_default=sa.text("''"))

    op.create_table(
        "search_document",
        sa.Column("id", sa.Integer(), nullable=False),
        text("kind"),
        text("slug"),
        text("name"),
        text("aliases"),
        text("description"),
        text("details"),
        text("quotes"),
        empty("kinds"),
        *(empty(name) for name in TERM_COLUMNS),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_document")),
    )
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_document_slug"), ["slug"], unique=False)
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
        "search_word",
        sa.Column("word", sa.String(), nullable=False),
        sa.Column("stem", sa.String(), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("word", name=op.f("pk_search_word")),
    )
    dialect = op.get_bind().dialect.name
    previous._create_index(dialect, previous._sqlite_index(), previous.SEARCH_VECTOR)
