"""A TypeScript client generated from the served OpenAPI document (openapi-typescript types,
openapi-fetch calls) compiles under `tsc --strict` and reads causes and treatments from a live
server as the API serves them."""

import json
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer
from tests.nodejs import NODE_DIR, run, tool, workspace

TSCONFIG = {
    "compilerOptions": {
        "strict": True,
        "target": "ES2022",
        "module": "NodeNext",
        "moduleResolution": "NodeNext",
        "lib": ["ES2022", "DOM"],
        "types": ["node"],
        "outDir": "out",
        "noUnusedLocals": True,
        "exactOptionalPropertyTypes": True,
    },
    "files": ["client.ts", "api.d.ts"],
}


@pytest.fixture(scope="module")
def built(server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The client, its types generated from the live server's /openapi.json, compiled."""
    folder = workspace(tmp_path_factory.mktemp("typescript-client") / "client")
    generated = run(
        [tool("openapi-typescript"), f"{server.url}/openapi.json", "--output", "api.d.ts"],
        cwd=folder,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    shutil.copy(NODE_DIR / "client.ts", folder)
    (folder / "tsconfig.json").write_text(json.dumps(TSCONFIG))
    compiled = run([tool("tsc"), "--project", "tsconfig.json"], cwd=folder)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    return folder


def everything(client: httpx.Client, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = client.get(path, params={"limit": 100, "offset": len(items)}).json()
        items += page["items"]
        if len(items) >= page["total"]:
            return items


class TestTypeScriptClient:
    def test_lists_causes_and_treatments_as_served(
        self, built: Path, server: LiveServer, client: httpx.Client
    ) -> None:
        result = run(["node", built / "out" / "client.js", server.url], cwd=built)
        assert result.returncode == 0, result.stdout + result.stderr
        read = json.loads(result.stdout)
        causes = everything(client, "/causes")
        assert read["causes"] == [
            {
                "slug": cause["slug"],
                "risk_factors": [ref["slug"] for ref in cause["risk_factors"]],
                "certainties": [s["certainty"] for s in cause["statements"]],
            }
            for cause in causes
        ]
        treatments = everything(client, "/treatments")
        assert read["treatments"] == [
            {
                "slug": treatment["slug"],
                "kind": treatment["kind"],
                "drugs": [ref["slug"] for ref in treatment["drugs"]],
                "indications": [i for s in treatment["statements"] for i in s["indications"]],
            }
            for treatment in treatments
        ]
        assert read["causes"]
        assert read["treatments"]
        assert read["missing"] == {"status": 404, "title": "Not Found"}

    def test_the_types_refuse_what_the_api_refuses(self, built: Path) -> None:
        # client.ts marks two calls the types must refuse; without those errors tsc fails.
        source = (built / "client.ts").read_text()
        assert source.count("@ts-expect-error") == 2
        unmarked = source.replace("// @ts-expect-error", "//")
        (built / "client.ts").write_text(unmarked)
        try:
            compiled = run([tool("tsc"), "--project", "tsconfig.json", "--noEmit"], cwd=built)
        finally:
            (built / "client.ts").write_text(source)
        assert compiled.returncode != 0
        assert compiled.stdout.count("error TS") == 2, compiled.stdout
