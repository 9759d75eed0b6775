"""One definition per concept, and the warnings `check` prints without blocking anything.

Each case is a small seed folder built here, about made-up conditions, so that nothing depends
on what the project's seeds say today; only the vocabulary is the project's. The refusals come
from the loader, the warnings from check_warnings, and the command line is run as a curator
runs it.
"""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import ROOT, SEED_DIR
from app.knowledge import SeedError, knowledge_rows, load_knowledge
from app.knowledge.checks import ACCEPTED_FILE, check_warnings

# The made-up code table: MeSH-like codes, so that no ICD-10-CM release is asked about them.
CODES = """\
| Entity | System | Code | Display | Src | Relation to the entity |
|---|---|---|---|---|---|
| Teal spots | MeSH | D900001 | Teal Skin Macules | made up | broader |
| Teal spots | MeSH | D900002 | Spots, Teal | made up | narrower |
| Teal spots | MeSH | D900003 | Teal Spots | made up | exact |
"""
# A made-up ICD-10-CM code: `check` would ask the release about it, the loader does not.
ICD_ROW = (
    "| Teal spots | ICD-10-CM | Q99.901 | Teal spot disorder, unspecified | made up | related |\n"
)

ARTICLE = (
    "Zarnox syndrome is a made-up condition in which the skin turns teal. "
    "Zarnox syndrome is caused by blorp deficiency. "
    "In some cases zarnox syndrome can cause teal spots. "
    "Some writers suspect that glimmer dust may play a part, but this has not been shown.\n"
)

BLORP_CONCEPT = """\
[[concepts]]
slug = "blorp-deficiency"
name = "Blorp deficiency"
description = "Too little blorp."

"""

ZARNOX = """\
[condition]
slug = "zarnox-syndrome"
name = "Zarnox syndrome"
description = "A made-up condition in which the skin turns teal."
evidence = ["Zarnox syndrome is a made-up condition in which the skin turns teal."]

{blorp}[[concepts]]
slug = "teal-spots"
name = "Teal spots"

[[concepts]]
slug = "glimmer-dust"
name = "Glimmer dust"

[[statements]]
predicate = "has-risk-factor"
object = "blorp-deficiency"
certainty = "stated"
description = "Zarnox syndrome is caused by blorp deficiency."
evidence = ["Zarnox syndrome is caused by blorp deficiency."]

[[statements]]
predicate = "has-symptom"
object = "teal-spots"
certainty = "possible"
qualifiers = ["in some cases"]
description = "In some cases zarnox syndrome can cause teal spots."
evidence = ["In some cases zarnox syndrome can cause teal spots."]

[[statements]]
predicate = "has-risk-factor"
object = "glimmer-dust"
certainty = "suspected"
description = "Some writers suspect that glimmer dust may play a part; it has not been shown."
evidence = ["Some writers suspect that glimmer dust may play a part, but this has not been shown."]
""".replace("{blorp}", BLORP_CONCEPT)

BLORP_ARTICLE = "Blorp deficiency is a made-up condition: the body has too little blorp.\n"
BLORP_PAGE = """\
[condition]
slug = "blorp-deficiency"
name = "Blorp deficiency"
description = "A made-up condition in which the body has too little blorp."
evidence = ["Blorp deficiency is a made-up condition: the body has too little blorp."]
"""


def write_seed(seeds: Path, folder: str, article: str, knowledge: str) -> Path:
    """A seed folder with its article and a knowledge file, its [source] filled in."""
    (seeds / folder).mkdir()
    (seeds / folder / "source.txt").write_text(article, encoding="utf-8")
    sha256 = hashlib.sha256(article.encode()).hexdigest()
    source = (
        f'[source]\nslug = "{folder}-article"\ntitle = "A made-up article"\n'
        f'file = "source.txt"\nsha256 = "{sha256}"\nlanguage = "en"\n\n'
    )
    path = seeds / folder / "knowledge.toml"
    path.write_text(source + knowledge, encoding="utf-8")
    return path


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """A seed folder with the project's vocabulary, a made-up code table and zarnox syndrome,
    which checks out without a warning."""
    folder = tmp_path / "seed"
    folder.mkdir()
    shutil.copy(SEED_DIR / "vocabulary.toml", folder)
    (folder / "codes.md").write_text(CODES, encoding="utf-8")
    write_seed(folder, "zarnox-syndrome", ARTICLE, ZARNOX)
    return folder


