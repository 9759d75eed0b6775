"""The curator's command line: add a condition, check the seeds, write the migration, review.

python -m tools.curation new SLUG --source ARTICLE.txt
python -m tools.curation check [SLUG ...]
python -m tools.curation migration SLUG
python -m tools.curation diff
"""

import argparse
import hashlib
import re
import shutil
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import create_engine

from app.config import SEED_DIR, get_settings
from app.db import migration_script
from app.knowledge import Knowledge, SeedError, knowledge_rows, load_knowledge
from app.knowledge.checks import ACCEPTED_FILE, check_warnings
from app.knowledge.codes import CODE_TABLE
from app.knowledge.ids import SLUG
from app.knowledge.problems import Problem, relative
from app.knowledge.reading import KNOWLEDGE_FILE, VOCABULARY_FILE
from tools.curation.icd10cm import icd10cm_problems
from tools.curation.revisions import (
    changes_between,
    database_state,
    describe,
    head_state,
    write_revision,
)

DESCRIPTION = """\
Curate the knowledge: every fact quoted from its source, checked before it reaches a database.

Adding a condition takes an article and four steps:
  1. new SLUG --source ARTICLE.txt   make seed/SLUG/ with the article and a knowledge file
  2. edit seed/SLUG/knowledge.toml   concepts and statements, quotes copied from the article
  3. check SLUG                      every problem at once, each with its file, item and fix
  4. migration SLUG                  the Alembic revision that loads it, rows frozen
Then `alembic upgrade head` (or `make migrate`) loads it, and `diff` shows what clients will
see change between a database and the seeds.
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.curation",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--seeds", type=Path, default=SEED_DIR, help="the seed folder (default: %(default)s)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    new = commands.add_parser(
        "new",
        help="start a seed for a new condition from its article",
        description="Create seed/SLUG/ with a byte-identical copy of the article, its sha256, "
        "and a knowledge file that shows every section with a commented example.",
    )
    new.add_argument("slug", help="the condition's slug, e.g. milk-alkali-syndrome")
    new.add_argument("--source", type=Path, required=True, help="the article, as UTF-8 text")
    new.add_argument("--title", help="the article's title (default: its first line)")
    new.add_argument("--language", default="en", help="the article's language (default: en)")

    check = commands.add_parser(
        "check",
        help="check every seed together, as the database will hold them",
        description="Check every seed together: quotes found in their sources, references, "
        "vocabularies, codes against seed/codes.md (and its ICD-10-CM codes against the "
        "ICD-10-CM release itself), and clashes or likely duplicates across "
        "seeds. Prints every problem (or only those of the SLUGs given) and exits with 1 if "
        "there is any. Once none is refused, prints the warnings (likely near-duplicates, "
        "aliases that name a broader or narrower code, hedges that do not fit a certainty), "
        "which block nothing, and says whether the seeds hold changes no migration writes yet.",
    )
    check.add_argument("slugs", nargs="*", metavar="SLUG", help="seed folders to report on")

    migration = commands.add_parser(
        "migration",
        help="write the Alembic revision that loads what the seeds changed",
        description="Write the data revision that brings a database at head to what the seeds "
        "say (a new condition, or the correction of one): its rows are computed now, frozen in "
        "migrations/data/ with their sha256, and written through table shapes fixed in the "
        "revision. Refuses while any seed has a problem.",
    )
    migration.add_argument("slug", help="the seed the revision is about; names its files")

    diff = commands.add_parser(
        "diff",
        help="what clients will see change between a database and the seeds",
        description="Compare the knowledge in the database DATABASE_URL names (or --database-url)"
        " with the seeds: concepts, statements, codes and evidence added (+), changed (~) or "
        "removed (-). For review before a release.",
    )
    diff.add_argument("--database-url", help="default: DATABASE_URL, as the server reads it")

    args = parser.parse_args(argv)
    seeds: Path = args.seeds
    if args.command == "new":
        return _new(seeds, args.slug, args.source, args.title, args.language)
    # ICD-10-CM codes are checked against the release itself, with every other problem.
    knowledge = _load(seeds, args.slugs if args.command == "check" else [], icd10cm_problems(seeds))
    if knowledge is None:
        return 1
    if args.command == "check":
        return _check(knowledge, seeds, args.slugs)
    if args.command == "migration":
        return _migration(knowledge, args.slug)
    return _diff(knowledge, args.database_url or get_settings().database_url)


def _load(seeds: Path, slugs: Sequence[str], also: Sequence[Problem] = ()) -> Knowledge | None:
    """The seeds' knowledge, or None once every problem (the loader's and `also`) is printed."""
    root = seeds.resolve().parent
    try:
        knowledge = load_knowledge(seeds)
        problems = sorted(set(also))
    except SeedError as error:
        problems, root = sorted({*error.problems, *also}), error.root
    if not problems:
        return knowledge
    if slugs:
        # Problems of the vocabulary and the code table concern every seed.
        wanted = {*slugs, ""}
        problems = [p for p in problems if _seed_of(p.file, seeds) in wanted]
    if not problems:
        print(f"{', '.join(slugs)}: no problems; other seeds have some (run `check`).")
        return None
    for problem in problems:
        print(problem.shown(root), file=sys.stderr)
    count = len(problems)
    print(f"{count} problem{'s' * (count != 1)}: nothing can be loaded.", file=sys.stderr)
    return None


def _seed_of(path: Path, seeds: Path) -> str:
    """The seed folder a problem is in; "" for the files every seed shares."""
    try:
        relative = path.resolve().relative_to(seeds.resolve())
    except ValueError:
        return ""
    return relative.parts[0] if len(relative.parts) > 1 else ""


def _check(knowledge: Knowledge, seeds: Path, slugs: Sequence[str]) -> int:
    """The seeds load: say what they hold, any warnings (which block nothing) and what no
    migration writes yet."""
    root = seeds.resolve().parent
    warnings = check_warnings(knowledge, seeds)
    if slugs:
        wanted = {*slugs, ""}
        warnings = [w for w in warnings if _seed_of(w.file, seeds) in wanted]
    for warning in warnings:
        print(warning.shown(root), file=sys.stderr)
    if warnings:
        count = len(warnings)
        accepted = relative(seeds / ACCEPTED_FILE, root)
        print(
            f"{count} warning{'s' * (count != 1)}: the seeds load all the same; correct each, "
            f"or accept a near-duplicate in {accepted}.",
            file=sys.stderr,
        )
    rows = knowledge_rows(knowledge)
    print(
        f"{len(knowledge.seeds)} seeds, {len(rows['concept'])} concepts, "
        f"{len(rows['statement'])} statements, {len(rows['evidence'])} quotes: all checked."
    )
    pending = describe(changes_between(head_state(migration_script()), rows))
    if pending:
        print(f"The seeds hold {len(pending)} changes no migration writes yet:")
        print("\n".join(f"  {line}" for line in pending))
        print("Write them with: python -m tools.curation migration SLUG")
    else:
        print("The migrations write exactly what the seeds say.")
    return 0


# The knowledge tables whose rows are terms of the API's contract (its enums).
VOCABULARY_TABLES = ("vocabulary_term", "predicate")


def _migration(knowledge: Knowledge, slug: str) -> int:
    script = migration_script()
    changes = changes_between(head_state(script), knowledge_rows(knowledge))
    if not any(changes):
        print("Nothing to write: the migrations already hold what the seeds say.")
        return 0
    if not SLUG.match(slug):
        print(f"{slug!r} is not a kebab-case slug.", file=sys.stderr)
        return 2
    written = write_revision(script, changes, slug)
    print(f"Wrote revision {written.revision}:")
    print(f"  {_relative(written.migration)}")
    print(f"  {_relative(written.rows)}")
    print("\n".join(f"  {line}" for line in describe(written.changes)))
    print("Load it with: alembic upgrade head")
    if any(change for change in written.changes if change.name in VOCABULARY_TABLES):
        # A new term is a value a parameter may take: the contract the tests hold the API to
        # (docs/openapi.json) changes with it, and is written now, as `make openapi` does.
        from tools import contract

        return contract.main()
    return 0


def _diff(knowledge: Knowledge, database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            current = database_state(connection)
    finally:
        engine.dispose()
    lines = describe(changes_between(current, knowledge_rows(knowledge)))
    print("\n".join(lines) if lines else "No difference: the database holds what the seeds say.")
    return 0


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _new(seeds: Path, slug: str, article: Path, title: str | None, language: str) -> int:
    if not SLUG.match(slug):
        print(f"{slug!r} is not a kebab-case slug (e.g. milk-alkali-syndrome).", file=sys.stderr)
        return 2
    folder = seeds / slug
    if folder.exists():
        print(f"{_relative(folder)} exists already: choose another slug.", file=sys.stderr)
        return 2
    try:
        data = article.read_bytes()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"{article}: cannot be read as UTF-8 text: {error}", file=sys.stderr)
        return 2
    title = title or next((line.strip() for line in text.splitlines() if line.strip()), slug)
    folder.mkdir(parents=True)
    shutil.copyfile(article, folder / "source.txt")
    skeleton = _skeleton(
        slug=slug,
        title=title,
        sha256=hashlib.sha256(data).hexdigest(),
        language=language,
        vocabulary=seeds / VOCABULARY_FILE,
    )
    (folder / KNOWLEDGE_FILE).write_text(skeleton, encoding="utf-8")
    print(f"Created {_relative(folder)}/ with source.txt and {KNOWLEDGE_FILE}.")
    print(
        f"Fill in {_relative(folder / KNOWLEDGE_FILE)}, then: python -m tools.curation check {slug}"
    )
    return 0


def _skeleton(*, slug: str, title: str, sha256: str, language: str, vocabulary: Path) -> str:
    try:
        terms = tomllib.loads(vocabulary.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        terms = {}
    predicates = "\n".join(
        f"#   {p['slug']:<18} {p['description']}" for p in terms.get("predicate", [])
    )
    certainties = ", ".join(t["slug"] for t in terms.get("certainty", []))
    source_slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or slug
    return _SKELETON.format(
        slug=slug,
        title=title.replace('"', '\\"'),
        source_slug=source_slug,
        sha256=sha256,
        language=language,
        predicates=predicates,
        certainties=certainties,
        code_table=CODE_TABLE,
    )


_SKELETON = """\
# Curated knowledge about {slug}, read from source.txt (the article, byte for byte).
#
# - Quote the article verbatim in every `evidence` list: copy and paste whole sentences or
#   clauses. The tools find each quote and its offsets; a passage the article has more than
#   once is written {{ quote = "...", occurrence = 2 }}.
# - Define each concept once, in [[concepts]]. If `check` says another seed defines it already
#   (or a concept with the same name, alias or exact code), delete yours and use that slug.
# - State each claim in [[statements]], with the certainty the article gives it and its hedges
#   ("in certain cases") in `qualifiers`. Certainty: {certainties}.
# - Codes only from seed/{code_table}, with the relation it gives (exact, broader, ...).
# - Then: python -m tools.curation check {slug}
#         python -m tools.curation migration {slug}

