"""Clinical systems find knowledge by the codes they hold: /lookup and /infobutton.

Every expectation is read from the seeds (the `knowledge` fixture) and from the ICD-10-CM
release the API holds, never from what one condition happens to be coded with.
"""

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

import httpx
import pytest
from sqlalchemy import Engine, select

from app import served
from app.knowledge import Knowledge
from app.knowledge.codes import CODE_SYSTEMS, CODE_TABLE
from app.knowledge.lists import CONCEPT_LISTS
from app.lookup import (
    BROADER,
    EXACT,
    GROUP,
    INVERSE,
    NARROWER,
    RELATED,
    SYSTEMS,
    Fit,
    combined,
    icd10cm,
    icd10cm_ancestors,
    icd10cm_code,
    ranked,
)
from app.lookup import lookup as lookup_code
from app.routes import api_router
from app.routes.lookup import CONTEXT_PARAMETERS
from app.routes.params import query_parameters
from app.search import search
from app.served import to_json
from tests.test_errors import assert_problem
from tools.curation.icd10cm import icd10cm_problems

ICD = next(system for system in SYSTEMS if system.label == "ICD-10-CM")
ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True)
class Coded:
    """A curated code of a served item, as the seeds give it."""

    slug: str
    system: str  # short name, as in the seeds
    code: str
    display: str
    relation: str


@pytest.fixture(scope="module")
def coded(knowledge: Knowledge) -> list[Coded]:
    """Every curated code of every item the API serves a page for."""
    lists = {p.slug: p.resource for p in knowledge.vocabulary.predicate}
    served_slugs = {seed.condition for seed in knowledge.seeds}
    for seed in knowledge.seeds:
        served_slugs |= {
            s.object for s in seed.data.statements if lists[s.predicate] in CONCEPT_LISTS
        }
    return [
        Coded(concept.slug, code.system, code.code, code.display, code.relation)
        for _seed, concept in knowledge.concepts()
        if concept.slug in served_slugs
        for code in concept.codes
    ]


def lookup(client: httpx.Client, system: str, code: str, **more: Any) -> httpx.Response:
    return client.get("/lookup", params={"system": system, "code": code, **more})


def found(client: httpx.Client, system: str, code: str, **more: Any) -> dict[str, Any]:
    response = lookup(client, system, code, **more)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) >= {"items", "total", "limit", "offset"}
    return body


def icd_codes(coded: list[Coded]) -> list[Coded]:
    return [c for c in coded if c.system == ICD.label]


def unheld_icd_code(coded: list[Coded]) -> str:
    """A code of the release in a category no curated code is in."""
    held = {c.code[:3] for c in icd_codes(coded)}
    codes: list[str] = icd10cm().get_all_codes()
    return next(
        code
        for code in codes
        if len(code) > 4 and code[:3] not in held and icd10cm_code(code.replace(".", ""))
    )


def cousin(coded: list[Coded]) -> tuple[Coded, str, str]:
    """A curated ICD-10-CM code, another code of its category or subcategory that no item is
    coded with, and the code they share."""
    held = {c.code for c in icd_codes(coded)}
    for item in icd_codes(coded):
        parents = icd10cm_ancestors(item.code)
        if not parents:
            continue
        for other in icd10cm().get_children(parents[0]):
            if other not in held and other != item.code:
                return item, other, parents[0]
    pytest.fail("no curated ICD-10-CM code has a sibling in the release")