def edit(seeds: Path, old: str, new: str, folder: str = "zarnox-syndrome") -> None:
    path = seeds / folder / "knowledge.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def refusals(seeds: Path) -> list[str]:
    with pytest.raises(SeedError) as caught:
        load_knowledge(seeds)
    return [problem.shown(caught.value.root) for problem in caught.value.problems]


def warnings(seeds: Path) -> list[str]:
    found = check_warnings(load_knowledge(seeds), seeds)
    assert {problem.severity for problem in found} <= {"warning"}
    return [problem.shown(seeds.parent) for problem in found]


def test_the_base_seed_has_no_refusal_and_no_warning(seeds: Path) -> None:
    assert warnings(seeds) == []


class TestOneDefinitionPerConcept:
    # The page's folder sorts before the seed that names the concept, and after it.
    @pytest.mark.parametrize("folder", ["blorp-deficiency", "zz-blorp-deficiency"])
    def test_a_concept_with_its_own_condition_page_is_not_described_elsewhere(
        self, seeds: Path, folder: str
    ) -> None:
        write_seed(seeds, folder, BLORP_ARTICLE, BLORP_PAGE)
        assert refusals(seeds) == [
            "seed/zarnox-syndrome/knowledge.toml: concept 'blorp-deficiency': already defined in "
            f"seed/{folder}/knowledge.toml, its own condition page, whose definition it serves: "
            "remove this definition and refer to the concept by its slug; what this article "
            "says of it belongs in its statements"
        ]
        # Corrected: the seed refers to the concept by its slug, and says what it says of it
        # in its statements.
        edit(seeds, BLORP_CONCEPT, "")
        knowledge = load_knowledge(seeds)
        (concept,) = [c for _, c in knowledge.concepts() if c.slug == "blorp-deficiency"]
        assert concept.description == "A made-up condition in which the body has too little blorp."
        assert warnings(seeds) == []

    def test_a_nameless_condition_page_takes_the_definition_from_the_other_seed(
        self, seeds: Path
    ) -> None:
        write_seed(
            seeds, "blorp-deficiency", BLORP_ARTICLE, BLORP_PAGE.replace('name = "Blorp def', "#")
        )
        assert refusals(seeds) == [
            "seed/zarnox-syndrome/knowledge.toml: concept 'blorp-deficiency': has its own "
            "condition page in seed/blorp-deficiency/knowledge.toml, whose definition it serves: "
            "give that page's [condition] this name, aliases and codes, and remove this "
            "definition; what this article says of it belongs in its statements"
        ]

    def test_a_concept_defined_in_two_seeds_is_still_refused(self, seeds: Path) -> None:
        edit(seeds, BLORP_CONCEPT, "")
        write_seed(
            seeds,
            "blorp-deficiency",
            BLORP_ARTICLE,
            BLORP_PAGE + '\n[[concepts]]\nslug = "teal-spots"\nname = "Teal dots"\n\n'
            '[[statements]]\npredicate = "has-symptom"\nobject = "teal-spots"\n'
            'certainty = "stated"\ndescription = "It has teal dots."\n'
            'evidence = ["the body has too little blorp"]\n',
        )
        # The first definition, in folder order, stays; the second is refused.
        assert refusals(seeds) == [
            "seed/zarnox-syndrome/knowledge.toml: concept 'teal-spots': already defined in "
            "seed/blorp-deficiency/knowledge.toml: define a concept once and refer to it by slug"
        ]


