"""Checked knowledge as the rows of the knowledge tables: what the database should hold.

Rows are plain dicts keyed by column name. A data migration never calls this: the migration
tools compute these rows when a revision is written and freeze them in its rows file.
"""

from typing import Any

from app.knowledge.codes import CODE_SYSTEMS
from app.knowledge.seeds import Knowledge, Quote, Seed

Row = dict[str, Any]

# The curated tables, parents before children: the order to insert in. The search tables are
# derived from these after every migration run, never written by a data migration.
KNOWLEDGE_TABLES = (
    "source",
    "vocabulary_term",
    "predicate",
    "concept",
    "concept_redirect",
    "concept_code",
    "condition",
    "guidance",
    "statement",
    "evidence",
)


def knowledge_rows(knowledge: Knowledge) -> dict[str, list[Row]]:
    """Every row the knowledge holds, by table, in KNOWLEDGE_TABLES order."""
    tables: dict[str, list[Row]] = {name: [] for name in KNOWLEDGE_TABLES}
    tables["predicate"] = [
        {
            "slug": p.slug,
            "label": p.label,
            "description": p.description,
            "resource": p.resource,
            "subject": p.subject,
            "position": i,
            "plain": p.plain,
        }
        for i, p in enumerate(knowledge.vocabulary.predicate)
    ]
    tables["vocabulary_term"] = [
        {
            "vocabulary": name,
            "slug": t.slug,
            "label": t.label,
            "description": t.description,
            "position": i,
            "plain": t.plain,
        }
        for name, terms in knowledge.terms.items()
        for i, t in enumerate(terms)
    ]
    for _seed, concept in knowledge.concepts():
        tables["concept"].append(
            {
                "slug": concept.slug,
                "name": concept.name,
                "description": concept.description,
                "also_called": list(concept.also_called),
                "kind": concept.kind,
            }
        )
        tables["concept_redirect"] += [
            {"old_slug": old, "concept_slug": concept.slug} for old in concept.formerly
        ]
        tables["concept_code"] += [
            {
                "concept_slug": concept.slug,
                "system": CODE_SYSTEMS[code.system],
                "code": code.code,
                "display": code.display,
                "relation": code.relation,
                "position": i,
            }
            for i, code in enumerate(concept.codes)
        ]
    sources: dict[str, Row] = {}
    for seed in knowledge.seeds:
        sources.setdefault(seed.data.source.slug, _source(seed))
        _seed_rows(seed, tables)
    tables["source"] = list(sources.values())
    return tables


def _source(seed: Seed) -> Row:
    source = seed.data.source
    return {
        "slug": source.slug,
        "title": source.title,
        "file_name": source.file,
        "sha256": source.sha256,
        "language": source.language,
        "text": seed.text,
        "publisher": source.publisher,
        "url": source.url,
        "licence": source.licence,
        "retrieved": source.retrieved.isoformat() if source.retrieved else None,
    }


def _seed_rows(seed: Seed, tables: dict[str, list[Row]]) -> None:
    data, condition = seed.data, seed.condition
    source = data.source.slug

    def evidence(claim: str) -> list[Row]:
        quotes: list[Quote] = seed.evidence[claim]
        return [
            {
                "claim": claim,
                "position": i,
                "source_slug": source,
                "quote": q.quote,
                "char_start": q.start,
                "char_end": q.end,
            }
            for i, q in enumerate(quotes)
        ]

    tables["condition"].append(
        {"slug": condition, "source_slug": source, "description": data.condition.description}
    )
    tables["evidence"] += evidence(seed.definition_claim())
    for i, guidance in enumerate(data.guidance):
        tables["guidance"].append(
            {
                "condition_slug": condition,
                "slug": guidance.slug,
                "name": guidance.name,
                "description": guidance.description,
                "position": i,
                "aspect": guidance.aspect,
                "certainty": guidance.certainty,
            }
        )
        tables["evidence"] += evidence(seed.guidance_claim(guidance.slug))
    for i, statement in enumerate(data.statements):
        identity = seed.statement_id(statement)
        tables["statement"].append(
            {
                "id": identity,
                "condition_slug": condition,
                "subject_slug": statement.subject or condition,
                "predicate": statement.predicate,
                "object_slug": statement.object,
                "cause_type_slug": statement.cause_type,
                "certainty": statement.certainty,
                "qualifiers": list(statement.qualifiers),
                "description": statement.description,
                "aim": statement.aim,
                "indications": list(statement.indications),
                "cautions": list(statement.cautions),
                "audience": statement.audience,
                "position": i,
            }
        )
        tables["evidence"] += evidence(identity)
