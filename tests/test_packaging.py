"""The served package holds the service; the development tools live beside it.

`app` is the only installed package (pyproject.toml). The contract and curation tools are in
`tools/`, the migrations in `migrations/`: both import the app, never the other way round, so
that the service runs from the package alone and a migration never runs the service's code.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

from app.config import ROOT

APP = ROOT / "app"
# Packages beside the app, importable from the project's root, that the service must not import.
BESIDE = ("tools", "migrations")

_IMPORTED = """
import importlib.util, json, sys
import app.main
print(json.dumps({
    "imported": sorted(sys.modules),
    "importable": [name for name in %r if importlib.util.find_spec(name) is not None],
}))
"""


def _beside(module: str) -> bool:
    return module.split(".")[0] in BESIDE


def test_the_running_service_imports_no_tool_and_no_migration() -> None:
    # A fresh interpreter: the test run itself has imported the tools and the migrations.
    done = subprocess.run(
        [sys.executable, "-c", _IMPORTED % (BESIDE,)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.splitlines()[-1])
    # They could be imported from where the service runs: it just does not import them.
    assert found["importable"] == list(BESIDE)
    assert "app.main" in found["imported"]
    assert [name for name in found["imported"] if _beside(name)] == []


def _imports(path: Path) -> list[str]:
    """Every module the file imports, at its top or inside a function, absolute or relative."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            found.append(".".join(part for part in (base, node.module) if part))
    return found


def test_no_module_of_the_app_imports_a_tool_or_a_migration() -> None:
    """Not even one the service loads late, or only in some deployments."""
    offending = {
        str(path.relative_to(ROOT)): [name for name in _imports(path) if _beside(name)]
        for path in sorted(APP.rglob("*.py"))
    }
    assert {path: names for path, names in offending.items() if names} == {}