class TestAliasesAndCodes:
    @pytest.mark.parametrize(
        ("alias", "code", "relation"),
        [
            ("teal skin macules", "MeSH D900001", "broader"),
            # MeSH inverts its headings; ICD-10-CM adds a residual qualifier.
            ("Teal spots", "MeSH D900002", "narrower"),
            ("teal spot disorder", "ICD-10-CM Q99.901", "related"),
        ],
        ids=["display", "inverted", "unspecified"],
    )
    def test_an_alias_that_names_a_broader_or_narrower_code(
        self, seeds: Path, alias: str, code: str, relation: str
    ) -> None:
        with (seeds / "codes.md").open("a", encoding="utf-8") as table:
            table.write(ICD_ROW)
        system, number = code.split()
        rows = (CODES + ICD_ROW).splitlines()
        display = next(row.split(" | ")[3] for row in rows if number in row)
        codes = (
            f'codes = [{{ system = "{system}", code = "{number}", display = "{display}", '
            f'relation = "{relation}" }}]'
        )
        edit(seeds, 'name = "Teal spots"\n', f'name = "Teal dots"\nalso_called = ["{alias}"]\n')
        edit(seeds, 'name = "Teal dots"\n', f'name = "Teal dots"\n{codes}\n')
        assert warnings(seeds) == [
            "seed/zarnox-syndrome/knowledge.toml: concept 'teal-spots': warning: "
            f"'{alias}' is the display of {code}, a {relation} code: an alias means the same as "
            "the concept; drop the alias, or correct the relation"
        ]
        # Corrected: the alias is dropped (the code stays, with its relation).
        edit(seeds, f'also_called = ["{alias}"]\n', "")
        assert warnings(seeds) == []

    def test_a_name_that_names_a_narrower_code(self, seeds: Path) -> None:
        edit(
            seeds,
            'name = "Teal spots"\n',
            'name = "Teal skin macules"\ncodes = [{ system = "MeSH", code = "D900001", '
            'display = "Teal Skin Macules", relation = "broader" }]\n',
        )
        assert warnings(seeds) == [
            "seed/zarnox-syndrome/knowledge.toml: concept 'teal-spots': warning: its name "
            "'Teal skin macules' is the display of MeSH D900001, a broader code: a name means "
            "the same as the concept; rename the concept, or correct the relation"
        ]

    def test_an_alias_that_names_an_exact_code_is_fine(self, seeds: Path) -> None:
        edit(
            seeds,
            'name = "Teal spots"\n',
            'name = "Teal spots"\nalso_called = ["teal spots"]\ncodes = [{ system = "MeSH", '
            'code = "D900003", display = "Teal Spots", relation = "exact" }]\n',
        )
        assert warnings(seeds) == []


NEAR_DUPLICATE = (
    "seed/zarnox-syndrome/knowledge.toml: concept 'chronic-teal-spots': warning: may be concept "
    "'teal-spots' (seed/zarnox-syndrome/knowledge.toml): 'Chronic teal spots' differs from "
    "'Teal spots' only by 'chronic': reuse `teal-spots` if they are one concept; if they are "
    "two, tell them apart, or accept the pair in seed/accepted-warnings.toml"
)


def add_concept(seeds: Path, slug: str, name: str) -> None:
    """A concept and a statement that names it, in zarnox syndrome."""
    edit(
        seeds,
        "[[statements]]\n",
        f'[[concepts]]\nslug = "{slug}"\nname = "{name}"\n\n'
        f'[[statements]]\npredicate = "has-symptom"\nobject = "{slug}"\ncertainty = "possible"\n'
        'description = "In some cases zarnox syndrome can cause teal spots."\n'
        'evidence = ["In some cases zarnox syndrome can cause teal spots."]\n\n'
        "[[statements]]\n",
    )


def accept(seeds: Path, *pairs: tuple[str, str]) -> None:
    (seeds / ACCEPTED_FILE).write_text(
        "".join(
            f'[[near-duplicate]]\nconcepts = ["{a}", "{b}"]\nreason = "Two things."\n\n'
            for a, b in pairs
        ),
        encoding="utf-8",
    )


