"""The served OpenAPI document is the contract kept in docs/openapi.json: lint-clean under the
tools clients use, changed only by a reviewed diff, and broken only with a new API version.

The document is served here as `make openapi` serves it: default settings, the project's seeds
alone (no test-only seed), on SQLite.
"""

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.db import migrate
from app.main import create_app
from tests.conftest import LiveServer
from tests.nodejs import NODE_DIR, run, tool
from tools.contract import (
    DOCUMENT,
    REGENERATE,
    breaking_changes,
    contract_settings,
    dumps,
    is_new_major_version,
    read_document,
    unversioned_breaks,
    without_knowledge,
)

Document = dict[str, Any]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Document]:
    """The document a default deployment of the project's seeds serves at /openapi.json."""
    url = f"sqlite:///{tmp_path_factory.mktemp('contract') / 'knowledge.db'}"
    migrate(url)
    with LiveServer(create_app(contract_settings(url))) as live:
        response = httpx.get(f"{live.url}/openapi.json", timeout=60)
        assert response.status_code == 200
        yield response.json()


@pytest.fixture(scope="module")
def checked_in() -> Document:
    document = read_document()
    assert document is not None, f"{DOCUMENT} is missing: `{REGENERATE}` writes it"
    return document


def differences(old: Document, new: Document) -> list[str]:
    """Where two documents differ: top-level members, and each path or component by name."""
    found = []
    for key in dict.fromkeys([*old, *new]):
        if old.get(key) == new.get(key):
            continue
        if key in ("paths", "components"):
            for name in dict.fromkeys([*old.get(key, {}), *new.get(key, {})]):
                if old.get(key, {}).get(name) != new.get(key, {}).get(name):
                    found.append(f"{key} {name}")
        else:
            found.append(key)
    return found


class TestContractGuard:
    def test_the_checked_in_document_is_the_served_one(
        self, served: Document, checked_in: Document
    ) -> None:
        # Examples and the sources named follow the knowledge: a new condition changes them
        # without changing the contract (`make openapi` refreshes them).
        served, checked_in = without_knowledge(served), without_knowledge(checked_in)
        if served == checked_in:
            return
        breaks = unversioned_breaks(checked_in, served)
        pytest.fail(
            f"The served OpenAPI document differs from {DOCUMENT.name} in: "
            f"{', '.join(differences(checked_in, served))}. "
            f"Run `{REGENERATE}` and review the diff of docs/openapi.json"
            + (
                "; it breaks clients, so first bump the major version in pyproject.toml:\n  "
                + "\n  ".join(breaks)
                if breaks
                else "."
            )
        )

    def test_a_breaking_change_needs_a_new_major_version(
        self, served: Document, checked_in: Document
    ) -> None:
        breaks = unversioned_breaks(checked_in, served)
        assert not breaks, (
            f"These changes break clients of API version {checked_in['info']['version']}: "
            "bump the major version in pyproject.toml, then run `make openapi`:\n  "
            + "\n  ".join(breaks)
        )

    def test_the_file_is_written_as_make_openapi_writes_it(self, checked_in: Document) -> None:
        # A hand edit shows as a change of layout, which a reviewer would not see as one.
        assert DOCUMENT.read_text(encoding="utf-8") == dumps(checked_in)


def without(document: Document, *where: str) -> Document:
    """A copy of the document with the member at the path `where` removed."""
    changed = copy.deepcopy(document)
    parent = changed
    for key in where[:-1]:
        parent = parent[int(key)] if isinstance(parent, list) else parent[key]
    del parent[where[-1]]
    return changed


def parameter(document: Document, path: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        p for p in document["paths"][path]["get"]["parameters"] if p["name"] == name
    )
    return found