class TestSystemsAndCodes:
    def test_every_form_of_every_system_finds_each_curated_code(
        self, client: httpx.Client, coded: list[Coded]
    ) -> None:
        for system in SYSTEMS:
            codes = [c for c in coded if c.system == system.label]
            for item in codes:
                answers = [
                    found(client, name, item.code)
                    for name in (system.uri, system.oid, system.short)
                ]
                assert answers[0] == answers[1] == answers[2]
                hits = {hit["slug"]: hit for hit in answers[0]["items"]}
                assert item.slug in hits, (system.label, item.code)
                hit = hits[item.slug]
                assert hit["code"] == {
                    "system": CODE_SYSTEMS[system.label],
                    "code": item.code,
                    "display": item.display,
                    "relation": item.relation,
                }
                assert hit["relation"] == INVERSE[item.relation]
                assert answers[0]["system"] == system.uri

    def test_each_hit_leads_to_its_page(self, client: httpx.Client, coded: list[Coded]) -> None:
        for item in coded:
            for hit in found(client, item.system.lower(), item.code)["items"]:
                page = client.get(hit["path"])
                assert page.status_code == 200, hit["path"]
                assert page.json()["slug"] == hit["slug"]
                assert page.json()["name"] == hit["name"]

    def test_icd_10_cm_codes_with_or_without_the_dot(
        self, client: httpx.Client, coded: list[Coded]
    ) -> None:
        dotted = next(c for c in icd_codes(coded) if "." in c.code)
        with_dot = found(client, "icd-10-cm", dotted.code)
        for written in (dotted.code.replace(".", ""), dotted.code.lower()):
            assert found(client, "icd-10-cm", written) == with_dot
        assert with_dot["code"] == dotted.code
        assert with_dot["display"] == icd10cm().get_description(dotted.code)

    def test_an_unknown_system_is_refused_with_the_accepted_ones(
        self, client: httpx.Client
    ) -> None:
        problem = assert_problem(lookup(client, "http://snomed.info/sct", "1234"), 422)
        assert problem["errors"][0]["parameter"] == "system"
        for system in SYSTEMS:
            for name in (system.uri, system.oid, system.short):
                assert name in problem["detail"]

    def test_a_code_that_leads_to_nothing_is_an_empty_list(
        self, client: httpx.Client, coded: list[Coded]
    ) -> None:
        unheld = unheld_icd_code(coded)
        body = found(client, ICD.oid, unheld)
        assert (body["items"], body["total"]) == ([], 0)
        assert body["display"] == icd10cm().get_description(unheld)
        held = {(c.system, c.code) for c in coded}
        for system in SYSTEMS:
            if system is not ICD:
                assert (system.label, "NOT-A-CODE-1") not in held
                assert found(client, system.short, "NOT-A-CODE-1")["items"] == []

    def test_a_code_icd_10_cm_does_not_have_is_refused(self, client: httpx.Client) -> None:
        for code in ("L94.299", "N18.0", "N17-N19", "14", "Q"):
            assert icd10cm_code(served.lookup_key(ICD.uri, code)) is None
            problem = assert_problem(lookup(client, "icd-10-cm", code), 422)
            assert problem["errors"][0]["parameter"] == "code"
            assert "not a code of ICD-10-CM" in problem["detail"]

    def test_pages_and_links(self, client: httpx.Client, coded: list[Coded]) -> None:
        item = icd_codes(coded)[0]
        response = lookup(client, "icd-10-cm", item.code[:3], limit=1, offset=0)
        assert response.status_code == 200
        body = response.json()
        assert (body["limit"], body["offset"], len(body["items"])) == (1, 0, 1)
        assert 'rel="first"' in response.headers["link"]
        assert "system=icd-10-cm" in response.headers["link"]


class TestHierarchy:
    def test_a_cousin_reaches_the_item_through_their_category(
        self, client: httpx.Client, coded: list[Coded]
    ) -> None:
        item, other, shared = cousin(coded)
        body = found(client, "icd-10-cm", other)
        hit = next(hit for hit in body["items"] if hit["slug"] == item.slug)
        assert hit["relation"] == RELATED
        assert hit["via"] == {"code": shared, "display": icd10cm().get_description(shared)}
        assert hit["code"]["code"] == item.code

    def test_a_category_reaches_its_codes_items(
        self, client: httpx.Client, coded: list[Coded]
    ) -> None:
        for item in icd_codes(coded):
            above = icd10cm_ancestors(item.code)
            if not above:
                continue  # a category of its own (I96)
            hits = {hit["slug"]: hit for hit in found(client, "icd-10-cm", above[-1])["items"]}
            assert hits[item.slug]["relation"] == combined(item.relation, NARROWER)
            assert hits[item.slug]["via"] is None

    def test_a_more_specific_code_reaches_its_ancestors_items(
        self, client: httpx.Client, coded: list[Coded]
    ) -> None:
        held = [c for c in icd_codes(coded) if icd10cm().get_children(c.code)]
        for item in held:
            child = icd10cm().get_children(item.code)[0]
            hits = {hit["slug"]: hit for hit in found(client, "icd-10-cm", child)["items"]}
            assert hits[item.slug]["relation"] == combined(item.relation, BROADER)

    def test_best_first(self, client: httpx.Client, coded: list[Coded]) -> None:
        for item in icd_codes(coded):
            for code in [item.code, *icd10cm_ancestors(item.code)]:
                groups = [GROUP[h["relation"]] for h in found(client, ICD.short, code)["items"]]
                assert groups == sorted(groups), code