class TestNearDuplicates:
    def test_a_name_with_one_more_qualifying_word(self, seeds: Path) -> None:
        add_concept(seeds, "chronic-teal-spots", "Chronic teal spots")
        assert warnings(seeds) == [NEAR_DUPLICATE]

    @pytest.mark.parametrize(
        ("slug", "name"),
        [
            ("teal-spot-pain", "Teal spot pain"),  # another head: another thing
            ("teal", "Teal"),
            ("large-teal-blotches", "Large teal blotches"),
        ],
    )
    def test_names_that_are_not_near_duplicates(self, seeds: Path, slug: str, name: str) -> None:
        add_concept(seeds, slug, name)
        assert warnings(seeds) == []

    def test_words_in_another_order_or_number(self, seeds: Path) -> None:
        add_concept(seeds, "spots-of-teal", "Spots of teal")
        assert warnings(seeds) == [
            "seed/zarnox-syndrome/knowledge.toml: concept 'spots-of-teal': warning: may be "
            "concept 'teal-spots' (seed/zarnox-syndrome/knowledge.toml): 'Spots of teal' has the "
            "words of 'Teal spots': reuse `teal-spots` if they are one concept; if they are two, "
            "tell them apart, or accept the pair in seed/accepted-warnings.toml"
        ]

    def test_an_accepted_pair_is_silenced_and_only_it(self, seeds: Path) -> None:
        add_concept(seeds, "chronic-teal-spots", "Chronic teal spots")
        add_concept(seeds, "chronic-glimmer-dust", "Chronic glimmer dust")
        assert len(warnings(seeds)) == 2
        accept(seeds, ("teal-spots", "chronic-teal-spots"))
        (left,) = warnings(seeds)
        assert "concept 'chronic-glimmer-dust': warning: may be concept 'glimmer-dust'" in left
        # Either order of the pair.
        accept(
            seeds, ("chronic-teal-spots", "teal-spots"), ("glimmer-dust", "chronic-glimmer-dust")
        )
        assert warnings(seeds) == []

    def test_an_acceptance_that_matches_nothing_says_so(self, seeds: Path) -> None:
        accept(seeds, ("teal-spots", "glimmer-dust"))
        assert warnings(seeds) == [
            f"seed/{ACCEPTED_FILE}: near-duplicate 'glimmer-dust' and 'teal-spots': warning: "
            "check finds no such near-duplicate: remove this acceptance"
        ]

    def test_an_acceptance_file_that_cannot_be_read_silences_nothing(self, seeds: Path) -> None:
        add_concept(seeds, "chronic-teal-spots", "Chronic teal spots")
        (seeds / ACCEPTED_FILE).write_text(
            '[[near-duplicate]]\nconcepts = ["teal-spots", "chronic-teal-spots"]\n',
            encoding="utf-8",
        )
        assert warnings(seeds) == [
            f"seed/{ACCEPTED_FILE}: near-duplicate.0.reason: warning: Field required; its "
            "acceptances are ignored",
            NEAR_DUPLICATE,
        ]