class TestBreakingChanges:
    """The rules, applied to the checked-in document and a changed copy of it."""

    def test_the_document_breaks_nothing_of_itself(self, checked_in: Document) -> None:
        assert breaking_changes(checked_in, copy.deepcopy(checked_in)) == []

    def test_a_removed_path_or_operation(self, checked_in: Document) -> None:
        path = next(iter(checked_in["paths"]))
        assert f"path {path} removed" in breaking_changes(
            checked_in, without(checked_in, "paths", path)
        )
        changed = copy.deepcopy(checked_in)
        changed["paths"][path] = {"head": changed["paths"][path]["get"]}
        assert f"GET {path} removed" in breaking_changes(checked_in, changed)

    def test_a_removed_field(self, checked_in: Document) -> None:
        changed = without(
            checked_in, "components", "schemas", "Cause", "properties", "risk_factors"
        )
        assert "schema Cause: field risk_factors removed" in breaking_changes(checked_in, changed)

    def test_a_field_no_longer_always_present(self, checked_in: Document) -> None:
        changed = copy.deepcopy(checked_in)
        changed["components"]["schemas"]["Treatment"]["required"].remove("drugs")
        assert "schema Treatment: field drugs no longer always present" in breaking_changes(
            checked_in, changed
        )

    def test_a_removed_enum_value(self, checked_in: Document) -> None:
        changed = copy.deepcopy(checked_in)
        kinds = parameter(changed, "/treatments", "kind")["schema"]["enum"]
        removed = kinds.pop()
        assert (
            f"GET /treatments parameter kind: enum values removed: {json.dumps(removed)}"
            in breaking_changes(checked_in, changed)
        )

    def test_a_parameter_newly_limited_to_an_enum(self, checked_in: Document) -> None:
        changed = copy.deepcopy(checked_in)
        parameter(changed, "/treatments", "q")["schema"]["enum"] = ["a"]
        assert 'GET /treatments parameter q: now limited to "a"' in breaking_changes(
            checked_in, changed
        )

    def test_an_answer_listing_its_values_breaks_nothing(self, checked_in: Document) -> None:
        # What a client may be sent, newly listed: it sends nothing it could before and cannot.
        old = copy.deepcopy(checked_in)
        for name, field in (("Source", "title"), ("Treatment", "kind")):
            schema = old["components"]["schemas"][name]["properties"][field]
            schema.pop("enum", None)
            for branch in schema.get("anyOf", []):
                branch.pop("enum", None)
        changed = copy.deepcopy(old)
        changed["components"]["schemas"]["Source"]["properties"]["title"]["enum"] = ["a"]
        assert breaking_changes(old, changed) == []
        assert breaking_changes(old, checked_in) == []

    def test_a_narrowed_type(self, checked_in: Document) -> None:
        changed = copy.deepcopy(checked_in)
        changed["components"]["schemas"]["Source"]["properties"]["url"] = {"type": "string"}
        assert "schema Source.url: type narrowed, no longer null" in breaking_changes(
            checked_in, changed
        )
        changed = copy.deepcopy(checked_in)
        parameter(changed, "/treatments", "limit")["schema"]["maximum"] = 10
        assert "GET /treatments parameter limit: maximum tightened to 10" in breaking_changes(
            checked_in, changed
        )

    def test_a_parameter_removed_or_newly_required(self, checked_in: Document) -> None:
        changed = copy.deepcopy(checked_in)
        operation = changed["paths"]["/treatments"]["get"]
        operation["parameters"] = [p for p in operation["parameters"] if p["name"] != "q"]
        parameter(changed, "/treatments", "kind")["required"] = True
        found = breaking_changes(checked_in, changed)
        assert "GET /treatments parameter q removed" in found
        assert "GET /treatments parameter kind now required" in found

    def test_additions_break_nothing(self, checked_in: Document) -> None:
        changed = copy.deepcopy(checked_in)
        changed["paths"]["/new"] = copy.deepcopy(changed["paths"]["/meta"])
        cause = changed["components"]["schemas"]["Cause"]
        cause["properties"]["new_field"] = {"type": "string"}
        cause["required"].append("new_field")
        parameter(changed, "/treatments", "kind")["schema"]["enum"].append("a-new-kind")
        parameter(changed, "/treatments", "limit")["schema"]["maximum"] = 1000
        changed["components"]["schemas"]["Source"]["properties"]["title"] = {
            "anyOf": [{"type": "string"}, {"type": "null"}]
        }
        assert breaking_changes(checked_in, changed) == []

    @pytest.mark.parametrize(
        ("old", "new", "major"),
        [
            ("0.1.0", "0.1.1", False),
            ("0.1.0", "0.2.0", True),
            ("0.9.3", "1.0.0", True),
            ("1.4.0", "1.5.0", False),
            ("1.4.0", "2.0.0", True),
            ("2.0.0", "1.9.0", False),
        ],
    )
    def test_what_counts_as_a_new_major_version(self, old: str, new: str, major: bool) -> None:
        assert is_new_major_version(old, new) is major

    def test_a_new_major_version_allows_a_break(self, checked_in: Document) -> None:
        changed = without(checked_in, "paths", "/meta")
        assert unversioned_breaks(checked_in, changed) == ["path /meta removed"]
        major, minor, _ = (int(part) for part in checked_in["info"]["version"].split("."))
        changed["info"]["version"] = f"{major + 1}.0.0" if major else f"0.{minor + 1}.0"
        assert unversioned_breaks(checked_in, changed) == []


@pytest.fixture(scope="module")
def served_file(served: Document, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lint") / "openapi.json"
    path.write_text(json.dumps(served, indent=2))
    return path


class TestLinters:
    """No error and no warning: the rule sets are in tests/node."""

    def test_redocly_recommended(self, served_file: Path) -> None:
        result = run(
            [tool("redocly"), "lint", served_file, "--format=json", "--config", "redocly.yaml"],
            cwd=NODE_DIR,
        )
        report = json.loads(result.stdout[result.stdout.index("{") :])
        problems = [f"{p['ruleId']}: {p['message']}" for p in report["problems"]]
        assert report["totals"]["errors"] == 0, problems
        assert report["totals"]["warnings"] == 0, problems
        assert result.returncode == 0, result.stderr[-2000:]

    def test_spectral_oas(self, served_file: Path) -> None:
        report = served_file.with_name("spectral.json")
        result = run(
            [tool("spectral"), "lint", served_file, "--ruleset", "spectral.yaml",
             "--format", "json", "--output", report, "--fail-severity", "hint"],
            cwd=NODE_DIR,
        )  # fmt: skip
        problems = json.loads(report.read_text())
        assert problems == [], [f"{p['code']}: {p['message']} at {p['path']}" for p in problems]
        assert result.returncode == 0, result.stdout + result.stderr
