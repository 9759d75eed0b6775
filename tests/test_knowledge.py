"""The seed loader: it accepts the curated seeds, and refuses by file and item what it cannot check.

Each refusal is made the way a careless curator would make it, in a copy of every seed, and
the loader must name the file, the item and the fix, and report every problem at once.
"""

import hashlib
import shutil
from pathlib import Path

import pytest

from app.config import SEED_DIR
from app.knowledge import SeedError, knowledge_rows, load_knowledge
from app.knowledge.quotes import closest_passage, locate
from tests.conftest import corpus

ARTICLE_SHA256 = "e7eafe3d0a22f040dc861e58c5076fe8ecce78dbacef5009a6082075bd1e6cc1"
TEST_SEED = "glimmerfold-syndrome"
SILVER_FOLDS = "The main sign of glimmerfold syndrome is silver-colored folds on the skin."


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    return corpus(tmp_path / "seed")


def edit(path: Path, old: str, new: str) -> None:
    """Change a curated file as a careless curator might."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def refusal(seeds: Path) -> str:
    with pytest.raises(SeedError) as caught:
        load_knowledge(seeds)
    return str(caught.value)


def knowledge_file(seeds: Path, name: str = TEST_SEED) -> Path:
    return seeds / name / "knowledge.toml"


class TestCuratedSeeds:
    def test_the_project_seeds_load(self) -> None:
        knowledge = load_knowledge(SEED_DIR)
        assert knowledge.seeds

    def test_the_article_is_served_byte_for_byte(self) -> None:
        knowledge = load_knowledge(SEED_DIR)
        sources = [seed.path.parent / seed.data.source.file for seed in knowledge.seeds]
        assert ARTICLE_SHA256 in {hashlib.sha256(p.read_bytes()).hexdigest() for p in sources}

    def test_every_quote_is_placed_at_its_offsets(self, seeds: Path) -> None:
        knowledge = load_knowledge(seeds)
        for seed in knowledge.seeds:
            for quotes in seed.evidence.values():
                assert quotes
                for quote in quotes:
                    assert seed.text[quote.start : quote.end] == quote.quote

    def test_every_statement_and_claim_has_evidence(self, seeds: Path) -> None:
        rows = knowledge_rows(load_knowledge(seeds))
        claims = {row["claim"] for row in rows["evidence"]}
        assert {row["id"] for row in rows["statement"]} <= claims
        assert {f"{row['slug']}/definition" for row in rows["condition"]} <= claims

    def test_a_superseded_seed_is_not_read(self) -> None:
        knowledge = load_knowledge(SEED_DIR)
        superseded = {s.data.supersedes for s in knowledge.seeds if s.data.supersedes}
        assert superseded
        assert not {seed.name for seed in knowledge.seeds} & superseded


class TestQuotes:
    def test_a_missing_quote_gets_the_closest_passage(self, seeds: Path) -> None:
        edit(
            knowledge_file(seeds),
            'evidence = ["Glimmerfold syndrome is caused by hyperparathyroidism."]',
            'evidence = ["Glimmerfold syndrome is caused by hypoparathyroidism."]',
        )
        message = refusal(seeds)
        assert f"seed/{TEST_SEED}/knowledge.toml" in message
        assert "statement has-risk-factor 'hyperparathyroidism'" in message
        assert "not found in the source" in message
        assert (
            "closest passage is 'Glimmerfold syndrome is caused by hyperparathyroidism.'" in message
        )

    def test_an_ambiguous_quote_asks_for_more(self, seeds: Path) -> None:
        edit(
            knowledge_file(seeds),
            f"evidence = [{SILVER_FOLDS!r}]".replace("'", '"'),
            'evidence = ["glimmerfold syndrome"]',
        )
        message = refusal(seeds)
        assert "statement has-symptom 'silver-skin-folds'" in message
        assert "quote a longer passage, or add `occurrence = N`" in message

    def test_an_occurrence_picks_one_of_several(self, seeds: Path) -> None:
        edit(
            knowledge_file(seeds),
            f"evidence = [{SILVER_FOLDS!r}]".replace("'", '"'),
            'evidence = [{ quote = "glimmerfold syndrome", occurrence = 3 }]',
        )
        knowledge = load_knowledge(seeds)
        seed = next(s for s in knowledge.seeds if s.name == TEST_SEED)
        (quote,) = seed.evidence[f"{seed.condition}/has-symptom/silver-skin-folds"]
        assert seed.text.count("glimmerfold syndrome", 0, quote.start) == 2

    def test_locate(self) -> None:
        text = "one two three two"
        assert locate(text, "three") == locate(text, "three", 1)
        assert "occurs 2 times (at 4, 14)" in str(locate(text, "two"))
        assert "no occurrence 3" in str(locate(text, "two", 3))
        assert closest_passage(text, "thre tow") == "three tw"


class TestRefusals:
    def test_a_concept_defined_twice_says_which_to_reuse(self, seeds: Path) -> None:
        edit(
            knowledge_file(seeds),
            '[[concepts]]\nslug = "warm-folds"',
            '[[concepts]]\nslug = "kidney-function-test"\nname = "Kidney test"\n\n'
            '[[concepts]]\nslug = "warm-folds"',
        )
        message = refusal(seeds)
        assert (
            "concept 'kidney-function-test': already defined in seed/calcinosis-cutis/" in message
        )
        assert "define a concept once and refer to it by slug" in message

    def test_a_likely_duplicate_by_name_alias_or_code(self, seeds: Path) -> None:
        edit(
            knowledge_file(seeds),
            'name = "Drinking plenty of water"\nalso_called = ["hydration"]',
            'name = "Drinking plenty of water"\nalso_called = ["hydration", "renal function test"]',
        )
        edit(
            knowledge_file(seeds),
            'name = "Folds that feel warm"',
            'name = "Folds that feel warm"\ncodes = [{ system = "MeSH", code = "D007677", '
            'display = "Kidney Function Tests", relation = "exact" }]',
        )
        message = refusal(seeds)
        assert (
            "concept 'drinking-water': has the name or alias 'renal function test', as concept "
            "'kidney-function-test'" in message
        )
        assert "reuse `kidney-function-test` instead" in message
        assert "concept 'warm-folds': has the exact code MeSH D007677" in message

    def test_codes_must_be_verified_with_their_relation(self, seeds: Path) -> None:
        edit(
            knowledge_file(seeds),
            'name = "Folds that feel warm"',
            'name = "Folds that feel warm"\ncodes = [\n'
            '  { system = "ICD-10-CM", code = "R23.8", display = "Other skin changes",'
            ' relation = "exact" },\n'
            '  { system = "MeSH", code = "D005734", display = "Gangrene", relation = "broader" },\n'
            '  { system = "MeSH", code = "D014859", display = "Warfarine", relation = "exact" },\n'
            '  { system = "SNOMED", code = "1", display = "x", relation = "exact" },\n'
            "]",
        )
        message = refusal(seeds)
        assert "ICD-10-CM R23.8 is not in the verified codes.md" in message
        assert "MeSH D005734: codes.md gives its relation as exact, not 'broader'" in message
        assert "MeSH D014859 is 'Warfarin' in codes.md, not 'Warfarine'" in message
        assert "unknown code system 'SNOMED'" in message

    def test_unknown_terms_and_references(self, seeds: Path) -> None:
        path = knowledge_file(seeds)
        edit(path, 'predicate = "prevented-by"', 'predicate = "avoided-by"')
        edit(
            path,
            'object = "warm-folds"\ncertainty = "possible"',
            'object = "warm-folds"\ncertainty = "likely"',
        )
        edit(path, 'object = "kidney-function-test"', 'object = "kidney-scan"')
        edit(path, 'kind = "medication"', 'kind = "fluids"')
        message = refusal(seeds)
        assert "unknown predicate 'avoided-by'" in message
        assert "add it to vocabulary.toml if it is new" in message
        assert "certainty 'likely' is not one of possible, stated, suspected" in message
        assert (
            "statement diagnosed-by 'kidney-scan': no seed defines the concept 'kidney-scan'"
            in message
        )
        assert "kind 'fluids' is not a treatment-kind" in message

    def test_a_new_kind_is_a_vocabulary_change_not_a_code_change(self, seeds: Path) -> None:
        edit(knowledge_file(seeds), 'kind = "medication"', 'kind = "fluids"')
        with (seeds / "vocabulary.toml").open("a", encoding="utf-8") as vocabulary:
            vocabulary.write(
                '\n[[treatment-kind]]\nslug = "fluids"\nlabel = "fluids"\n'
                'description = "Drinking or being given fluids."\n'
            )
        load_knowledge(seeds)

    def test_a_changed_source_is_refused(self, seeds: Path) -> None:
        with (seeds / TEST_SEED / "source.txt").open("a", encoding="utf-8") as source:
            source.write("One more line.\n")
        message = refusal(seeds)
        assert "source 'glimmerfold-syndrome-test-article': source.txt has sha256" in message
        assert "must be the article byte for byte" in message

    def test_unknown_keys_are_named_with_their_item(self, seeds: Path) -> None:
        edit(
            knowledge_file(seeds),
            'name = "Folds that feel warm"',
            'name = "Folds that feel warm"\ncolour = "red"',
        )
        message = refusal(seeds)
        assert "concepts.1.colour (slug 'warm-folds'): Extra inputs are not permitted" in message

    def test_a_subject_and_cause_type_must_belong_to_the_condition(self, seeds: Path) -> None:
        path = knowledge_file(seeds)
        edit(path, 'subject = "warfarin-tablets"', 'subject = "lump-removal-surgery"')
        edit(
            path,
            'object = "hyperparathyroidism"\ncertainty = "stated"',
            'object = "hyperparathyroidism"\ncause_type = "calciphylaxis"\ncertainty = "stated"',
        )
        message = refusal(seeds)
        assert (
            "the subject of 'includes-drug' must be one of this condition's treatments" in message
        )
        assert "cause type 'calciphylaxis' is not among this condition's causes" in message

    def test_every_problem_is_reported_at_once(self, seeds: Path) -> None:
        path = knowledge_file(seeds)
        edit(
            path,
            'evidence = ["Glimmerfold syndrome is caused',
            'evidence = ["Glimmerfold is caused',
        )
        edit(path, 'certainty = "suspected"', 'certainty = "maybe"')
        edit(path, 'slug = "drinking-water"', 'slug = "Drinking_Water"')
        message = refusal(seeds)
        assert "not found in the source" in message
        assert "certainty 'maybe'" in message
        assert "concept 'Drinking_Water': the slug is not kebab-case" in message
        assert message.startswith(f"{message.split()[0]} problems in the seeds, nothing loaded")

    def test_an_unused_concept_is_refused(self, seeds: Path) -> None:
        edit(
            knowledge_file(seeds),
            '[[concepts]]\nslug = "warm-folds"',
            '[[concepts]]\nslug = "silver-dust"\nname = "Silver dust"\n\n'
            '[[concepts]]\nslug = "warm-folds"',
        )
        assert "concept 'silver-dust': no statement names it" in refusal(seeds)

    def test_a_second_seed_for_the_same_condition_must_supersede(self, seeds: Path) -> None:
        shutil.copytree(seeds / TEST_SEED, seeds / "glimmerfold-again")
        message = refusal(seeds)
        assert "is about the same condition: correct that seed with `supersedes`" in message