[source]
slug = "{source_slug}"
title = "{title}"
file = "source.txt"
sha256 = "{sha256}"
language = "{language}"
# Attribution, served when given:
# publisher = "Example Health"
# url = "https://example.org/article"
# licence = "CC BY 4.0"
# retrieved = 2026-01-31

[condition]
slug = "{slug}"
# Leave out `name`, `also_called` and `codes` if another seed already defines this concept.
name = ""
also_called = []
description = ""  # what the article says the condition is
# codes = [{{ system = "ICD-10-CM", code = "L94.2", display = "...", relation = "exact" }}]
codes = []
evidence = []  # the article's own definition, quoted

# A section of the article about the condition as a whole.
# [[guidance]]
# slug = "when-to-see-a-doctor"
# name = "When to see a doctor"
# description = "See a doctor if ..."
# evidence = ["If ..., then immediately consult a doctor."]

# Everything the article names: a symptom, a test, a treatment, a drug, a risk factor, ...
# [[concepts]]
# slug = "kidney-function-test"
# name = "Kidney function test"
# kind = "organ-function"  # tests and treatments only: a term of seed/vocabulary.toml
# also_called = ["renal function test"]  # lay names, abbreviations, brand names
# description = "A test of how well the kidneys work."  # only what the article says it is
# codes = [
#     {{ system = "MeSH", code = "D007677", display = "...", relation = "exact" }},
# ]

# What the article says of the condition. Predicates (seed/vocabulary.toml):
{predicates}
# [[statements]]
# predicate = "diagnosed-by"
# object = "kidney-function-test"
# certainty = "stated"
# qualifiers = []  # the article's hedges: "in certain cases", "in rare conditions"
# description = "A kidney function test is one of the tests that confirm the diagnosis."
# evidence = ["Kidney function test and thyroid gland test"]
#
# Optional, where the article gives them: cause_type (has-risk-factor: a concept the condition
# has-cause-type), subject (includes-drug: the treatment), aim, indications = [...],
# cautions = [...] (treated-by), audience (prevented-by).
"""
