"""The knowledge has room to grow: what makes a condition worse, who is more likely to have it,
onset and prevalence in guidance, plain words for every term, and old slugs of renamed concepts.

A made-up condition (quillbramble fever, whose names are no real medical terms) uses each
addition, in a seed folder of its own beside the project's vocabulary and code table; it is
loaded, written into a database migrated to head on each backend, and served. A knowledge file
written before the additions still checks and loads unchanged.
"""

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, pool

from app import served
from app.config import SEED_DIR, Settings
from app.db import create_database_engine, migrate
from app.knowledge import Knowledge, SeedError, knowledge_rows, load_knowledge
from app.knowledge.codes import CODE_TABLE
from app.knowledge.reading import KNOWLEDGE_FILE, VOCABULARY_FILE
from app.main import create_app
from app.snapshot import build, open_snapshot
from migrations.frozen import TableChanges
from tests.conftest import BACKENDS, TEST_SEEDS, LiveServer, empty_database
from tools.curation.revisions import apply_changes, changes_between, database_state

CONDITION = "quillbramble-fever"
# The slugs the made-up condition's old slugs lead to.
NEW_SLUGS = {CONDITION, "moonpetal-tea"}
ARTICLE = """\
Quillbramble Fever (a made-up condition, written only to test this software)

Quillbramble fever is a made-up condition in which the skin tingles like a bramble.
Many people have no symptoms at first.
It is one of the more common made-up fevers among lantern keepers.
Lantern keepers and people over ninety may be more likely to develop it.
Drinking moonpetal tea at the same time can make it worse.
The main sign is a tingling along the forearms.
"""

# Today's format: what curators wrote before the additions, and may still be writing.
TODAY = """\
[source]
slug = "quillbramble-fever-test-article"
title = "Quillbramble Fever (a made-up condition, written only to test this software)"
file = "source.txt"
sha256 = "{sha256}"
language = "en"

[condition]
slug = "quillbramble-fever"
name = "Quillbramble fever"
{condition_extra}description = "A made-up condition in which the skin tingles like a bramble."
evidence = ["Quillbramble fever is a made-up condition in which the skin tingles like a bramble."]

[[guidance]]
slug = "how-it-starts"
name = "How it starts"
description = "Many people have no symptoms at first."
{onset}evidence = ["Many people have no symptoms at first."]

[[concepts]]
slug = "forearm-tingling"
name = "Tingling along the forearms"

[[statements]]
predicate = "has-symptom"
object = "forearm-tingling"
certainty = "stated"
description = "The main sign of quillbramble fever is a tingling along the forearms."
evidence = ["The main sign is a tingling along the forearms."]
"""
# What the additions let a curator say besides.
GROWN = """
[[guidance]]
slug = "how-common-it-is"
name = "How common it is"
description = "It is one of the more common made-up fevers among lantern keepers."
aspect = "prevalence"
evidence = ["It is one of the more common made-up fevers among lantern keepers."]

[[concepts]]
slug = "moonpetal-tea"
name = "Moonpetal tea"
formerly = ["moonpetal-infusion"]

[[concepts]]
slug = "lantern-keepers"
name = "Lantern keepers"

[[concepts]]
slug = "people-over-ninety"
name = "People over ninety"

[[statements]]
predicate = "made-worse-by"
object = "moonpetal-tea"
certainty = "possible"
description = "Drinking moonpetal tea at the same time can make quillbramble fever worse."
evidence = ["Drinking moonpetal tea at the same time can make it worse."]

[[statements]]
predicate = "more-common-in"
object = "lantern-keepers"
certainty = "possible"
description = "Lantern keepers may be more likely to develop quillbramble fever."
evidence = ["Lantern keepers and people over ninety may be more likely to develop it."]

[[statements]]
predicate = "more-common-in"
object = "people-over-ninety"
certainty = "possible"
description = "People over ninety may be more likely to develop quillbramble fever."
evidence = ["Lantern keepers and people over ninety may be more likely to develop it."]
"""


