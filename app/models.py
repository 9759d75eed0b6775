"""Tables. Built by the migrations in migrations/versions; the serving path only reads them.

Rows are keyed by slugs, not surrogate ids, so that a data migration can write every row of a
seed without reading ids back and can remove exactly its rows by condition slug. Resources that
have their own URL (`/risk-factors/{slug}`) have globally unique slugs; the parts that are only
served inside another item (guidance, body sites, drugs) are unique within their condition.
"""

from sqlalchemy import JSON, Column, Index, MetaData
from sqlmodel import Field, SQLModel

# Constraint names are part of the schema: stable names let later migrations alter them.
SQLModel.metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class Source(SQLModel, table=True):
    slug: str = Field(primary_key=True)
    title: str
    file_name: str
    sha256: str
    language: str
    text: str


class Condition(SQLModel, table=True):
    slug: str = Field(primary_key=True)
    name: str
    description: str
    source_slug: str = Field(foreign_key="source.slug")


class ResourceBase(SQLModel):
    """Columns of every item with a URL of its own."""

    slug: str = Field(primary_key=True)
    condition_slug: str = Field(foreign_key="condition.slug", index=True)
    name: str
    description: str
    # Order in the article, so lists read as the article does.
    position: int


class PartBase(SQLModel):
    """Columns of an item served only inside its condition or treatment."""

    condition_slug: str = Field(foreign_key="condition.slug", primary_key=True)
    slug: str = Field(primary_key=True)
    name: str
    description: str
    position: int


class Guidance(PartBase, table=True):
    pass


class BodySite(PartBase, table=True):
    __tablename__ = "body_site"


class CauseType(ResourceBase, table=True):
    __tablename__ = "cause_type"
    mechanism: str


class RiskFactor(ResourceBase, table=True):
    __tablename__ = "risk_factor"


class RiskFactorCauseType(SQLModel, table=True):
    __tablename__ = "risk_factor_cause_type"
    risk_factor_slug: str = Field(foreign_key="risk_factor.slug", primary_key=True)
    cause_type_slug: str = Field(foreign_key="cause_type.slug", primary_key=True, index=True)
    condition_slug: str = Field(foreign_key="condition.slug", index=True)


class Symptom(ResourceBase, table=True):
    qualifier: str | None = None


class Complication(ResourceBase, table=True):
    qualifier: str | None = None


class DiagnosticTest(ResourceBase, table=True):
    __tablename__ = "diagnostic_test"
    kind: str = Field(index=True)


class Treatment(ResourceBase, table=True):
    kind: str = Field(index=True)
    aim: str
    indications: list[str] = Field(sa_column=Column(JSON, nullable=False))
    cautions: list[str] = Field(sa_column=Column(JSON, nullable=False))


class Drug(PartBase, table=True):
    treatment_slug: str = Field(foreign_key="treatment.slug", index=True)


class PreventionMeasure(ResourceBase, table=True):
    __tablename__ = "prevention_measure"
    audience: str | None = None


class Code(SQLModel, table=True):
    """A terminology code of any item, found by the item's kind and slug."""

    __table_args__ = (Index(None, "item_kind", "item_slug"),)
    id: int | None = Field(default=None, primary_key=True)
    condition_slug: str = Field(foreign_key="condition.slug", index=True)
    item_kind: str
    item_slug: str
    system: str
    code: str
    display: str
    position: int


class Evidence(SQLModel, table=True):
    """A verbatim quote behind an item: source.text[char_start:char_end] == quote."""

    __table_args__ = (Index(None, "item_kind", "item_slug"),)
    id: int | None = Field(default=None, primary_key=True)
    condition_slug: str = Field(foreign_key="condition.slug", index=True)
    item_kind: str
    item_slug: str
    source_slug: str = Field(foreign_key="source.slug")
    quote: str
    char_start: int
    char_end: int
    position: int


class SearchDocument(SQLModel, table=True):
    """One row per item with a URL: the text /search looks in."""

    __tablename__ = "search_document"
    id: int | None = Field(default=None, primary_key=True)
    condition_slug: str = Field(foreign_key="condition.slug", index=True)
    kind: str
    slug: str
    name: str
    description: str
    # Text that is searched but not shown: mechanism, aim, audience, the parts' names.
    details: str
    quotes: str
