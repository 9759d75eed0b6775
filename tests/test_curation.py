"""The curator's path, run as a curator runs it: `new`, a knowledge file, `check`, `migration`.

Each test works in a copy of the project (its code, migrations and seeds), so that what the
commands write is thrown away, and runs the commands and Alembic as separate processes.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, pool

from app.config import ROOT
from app.knowledge import knowledge_rows, load_knowledge
from migrations.frozen import FrozenDataError, Shape, read_changes
from tests.conftest import TEST_SEEDS
from tests.nodejs import MODULES
from tools.contract import document_of, read_document, without_knowledge
from tools.curation.revisions import State, changes_between, database_state

TEST_SEED = "glimmerfold-syndrome"
# A second fictional condition, shaped unlike the first and needing new vocabulary, with the
# terms a curator adds to seed/vocabulary.toml for it.
NEW_CONDITION = Path(__file__).resolve().parent / "curator" / "quillmoss-rash"
RUFF = Path(sys.executable).parent / "ruff"
IGNORED = shutil.ignore_patterns("__pycache__", "node_modules")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project a curator can change freely."""
    copy = tmp_path / "project"
    copy.mkdir()
    for name in ("app", "migrations", "seed", "tools"):
        shutil.copytree(ROOT / name, copy / name, ignore=IGNORED)
    shutil.copy(ROOT / "alembic.ini", copy)
    return copy


