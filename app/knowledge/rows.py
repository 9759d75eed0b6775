"""Turn checked knowledge into plain rows, table by table, for a data migration to insert.

Rows are plain dicts keyed by column name, so a migration writes them through the table shapes
frozen inside it and never through the application's models.
"""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql.expression import TableClause

from app.knowledge.loader import ItemSeed, Knowledge
from app.knowledge.terms import CODE_SYSTEMS, ItemKind, SearchedKind

Row = dict[str, Any]

SEARCHED = frozenset(kind.value for kind in SearchedKind)
# Parents before children: the order to insert in, and reversed, to delete in.
TABLE_ORDER = (
    "source",
    "condition",
    "guidance",
    "body_site",
    "symptom",
    "complication",
    "cause_type",
    "risk_factor",
    "risk_factor_cause_type",
    "diagnostic_test",
    "treatment",
    "drug",
    "prevention_measure",
    "code",
    "evidence",
    "search_document",
)


def table_rows(knowledge: Knowledge) -> dict[str, list[Row]]:
    """Every row the knowledge adds, by table name, in TABLE_ORDER."""
    seed = knowledge.seed
    condition = seed.condition.slug
    source = seed.source

    def item(entry: ItemSeed, position: int, **extra: Any) -> Row:
        return {
            "condition_slug": condition,
            "slug": entry.slug,
            "name": entry.name,
            "description": entry.description,
            "position": position,
            **extra,
        }

    tables: dict[str, list[Row]] = {name: [] for name in TABLE_ORDER}
    tables["source"].append(
        {
            "slug": source.slug,
            "title": source.title,
            "file_name": source.file,
            "sha256": source.sha256,
            "language": source.language,
            "text": knowledge.text,
        }
    )
    tables["condition"].append(
        {
            "slug": condition,
            "name": seed.condition.name,
            "description": seed.condition.description,
            "source_slug": source.slug,
        }
    )
    tables["guidance"] = [item(g, i) for i, g in enumerate(seed.guidance)]
    tables["body_site"] = [item(b, i) for i, b in enumerate(seed.body_sites)]
    tables["symptom"] = [item(s, i, qualifier=s.qualifier) for i, s in enumerate(seed.symptoms)]
    tables["complication"] = [
        item(c, i, qualifier=c.qualifier) for i, c in enumerate(seed.complications)
    ]
    tables["cause_type"] = [
        item(c, i, mechanism=c.mechanism) for i, c in enumerate(seed.cause_types)
    ]
    tables["risk_factor"] = [item(r, i) for i, r in enumerate(seed.risk_factors)]
    tables["risk_factor_cause_type"] = [
        {"risk_factor_slug": r.slug, "cause_type_slug": cause, "condition_slug": condition}
        for r in seed.risk_factors
        for cause in r.cause_types
    ]
    tables["diagnostic_test"] = [item(t, i, kind=t.kind.value) for i, t in enumerate(seed.tests)]
    tables["treatment"] = [
        item(
            t,
            i,
            kind=t.kind.value,
            aim=t.aim,
            indications=list(t.indications),
            cautions=list(t.cautions),
        )
        for i, t in enumerate(seed.treatments)
    ]
    tables["drug"] = [
        item(d, i, treatment_slug=t.slug)
        for i, (t, d) in enumerate((t, d) for t in seed.treatments for d in t.drugs)
    ]
    tables["prevention_measure"] = [
        item(p, i, audience=p.audience) for i, p in enumerate(seed.prevention)
    ]
    for kind, entry in knowledge.items():
        tables["code"].extend(
            {
                "condition_slug": condition,
                "item_kind": kind.value,
                "item_slug": entry.slug,
                "system": CODE_SYSTEMS[code.system],
                "code": code.code,
                "display": code.display,
                "position": i,
            }
            for i, code in enumerate(entry.codes)
        )
        tables["evidence"].extend(
            {
                "condition_slug": condition,
                "item_kind": kind.value,
                "item_slug": entry.slug,
                "source_slug": source.slug,
                "quote": quote.quote,
                "char_start": quote.start,
                "char_end": quote.end,
                "position": i,
            }
            for i, quote in enumerate(entry.evidence)
        )
    tables["search_document"] = _search_documents(knowledge)
    return tables


def _search_documents(knowledge: Knowledge) -> list[Row]:
    """One document per item with a URL; parts are searched within their parent.

    A condition's document takes in its guidance and body sites; a treatment's, its drugs.
    """
    seed = knowledge.seed
    parents: dict[tuple[ItemKind, str], list[ItemSeed]] = {
        (ItemKind.CONDITION, seed.condition.slug): [*seed.guidance, *seed.body_sites],
        **{(ItemKind.TREATMENT, t.slug): list(t.drugs) for t in seed.treatments},
    }
    documents: list[Row] = []
    for kind, entry in knowledge.items():
        if kind.value not in SEARCHED:
            continue
        family = [entry, *parents.get((kind, entry.slug), [])]
        details = [
            getattr(entry, field)
            for field in ("qualifier", "mechanism", "aim", "audience")
            if getattr(entry, field, None)
        ]
        documents.append(
            {
                "condition_slug": seed.condition.slug,
                "kind": kind.value,
                "slug": entry.slug,
                "name": entry.name,
                "description": entry.description,
                "details": " ".join(
                    details + [f"{part.name}: {part.description}" for part in family[1:]]
                ),
                "quotes": "\n".join(dict.fromkeys(q.quote for m in family for q in m.evidence)),
            }
        )
    return documents


def insert_knowledge(
    connection: Connection, shapes: Mapping[str, TableClause], knowledge: Knowledge
) -> None:
    """Insert every row of `knowledge` through the caller's (frozen) table shapes."""
    for name, rows in table_rows(knowledge).items():
        if rows:
            connection.execute(shapes[name].insert(), rows)


def delete_knowledge(
    connection: Connection, shapes: Mapping[str, TableClause], knowledge: Knowledge
) -> None:
    """Delete exactly the rows `insert_knowledge` added for the same knowledge."""
    condition, source = knowledge.condition_slug, knowledge.seed.source.slug
    for name in reversed(TABLE_ORDER):
        table = shapes[name]
        if name == "source":
            where = table.c.slug == source
        elif name == "condition":
            where = table.c.slug == condition
        else:
            where = table.c.condition_slug == condition
        connection.execute(table.delete().where(where))
