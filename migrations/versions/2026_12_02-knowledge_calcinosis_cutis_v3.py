"""Knowledge: calcinosis-cutis-v3.

Revision ID: 0011
Revises: 0010
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

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROWS = "0011-calcinosis-cutis-v3.json"
ROWS_SHA256 = "6d93bf8e3b484f037b0396d4e75b96905aba3277f444b20c87f4ee60fa25f448"

SHAPES = {
    "concept": Shape(
        sa.table(
            "concept",
            sa.column("slug", sa.String),
            sa.column("name", sa.String),
            sa.column("description", sa.String),
            sa.column("also_called", sa.JSON),
            sa.column("kind", sa.String),
        ),
        ("slug",),
    ),
    "concept_redirect": Shape(
        sa.table(
            "concept_redirect",
            sa.column("old_slug", sa.String),
            sa.column("concept_slug", sa.String),
        ),
        ("old_slug",),
    ),
    "concept_code": Shape(
        sa.table(
            "concept_code",
            sa.column("concept_slug", sa.String),
            sa.column("system", sa.String),
            sa.column("code", sa.String),
            sa.column("display", sa.String),
            sa.column("relation", sa.String),
            sa.column("position", sa.Integer),
        ),
        ("concept_slug", "system", "code"),
    ),
    "condition": Shape(
        sa.table(
            "condition",
            sa.column("slug", sa.String),
            sa.column("source_slug", sa.String),
            sa.column("description", sa.String),
        ),
        ("slug",),
    ),
    "guidance": Shape(
        sa.table(
            "guidance",
            sa.column("condition_slug", sa.String),
            sa.column("slug", sa.String),
            sa.column("name", sa.String),
            sa.column("description", sa.String),
            sa.column("position", sa.Integer),
            sa.column("aspect", sa.String),
            sa.column("certainty", sa.String),
        ),
        ("condition_slug", "slug"),
    ),
    "statement": Shape(
        sa.table(
            "statement",
            sa.column("id", sa.String),
            sa.column("condition_slug", sa.String),
            sa.column("subject_slug", sa.String),
            sa.column("predicate", sa.String),
            sa.column("object_slug", sa.String),
            sa.column("cause_type_slug", sa.String),
            sa.column("certainty", sa.String),
            sa.column("qualifiers", sa.JSON),
            sa.column("description", sa.String),
            sa.column("aim", sa.String),
            sa.column("indications", sa.JSON),
            sa.column("cautions", sa.JSON),
            sa.column("audience", sa.String),
            sa.column("position", sa.Integer),
        ),
        ("id",),
    ),
    "evidence": Shape(
        sa.table(
            "evidence",
            sa.column("claim", sa.String),
            sa.column("position", sa.Integer),
            sa.column("source_slug", sa.String),
            sa.column("quote", sa.String),
            sa.column("char_start", sa.Integer),
            sa.column("char_end", sa.Integer),
        ),
        ("claim", "position"),
    ),
}


def upgrade() -> None:
    frozen.upgrade(op.get_bind(), SHAPES, frozen.read_changes(ROWS, ROWS_SHA256, SHAPES))


def downgrade() -> None:
    frozen.downgrade(op.get_bind(), SHAPES, frozen.read_changes(ROWS, ROWS_SHA256, SHAPES))
