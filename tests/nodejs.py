"""The Node tools the contract checks run (pinned in tests/node/package-lock.json), and how."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parent / "node"
MODULES = NODE_DIR / "node_modules"


def tool(name: str) -> Path:
    """The installed command `name` of tests/node; a skip, or under CI a failure, without it."""
    found = MODULES / ".bin" / name
    if shutil.which("node") and found.exists():
        return found
    # CI installs them (`make test` runs `npm ci`): there a missing tool is a failure.
    if os.environ.get("CI"):
        pytest.fail(f"{name} is missing: `make node` installs tests/node with npm ci")
    pytest.skip(f"{name} is not installed: `make node` (needs node and npm) installs it")


def run(
    command: list[str | Path], cwd: Path, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run a Node tool; its output is what a failing test shows."""
    # No telemetry or update checks: the tools talk to nothing but the test server.
    env = {**os.environ, "REDOCLY_TELEMETRY": "off", "NO_COLOR": "1"}
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def workspace(folder: Path) -> Path:
    """A folder whose TypeScript and scripts resolve packages from tests/node."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "node_modules").symlink_to(MODULES, target_is_directory=True)
    (folder / "package.json").write_text('{"type": "module", "private": true}\n')
    return folder
