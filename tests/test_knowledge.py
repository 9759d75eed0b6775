"""The seed loader: it accepts the curated seed and refuses, by name, anything it cannot verify."""

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from app.config import SEED_DIR
from app.knowledge import SeedError, load_seed, table_rows
from app.knowledge.terms import ItemKind

SEED = SEED_DIR / "calcinosis-cutis"
ARTICLE_SHA256 = "e7eafe3d0a22f040dc861e58c5076fe8ecce78dbacef5009a6082075bd1e6cc1"


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "calcinosis-cutis"
    shutil.copytree(SEED, folder)
    shutil.copy(SEED_DIR / "codes.md", tmp_path / "codes.md")
    return folder


def edit(folder: Path, old: str, new: str, count: int = 1) -> None:
    """Change the knowledge file as a careless curator might."""
    path = folder / "knowledge.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} is not in the seed"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def refusal(folder: Path) -> SeedError:
    with pytest.raises(SeedError) as caught:
        load_seed(folder)
    return caught.value


class TestCuratedSeed:
    def test_source_is_the_article_byte_for_byte(self) -> None:
        assert hashlib.sha256((SEED / "source.txt").read_bytes()).hexdigest() == ARTICLE_SHA256

    def test_every_quote_is_verbatim_at_its_offsets(self) -> None:
        knowledge = load_seed(SEED)
        for _kind, item in knowledge.items():
            assert item.evidence, item.slug
            for quote in item.evidence:
                assert knowledge.text[quote.start : quote.end] == quote.quote

    def test_quotes_are_statements_not_bare_names(self) -> None:
        # A quote states the fact ("Causes include ..."), so it is longer than the name alone.
        knowledge = load_seed(SEED)
        for _kind, item in knowledge.items():
            for quote in item.evidence:
                assert len(quote.quote) > len(item.name), (item.slug, quote.quote)

    def test_rows_cover_every_item_once(self) -> None:
        knowledge = load_seed(SEED)
        rows = table_rows(knowledge)
        kinds = [kind for kind, _ in knowledge.items()]
        assert len(rows["risk_factor"]) == kinds.count(ItemKind.RISK_FACTOR) == 19
        assert len(rows["drug"]) == kinds.count(ItemKind.DRUG) == 5
        assert {row["item_slug"] for row in rows["evidence"]} >= {
            item.slug for _, item in knowledge.items()
        }


class TestRefusals:
    def test_quote_not_in_the_text(self, seed_copy: Path) -> None:
        edit(seed_copy, "Causes include hyperparathyroidism", "Causes include hypoparathyroidism")
        error = refusal(seed_copy)
        assert "knowledge.toml" in str(error)
        assert "risk-factor 'hyperparathyroidism'" in str(error)
        assert "quote not found in the source text" in str(error)

    def test_wrong_offsets(self, seed_copy: Path) -> None:
        quote = '{ quote = "Lumps in calcinosis cutis can develop gradually of varying sizes."'
        edit(seed_copy, f"{quote}, start = ", f"{quote}, start = 1")
        error = refusal(seed_copy)
        assert "symptom 'gradually-growing-lumps'" in str(error)
        assert "not at" in str(error)

    def test_duplicate_slug(self, seed_copy: Path) -> None:
        edit(seed_copy, 'slug = "acne"', 'slug = "infection"')
        error = refusal(seed_copy)
        assert "risk-factor 'infection': duplicate slug" in str(error)

    def test_dangling_reference(self, seed_copy: Path) -> None:
        edit(seed_copy, 'cause_types = ["calciphylaxis"]', 'cause_types = ["calcifilaxis"]')
        error = refusal(seed_copy)
        assert "unknown cause type 'calcifilaxis'" in str(error)
        assert "risk-factor 'diabetes'" in str(error)

    def test_unknown_code_system(self, seed_copy: Path) -> None:
        edit(seed_copy, 'system = "ICD-10-CM", code = "L94.2"', 'system = "SNOMED", code = "L94.2"')
        error = refusal(seed_copy)
        assert "condition 'calcinosis-cutis': unknown code system 'SNOMED'" in str(error)

    def test_code_not_in_the_verified_table(self, seed_copy: Path) -> None:
        # A plausible code that nobody verified is refused: a wrong code is worse than none.
        edit(seed_copy, 'code = "E21.3"', 'code = "E21.0"')
        error = refusal(seed_copy)
        assert "risk-factor 'hyperparathyroidism': ICD-10-CM E21.0 is not in the verified" in str(
            error
        )

    def test_display_differs_from_the_verified_table(self, seed_copy: Path) -> None:
        edit(seed_copy, 'display = "Warfarin" }', 'display = "Coumadin" }')
        assert "'Warfarin' in codes.md, not 'Coumadin'" in str(refusal(seed_copy))

    def test_slug_not_kebab_case(self, seed_copy: Path) -> None:
        edit(seed_copy, 'slug = "x-ray"', 'slug = "X_Ray"')
        assert "test 'X_Ray': slug is not kebab-case" in str(refusal(seed_copy))

    def test_source_changed(self, seed_copy: Path) -> None:
        source = seed_copy / "source.txt"
        source.write_bytes(source.read_bytes().replace(b"diltilazem", b"diltiazem"))
        error = refusal(seed_copy)
        assert "source 'how-to-treat-calcinosis-cutis'" in str(error)
        assert "sha256" in str(error)

    def test_item_without_evidence(self, seed_copy: Path) -> None:
        edit(
            seed_copy,
            'evidence = [\n    { quote = "Biopsy or tissue sampling of the lump"',
            'unchecked = [\n    { quote = "Biopsy or tissue sampling of the lump"',
        )
        error = refusal(seed_copy)
        assert "(item 'biopsy')" in str(error)
        assert "evidence" in str(error)

    @pytest.mark.parametrize(
        "damage",
        [
            lambda folder: edit(folder, 'kind = "laser"', 'kind = "magic"'),
            lambda folder: (folder / "knowledge.toml").write_text("[source\n"),
            lambda folder: (folder / "source.txt").unlink(),
        ],
        ids=["unknown-treatment-kind", "not-toml", "missing-source"],
    )
    def test_other_damage_is_refused(self, seed_copy: Path, damage: Callable[[Path], None]) -> None:
        damage(seed_copy)
        assert "refused, nothing loaded" in str(refusal(seed_copy))

    def test_every_problem_is_reported_at_once(self, seed_copy: Path) -> None:
        edit(seed_copy, 'slug = "acne"', 'slug = "infection"')
        edit(seed_copy, 'system = "MeSH", code = "D005734"', 'system = "Snomed", code = "D005734"')
        assert len(refusal(seed_copy).problems) == 2
