"""Swagger UI and ReDoc render the API's operations with no network beyond loopback."""

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer

# Every host name fails to resolve, so a page that needs a CDN cannot draw.
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--virtual-time-budget=20000",
]  # fmt: skip


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    # CI installs it (.ci/run): there a missing browser is a failure, never a skip.
    if os.environ.get("CI"):
        pytest.fail("chromium is missing; .ci/run installs it with apt-get")
    pytest.skip("chromium is not installed: `make browser` as root, or apt-get install chromium")


def rendered_dom(url: str, profile: Path) -> str:
    """The page's DOM after its scripts ran, as headless Chromium drew it."""
    result = subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="module")
def spec(client: httpx.Client) -> dict[str, Any]:
    return client.get("/openapi.json").json()  # type: ignore[no-any-return]


def operation_ids(spec: dict[str, Any]) -> set[str]:
    return {op["operationId"] for item in spec["paths"].values() for op in item.values()}


class TestPagesAreSelfContained:
    @pytest.mark.parametrize("page", ["/docs", "/redoc"])
    def test_every_asset_is_served_by_the_app(self, client: httpx.Client, page: str) -> None:
        response = client.get(page)
        assert response.status_code == 200
        assets = re.findall(r'(?:src|href)="([^"]+)"', response.text)
        assert assets
        for asset in assets:
            assert asset.startswith("/"), f"{page} loads {asset} from elsewhere"
            assert not asset.startswith("//"), f"{page} loads {asset} from elsewhere"
            assert client.get(asset).status_code == 200, asset
        assert "<script>" not in response.text  # no inline script: a same-origin policy allows it


class TestRenderedInChromium:
    def test_swagger_ui_draws_every_operation(
        self, server: LiveServer, spec: dict[str, Any], tmp_path: Path
    ) -> None:
        dom = rendered_dom(f"{server.url}/docs", tmp_path / "profile")
        drawn_paths = set(re.findall(r'class="opblock-summary-path" data-path="([^"]+)"', dom))
        assert drawn_paths == set(spec["paths"])
        drawn_ids = set(re.findall(r'class="opblock-summary-operation-id">([^<]+)<', dom))
        assert drawn_ids == operation_ids(spec)

    def test_redoc_draws_every_operation(
        self, server: LiveServer, spec: dict[str, Any], tmp_path: Path
    ) -> None:
        dom = rendered_dom(f"{server.url}/redoc", tmp_path / "profile")
        drawn = set(re.findall(r'id="operation/([a-z_]+)"', dom))
        assert drawn == operation_ids(spec)
