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
from app.knowledge.formats import TermSeed
from app.knowledge.ids import SLUG
from app.knowledge.lists import CERTAINTY, GUIDANCE_ASPECT
from app.knowledge.problems import Problem, SeedError, shown_file
from app.knowledge.reading import VOCABULARY_FILE, active_seed_files, read_seed, read_vocabulary
from app.knowledge.seeds import Knowledge, Seed

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
        problems += guidance_problems(terms, seeds)
        problems += redirect_problems(Knowledge(vocabulary=vocabulary, terms=terms, seeds=seeds))
    if problems or vocabulary is None:
        raise SeedError(problems, seed_dir.resolve().parent)
    return Knowledge(vocabulary=vocabulary, terms=terms, seeds=seeds)


def guidance_problems(terms: dict[str, list[TermSeed]], seeds: list[Seed]) -> list[Problem]:
    """A guidance section's aspect and certainty, where given, are terms of their vocabularies."""
    problems = []
    for seed in seeds:
        for guidance in seed.data.guidance:
            for field, term, vocabulary in (
                ("aspect", guidance.aspect, GUIDANCE_ASPECT),
                ("certainty", guidance.certainty, CERTAINTY),
            ):
                known = [t.slug for t in terms.get(vocabulary, [])]
                if term is not None and term not in known:
                    problems.append(
                        Problem(
                            seed.path,
                            f"guidance {guidance.slug!r}",
                            f"{field} {term!r} is not one of {', '.join(known) or 'no terms'}; "
                            f"add it to {VOCABULARY_FILE} ({vocabulary}) if it is new",
                        )
                    )
    return problems


def redirect_problems(knowledge: Knowledge) -> list[Problem]:
    """Each old slug in a `formerly` names no live concept and leads to one concept only: a
    live slug must keep serving its own concept, and an old one cannot lead to two."""
    problems = []
    live = {concept.slug for _seed, concept in knowledge.concepts()}
    claimed: dict[str, tuple[Seed, str]] = {}
    for seed in knowledge.seeds:
        condition = seed.data.condition
        if condition.formerly and not seed.defines_condition_concept():
            problems.append(
                Problem(
                    seed.path,
                    f"condition {condition.slug!r}",
                    "`formerly` belongs where the concept is defined, with its name",
                )
            )
    for seed, concept in knowledge.concepts():
        item = f"concept {concept.slug!r}"
        for old in concept.formerly:
            if not SLUG.match(old):
                message = f"formerly {old!r}: the slug is not kebab-case"
            elif old in live:
                message = (
                    f"formerly {old!r} is the slug of a concept still defined: an old slug "
                    "must be one no concept has now"
                )
            elif old in claimed:
                other, owner = claimed[old]
                where = "this file" if other is seed else shown_file(other.path)
                message = (
                    f"formerly {old!r} is claimed by concept {owner!r} ({where}) too: "
                    "an old slug leads to one concept"
                )
            else:
                claimed[old] = (seed, concept.slug)
                continue
            problems.append(Problem(seed.path, item, message))
    return problems