def seed_folder(folder: Path, *, grown: bool = True, extra: str = "") -> Path:
    """A seed folder: the project's vocabulary and code table, and quillbramble fever, in
    today's format or with every addition (and `extra` appended to its knowledge file)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in (VOCABULARY_FILE, CODE_TABLE):
        shutil.copyfile(SEED_DIR / name, folder / name)
    seed = folder / CONDITION
    seed.mkdir()
    (seed / "source.txt").write_text(ARTICLE, encoding="utf-8")
    knowledge = TODAY.format(
        sha256=hashlib.sha256(ARTICLE.encode()).hexdigest(),
        condition_extra='formerly = ["bramblequill-fever"]\n' if grown else "",
        onset='aspect = "onset"\ncertainty = "stated"\n' if grown else "",
    )
    (seed / KNOWLEDGE_FILE).write_text(knowledge + (GROWN if grown else "") + extra)
    return folder


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(SeedError) as raised:
        load_knowledge(folder)
    return [f"{p.item}: {p.message}" for p in raised.value.problems]


class TestLoading:
    def test_each_addition_becomes_rows(self, tmp_path: Path) -> None:
        rows = knowledge_rows(load_knowledge(seed_folder(tmp_path)))
        assert sorted((r["old_slug"], r["concept_slug"]) for r in rows["concept_redirect"]) == [
            ("bramblequill-fever", CONDITION),
            ("moonpetal-infusion", "moonpetal-tea"),
        ]
        guidance = {g["slug"]: (g["aspect"], g["certainty"]) for g in rows["guidance"]}
        assert guidance == {
            "how-it-starts": ("onset", "stated"),
            "how-common-it-is": ("prevalence", None),
        }
        predicates = {p["slug"]: p for p in rows["predicate"]}
        assert predicates["made-worse-by"]["resource"] == "aggravating-factors"
        assert predicates["more-common-in"]["resource"] == "populations"

    def test_every_term_of_the_vocabulary_has_plain_words(self) -> None:
        rows = knowledge_rows(load_knowledge(SEED_DIR))
        terms = [*rows["predicate"], *rows["vocabulary_term"]]
        assert [t["slug"] for t in terms if not t["plain"]] == []
        plain = {(t.get("vocabulary"), t["slug"]): t["plain"] for t in terms}
        assert plain[("certainty", "suspected")] == "not proven"
        assert plain[(None, "has-risk-factor")] == "can lead to it"
        aspects = {slug for vocabulary, slug in plain if vocabulary == "guidance-aspect"}
        assert {"prevalence", "onset", "course"} <= aspects

    def test_a_file_in_todays_format_loads_unchanged(self, tmp_path: Path) -> None:
        rows = knowledge_rows(load_knowledge(seed_folder(tmp_path, grown=False)))
        assert rows["concept_redirect"] == []
        assert [(g["aspect"], g["certainty"]) for g in rows["guidance"]] == [(None, None)]

    def test_a_file_written_before_the_additions_loads_unchanged(self, tmp_path: Path) -> None:
        # The test corpus's calcinosis cutis is the project's seed as it was written before
        # them (seed/calcinosis-cutis-v2), with the code table it was written against, beside
        # today's vocabulary.
        folder = tmp_path / "seeds"
        folder.mkdir()
        shutil.copytree(TEST_SEEDS / "calcinosis-cutis", folder / "calcinosis-cutis")
        shutil.copy(TEST_SEEDS / CODE_TABLE, folder)
        shutil.copy(SEED_DIR / VOCABULARY_FILE, folder)
        knowledge = load_knowledge(folder)
        assert len(knowledge.seeds) == 1
        assert knowledge_rows(knowledge)["concept_redirect"] == []

    def test_an_old_slug_is_no_live_concept(self, tmp_path: Path) -> None:
        extra = '\n[[concepts]]\nslug = "moonpetal-syrup"\nname = "Moonpetal syrup"\n'
        extra += 'formerly = ["lantern-keepers"]\n'
        extra += STATEMENT.format(object="moonpetal-syrup")
        problems = problems_of(seed_folder(tmp_path, extra=extra))
        assert any(
            "concept 'moonpetal-syrup': formerly 'lantern-keepers' is the slug of a concept" in p
            for p in problems
        ), problems

    def test_an_old_slug_leads_to_one_concept(self, tmp_path: Path) -> None:
        extra = '\n[[concepts]]\nslug = "moonpetal-syrup"\nname = "Moonpetal syrup"\n'
        extra += 'formerly = ["moonpetal-infusion"]\n'
        extra += STATEMENT.format(object="moonpetal-syrup")
        problems = problems_of(seed_folder(tmp_path, extra=extra))
        assert any("formerly 'moonpetal-infusion' is claimed by concept" in p for p in problems)

    def test_guidance_terms_come_from_their_vocabularies(self, tmp_path: Path) -> None:
        folder = seed_folder(tmp_path)
        knowledge = folder / CONDITION / KNOWLEDGE_FILE
        text = knowledge.read_text().replace('aspect = "prevalence"', 'aspect = "rarity"')
        knowledge.write_text(
            text.replace('certainty = "stated"\nevidence', 'certainty = "sure"\nevidence')
        )
        problems = problems_of(folder)
        assert any(p.startswith("guidance 'how-common-it-is': aspect 'rarity'") for p in problems)
        assert any(p.startswith("guidance 'how-it-starts': certainty 'sure'") for p in problems)


STATEMENT = """
[[statements]]
predicate = "made-worse-by"
object = "{object}"
certainty = "possible"
description = "Drinking moonpetal tea at the same time can make quillbramble fever worse."
evidence = ["Drinking moonpetal tea at the same time can make it worse."]
"""


def add_seed_rows(url: str, knowledge: Knowledge) -> None:
    """Write quillbramble fever into a database at head, as its data revision would: the
    project's conditions, which the seed folder does not hold, stay."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as connection:
            changes = changes_between(database_state(connection), knowledge_rows(knowledge))
            assert not any(c.update for c in changes)
            apply_changes(connection, [TableChanges(c.name, insert=c.insert) for c in changes])
    finally:
        engine.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def grown_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("grown")
    with empty_database(request.param, folder) as url:
        migrate(url)
        add_seed_rows(url, load_knowledge(seed_folder(folder / "seeds")))
        yield url


