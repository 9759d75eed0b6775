"""The knowledge: the lists, codes and ids the service serves it by, and the reading and checking
of the curated seed folders, the only way knowledge enters the database (through the data
revisions tools/curation writes)."""

from app.knowledge.loader import load_knowledge
from app.knowledge.problems import Problem, SeedError
from app.knowledge.rows import KNOWLEDGE_TABLES, knowledge_rows
from app.knowledge.seeds import Knowledge

__all__ = [
    "KNOWLEDGE_TABLES",
    "Knowledge",
    "Problem",
    "SeedError",
    "knowledge_rows",
    "load_knowledge",
]
