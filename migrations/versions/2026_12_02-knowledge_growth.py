"""Room for the knowledge to grow: plain labels, guidance aspects, renamed concepts.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 03:30:00

Schema only; the vocabulary's new terms and plain labels are data (revision 0010). Every new
column may be null, so that the rows earlier data revisions froze still fit:

- `vocabulary_term.plain`, `predicate.plain`: the term in everyday words ("not proven");
- `guidance.aspect` (a guidance-aspect term: prevalence, onset, ...) and `guidance.certainty`;
- `concept_redirect`: a slug a correction renamed or merged into a concept, and that concept.

Downgrading drops them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_COLUMNS = {
    "vocabulary_term": ("plain",),
    "predicate": ("plain",),
    "guidance": ("aspect", "certainty"),
}


def upgrade() -> None:
    for table, columns in NEW_COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in columns:
                batch_op.add_column(sa.Column(name, sa.String(), nullable=True))
    op.create_table(
        "concept_redirect",
        sa.Column("old_slug", sa.String(), nullable=False),
        sa.Column("concept_slug", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["concept_slug"],
            ["concept.slug"],
            name=op.f("fk_concept_redirect_concept_slug_concept"),
        ),
        sa.PrimaryKeyConstraint("old_slug", name=op.f("pk_concept_redirect")),
    )
    with op.batch_alter_table("concept_redirect", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_concept_redirect_concept_slug"), ["concept_slug"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("concept_redirect", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_concept_redirect_concept_slug"))
    op.drop_table("concept_redirect")
    for table, columns in NEW_COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in reversed(columns):
                batch_op.drop_column(name)
