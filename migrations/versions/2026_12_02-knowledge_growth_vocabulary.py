"""Knowledge: growth-vocabulary.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

Written by `python -m tools.curation migration`. The rows are frozen in the file ROWS names
(migrations/data/), computed from the seeds when this revision was written; the shapes below
are the tables as they were then.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import frozen
from migrations.frozen import Shape

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROWS = "0010-growth-vocabulary.json"
ROWS_SHA256 = "14ea74ea2510cff868ccf67e82add3e0f5e1b37e9a43bd8535fc9a2173d95eac"

SHAPES = {
    "vocabulary_term": Shape(
        sa.table(
            "vocabulary_term",
            sa.column("vocabulary", sa.String),
            sa.column("slug", sa.String),
            sa.column("label", sa.String),
            sa.column("description", sa.String),
            sa.column("position", sa.Integer),
            sa.column("plain", sa.String),
        ),
        ("vocabulary", "slug"),
    ),
    "predicate": Shape(
        sa.table(
            "predicate",
            sa.column("slug", sa.String),
            sa.column("label", sa.String),
            sa.column("description", sa.String),
            sa.column("resource", sa.String),
            sa.column("subject", sa.String),
            sa.column("position", sa.Integer),
            sa.column("plain", sa.String),
        ),
        ("slug",),
    ),
}


def upgrade() -> None:
    frozen.upgrade(op.get_bind(), SHAPES, frozen.read_changes(ROWS, ROWS_SHA256, SHAPES))


def downgrade() -> None:
    frozen.downgrade(op.get_bind(), SHAPES, frozen.read_changes(ROWS, ROWS_SHA256, SHAPES))
