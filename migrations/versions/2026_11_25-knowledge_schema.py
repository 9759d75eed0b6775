"""Knowledge schema: sources, conditions, their items, codes, evidence and search documents.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 15:05:58.704674
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "source",
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("file_name", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("language", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_source")),
    )
    op.create_table(
        "condition",
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("source_slug", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_slug"], ["source.slug"], name=op.f("fk_condition_source_slug_source")
        ),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_condition")),
    )
    op.create_table(
        "body_site",
        sa.Column("condition_slug", sa.String(), nullable=False),
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["condition_slug"],
            ["condition.slug"],
            name=op.f("fk_body_site_condition_slug_condition"),
        ),
        sa.PrimaryKeyConstraint("condition_slug", "slug", name=op.f("pk_body_site")),
    )
    op.create_table(
        "cause_type",
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("condition_slug", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("mechanism", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["condition_slug"],
            ["condition.slug"],
            name=op.f("fk_cause_type_condition_slug_condition"),
        ),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_cause_type")),
    )
    with op.batch_alter_table("cause_type", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cause_type_condition_slug"), ["condition_slug"], unique=False
        )

    op.create_table(
        "code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("condition_slug", sa.String(), nullable=False),
        sa.Column("item_kind", sa.String(), nullable=False),
        sa.Column("item_slug", sa.String(), nullable=False),
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("display", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["condition_slug"], ["condition.slug"], name=op.f("fk_code_condition_slug_condition")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code")),
    )
    with op.batch_alter_table("code", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_code_condition_slug"), ["condition_slug"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_code_item_kind_item_slug"), ["item_kind", "item_slug"], unique=False
        )

    op.create_table(
        "complication",
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("condition_slug", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("qualifier", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["condition_slug"],
            ["condition.slug"],
            name=op.f("fk_complication_condition_slug_condition"),
        ),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_complication")),
    )
    with op.batch_alter_table("complication", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complication_condition_slug"), ["condition_slug"], unique=False
        )

    op.create_table(
        "diagnostic_test",
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("condition_slug", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["condition_slug"],
            ["condition.slug"],
            name=op.f("fk_diagnostic_test_condition_slug_condition"),
        ),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_diagnostic_test")),
    )
    with op.batch_alter_table("diagnostic_test", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_diagnostic_test_condition_slug"), ["condition_slug"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_diagnostic_test_kind"), ["kind"], unique=False)

    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("condition_slug", sa.String(), nullable=False),
        sa.Column("item_kind", sa.String(), nullable=False),
        sa.Column("item_slug", sa.String(), nullable=False),
        sa.Column("source_slug", sa.String(), nullable=False),
        sa.Column("quote", sa.String(), nullable=False),
        sa.Column("char_start", sa.Integer(), nullable=False),
        sa.Column("char_end", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["condition_slug"],
            ["condition.slug"],
            name=op.f("fk_evidence_condition_slug_condition"),
        ),
        sa.ForeignKeyConstraint(
            ["source_slug"], ["source.slug"], name=op.f("fk_evidence_source_slug_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evidence_condition_slug"), ["condition_slug"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_evidence_item_kind_item_slug"), ["item_kind", "item_slug"], unique=False
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
        "prevention_measure",
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("condition_slug", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["condition_slug"],
            ["condition.slug"],
            name=op.f("fk_prevention_measure_condition_slug_condition"),
        ),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_prevention_measure")),
    )
    with op.batch_alter_table("prevention_measure", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prevention_measure_condition_slug"), ["condition_slug"], unique=False
        )

    op.create_table(
        "risk_factor",
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("condition_slug", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["condition_slug"],
            ["condition.slug"],
            name=op.f("fk_risk_factor_condition_slug_condition"),
        ),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_risk_factor")),
    )
    with op.batch_alter_table("risk_factor", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_risk_factor_condition_slug"), ["condition_slug"], unique=False
        )

    op.create_table(
        "search_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("condition_slug", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("details", sa.String(), nullable=False),
        sa.Column("quotes", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["condition_slug"],
            ["condition.slug"],
            name=op.f("fk_search_document_condition_slug_condition"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_document")),
    )
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_search_document_condition_slug"), ["condition_slug"], unique=False
        )

    op.create_table(
        "symptom",
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("condition_slug", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("qualifier", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["condition_slug"], ["condition.slug"], name=op.f("fk_symptom_condition_slug_condition")
        ),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_symptom")),
    )
    with op.batch_alter_table("symptom", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_symptom_condition_slug"), ["condition_slug"], unique=False
        )

    op.create_table(
        "treatment",
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("condition_slug", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("aim", sa.String(), nullable=False),
        sa.Column("indications", sa.JSON(), nullable=False),
        sa.Column("cautions", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["condition_slug"],
            ["condition.slug"],
            name=op.f("fk_treatment_condition_slug_condition"),
        ),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_treatment")),
    )
    with op.batch_alter_table("treatment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_treatment_condition_slug"), ["condition_slug"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_treatment_kind"), ["kind"], unique=False)

    op.create_table(
        "drug",
        sa.Column("condition_slug", sa.String(), nullable=False),
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("treatment_slug", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["condition_slug"], ["condition.slug"], name=op.f("fk_drug_condition_slug_condition")
        ),
        sa.ForeignKeyConstraint(
            ["treatment_slug"], ["treatment.slug"], name=op.f("fk_drug_treatment_slug_treatment")
        ),
        sa.PrimaryKeyConstraint("condition_slug", "slug", name=op.f("pk_drug")),
    )
    with op.batch_alter_table("drug", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_drug_treatment_slug"), ["treatment_slug"], unique=False
        )

    op.create_table(
        "risk_factor_cause_type",
        sa.Column("risk_factor_slug", sa.String(), nullable=False),
        sa.Column("cause_type_slug", sa.String(), nullable=False),
        sa.Column("condition_slug", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cause_type_slug"],
            ["cause_type.slug"],
            name=op.f("fk_risk_factor_cause_type_cause_type_slug_cause_type"),
        ),
        sa.ForeignKeyConstraint(
            ["condition_slug"],
            ["condition.slug"],
            name=op.f("fk_risk_factor_cause_type_condition_slug_condition"),
        ),
        sa.ForeignKeyConstraint(
            ["risk_factor_slug"],
            ["risk_factor.slug"],
            name=op.f("fk_risk_factor_cause_type_risk_factor_slug_risk_factor"),
        ),
        sa.PrimaryKeyConstraint(
            "risk_factor_slug", "cause_type_slug", name=op.f("pk_risk_factor_cause_type")
        ),
    )
    with op.batch_alter_table("risk_factor_cause_type", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_risk_factor_cause_type_cause_type_slug"),
            ["cause_type_slug"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_risk_factor_cause_type_condition_slug"), ["condition_slug"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("risk_factor_cause_type", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_factor_cause_type_condition_slug"))
        batch_op.drop_index(batch_op.f("ix_risk_factor_cause_type_cause_type_slug"))

    op.drop_table("risk_factor_cause_type")
    with op.batch_alter_table("drug", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drug_treatment_slug"))

    op.drop_table("drug")
    with op.batch_alter_table("treatment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_treatment_kind"))
        batch_op.drop_index(batch_op.f("ix_treatment_condition_slug"))

    op.drop_table("treatment")
    with op.batch_alter_table("symptom", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_symptom_condition_slug"))

    op.drop_table("symptom")
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_document_condition_slug"))

    op.drop_table("search_document")
    with op.batch_alter_table("risk_factor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_factor_condition_slug"))

    op.drop_table("risk_factor")
    with op.batch_alter_table("prevention_measure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prevention_measure_condition_slug"))

    op.drop_table("prevention_measure")
    op.drop_table("guidance")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_item_kind_item_slug"))
        batch_op.drop_index(batch_op.f("ix_evidence_condition_slug"))

    op.drop_table("evidence")
    with op.batch_alter_table("diagnostic_test", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_diagnostic_test_kind"))
        batch_op.drop_index(batch_op.f("ix_diagnostic_test_condition_slug"))

    op.drop_table("diagnostic_test")
    with op.batch_alter_table("complication", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complication_condition_slug"))

    op.drop_table("complication")
    with op.batch_alter_table("code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_code_item_kind_item_slug"))
        batch_op.drop_index(batch_op.f("ix_code_condition_slug"))

    op.drop_table("code")
    with op.batch_alter_table("cause_type", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cause_type_condition_slug"))

    op.drop_table("cause_type")
    op.drop_table("body_site")
    op.drop_table("condition")
    op.drop_table("source")