def test_how_relations_combine() -> None:
    # The item's code is curated as `curated` to it; the code stands as `fit` to the code sent.
    assert combined(EXACT, EXACT) == EXACT
    assert combined(BROADER, EXACT) == NARROWER  # a broader code names more than the item
    assert combined(NARROWER, EXACT) == BROADER
    assert combined(EXACT, BROADER) == BROADER  # the item's code is an ancestor of the code
    assert combined(BROADER, NARROWER) == NARROWER  # item within its code, within the code
    assert combined(NARROWER, BROADER) == BROADER
    assert combined(BROADER, BROADER) == RELATED
    assert combined(BROADER, RELATED) == RELATED
    assert combined(RELATED, EXACT) == RELATED


@dataclass(frozen=True)
class Row:
    """A code_lookup row, as ranking reads it."""

    slug: str
    relation: str
    rank: int
    system: str = ICD.uri
    code: str = "X"
    shown: str = "X"
    kind: str = "condition"
    name: str = "X"
    description: str = ""
    display: str = "X"


def test_ranking_puts_exact_before_broader_or_narrower_before_related() -> None:
    rows = [
        (Row("cousin", EXACT, 0), Fit(RELATED, 2, via="A00")),
        (Row("far-cousin", EXACT, 1), Fit(RELATED, 4, via="A0")),
        (Row("within", BROADER, 2), Fit(EXACT, 0)),
        (Row("same", EXACT, 3), Fit(EXACT, 0)),
        (Row("above", EXACT, 4), Fit(BROADER, 1)),
        (Row("same", RELATED, 5), Fit(EXACT, 0)),  # the same item, by a worse code
    ]
    hits = ranked(ICD, "A00.0", None, rows, {"A00": "a", "A0": "b"}).hits
    # Nearer first within a group (distance), then in document order (rank).
    assert [(h.slug, h.relation) for h in hits] == [
        ("same", EXACT),
        ("within", NARROWER),
        ("above", BROADER),
        ("cousin", RELATED),
        ("far-cousin", RELATED),
    ]


def test_the_snapshot_holds_every_curated_code(served_snapshot: Engine, coded: list[Coded]) -> None:
    with served_snapshot.connect() as connection:
        rows = connection.execute(select(served.LOOKUP)).all()
        indexes = connection.exec_driver_sql("PRAGMA index_list('code_lookup')").all()
    held = {(r.slug, r.system, r.shown, r.display, r.relation) for r in rows}
    expected = {(c.slug, CODE_SYSTEMS[c.system], c.code, c.display, c.relation) for c in coded}
    assert held == expected
    assert {r.code for r in rows} == {served.lookup_key(r.system, r.shown) for r in rows}
    assert any(index[1] == "ix_code_lookup_system_code" for index in indexes)


def infobutton(client: httpx.Client, **params: str) -> httpx.Response:
    return client.get("/infobutton", params=params)


