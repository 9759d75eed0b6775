"""Knowledge: calcinosis cutis, from seed/calcinosis-cutis.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 15:20:00

The table shapes below are frozen as they were when this revision was written, so that it
keeps working however the application's models change later. The loader checks the whole
seed (sha256, every quote and offset, slugs, references, code systems) before a row is written.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.config import SEED_DIR
from app.knowledge import delete_knowledge, insert_knowledge, load_seed

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEED = SEED_DIR / "calcinosis-cutis"


def _item(name: str, *extra: sa.ColumnClause[object]) -> sa.TableClause:
    return sa.table(
        name,
        sa.column("condition_slug", sa.String),
        sa.column("slug", sa.String),
        sa.column("name", sa.String),
        sa.column("description", sa.String),
        sa.column("position", sa.Integer),
        *extra,
    )


SHAPES = {
    "source": sa.table(
        "source",
        sa.column("slug", sa.String),
        sa.column("title", sa.String),
        sa.column("file_name", sa.String),
        sa.column("sha256", sa.String),
        sa.column("language", sa.String),
        sa.column("text", sa.String),
    ),
    "condition": sa.table(
        "condition",
        sa.column("slug", sa.String),
        sa.column("name", sa.String),
        sa.column("description", sa.String),
        sa.column("source_slug", sa.String),
    ),
    "guidance": _item("guidance"),
    "body_site": _item("body_site"),
    "symptom": _item("symptom", sa.column("qualifier", sa.String)),
    "complication": _item("complication", sa.column("qualifier", sa.String)),
    "cause_type": _item("cause_type", sa.column("mechanism", sa.String)),
    "risk_factor": _item("risk_factor"),
    "risk_factor_cause_type": sa.table(
        "risk_factor_cause_type",
        sa.column("risk_factor_slug", sa.String),
        sa.column("cause_type_slug", sa.String),
        sa.column("condition_slug", sa.String),
    ),
    "diagnostic_test": _item("diagnostic_test", sa.column("kind", sa.String)),
    "treatment": _item(
        "treatment",
        sa.column("kind", sa.String),
        sa.column("aim", sa.String),
        sa.column("indications", sa.JSON),
        sa.column("cautions", sa.JSON),
    ),
    "drug": _item("drug", sa.column("treatment_slug", sa.String)),
    "prevention_measure": _item("prevention_measure", sa.column("audience", sa.String)),
    "code": sa.table(
        "code",
        sa.column("condition_slug", sa.String),
        sa.column("item_kind", sa.String),
        sa.column("item_slug", sa.String),
        sa.column("system", sa.String),
        sa.column("code", sa.String),
        sa.column("display", sa.String),
        sa.column("position", sa.Integer),
    ),
    "evidence": sa.table(
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
    "search_document": sa.table(
        "search_document",
        sa.column("condition_slug", sa.String),
        sa.column("kind", sa.String),
        sa.column("slug", sa.String),
        sa.column("name", sa.String),
        sa.column("description", sa.String),
        sa.column("details", sa.String),
        sa.column("quotes", sa.String),
    ),
}


def upgrade() -> None:
    insert_knowledge(op.get_bind(), SHAPES, load_seed(SEED))


def downgrade() -> None:
    delete_knowledge(op.get_bind(), SHAPES, load_seed(SEED))
