"""Knowledge: calcinosis-cutis-v2.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

Written by `python -m app.knowledge migration`. The rows are frozen in the file ROWS names
(migrations/data/), computed from the seeds when this revision was written; the shapes below
are the tables as they were then.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import frozen
from migrations.frozen import Shape

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROWS = "0006-calcinosis-cutis-v2.json"
ROWS_SHA256 = "ddbf4847b82f30b578414ff3dcf976d17b3d9c1378223a52a03c1d17edd12d90"

SHAPES = {
    "source": Shape(
        sa.table(
            "source",
            sa.column("slug", sa.String),
            sa.column("title", sa.String),
            sa.column("file_name", sa.String),
            sa.column("sha256", sa.String),
            sa.column("language", sa.String),
            sa.column("text", sa.String),
            sa.column("publisher", sa.String),
            sa.column("url", sa.String),
            sa.column("licence", sa.String),
            sa.column("retrieved", sa.String),
        ),
        ("slug",),
    ),
    "vocabulary_term": Shape(
        sa.table(
            "vocabulary_term",
            sa.column("vocabulary", sa.String),
            sa.column("slug", sa.String),
            sa.column("label", sa.String),
            sa.column("description", sa.String),
            sa.column("position", sa.Integer),
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
        ),
        ("slug",),
    ),
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
