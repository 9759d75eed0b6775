"""Reading and checking curated seed folders: the only way knowledge enters the database."""

from app.knowledge.loader import Knowledge, SeedError, load_seed
from app.knowledge.rows import TABLE_ORDER, delete_knowledge, insert_knowledge, table_rows

__all__ = [
    "TABLE_ORDER",
    "Knowledge",
    "SeedError",
    "delete_knowledge",
    "insert_knowledge",
    "load_seed",
    "table_rows",
]
