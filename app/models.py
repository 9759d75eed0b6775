"""Tables. Built by the migrations in migrations/versions; the serving path only reads them.

The knowledge is a graph: concepts (conditions, risk factors, symptoms, tests, treatments, drugs,
body sites, ...) each defined once with one slug, and statements that link a condition (or, for
a drug, a treatment) to a concept with a predicate, a certainty and their own evidence. Which
list a concept is served in follows from the statements that name it, so one concept can be a
risk factor of one condition and a complication of another.

Rows are keyed by natural keys (slugs, statement ids), never by surrogate ids, so that a data
migration writes and removes exactly its rows without reading anything back. The search
documents are derived from these tables, in each knowledge snapshot (app/search_index.py).
"""

from sqlalchemy import JSON, Column, Index, MetaData, Table
from sqlmodel import Field, SQLModel

# Constraint names are part of the schema: stable names let later migrations alter them.
SQLModel.metadata = METADATA = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class Source(SQLModel, table=True):
    """A text the knowledge quotes, byte for byte, with its attribution when the seed gives it."""

    slug: str = Field(primary_key=True)
    title: str
    file_name: str
    sha256: str
    language: str
    text: str
    publisher: str | None = None
    url: str | None = None
    licence: str | None = None
    # ISO date on which the text was retrieved.
    retrieved: str | None = None


class VocabularyTerm(SQLModel, table=True):
    """A term of an open vocabulary (certainty, code relation, treatment kind, ...)."""

    __tablename__ = "vocabulary_term"
    vocabulary: str = Field(primary_key=True)
    slug: str = Field(primary_key=True)
    label: str
    description: str
    position: int
    # The term in everyday words ("not proven"); None where the vocabulary gives none.
    plain: str | None = None


class Predicate(SQLModel, table=True):
    """What a statement says of its object, and the list the object is served in."""

    slug: str = Field(primary_key=True)
    label: str
    description: str
    # The list its objects are served in ("risk-factors"), or "body-sites".
    resource: str
    # "condition", or the resource its subjects are served in ("treatments").
    subject: str
    position: int
    plain: str | None = None


class Concept(SQLModel, table=True):
    """Anything the knowledge names, once, whichever conditions name it."""

    slug: str = Field(primary_key=True)
    name: str
    # What the sources say it is; None where they say nothing of it.
    description: str | None = None
    also_called: list[str] = Field(sa_column=Column(JSON, nullable=False))
    # A term of the kind vocabulary of the list it is served in (treatment kind, test kind).
    kind: str | None = Field(default=None, index=True)


class ConceptRedirect(SQLModel, table=True):
    """A slug a correction renamed or merged into a concept: its old URLs lead to the concept."""

    __tablename__ = "concept_redirect"
    old_slug: str = Field(primary_key=True)
    concept_slug: str = Field(foreign_key="concept.slug", index=True)


class ConceptCode(SQLModel, table=True):
    """A terminology code of a concept, with how well it fits (exact, broader, ...)."""

    __tablename__ = "concept_code"
    concept_slug: str = Field(foreign_key="concept.slug", primary_key=True)
    system: str = Field(primary_key=True)
    code: str = Field(primary_key=True)
    display: str
    relation: str
    position: int


class Condition(SQLModel, table=True):
    """A concept with a page of its own: the source it is read from and its definition there."""

    slug: str = Field(foreign_key="concept.slug", primary_key=True)
    source_slug: str = Field(foreign_key="source.slug", index=True)
    description: str


class Guidance(SQLModel, table=True):
    """A section of a condition's source about the condition as a whole."""

    condition_slug: str = Field(foreign_key="condition.slug", primary_key=True)
    slug: str = Field(primary_key=True)
    name: str
    description: str
    position: int
    # A guidance-aspect term (prevalence, onset, ...) and a certainty term, where given.
    aspect: str | None = None
    certainty: str | None = None


class Statement(SQLModel, table=True):
    """A claim of one condition's source: subject, predicate, object, certainty, qualifiers."""

    __table_args__ = (
        Index(None, "object_slug", "predicate"),
        Index(None, "condition_slug", "predicate"),
    )
    # Readable and stable: condition/[subject/]predicate/object[/cause type].
    id: str = Field(primary_key=True)
    condition_slug: str = Field(foreign_key="condition.slug")
    subject_slug: str = Field(foreign_key="concept.slug", index=True)
    predicate: str = Field(foreign_key="predicate.slug")
    object_slug: str = Field(foreign_key="concept.slug")
    cause_type_slug: str | None = Field(default=None, foreign_key="concept.slug", index=True)
    certainty: str
    qualifiers: list[str] = Field(sa_column=Column(JSON, nullable=False))
    # The claim in plain words, with the source's hedge.
    description: str
    aim: str | None = None
    indications: list[str] = Field(sa_column=Column(JSON, nullable=False))
    cautions: list[str] = Field(sa_column=Column(JSON, nullable=False))
    audience: str | None = None
    # Order in its condition's source.
    position: int


class Evidence(SQLModel, table=True):
    """A verbatim quote behind a claim: source.text[char_start:char_end] == quote.

    The claim is a statement (its id), a guidance section (condition/guidance/slug) or a
    condition's definition (condition/definition).
    """

    claim: str = Field(primary_key=True)
    position: int = Field(primary_key=True)
    source_slug: str = Field(foreign_key="source.slug")
    quote: str
    char_start: int
    char_end: int


def table(model: type[SQLModel]) -> Table:
    """A model's table, for queries that read only some of its columns."""
    found: Table = model.__table__  # type: ignore[attr-defined]
    return found
