"""A client generated from the served OpenAPI document works: typed models, no warnings."""

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from tests.conftest import LiveServer

PACKAGE = "condition_knowledge_api_client"
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def generated(server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Generate the client from /openapi.json in a temporary folder; yield what it printed."""
    where = tmp_path_factory.mktemp("client")
    # The generator formats its output with ruff, which it finds on PATH.
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [BIN / "openapi-python-client", "generate", "--url", f"{server.url}/openapi.json",
         "--meta", "none"],
        cwd=where, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    sys.path.insert(0, str(where))
    try:
        yield output
    finally:
        sys.path.remove(str(where))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def module(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


class TestGeneratedClient:
    def test_generates_without_warnings(self, generated: str) -> None:
        assert "warning" not in generated.lower(), generated
        assert "error" not in generated.lower(), generated

    def test_lists_causes_as_typed_models(
        self, generated: str, server: LiveServer, client: httpx.Client
    ) -> None:
        models = module("models")
        list_causes = module("api.causes.list_causes")
        with module("client").Client(base_url=server.url) as api:
            page = list_causes.sync(client=api, limit=100)
        assert isinstance(page, models.CausePage)
        assert all(isinstance(cause, models.Cause) for cause in page.items)
        expected = client.get("/causes", params={"limit": 100}).json()
        assert [cause.slug for cause in page.items] == [c["slug"] for c in expected["items"]]
        assert page.total == expected["total"]
        risk_factors = page.items[0].risk_factors
        assert risk_factors
        assert all(isinstance(ref, models.Ref) for ref in risk_factors)
        statements = [s for cause in page.items for s in cause.statements]
        assert all(isinstance(s.evidence[0], models.Evidence) for s in statements)

    def test_lists_treatments_as_typed_models(
        self, generated: str, server: LiveServer, client: httpx.Client
    ) -> None:
        models = module("models")
        list_treatments = module("api.treatments.list_treatments")
        with module("client").Client(base_url=server.url) as api:
            # A vocabulary parameter is an enum of the database's terms, not any text.
            page = list_treatments.sync(client=api, kind=models.ListTreatmentsKind("medication"))
        assert isinstance(page, models.TreatmentPage)
        assert [t.slug for t in page.items] == [
            t["slug"] for t in client.get("/treatments?kind=medication").json()["items"]
        ]
        assert all(t.kind == "medication" for t in page.items)
        statements = [s for t in page.items for s in t.statements]
        assert all(isinstance(s, models.TreatmentStatement) for s in statements)
        assert all(isinstance(s.indications, list) for s in statements)
        drugs = [drug for treatment in page.items for drug in treatment.drugs]
        assert all(isinstance(drug, models.Ref) for drug in drugs)
        assert "Warfarin" in [drug.name for drug in drugs]

    def test_lists_drugs_with_codes_and_their_relation(
        self, generated: str, server: LiveServer
    ) -> None:
        models = module("models")
        list_drugs = module("api.drugs.list_drugs")
        with module("client").Client(base_url=server.url) as api:
            page = list_drugs.sync(client=api, limit=100)
        assert isinstance(page, models.DrugPage)
        codes = [code for drug in page.items for code in drug.codes]
        assert codes
        assert all(isinstance(code, models.Code) for code in codes)
        assert {code.relation for code in codes} <= {"exact", "broader", "narrower", "related"}

    def test_errors_parse_as_problems(self, generated: str, server: LiveServer) -> None:
        models = module("models")
        get_treatment = module("api.treatments.get_treatment")
        with module("client").Client(base_url=server.url) as api:
            problem = get_treatment.sync("no-such-treatment", client=api)
        assert isinstance(problem, models.Problem)
        assert problem.status == 404