def infobutton_json(client: httpx.Client, **params: str) -> dict[str, Any]:
    response = infobutton(client, knowledgeResponseType="application/json", **params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    feed: dict[str, Any] = response.json()["feed"]
    return feed


def searched(**params: str) -> dict[str, str]:
    return {f"mainSearchCriteria.v.{k}": v for k, v in params.items()}


class TestInfobutton:
    def test_json_feed_as_medlineplus_connect_gives_it(
        self, client: httpx.Client, coded: list[Coded]
    ) -> None:
        _item, other, _shared = cousin(coded)
        expected = found(client, "icd-10-cm", other)["items"]
        feed = infobutton_json(client, **searched(c=other, cs=ICD.oid))
        categories = {c["scheme"]: c["term"] for c in feed["category"]}
        assert categories == {
            "mainSearchCriteria.v.c": other,
            "mainSearchCriteria.v.cs": ICD.oid,
            "mainSearchCriteria.v.dn": "",
            "informationRecipient": "PAT",
        }
        assert feed["title"]["_value"]
        assert feed["updated"]["_value"].endswith("Z")
        assert [e["title"]["_value"] for e in feed["entry"]] == [h["name"] for h in expected][:10]
        for entry, hit in zip(feed["entry"], expected, strict=False):
            (link,) = entry["link"]
            assert link["href"].endswith(hit["path"])
            assert link["rel"] == "alternate"
            assert entry["id"]["_value"] == link["href"]
            assert entry["summary"]["_value"].startswith(hit["description"])

    def test_atom_xml(self, client: httpx.Client, coded: list[Coded]) -> None:
        item = icd_codes(coded)[0]
        response = infobutton(client, **searched(c=item.code, cs=ICD.oid))
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/xml")
        root = ElementTree.fromstring(response.content)
        assert root.tag == f"{ATOM}feed"
        for tag in ("title", "subtitle", "author", "updated", "id"):
            assert root.find(f"{ATOM}{tag}") is not None, tag
        schemes = {c.get("scheme"): c.get("term") for c in root.iter(f"{ATOM}category")}
        assert schemes["mainSearchCriteria.v.c"] == item.code
        entries = root.findall(f"{ATOM}entry")
        expected = found(client, "icd-10-cm", item.code)["items"]
        assert [e.findtext(f"{ATOM}title") for e in entries] == [h["name"] for h in expected]
        for element, hit in zip(entries, expected, strict=True):
            link = element.find(f"{ATOM}link")
            assert link is not None
            assert link.get("href", "").endswith(hit["path"])
            assert element.findtext(f"{ATOM}id") == link.get("href")
            assert element.findtext(f"{ATOM}updated") == root.findtext(f"{ATOM}updated")
            assert (element.findtext(f"{ATOM}summary") or "").startswith(hit["description"])
        explicit = infobutton(
            client, knowledgeResponseType="text/xml", **searched(c=item.code, cs=ICD.oid)
        )
        again = ElementTree.fromstring(explicit.content).findall(f"{ATOM}entry")
        assert [ElementTree.tostring(e) for e in again] == [
            ElementTree.tostring(e) for e in entries
        ]

    def test_the_recipient_changes_the_summaries(
        self, client: httpx.Client, coded: list[Coded]
    ) -> None:
        item = icd_codes(coded)[0]
        ask = searched(c=item.code, cs=ICD.oid)
        patient = infobutton_json(client, **ask)["entry"][0]["summary"]["_value"]
        same = infobutton_json(client, informationRecipient="PAT", **ask)
        assert same["entry"][0]["summary"]["_value"] == patient
        provider = infobutton_json(client, informationRecipient="PROV", **ask)
        said = provider["entry"][0]["summary"]["_value"]
        assert said != patient
        assert item.code in said
        assert item.code not in patient
        assert {"scheme": "informationRecipient", "term": "PROV"} in provider["category"]

    def test_the_display_name_when_no_code_matches(
        self, client: httpx.Client, knowledge: Knowledge, coded: list[Coded]
    ) -> None:
        condition = next(s.data.condition for s in knowledge.seeds if s.data.condition.name)
        assert condition.name is not None
        unheld = unheld_icd_code(coded)
        for ask in (
            searched(c=unheld, cs=ICD.oid, dn=condition.name),
            searched(dn=condition.name),
            searched(c="L94.299", cs=ICD.oid, dn=condition.name),  # not a code
        ):
            feed = infobutton_json(client, **ask)
            paths = [e["link"][0]["href"] for e in feed["entry"]]
            assert any(p.endswith(f"/conditions/{condition.slug}") for p in paths), ask
        # A code that leads somewhere answers by it, whatever the name says.
        item = icd_codes(coded)[0]
        by_code = infobutton_json(client, **searched(c=item.code, cs=ICD.oid, dn="xyzzy"))
        assert by_code["entry"]
        assert infobutton_json(client, **searched(c=unheld, cs=ICD.oid))["entry"] == []

    def test_refusals(self, client: httpx.Client) -> None:
        for params, parameter in (
            ({}, "mainSearchCriteria.v.c"),
            (searched(c="L94.2"), "mainSearchCriteria.v.cs"),
            (searched(c="L94.2", cs="2.16.840.1.113883.6.96"), "mainSearchCriteria.v.cs"),
            (searched(c="L94.299", cs=ICD.oid), "mainSearchCriteria.v.c"),
            ({**searched(dn="lumps"), "knowledgeResponseType": "text/html"}, ""),
            ({**searched(dn="lumps"), "informationRecipient": "PAYOR"}, ""),
            ({**searched(dn="lumps"), "informationRecipient.languageCode.c": "fr"}, ""),
        ):
            problem = assert_problem(infobutton(client, **params), 422)
            assert problem["errors"][0]["parameter"] == (
                parameter or next(k for k in params if not k.startswith("mainSearch"))
            )

    def test_the_dotted_parameters_are_defined_and_others_refused(
        self, client: httpx.Client
    ) -> None:
        route = next(r for r in api_router.routes if getattr(r, "path", None) == "/infobutton")
        defined = query_parameters(route)
        assert defined is not None
        assert defined.names == {
            "mainSearchCriteria.v.c",
            "mainSearchCriteria.v.cs",
            "mainSearchCriteria.v.dn",
            "knowledgeResponseType",
            "informationRecipient",
            "informationRecipient.languageCode.c",
            *CONTEXT_PARAMETERS,
        }
        every = {
            **searched(c="L94.2", cs=ICD.oid, dn="Calcinosis cutis"),
            "knowledgeResponseType": "application/json",
            "informationRecipient": "PROV",
            "informationRecipient.languageCode.c": "en",
        }
        assert infobutton(client, **every).status_code == 200
        problem = assert_problem(
            client.get(f"/infobutton?{urlencode({**every, 'mainSearchCriteria.v.x': '1'})}"),
            422,
        )
        assert problem["errors"] == [
            {
                "parameter": "mainSearchCriteria.v.x",
                "message": "unknown parameter; did you mean `mainSearchCriteria.v.c`?",
            }
        ]

    def test_a_medlineplus_style_request_with_its_context(
        self, client: httpx.Client, coded: list[Coded]
    ) -> None:
        # As an EHR's infobutton manager sends it to MedlinePlus Connect: the main search
        # criteria, and the guide's context (the patient, the task, who asks and who reads, the
        # encounter), dots and all. The context is taken, and changes nothing.
        item = icd_codes(coded)[0]
        ask = {
            **searched(c=item.code, cs=ICD.oid, dn=item.display, ot=item.display),
            "knowledgeResponseType": "application/json",
            "informationRecipient": "PAT",
            "informationRecipient.languageCode.c": "en",
        }
        context = {
            "knowledgeRequestNotification.effectiveTime.v": "20260412093000",
            "holder.assignedEntity.n": "ehr-user",
            "holder.assignedEntity.certificateText": "ehr-password",
            "patientPerson.administrativeGenderCode.c": "F",
            "age.v.v": "77",
            "age.v.u": "a",
            "ageGroup.v.c": "D000368",
            "ageGroup.v.cs": "2.16.840.1.113883.6.177",
            "taskContext.c.c": "PROBLISTREV",
            "taskContext.c.cs": "2.16.840.1.113883.5.4",
            "subTopic.v.c": "Q000628",
            "subTopic.v.cs": "2.16.840.1.113883.6.177",
            "subTopic.v.dn": "therapy",
            "performer": "PROV",
            "performer.languageCode.c": "en",
            "performer.healthCareProvider.c.c": "163W00000X",
            "performer.healthCareProvider.c.dn": "Registered Nurse",
            "encounter.c.c": "AMB",
            "serviceDeliveryLocation.id.root": "2.16.840.1.113883.19.5",
        }
        assert set(context) <= set(CONTEXT_PARAMETERS)
        with_context = client.get(f"/infobutton?{urlencode({**ask, **context})}")
        assert with_context.status_code == 200, with_context.text
        without = infobutton(client, **ask)
        assert with_context.json() == without.json()  # the feed's id too: no password in it
        assert "ehr-password" not in with_context.text
        # Every context parameter the guide defines, each with a value.
        every = dict.fromkeys(CONTEXT_PARAMETERS, "x")
        assert infobutton(client, **{**ask, **every}).json() == without.json()
        # And in XML.
        xml = {**ask, "knowledgeResponseType": "text/xml"}
        assert infobutton(client, **xml, **context).content == infobutton(client, **xml).content

    def test_a_misspelt_context_parameter_is_refused_with_a_hint(
        self, client: httpx.Client
    ) -> None:
        ask = searched(dn="lumps")
        for misspelt, meant in (
            ("taskContext.c.cc", "taskContext.c.c"),
            (
                "patientPerson.administrativeGenderCode.C",
                "patientPerson.administrativeGenderCode.c",
            ),
            ("ageGroup.c.c", "ageGroup.v.c"),
        ):
            problem = assert_problem(
                client.get(f"/infobutton?{urlencode({**ask, misspelt: 'x'})}"), 422
            )
            assert problem["errors"] == [
                {"parameter": misspelt, "message": f"unknown parameter; did you mean `{meant}`?"}
            ], misspelt
        # A context parameter is text, as every parameter is.
        problem = assert_problem(infobutton(client, **ask, **{"age.v.v": "7" * 201}), 422)
        assert problem["errors"][0]["parameter"] == "age.v.v"


def test_check_verifies_icd_10_cm_codes(seed_dir: Path, tmp_path: Path) -> None:
    # The code table the seeds use (the project's, and the test seeds'): every code is right.
    assert icd10cm_problems(seed_dir) == []
    table = (seed_dir / CODE_TABLE).read_text(encoding="utf-8")
    right = "Chronic kidney disease, unspecified"
    wrong = {
        "N18.9": right.replace(", unspecified", ""),  # a display that is not the release's
        "N18.99": "Not a code",  # a code the release does not have
    }
    rows = [f"| x | ICD-10-CM | {code} | {name} | CM | exact |" for code, name in wrong.items()]
    # The later row of a code is the one the table holds.
    (tmp_path / CODE_TABLE).write_text("\n".join([table, *rows, ""]), encoding="utf-8")
    problems = {p.item: p.message for p in icd10cm_problems(tmp_path)}
    assert set(problems) == {"ICD-10-CM N18.9", "ICD-10-CM N18.99"}
    assert repr(right) in problems["ICD-10-CM N18.9"]
    assert "is not a code of the ICD-10-CM release of April 2026" in problems["ICD-10-CM N18.99"]


def test_an_uncached_lookup_costs_no_more_than_a_search(
    served_snapshot: Engine, coded: list[Coded]
) -> None:
    """Both read the snapshot alone; a lookup is a range of one index (and, for ICD-10-CM, a
    walk of the release in memory), a search a full-text query and its ranking."""
    item, other, _shared = cousin(coded)
    with served_snapshot.connect() as connection:
        shape = served.read_shape(connection)

        def looked_up() -> None:
            to_json(lookup_code(connection, ICD, other, "code").page(50, 0))

        def searched_for() -> None:
            to_json(search(connection, shape, item.display, limit=50, offset=0))

        took = {}
        for name, call in (("lookup", looked_up), ("search", searched_for)):
            call()
            started = time.perf_counter()
            for _ in range(200):
                call()
            took[name] = time.perf_counter() - started
    assert took["lookup"] <= took["search"], took