class TestHedges:
    @pytest.mark.parametrize(
        ("old", "new", "message"),
        [
            (
                'description = "Zarnox syndrome is caused by blorp deficiency."',
                'description = "Zarnox syndrome can be caused by blorp deficiency."',
                "statement has-risk-factor 'blorp-deficiency': warning: its certainty is "
                "'stated', but the description hedges it ('can'): say it plainly, as the "
                "article does, or give it the certainty of the article's hedge",
            ),
            (
                'description = "In some cases zarnox syndrome can cause teal spots."',
                'description = "Zarnox syndrome causes teal spots."',
                "statement has-symptom 'teal-spots': warning: its certainty is 'possible', but "
                "the description says it plainly: hedge it as the article does ('can', 'may', "
                "'in some cases'), or make the certainty 'stated'",
            ),
            (
                'description = "Some writers suspect that glimmer dust may play a part; it has '
                'not been shown."',
                'description = "Glimmer dust plays a part."',
                "statement has-risk-factor 'glimmer-dust': warning: its certainty is "
                "'suspected', but the description does not say it is only suspected: say so as "
                "the article does ('is thought to', 'there are allegations', 'has not been "
                "shown'), or correct the certainty",
            ),
            (
                'description = "A made-up condition in which the skin turns teal."',
                'description = "A made-up condition in which the skin can turn teal."',
                "condition 'zarnox-syndrome': warning: the description hedges ('can') where the "
                "article's words for it, its quotes, do not: say it as the article does",
            ),
        ],
        ids=["stated", "possible", "suspected", "condition"],
    )
    def test_a_hedge_that_does_not_fit(self, seeds: Path, old: str, new: str, message: str) -> None:
        edit(seeds, old, new)
        assert warnings(seeds) == [f"seed/zarnox-syndrome/knowledge.toml: {message}"]

    def test_a_stated_claim_may_explain_itself_in_the_article_s_hedged_words(
        self, seeds: Path
    ) -> None:
        edit(
            seeds,
            'description = "Zarnox syndrome is caused by blorp deficiency."',
            'description = "Blorp deficiency is one of its causes: too little blorp, which can '
            'turn the skin teal; though some think it is alleged."',
        )
        assert warnings(seeds) == []

    def test_a_condition_may_hedge_as_its_quotes_do(self, seeds: Path) -> None:
        edit(
            seeds,
            'description = "A made-up condition in which the skin turns teal."',
            'description = "A made-up condition in which the skin turns teal, with spots it can '
            'cause in some cases."',
        )
        edit(
            seeds,
            'evidence = ["Zarnox syndrome is a made-up condition in which the skin turns teal."]',
            'evidence = ["Zarnox syndrome is a made-up condition in which the skin turns teal.", '
            '"In some cases zarnox syndrome can cause teal spots."]',
        )
        assert warnings(seeds) == []


def curate(seeds: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.curation", "--seeds", str(seeds), *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


class TestWarningsBlockNothing:
    def test_check_prints_warnings_counts_them_and_succeeds(self, seeds: Path) -> None:
        add_concept(seeds, "chronic-teal-spots", "Chronic teal spots")
        edit(
            seeds,
            'description = "Zarnox syndrome is caused by blorp deficiency."',
            'description = "Zarnox syndrome may be caused by blorp deficiency."',
        )
        # The seeds load, and give their rows, as if there were no warning.
        assert knowledge_rows(load_knowledge(seeds))["concept"]
        done = curate(seeds, "check")
        assert done.returncode == 0, done.stderr
        lines = done.stderr.splitlines()
        assert lines[0] == NEAR_DUPLICATE
        assert lines[1].startswith(
            "seed/zarnox-syndrome/knowledge.toml: statement has-risk-factor 'blorp-deficiency': "
            "warning: its certainty is 'stated', but the description hedges it ('may')"
        )
        assert lines[2:] == [
            "2 warnings: the seeds load all the same; correct each, or accept a near-duplicate "
            "in seed/accepted-warnings.toml."
        ]
        assert "all checked." in done.stdout
        # Only the warnings of the seeds named, and of the files every seed shares.
        accept(seeds, ("teal-spots", "glimmer-dust"))
        write_seed(seeds, "blorp-deficiency", BLORP_ARTICLE, BLORP_PAGE)
        edit(seeds, BLORP_CONCEPT, "")
        named = curate(seeds, "check", "blorp-deficiency")
        assert named.returncode == 0, named.stderr
        assert named.stderr.splitlines() == [
            f"seed/{ACCEPTED_FILE}: near-duplicate 'glimmer-dust' and 'teal-spots': warning: "
            "check finds no such near-duplicate: remove this acceptance",
            "1 warning: the seeds load all the same; correct each, or accept a near-duplicate "
            "in seed/accepted-warnings.toml.",
        ]

    def test_a_refusal_still_fails_check(self, seeds: Path) -> None:
        write_seed(seeds, "blorp-deficiency", BLORP_ARTICLE, BLORP_PAGE)
        done = curate(seeds, "check")
        assert done.returncode == 1
        assert done.stderr.splitlines()[-1] == "1 problem: nothing can be loaded."


def test_the_project_seeds_have_no_refusal() -> None:
    """Warnings may stand on the project's seeds until a correction seed settles them; a
    refusal may not."""
    done = curate(SEED_DIR, "check")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert all(": warning: " in line for line in lines[:-1]), done.stderr
    assert not lines or " warning" in lines[-1]