@pytest.fixture(scope="module")
def client(grown_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    settings = Settings(database_url=grown_url, snapshot_dir=tmp_path_factory.mktemp("snapshots"))
    with (
        LiveServer(create_app(settings)) as live,
        httpx.Client(base_url=live.url, timeout=30) as http,
    ):
        yield http


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


class TestServed:
    @pytest.mark.parametrize(
        ("path", "slug", "predicate"),
        [
            ("/aggravating-factors", "moonpetal-tea", "made-worse-by"),
            ("/populations", "lantern-keepers", "more-common-in"),
        ],
    )
    def test_new_lists_list_and_detail(
        self, client: httpx.Client, path: str, slug: str, predicate: str
    ) -> None:
        listed = ok(client.get(path, params={"condition": CONDITION}))
        assert slug in [item["slug"] for item in listed["items"]]
        item = ok(client.get(f"{path}/{slug}"))
        assert [(s["condition"]["slug"], s["predicate"]) for s in item["statements"]] == [
            (CONDITION, predicate)
        ]
        assert item["statements"][0]["evidence"][0]["quote"] in ARTICLE
        assert ok(client.get(path, params={"certainty": "possible"}))["total"] >= 1

    def test_condition_page_has_the_new_sections_and_guidance_aspects(
        self, client: httpx.Client
    ) -> None:
        page = ok(client.get(f"/conditions/{CONDITION}"))
        sections = page["sections"]
        assert (
            sections["aggravating_factors"]["path"] == f"/aggravating-factors?condition={CONDITION}"
        )
        assert [e["slug"] for e in sections["aggravating_factors"]["statements"]] == [
            "moonpetal-tea"
        ]
        assert [e["slug"] for e in sections["populations"]["statements"]] == [
            "lantern-keepers",
            "people-over-ninety",
        ]
        assert [(g["slug"], g["aspect"], g["certainty"]) for g in page["guidance"]] == [
            ("how-it-starts", "onset", "stated"),
            ("how-common-it-is", "prevalence", None),
        ]

    def test_guidance_serves_its_aspect_and_certainty_or_null(self, client: httpx.Client) -> None:
        given = {
            (seed.condition, g.slug): (g.aspect, g.certainty)
            for seed in load_knowledge(SEED_DIR).seeds
            for g in seed.data.guidance
        }
        others = [c for c in ok(client.get("/conditions"))["items"] if c["slug"] != CONDITION]
        for condition in others:
            for guidance in condition["guidance"]:
                served = (guidance["aspect"], guidance["certainty"])
                assert served == given[(condition["slug"], guidance["slug"])]

    def test_vocabulary_serves_plain_words(self, client: httpx.Client) -> None:
        vocabulary = ok(client.get("/vocabulary"))
        predicates = {p["slug"]: p for p in vocabulary["predicates"]}
        assert predicates["made-worse-by"]["resource"] == "aggravating-factors"
        assert predicates["made-worse-by"]["plain"] == "what makes it worse"
        certainty = {t["slug"]: t["plain"] for t in vocabulary["vocabularies"]["certainty"]}
        assert certainty == {"stated": "known", "possible": "can happen", "suspected": "not proven"}

    def test_vocabulary_lists_the_new_terms(self, client: httpx.Client) -> None:
        vocabulary = ok(client.get("/vocabulary"))
        assert {"made-worse-by", "more-common-in"} <= {p["slug"] for p in vocabulary["predicates"]}
        aspects = [t["slug"] for t in vocabulary["vocabularies"]["guidance-aspect"]]
        assert aspects[:3] == ["prevalence", "onset", "course"]
        assert all("plain" in t for terms in vocabulary["vocabularies"].values() for t in terms)

    def test_openapi_lists_the_new_paths_and_terms(self, client: httpx.Client) -> None:
        spec = ok(client.get("/openapi.json"))
        for path in ("/aggravating-factors", "/aggravating-factors/{slug}", "/populations"):
            assert path in spec["paths"]
        schemas = spec["components"]["schemas"]
        aspect = schemas["Guidance"]["properties"]["aspect"]["anyOf"][0]
        assert {"prevalence", "onset", "course"} <= set(aspect["enum"])
        certainty = schemas["Guidance"]["properties"]["certainty"]["anyOf"][0]
        assert certainty["enum"] == ["stated", "possible", "suspected"]
        assert "plain" in schemas["Term"]["properties"]
        search_kind = schemas["SearchHit"]["properties"]["kind"]["enum"]
        assert {"aggravating-factors", "populations"} <= set(search_kind)

    @pytest.mark.parametrize(
        ("query", "slug"),
        [("what makes it worse", "moonpetal-tea"), ("who gets it", "lantern-keepers")],
    )
    def test_everyday_questions_find_the_new_lists(
        self, client: httpx.Client, query: str, slug: str
    ) -> None:
        found = ok(client.get("/search", params={"q": query, "condition": CONDITION}))
        assert slug in [hit["slug"] for hit in found["items"][:2]], found

    def test_how_common_finds_the_condition(self, client: httpx.Client) -> None:
        found = ok(client.get("/search", params={"q": "how common is quillbramble"}))
        assert found["items"][0]["slug"] == CONDITION

    def test_json_ld_says_who_gets_it_and_how_it_starts(self, client: httpx.Client) -> None:
        document = ok(
            client.get(f"/conditions/{CONDITION}", headers={"Accept": "application/ld+json"})
        )
        assert document["epidemiology"] == [
            "Lantern keepers",
            "People over ninety",
            "It is one of the more common made-up fevers among lantern keepers.",
        ]
        assert document["naturalProgression"] == ["Many people have no symptoms at first."]


def test_old_slugs_are_in_the_snapshot(grown_url: str, tmp_path: Path) -> None:
    database = create_database_engine(grown_url, pooled=False)
    try:
        snapshot = open_snapshot(build(database, tmp_path))
    finally:
        database.dispose()
    try:
        with snapshot.connect() as connection:
            rows = [row for row in served.redirects(connection) if row[2] in NEW_SLUGS]
    finally:
        snapshot.dispose()
    # In each list the concept it became is served in, and in the conditions for a condition.
    assert rows == [
        ("aggravating-factors", "moonpetal-infusion", "moonpetal-tea"),
        ("conditions", "bramblequill-fever", CONDITION),
    ]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/aggravating-factors/moonpetal-infusion", "/aggravating-factors/moonpetal-tea"),
        ("/conditions/bramblequill-fever", f"/conditions/{CONDITION}"),
    ],
)
@pytest.mark.parametrize("accept", ["application/json", "application/ld+json"])
def test_an_old_url_answers_308_to_the_new(
    client: httpx.Client, old: str, new: str, accept: str
) -> None:
    moved = client.get(old, headers={"Accept": accept})
    assert moved.status_code == 308
    assert moved.headers["location"] == new
    assert moved.headers["content-type"] == "application/problem+json"
    assert new.rsplit("/", 1)[1] in moved.json()["detail"]
    assert client.get(old, headers={"Accept": accept}, follow_redirects=True).url.path == new
    assert client.head(old).status_code == 308
    # An old slug leads only where the concept is served now.
    assert client.get(f"/symptoms/{old.rsplit('/', 1)[1]}").status_code == 404