def run(
    project: Path, *args: str, database_url: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """A command in the project copy, as a curator types it there."""
    env = {**os.environ, "PYTHONPATH": str(project)}
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    done = subprocess.run(
        [sys.executable, *args], cwd=project, env=env, capture_output=True, text=True, timeout=300
    )
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def curate(project: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run(project, "-m", "tools.curation", *args, check=check)


def alembic(project: Path, database_url: str, *args: str) -> None:
    run(project, "-m", "alembic", *args, database_url=database_url)


def state(database_url: str) -> State:
    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return database_state(connection)
    finally:
        engine.dispose()


def canonical(found: State) -> dict[str, list[str]]:
    return {
        name: sorted(json.dumps(row, sort_keys=True, default=str) for row in rows)
        for name, rows in found.items()
    }


def add_test_condition(project: Path) -> None:
    """`new` from the article, then the knowledge file a curator wrote, without an offset."""
    article = TEST_SEEDS / TEST_SEED / "source.txt"
    curate(project, "new", TEST_SEED, "--source", str(article))
    shutil.copy(TEST_SEEDS / TEST_SEED / "knowledge.toml", project / "seed" / TEST_SEED)


class TestNew:
    def test_new_copies_the_article_and_writes_a_skeleton(self, project: Path) -> None:
        article = TEST_SEEDS / TEST_SEED / "source.txt"
        done = curate(project, "new", TEST_SEED, "--source", str(article))
        folder = project / "seed" / TEST_SEED
        assert (folder / "source.txt").read_bytes() == article.read_bytes()
        skeleton = (folder / "knowledge.toml").read_text(encoding="utf-8")
        assert hashlib.sha256(article.read_bytes()).hexdigest() in skeleton
        for section in (
            "[source]",
            "[condition]",
            "[[guidance]]",
            "[[concepts]]",
            "[[statements]]",
        ):
            assert section in skeleton
        assert "has-risk-factor" in skeleton  # the predicates are listed, with what they mean
        assert f"check {TEST_SEED}" in done.stdout
        # A skeleton is not knowledge yet: check says what is missing, and fails.
        checked = curate(project, "check", TEST_SEED, check=False)
        assert checked.returncode == 1
        assert f"seed/{TEST_SEED}/knowledge.toml: condition.evidence" in checked.stderr

    def test_new_refuses_a_taken_slug_or_a_bad_one(self, project: Path) -> None:
        article = str(TEST_SEEDS / TEST_SEED / "source.txt")
        assert (
            curate(
                project, "new", "calcinosis-cutis-v2", "--source", article, check=False
            ).returncode
            == 2
        )
        assert (
            curate(project, "new", "Not_A_Slug", "--source", article, check=False).returncode == 2
        )

    def test_help_teaches_the_commands(self, project: Path) -> None:
        helped = curate(project, "--help").stdout
        for command in ("new SLUG --source ARTICLE.txt", "check", "migration SLUG", "diff"):
            assert command in helped


class TestAddingACondition:
    def test_new_check_migration_upgrade_downgrade(
        self, project: Path, empty_database_url: str
    ) -> None:
        url = empty_database_url
        alembic(project, url, "upgrade", "head")
        before = state(url)
        add_test_condition(project)

        checked = curate(project, "check")
        assert "changes no migration writes yet" in checked.stdout
        written = curate(project, "migration", TEST_SEED).stdout
        assert f"+ concept {TEST_SEED}" in written
        migration = next(
            (project / "migrations" / "versions").glob(
                f"*knowledge_{TEST_SEED.replace('-', '_')}.py"
            )
        )
        subprocess.run([RUFF, "check", "--quiet", str(migration)], check=True, cwd=ROOT)
        subprocess.run([RUFF, "format", "--check", "--quiet", str(migration)], check=True, cwd=ROOT)
        assert "The migrations write exactly what the seeds say." in curate(project, "check").stdout

        alembic(project, url, "upgrade", "head")
        # Exactly the knowledge the seeds hold, the project's and the new one alike.
        wanted = knowledge_rows(load_knowledge(project / "seed"))
        assert not any(changes_between(state(url), wanted))
        # ... and the same contract: the checked-in OpenAPI document needs no change.
        checked_in = read_document()
        assert checked_in is not None
        assert without_knowledge(document_of(url)) == without_knowledge(checked_in)
        diffed = run(project, "-m", "tools.curation", "diff", database_url=url).stdout
        assert "No difference" in diffed

        alembic(project, url, "downgrade", "-1")
        assert canonical(state(url)) == canonical(before)

    def test_a_new_condition_changes_no_test(self, project: Path) -> None:
        """A curator adds a condition with new vocabulary, by the docs alone: `new`, the
        knowledge file, the terms, `check`, `migration`. Then the suite's tests that expect only
        what the seeds say pass on the project's seeds, none of them edited."""
        for name in ("tests", "bench", "docs"):
            shutil.copytree(ROOT / name, project / name, ignore=IGNORED)
        (project / "tests" / "node" / "node_modules").symlink_to(MODULES, target_is_directory=True)
        shutil.copy(ROOT / "pyproject.toml", project)
        slug = NEW_CONDITION.name
        curate(project, "new", slug, "--source", str(NEW_CONDITION / "source.txt"))
        shutil.copy(NEW_CONDITION / "knowledge.toml", project / "seed" / slug)
        terms = (NEW_CONDITION / "vocabulary.toml").read_text(encoding="utf-8")
        with (project / "seed" / "vocabulary.toml").open("a", encoding="utf-8") as vocabulary:
            vocabulary.write("\n" + terms)
        assert "changes no migration writes yet" in curate(project, "check").stdout
        # The new terms are values parameters may take: the contract is written anew with them.
        assert "Wrote docs/openapi.json" in curate(project, "migration", slug).stdout
        assert "The migrations write exactly what the seeds say." in curate(project, "check").stdout

        # On SQLite alone, to keep it short: the backends are compared elsewhere.
        env = {**os.environ, "PYTHONPATH": str(project), "TEST_KNOWLEDGE": "project"}
        env |= {"TEST_SQLITE_ONLY": "1"}
        env.pop("TEST_POSTGRES_URL", None)
        quiet = ["-q", "-p", "no:cacheprovider", "-x"]
        for tests in (["-m", "seeds and not corpus"], ["tests/test_contract.py"]):
            done = subprocess.run(
                [sys.executable, "-m", "pytest", *quiet, *tests],
                cwd=project, env=env, capture_output=True, text=True, timeout=900,
            )  # fmt: skip
            assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
            assert " passed" in done.stdout

    def test_diff_shows_what_clients_will_see_change(
        self, project: Path, empty_database_url: str
    ) -> None:
        add_test_condition(project)
        curate(project, "migration", TEST_SEED)
        alembic(project, empty_database_url, "upgrade", "head")
        path = project / "seed" / TEST_SEED / "knowledge.toml"
        text = path.read_text(encoding="utf-8")
        old = 'also_called = ["silver folds"]'
        assert old in text
        path.write_text(text.replace(old, 'also_called = ["silver folds", "glimmer folds"]'))
        diffed = run(project, "-m", "tools.curation", "diff", database_url=empty_database_url)
        assert "~ concept silver-skin-folds (also_called)" in diffed.stdout
        # A condition the database holds and the seeds no longer do.
        shutil.rmtree(project / "seed" / TEST_SEED)
        diffed = run(project, "-m", "tools.curation", "diff", database_url=empty_database_url)
        assert f"- concept {TEST_SEED}" in diffed.stdout


class TestRefusals:
    @pytest.mark.parametrize(
        ("old", "new", "message"),
        [
            (
                'evidence = ["Glimmerfold syndrome is caused by hyperparathyroidism."]',
                'evidence = ["Glimmerfold syndrome is caused by high calcium."]',
                "statement has-risk-factor 'hyperparathyroidism': quote 'Glimmerfold syndrome "
                "is caused by high calcium.' not found in the source; the closest passage is",
            ),
            (
                'evidence = ["In some cases the folds can feel warm to the touch."]',
                'evidence = ["the folds"]',
                "statement has-symptom 'warm-folds': quote 'the folds' occurs",
            ),
            (
                'name = "Folds that feel warm"',
                'name = "Folds that feel warm"\ncodes = [{ system = "ICD-10-CM", code = "R20.8", '
                'display = "Other disturbances of skin sensation", relation = "exact" }]',
                "concept 'warm-folds': ICD-10-CM R20.8 is not in the verified codes.md",
            ),
        ],
        ids=["missing quote", "ambiguous quote", "unknown code"],
    )
    def test_one_clear_message_and_nothing_written(
        self, project: Path, old: str, new: str, message: str
    ) -> None:
        refused_with_nothing_written(project, old, new, message)

    def test_a_concept_another_seed_defines_is_not_defined_again(self, project: Path) -> None:
        seed, concept = next(iter(load_knowledge(project / "seed").concepts()))
        refused_with_nothing_written(
            project,
            '[[concepts]]\nslug = "warm-folds"',
            f'[[concepts]]\nslug = "{concept.slug}"\nname = "Another {concept.name}"\n\n'
            '[[concepts]]\nslug = "warm-folds"',
            f"concept '{concept.slug}': already defined in seed/{seed.path.parent.name}/"
            "knowledge.toml",
        )


def refused_with_nothing_written(project: Path, old: str, new: str, message: str) -> None:
    """A careless edit of the new seed: check and migration refuse it with one clear message,
    and write no revision."""
    add_test_condition(project)
    path = project / "seed" / TEST_SEED / "knowledge.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    versions = sorted((project / "migrations" / "versions").iterdir())
    for command in ("check", "migration"):
        args = [command, TEST_SEED] if command == "migration" else [command]
        done = curate(project, *args, check=False)
        assert done.returncode == 1
        lines = done.stderr.splitlines()
        assert lines[0] == f"seed/{TEST_SEED}/knowledge.toml: " + lines[0].split(": ", 1)[1]
        assert message in lines[0]
        assert lines[1:] == ["1 problem: nothing can be loaded."]
    assert sorted((project / "migrations" / "versions").iterdir()) == versions


class TestFrozenRevisions:
    def test_old_revisions_ignore_later_changes_of_the_loader_and_code_table(
        self, project: Path, empty_database_url: str, sqlite_url: str, tmp_path: Path
    ) -> None:
        # The code table changes a display, and the loader can no longer load anything.
        table = project / "seed" / "codes.md"
        table.write_text(
            table.read_text(encoding="utf-8").replace(
                "| Warfarin | MeSH | D014859 | Warfarin |",
                "| Warfarin | MeSH | D014859 | Warfarin sodium |",
            ),
            encoding="utf-8",
        )
        loader = project / "app" / "knowledge" / "loader.py"
        loader.write_text(
            loader.read_text(encoding="utf-8").replace(
                "def load_knowledge(seed_dir: Path) -> Knowledge:\n",
                "def load_knowledge(seed_dir: Path) -> Knowledge:\n"
                "    raise RuntimeError('broken')\n",
            ),
            encoding="utf-8",
        )
        alembic(project, empty_database_url, "upgrade", "head")
        fresh = tmp_path / "fresh.db"
        alembic(ROOT, f"sqlite:///{fresh}", "upgrade", "head")
        assert canonical(state(empty_database_url)) == canonical(state(f"sqlite:///{fresh}"))
        # ... and they still remove exactly what they wrote.
        alembic(project, empty_database_url, "downgrade", "base")
        assert state(empty_database_url) == {}

    def test_a_rows_file_that_was_edited_is_refused(
        self, project: Path, empty_database_url: str
    ) -> None:
        data = project / "migrations" / "data"
        rows = next(data.glob("0006-*.json"))
        rows.write_text(
            rows.read_text(encoding="utf-8").replace("Warfarin", "Warfarine"), encoding="utf-8"
        )
        done = run(
            project,
            "-m",
            "alembic",
            "upgrade",
            "head",
            database_url=empty_database_url,
            check=False,
        )
        assert done.returncode != 0
        assert "sha256 is" in done.stderr
        assert "the revision expects" in done.stderr

    def test_a_row_that_does_not_fit_its_shape_is_refused(self, tmp_path: Path) -> None:
        import sqlalchemy as sa

        shapes = {
            "concept": Shape(sa.table("concept", sa.column("slug"), sa.column("name")), ("slug",))
        }
        row = b'{"slug": "a", "nme": "A"}'
        body = b'{"revision": "9999", "tables": [{"table": "concept", "insert": [' + row + b"]}]}\n"
        (tmp_path / "rows.json").write_bytes(body)
        with pytest.raises(FrozenDataError) as caught:
            read_changes("rows.json", hashlib.sha256(body).hexdigest(), shapes, tmp_path)
        assert "unknown columns ['nme'], missing columns ['name']" in str(caught.value)


def test_the_seeds_hold_nothing_the_migrations_do_not_write() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tools.curation", "check"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "The migrations write exactly what the seeds say." in done.stdout
