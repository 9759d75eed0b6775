"""Read every seed folder and the vocabulary, and check every fact against the sources.

Nothing is written anywhere. The seeds are checked together, as the database will hold them:
each quote is found in its source (its offsets come from there), each reference resolves, each
term is in its vocabulary, each code is in the verified table with the relation it gives, and
no concept is defined twice or looks like one defined elsewhere. Every problem is reported at
once, each naming the file, the item and what to do about it.

The jobs are in modules of their own: reading one file (reading.py), the checks across seeds
(checks.py), the problems (problems.py), the checked knowledge (seeds.py) and the ids of
things and claims (ids.py). This module puts them together.
"""

from pathlib import Path

from app.knowledge.checks import check_together
from app.knowledge.codes import CODE_TABLE, read_code_table
from app.knowledge.problems import Problem, SeedError
from app.knowledge.reading import VOCABULARY_FILE, active_seed_files, read_seed, read_vocabulary
from app.knowledge.seeds import Knowledge

# The ids the served pages use, where the service has long imported them from (app.errors,
# app.render, app.search_index): app.knowledge.ids is their home.


def load_knowledge(seed_dir: Path) -> Knowledge:
    """Read and check every seed in `seed_dir`; raise SeedError naming every problem."""
    problems: list[Problem] = []
    vocabulary, terms = read_vocabulary(seed_dir / VOCABULARY_FILE, problems)
    codes_path = seed_dir / CODE_TABLE
    try:
        codes = read_code_table(codes_path)
    except OSError as error:
        problems.append(Problem(codes_path, "code table", f"cannot be read: {error}"))
        codes = {}
    seeds = [
        seed
        for path in active_seed_files(seed_dir, problems)
        if (seed := read_seed(path, problems)) is not None
    ]
    if vocabulary is not None:
        problems += check_together(vocabulary, terms, codes, seeds)
    if problems or vocabulary is None:
        raise SeedError(problems, seed_dir.resolve().parent)
    return Knowledge(vocabulary=vocabulary, terms=terms, seeds=seeds)
