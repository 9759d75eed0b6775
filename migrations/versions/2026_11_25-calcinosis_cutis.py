"""Knowledge: calcinosis cutis, from seed/calcinosis-cutis.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 15:20:00

The rows are frozen in migrations/data/0002-calcinosis-cutis.json, as the loader of the time
produced them from the seed once it had checked every quote, offset, slug, reference and code;
the table shapes below are those of revision 0001.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import frozen
from migrations.frozen import Shape

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROWS = "0002-calcinosis-cutis.json"
ROWS_SHA256 = "ec0cc500a444c3cbb55407786800513599eeb968dfb09fa52d282fa0aa7a7270"


def _item(name: str, *extra: sa.ColumnClause[object], key: tuple[str, ...] = ("slug",)) -> Shape:
    table = sa.table(
        name,
        sa.column("condition_slug", sa.String),
        sa.column("slug", sa.String),
        sa.column("name", sa.String),
        sa.column("description", sa.String),
        sa.column("position", sa.Integer),
        *extra,
    )
    return Shape(table, key)


PART_KEY = ("condition_slug", "slug")
ITEM_KEY = ("condition_slug", "item_kind", "item_slug", "position")
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
        ),
        ("slug",),
    ),
    "condition": Shape(
        sa.table(
            "condition",
            sa.column("slug", sa.String),
            sa.column("name", sa.String),
            sa.column("description", sa.String),
            sa.column("source_slug", sa.String),
        ),
        ("slug",),
    ),
    "guidance": _item("guidance", key=PART_KEY),
    "body_site": _item("body_site", key=PART_KEY),
    "symptom": _item("symptom", sa.column("qualifier", sa.String)),
    "complication": _item("complication", sa.column("qualifier", sa.String)),
    "cause_type": _item("cause_type", sa.column("mechanism", sa.String)),
    "risk_factor": _item("risk_factor"),
    "risk_factor_cause_type": Shape(
        sa.table(
            "risk_factor_cause_type",
            sa.column("risk_factor_slug", sa.String),
            sa.column("cause_type_slug", sa.String),
            sa.column("condition_slug", sa.String),
        ),
        ("risk_factor_slug", "cause_type_slug"),
    ),
    "diagnostic_test": _item("diagnostic_test", sa.column("kind", sa.String)),
    "treatment": _item(
        "treatment",
        sa.column("kind", sa.String),
        sa.column("aim", sa.String),
        sa.column("indications", sa.JSON),
        sa.column("cautions", sa.JSON),
    ),
    "drug": _item("drug", sa.column("treatment_slug", sa.String), key=PART_KEY),
    "prevention_measure": _item("prevention_measure", sa.column("audience", sa.String)),
    "code": Shape(
        sa.table(
            "code",
            sa.column("condition_slug", sa.String),
            sa.column("item_kind", sa.String),
            sa.column("item_slug", sa.String),
            sa.column("system", sa.String),
            sa.column("code", sa.String),
            sa.column("display", sa.String),
            sa.column("position", sa.Integer),
        ),
        ITEM_KEY,
    ),
    "evidence": Shape(
        sa.table(
            "evidence",
            sa.column("condition_slug", sa.String),
            sa.column("item_kind", sa.String),
            sa.column("item_slug", sa.String),
            sa.column("source_slug", sa.String),
            sa.column("quote", sa.String),
            sa.column("char_start", sa.Integer),
            sa.column("char_end", sa.Integer),
            sa.column("position", sa.Integer),
        ),
        ITEM_KEY,
    ),
    "search_document": Shape(
        sa.table(
            "search_document",
            sa.column("condition_slug", sa.String),
            sa.column("kind", sa.String),
            sa.column("slug", sa.String),
            sa.column("name", sa.String),
            sa.column("description", sa.String),
            sa.column("details", sa.String),
            sa.column("quotes", sa.String),
        ),
        ("condition_slug", "kind", "slug"),
    ),
}


def upgrade() -> None:
    frozen.upgrade(op.get_bind(), SHAPES, frozen.read_changes(ROWS, ROWS_SHA256, SHAPES))


def downgrade() -> None:
    frozen.downgrade(op.get_bind(), SHAPES, frozen.read_changes(ROWS, ROWS_SHA256, SHAPES))
