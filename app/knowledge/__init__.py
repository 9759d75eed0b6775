"""Reading and checking curated seed folders: the only way knowledge enters the database."""

from app.knowledge.loader import Knowledge, Problem, SeedError, load_knowledge
from app.knowledge.rows import KNOWLEDGE_TABLES, knowledge_rows

__all__ = [
    "KNOWLEDGE_TABLES",
    "Knowledge",
    "Problem",
    "SeedError",
    "knowledge_rows",
    "load_knowledge",
]
