"""The API as a health app sees it: every list, filter, detail and error, read against the seeds.

The test database holds every seed (the project's and the test-only ones): each expectation is
read from the seeds (tests/expect.py), so that no test assumes there is one condition.
"""

from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from app.knowledge import Knowledge
from app.knowledge.codes import CODE_SYSTEMS, CODE_TABLE, read_code_table
from app.knowledge.seeds import Seed
from tests import expect

# Expects only what the seeds say: runs on the project's seeds too (conftest).
pytestmark = pytest.mark.seeds

LISTS = [f"/{name}" for name in expect.LISTS]
EVERY_LIST = ["/conditions", *LISTS, "/sources"]
SYSTEM_NAMES = {uri: name for name, uri in CODE_SYSTEMS.items()}


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    return body


def slugs(page: dict[str, Any]) -> list[str]:
    return [item["slug"] for item in page["items"]]


def everything(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a list (or every hit of a search), page after page."""
    items: list[dict[str, Any]] = []
    while True:
        page = ok(client.get(path, params={**params, "limit": 100, "offset": len(items)}))
        items += page["items"]
        if len(items) >= page["total"]:
            return items


def seed_of(knowledge: Knowledge, condition: str) -> Seed:
    return next(seed for seed in knowledge.seeds if seed.condition == condition)


class TestListEnvelope:
    @pytest.mark.corpus  # every list of the corpus holds items; a library's list may not yet
    @pytest.mark.parametrize("path", EVERY_LIST)
    def test_every_list_pages(self, client: httpx.Client, path: str) -> None:
        first = ok(client.get(path))
        assert set(first) == {"items", "total", "limit", "offset"}
        assert first["limit"] == 50
        assert first["offset"] == 0
        assert len(first["items"]) == min(first["total"], 50) >= 1
        second = ok(client.get(path, params={"limit": 1, "offset": first["total"] - 1}))
        assert second["total"] == first["total"]
        assert slugs(second) == [everything(client, path)[-1]["slug"]]
        past_the_end = ok(client.get(path, params={"offset": first["total"]}))
        assert past_the_end["items"] == []

    @pytest.mark.parametrize("path", EVERY_LIST)
    def test_every_list_counts_what_it_holds(self, client: httpx.Client, path: str) -> None:
        """Empty or not: the total is what the pages hold, and past the end is empty."""
        first = ok(client.get(path))
        assert first["total"] == len(everything(client, path))
        assert len(first["items"]) == min(first["total"], 50)
        assert ok(client.get(path, params={"offset": first["total"]}))["items"] == []

    @pytest.mark.parametrize("limit", ["0", "101", "-1", "ten"])
    def test_limit_outside_1_to_100_is_refused(self, client: httpx.Client, limit: str) -> None:
        body = problem(client.get("/treatments", params={"limit": limit}), 422)
        assert body["errors"][0]["parameter"] == "limit"

    def test_negative_offset_is_refused(self, client: httpx.Client) -> None:
        body = problem(client.get("/causes", params={"offset": "-5"}), 422)
        assert body["errors"][0]["parameter"] == "offset"


class TestLists:
    @pytest.mark.parametrize("name", expect.LISTS)
    def test_each_list_holds_what_the_seeds_name_in_their_order(
        self, client: httpx.Client, knowledge: Knowledge, name: str
    ) -> None:
        assert [item["slug"] for item in everything(client, f"/{name}")] == expect.listed(
            knowledge, name
        )

    @pytest.mark.parametrize("name", expect.LISTS)
    def test_condition_filter_keeps_its_items_and_its_statements(
        self, client: httpx.Client, knowledge: Knowledge, name: str
    ) -> None:
        for condition in expect.conditions(knowledge):
            items = everything(client, f"/{name}", condition=condition)
            assert [item["slug"] for item in items] == expect.listed(knowledge, name, condition)
            for item in items:
                assert [ref["slug"] for ref in item["conditions"]] == [condition]
                assert {s["condition"]["slug"] for s in item["statements"]} == {condition}
        body = problem(client.get(f"/{name}", params={"condition": "no-such-condition"}), 404)
        assert body["errors"][0]["parameter"] == "condition"

    def test_no_concept_is_listed_twice(self, client: httpx.Client) -> None:
        for path in LISTS:
            listed = [item["slug"] for item in everything(client, path)]
            assert len(listed) == len(set(listed)), path

    def test_text_filter_reads_names_aliases_and_descriptions(
        self, client: httpx.Client, knowledge: Knowledge
    ) -> None:
        concepts = {concept.slug: concept for _, concept in knowledge.concepts()}
        for path in LISTS:
            for item in everything(client, path):
                concept = concepts[item["slug"]]
                for text in (concept.name, *concept.also_called):
                    found = slugs(ok(client.get(path, params={"q": text.upper(), "limit": 100})))
                    assert item["slug"] in found, (path, text)
        assert ok(client.get("/risk-factors", params={"q": "100%_"}))["total"] == 0

    def test_certainty_filter(self, client: httpx.Client, knowledge: Knowledge) -> None:
        for certainty in ("stated", "possible", "suspected"):
            found = slugs(ok(client.get("/risk-factors", params={"certainty": certainty})))
            # An item comes where its first statement of that certainty comes.
            expected = dict.fromkeys(
                s.object
                for _, s in expect.statements(knowledge, "risk-factors")
                if s.certainty == certainty
            )
            assert found == list(expected)
        body = problem(client.get("/risk-factors", params={"certainty": "certain"}), 422)
        assert body["errors"][0]["parameter"] == "certainty"
        assert "suspected" in body["errors"][0]["message"]

    def test_statement_filters_narrow_the_statements(
        self, client: httpx.Client, knowledge: Knowledge
    ) -> None:
        """`certainty`, `cause` and `treatment`, like `condition`, keep the items with a
        statement they keep, each with those statements alone and the conditions they name."""
        narrowings: list[tuple[str, str, str, Callable[[dict[str, Any]], str | None]]] = [
            (name, "certainty", term, lambda s: s["certainty"])
            for name in expect.LISTS
            for term in dict.fromkeys(s.certainty for _, s in expect.statements(knowledge, name))
        ]
        narrowings += [
            ("risk-factors", "cause", cause, lambda s: (s["cause_type"] or {}).get("slug"))
            for cause in expect.listed(knowledge, "causes")
        ]
        narrowings += [
            ("drugs", "treatment", treatment, lambda s: s["treatment"]["slug"])
            for treatment in expect.listed(knowledge, "treatments")
        ]
        for name, parameter, value, of in narrowings:
            for item in everything(client, f"/{name}", **{parameter: value}):
                statements = item["statements"]
                assert statements, (name, value)
                assert {of(s) for s in statements} == {value}, (name, value)
                named = dict.fromkeys(s["condition"]["slug"] for s in statements)
                assert [ref["slug"] for ref in item["conditions"]] == list(named)
                if parameter == "cause":
                    assert [ref["slug"] for ref in item["cause_types"]] == [value]
                if parameter == "treatment":
                    assert [ref["slug"] for ref in item["treatments"]] == [value]


class TestDetails:
    @pytest.mark.parametrize("path", EVERY_LIST)
    def test_each_listed_item_has_a_detail(self, client: httpx.Client, path: str) -> None:
        for item in everything(client, path):
            assert ok(client.get(f"{path}/{item['slug']}")) == item

    @pytest.mark.parametrize("path", EVERY_LIST)
    def test_unknown_slug_is_a_problem_404(self, client: httpx.Client, path: str) -> None:
        body = problem(client.get(f"{path}/no-such-item"), 404)
        assert "no-such-item" in body["detail"]

    def test_a_concept_is_found_only_in_the_lists_that_hold_it(
        self, client: httpx.Client, knowledge: Knowledge
    ) -> None:
        drug = expect.listed(knowledge, "drugs")[0]
        assert drug not in expect.listed(knowledge, "symptoms")
        problem(client.get(f"/symptoms/{drug}"), 404)

    def test_unknown_path_is_a_problem_404(self, client: httpx.Client) -> None:
        problem(client.get("/diseases"), 404)

    @pytest.mark.parametrize("path", ["/treatments", "/conditions", "/export"])
    def test_head_answers_like_get_without_a_body(self, client: httpx.Client, path: str) -> None:
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code == 200
        assert head.content == b""
        for name in ("content-type", "etag", "content-length", "cache-control"):
            assert head.headers.get(name) == got.headers.get(name), name

    def test_writes_are_refused(self, client: httpx.Client) -> None:
        before = ok(client.get("/treatments"))["total"]
        problem(client.post("/treatments", json={"slug": "bloodletting"}), 405)
        problem(client.delete(f"/treatments/{everything(client, '/treatments')[0]['slug']}"), 405)
        assert ok(client.get("/treatments"))["total"] == before


class TestStatements:
    """Each concept carries every statement naming it, as its seed makes it."""

    @pytest.mark.parametrize("name", expect.LISTS)
    def test_statements_as_the_seeds_make_them(
        self, client: httpx.Client, knowledge: Knowledge, name: str
    ) -> None:
        for item in everything(client, f"/{name}"):
            wanted = expect.naming(knowledge, name, item["slug"])
            served = item["statements"]
            assert [s["condition"]["slug"] for s in served] == [
                seed.condition for seed, _ in wanted
            ]
            for statement, (_seed, seeded) in zip(served, wanted, strict=True):
                assert statement["predicate"] == seeded.predicate
                assert statement["certainty"] == seeded.certainty
                assert statement["qualifiers"] == seeded.qualifiers
                assert statement["description"] == seeded.description
                assert len(statement["evidence"]) == len(seeded.evidence)
            assert [ref["slug"] for ref in item["conditions"]] == list(
                dict.fromkeys(seed.condition for seed, _ in wanted)
            )

    @pytest.mark.corpus
    def test_shared_concepts_list_every_condition_with_its_own_evidence(
        self, client: httpx.Client, knowledge: Knowledge
    ) -> None:
        shared = expect.shared(knowledge)
        assert shared, "the test seeds must share concepts with the project's seeds"
        texts = {
            seed.data.source.slug: client.get(f"/sources/{seed.data.source.slug}/text").text
            for seed in knowledge.seeds
        }
        for (name, slug), conditions in shared.items():
            item = ok(client.get(f"/{name}/{slug}"))
            assert {ref["slug"] for ref in item["conditions"]} == conditions
            for statement in item["statements"]:
                source = seed_of(knowledge, statement["condition"]["slug"]).data.source.slug
                for quote in statement["evidence"]:
                    assert quote["source"] == source
                    assert texts[source][quote["start"] : quote["end"]] == quote["quote"]

    def test_list_specific_fields(self, client: httpx.Client, knowledge: Knowledge) -> None:
        for seed, seeded in expect.statements(knowledge, "risk-factors"):
            item = ok(client.get(f"/risk-factors/{seeded.object}"))
            mine = [s for s in item["statements"] if s["condition"]["slug"] == seed.condition]
            cause_types = [s["cause_type"] and s["cause_type"]["slug"] for s in mine]
            assert seeded.cause_type in cause_types
            if seeded.cause_type:
                assert seeded.cause_type in [ref["slug"] for ref in item["cause_types"]]
        for seed, seeded in expect.statements(knowledge, "treatments"):
            item = ok(client.get(f"/treatments/{seeded.object}"))
            (mine,) = [s for s in item["statements"] if s["condition"]["slug"] == seed.condition]
            assert (mine["aim"], mine["indications"], mine["cautions"]) == (
                seeded.aim,
                seeded.indications,
                seeded.cautions,
            )
        for seed, seeded in expect.statements(knowledge, "prevention"):
            item = ok(client.get(f"/prevention/{seeded.object}"))
            (mine,) = [s for s in item["statements"] if s["condition"]["slug"] == seed.condition]
            assert mine["audience"] == seeded.audience


class TestDrugs:
    def test_each_drug_links_to_the_treatments_that_give_it(
        self, client: httpx.Client, knowledge: Knowledge
    ) -> None:
        for seed, seeded in expect.statements(knowledge, "drugs"):
            drug = ok(client.get(f"/drugs/{seeded.object}"))
            assert seeded.subject in [ref["slug"] for ref in drug["treatments"]]
            assert seeded.subject in [
                s["treatment"]["slug"]
                for s in drug["statements"]
                if s["condition"]["slug"] == seed.condition
            ]
            treatment = ok(client.get(f"/treatments/{seeded.subject}"))
            assert seeded.object in [ref["slug"] for ref in treatment["drugs"]]

    def test_filter_by_treatment(self, client: httpx.Client, knowledge: Knowledge) -> None:
        for _seed, seeded in expect.statements(knowledge, "drugs"):
            found = slugs(ok(client.get("/drugs", params={"treatment": seeded.subject})))
            assert seeded.object in found
        body = problem(client.get("/drugs", params={"treatment": "leeches"}), 404)
        assert body["errors"][0]["parameter"] == "treatment"


class TestFilters:
    def test_risk_factors_by_cause(self, client: httpx.Client, knowledge: Knowledge) -> None:
        for cause in expect.listed(knowledge, "causes"):
            found = slugs(ok(client.get("/risk-factors", params={"cause": cause, "limit": 100})))
            expected = list(
                dict.fromkeys(
                    s.object
                    for _, s in expect.statements(knowledge, "risk-factors")
                    if s.cause_type == cause
                )
            )
            assert found == expected
            named = [ref["slug"] for ref in ok(client.get(f"/causes/{cause}"))["risk_factors"]]
            assert named == expected
        body = problem(client.get("/risk-factors", params={"cause": "bad-luck"}), 404)
        assert body["errors"][0]["parameter"] == "cause"

    @pytest.mark.parametrize("name", ["tests", "treatments"])
    def test_by_kind(self, client: httpx.Client, knowledge: Knowledge, name: str) -> None:
        kinds = {concept.slug: concept.kind for _, concept in knowledge.concepts()}
        for item in everything(client, f"/{name}"):
            assert item["kind"] == kinds[item["slug"]]
            found = slugs(ok(client.get(f"/{name}", params={"kind": item["kind"]})))
            assert item["slug"] in found
            assert all(kinds[slug] == item["kind"] for slug in found)
        body = problem(client.get(f"/{name}", params={"kind": "mri"}), 422)
        assert body["errors"][0]["parameter"] == "kind"


class TestConditions:
    def test_every_seed_is_a_condition_page(
        self, client: httpx.Client, knowledge: Knowledge
    ) -> None:
        assert [c["slug"] for c in everything(client, "/conditions")] == expect.conditions(
            knowledge
        )

    def test_definition_guidance_and_body_sites(
        self, client: httpx.Client, knowledge: Knowledge
    ) -> None:
        for seed in knowledge.seeds:
            page = ok(client.get(f"/conditions/{seed.condition}"))
            assert page["description"] == seed.data.condition.description
            assert page["source"] == seed.data.source.slug
            assert [q["quote"] for q in page["evidence"]] == [
                q.quote for q in seed.evidence[seed.definition_claim()]
            ]
            assert [g["slug"] for g in page["guidance"]] == [g.slug for g in seed.data.guidance]
            sites = [s.object for s in seed.data.statements if s.predicate == "occurs-in"]
            assert [site["slug"] for site in page["body_sites"]] == sites

    def test_sections_summarise_every_list(
        self, client: httpx.Client, knowledge: Knowledge
    ) -> None:
        for condition in expect.conditions(knowledge):
            sections = ok(client.get(f"/conditions/{condition}"))["sections"]
            for name in expect.LISTS:
                section = sections[name.replace("-", "_")]
                listed = everything(client, section["path"].split("?")[0], condition=condition)
                assert section["total"] == len(listed)
                entries = [entry["slug"] for entry in section["statements"]]
                assert list(dict.fromkeys(entries)) == [item["slug"] for item in listed]

    @pytest.mark.corpus
    def test_a_condition_named_by_another_says_so(
        self, client: httpx.Client, knowledge: Knowledge
    ) -> None:
        pages = set(expect.conditions(knowledge))
        mentions = [
            (seed.condition, s)
            for seed in knowledge.seeds
            for s in seed.data.statements
            if s.object in pages and s.object != seed.condition
        ]
        assert mentions, "the test seeds name a condition that has a page of its own"
        for condition, statement in mentions:
            page = ok(client.get(f"/conditions/{statement.object}"))
            resource = expect.resource_of(knowledge, statement.predicate)
            named_by = {
                "slug": condition,
                "name": page["named_by"][0]["condition"]["name"],
                "page": f"/conditions/{condition}",
            }
            assert {
                "condition": named_by,
                "predicate": statement.predicate,
                "certainty": statement.certainty,
                "path": f"/{resource}/{statement.object}",
            } in page["named_by"]
            # One node: named in another role, it leads to its page and has its definition.
            item = ok(client.get(f"/{resource}/{statement.object}"))
            assert item["page"] == f"/conditions/{statement.object}"
            assert item["description"] == page["description"]
            entries = ok(client.get(f"/conditions/{condition}"))["sections"]
            named = entries[resource.replace("-", "_")]["statements"]
            assert {e["page"] for e in named if e["slug"] == statement.object} == {item["page"]}

    def test_every_reference_to_an_item_with_a_page_leads_to_it(
        self, client: httpx.Client, knowledge: Knowledge
    ) -> None:
        pages = set(expect.conditions(knowledge))
        answers = [*everything(client, "/conditions")]
        answers += [item for name in expect.LISTS for item in everything(client, f"/{name}")]
        references = [node for answer in answers for node in nodes(answer) if "page" in node]
        assert references
        for node in references:
            wanted = f"/conditions/{node['slug']}" if node["slug"] in pages else None
            assert node["page"] == wanted, node


def nodes(value: Any) -> Iterator[dict[str, Any]]:
    """Every object in a JSON document, however deep, the document's own included."""
    if isinstance(value, dict):
        yield value
        for inner in value.values():
            yield from nodes(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from nodes(inner)


class TestSources:
    def test_every_source_is_its_article_byte_for_byte(
        self, client: httpx.Client, knowledge: Knowledge
    ) -> None:
        for seed in knowledge.seeds:
            source = seed.data.source
            served = ok(client.get(f"/sources/{source.slug}"))
            assert served["sha256"] == source.sha256
            assert seed.condition in served["conditions"]
            response = client.get(f"/sources/{source.slug}/text")
            assert response.headers["content-type"].startswith("text/plain")
            assert response.content == (seed.path.parent / source.file).read_bytes()
            assert len(response.text) == served["characters"]
        problem(client.get("/sources/nowhere/text"), 404)

    def test_attribution_is_served_when_the_seed_gives_it(
        self, client: httpx.Client, knowledge: Knowledge
    ) -> None:
        for seed in knowledge.seeds:
            source = seed.data.source
            served = ok(client.get(f"/sources/{source.slug}"))
            assert served["publisher"] == source.publisher
            assert served["url"] == source.url
            assert served["licence"] == source.licence
            retrieved = source.retrieved.isoformat() if source.retrieved else None
            assert served["retrieved"] == retrieved


def served_claims(client: httpx.Client) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every evidence quote the API serves, with the item it stands behind."""
    for path in LISTS:
        for item in everything(client, path):
            for statement in item["statements"]:
                yield from ((item["slug"], quote) for quote in statement["evidence"])
    for condition in everything(client, "/conditions"):
        yield from ((condition["slug"], quote) for quote in condition["evidence"])
        for part in [*condition["guidance"], *condition["body_sites"]]:
            quotes = part.get("evidence") or [q for s in part["statements"] for q in s["evidence"]]
            yield from ((part["slug"], quote) for quote in quotes)


class TestEvidence:
    def test_every_quote_is_verbatim_at_its_offsets(
        self, client: httpx.Client, knowledge: Knowledge
    ) -> None:
        texts = {
            seed.data.source.slug: client.get(f"/sources/{seed.data.source.slug}/text").text
            for seed in knowledge.seeds
        }
        count = 0
        for slug, quote in served_claims(client):
            assert texts[quote["source"]][quote["start"] : quote["end"]] == quote["quote"], slug
            count += 1
        assert count >= sum(
            len(quotes) for seed in knowledge.seeds for quotes in seed.evidence.values()
        )


def served_codes(client: httpx.Client) -> Iterator[tuple[str, dict[str, str]]]:
    for path in ["/conditions", *LISTS]:
        for item in everything(client, path):
            yield from ((item["slug"], code) for code in item["codes"])
            for site in item.get("body_sites", []):
                yield from ((site["slug"], code) for code in site["codes"])


class TestCodes:
    def test_every_served_code_is_verified_with_the_relation_the_table_gives(
        self, client: httpx.Client, seed_dir: Any
    ) -> None:
        table = read_code_table(seed_dir / CODE_TABLE)
        served = list(served_codes(client))
        assert served
        for slug, code in served:
            verified = table[(SYSTEM_NAMES[code["system"]], code["code"])]
            assert code["display"] == verified.display, slug
            assert code["relation"] in verified.relations, slug

    def test_codes_and_relations_as_the_seeds_give_them(
        self, client: httpx.Client, knowledge: Knowledge
    ) -> None:
        wanted = expect.concept_codes(knowledge)
        for slug, code in served_codes(client):
            system = SYSTEM_NAMES[code["system"]]
            assert (system, code["code"], code["relation"]) in wanted[slug], slug


class TestVocabulary:
    def test_every_vocabulary_of_the_seeds(
        self, client: httpx.Client, knowledge: Knowledge
    ) -> None:
        served = ok(client.get("/vocabulary"))
        assert [p["slug"] for p in served["predicates"]] == [
            p.slug for p in knowledge.vocabulary.predicate
        ]
        assert {
            name: [t["slug"] for t in terms] for name, terms in served["vocabularies"].items()
        } == {name: [t.slug for t in terms] for name, terms in knowledge.terms.items()}


class TestSearch:
    def test_a_shared_concept_is_one_hit_naming_every_condition(
        self, client: httpx.Client, knowledge: Knowledge
    ) -> None:
        concepts = {concept.slug: concept for _, concept in knowledge.concepts()}
        for (_list, slug), conditions in expect.shared(knowledge).items():
            hits = everything(client, "/search", q=concepts[slug].name)
            mine = [hit for hit in hits if hit["slug"] == slug]
            assert len(mine) == 1, slug
            assert set(mine[0]["conditions"]) == conditions

    def test_an_item_is_found_in_every_role_it_has(
        self, client: httpx.Client, knowledge: Knowledge
    ) -> None:
        """A condition another names (as a risk factor, a complication) is found by a search
        for either kind, each hit leading to it in that role."""
        roles: dict[str, list[str]] = defaultdict(list)
        for slug in expect.conditions(knowledge):
            roles[slug].append("condition")
        for name in expect.LISTS:
            for slug in expect.listed(knowledge, name):
                roles[slug].append(name)
        names = {seed.condition: seed.data.condition.name for seed in knowledge.seeds}
        names |= {concept.slug: concept.name for _, concept in knowledge.concepts()}
        for slug, kinds in roles.items():
            for kind in kinds:
                hits = everything(client, "/search", q=names[slug], kind=kind)
                (hit,) = [hit for hit in hits if hit["slug"] == slug]
                assert hit["kind"] == kind
                assert hit["roles"] == kinds
                wanted = f"/conditions/{slug}" if kind == "condition" else f"/{kind}/{slug}"
                assert hit["path"] == wanted
                ok(client.get(hit["path"]))

    def test_scores_come_best_first(self, client: httpx.Client) -> None:
        scores = [
            hit["score"] for hit in ok(client.get("/search", params={"q": "calcium"}))["items"]
        ]
        assert scores == sorted(scores, reverse=True)

    def test_every_hit_leads_to_its_item(self, client: httpx.Client) -> None:
        for hit in everything(client, "/search", q="calcium"):
            assert ok(client.get(hit["path"]))["slug"] == hit["slug"]

    def test_condition_and_kind_filters(self, client: httpx.Client, knowledge: Knowledge) -> None:
        for condition in expect.conditions(knowledge):
            hits = everything(client, "/search", q="calcium", condition=condition)
            assert all(condition in hit["conditions"] for hit in hits)
        hits = everything(client, "/search", q="calcium", kind="tests")
        assert hits
        assert {hit["kind"] for hit in hits} == {"tests"}

    @pytest.mark.parametrize("kind", ["drug", "guidance", "body-sites"])
    def test_kinds_that_are_not_lists_are_refused(self, client: httpx.Client, kind: str) -> None:
        body = problem(client.get("/search", params={"q": "kidney", "kind": kind}), 422)
        assert body["errors"][0]["parameter"] == "kind"

    def test_an_empty_query_is_refused(self, client: httpx.Client) -> None:
        body = problem(client.get("/search", params={"q": ""}), 422)
        assert body["errors"][0]["parameter"] == "q"

    @pytest.mark.parametrize("q", ["   ", "?!*"])
    def test_a_query_without_words_finds_nothing(self, client: httpx.Client, q: str) -> None:
        assert ok(client.get("/search", params={"q": q}))["items"] == []

    def test_query_syntax_is_plain_text(self, client: httpx.Client) -> None:
        for q in ['kidney" OR "acne', "kidney*", "NEAR(kidney acne)", "kidney'; DROP TABLE x;--"]:
            assert client.get("/search", params={"q": q}).status_code == 200


class TestMeta:
    def test_counts_are_the_lists_totals(self, client: httpx.Client, knowledge: Knowledge) -> None:
        meta = ok(client.get("/meta"))
        for path in EVERY_LIST:
            assert (
                meta["counts"][path.strip("/").replace("-", "_")] == ok(client.get(path))["total"]
            )
        assert meta["counts"]["statements"] == sum(len(s.data.statements) for s in knowledge.seeds)
