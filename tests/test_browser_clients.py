"""Web pages of other origins can use the API: CORS lets them revalidate with If-None-Match and
read ETag and Link; `/` tells a person or a program where everything is."""

import html
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer
from tests.test_docs_browser import rendered_dom

ORIGIN = "http://127.0.0.1:9"  # any other origin: CORS answers by the Origin header alone
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class TestCors:
    def test_a_preflight_for_if_none_match_is_allowed(self, client: httpx.Client) -> None:
        response = client.options(
            "/treatments",
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "if-none-match",
            },
        )
        assert response.status_code == 200, response.text
        allowed = response.headers["access-control-allow-headers"].lower()
        assert "if-none-match" in [name.strip() for name in allowed.split(",")]
        assert "GET" in response.headers["access-control-allow-methods"]

    @pytest.mark.parametrize(
        ("asked", "failed"),
        [
            ({"Access-Control-Request-Headers": "if-none-match, x-api-key"}, "headers"),
            ({"Access-Control-Request-Method": "POST"}, "method"),
        ],
    )
    def test_a_refused_preflight_is_a_problem(
        self, client: httpx.Client, asked: dict[str, str], failed: str
    ) -> None:
        response = client.options(
            "/treatments",
            headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET", **asked},
        )
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["status"] == 400
        assert problem["title"] == "Bad Request"
        assert f"({failed})" in problem["detail"]
        assert "if-none-match" in problem["detail"]
        assert "GET, HEAD" in problem["detail"]
        # Still the CORS answer a browser reads, with the security headers of every answer.
        assert response.headers["access-control-allow-methods"] == "GET, HEAD"
        assert response.headers["x-content-type-options"] == "nosniff"

    def test_pages_may_read_the_validator_and_the_paging_links(self, client: httpx.Client) -> None:
        response = client.get("/causes", params={"limit": 1}, headers={"Origin": ORIGIN})
        assert response.headers["access-control-allow-origin"] == "*"
        exposed = {
            h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")
        }
        assert {"etag", "link", "x-request-id"} <= exposed
        assert response.headers["x-request-id"]
        assert response.headers["etag"]
        assert response.headers["link"]

    def test_a_not_modified_answer_passes_cors(self, client: httpx.Client) -> None:
        first = client.get("/treatments", headers={"Origin": ORIGIN})
        again = client.get(
            "/treatments", headers={"Origin": ORIGIN, "If-None-Match": first.headers["etag"]}
        )
        assert again.status_code == 304
        assert again.headers["access-control-allow-origin"] == "*"
        assert "etag" in again.headers["access-control-expose-headers"].lower()
        assert again.headers["etag"] == first.headers["etag"]


class TestIndex:
    def test_names_the_api_and_links_to_its_docs_and_every_resource(
        self, client: httpx.Client
    ) -> None:
        response = client.get("/")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert "Accept" in response.headers["vary"]
        index = response.json()
        spec = client.get("/openapi.json").json()
        assert index["name"] == spec["info"]["title"]
        assert (
            index["version"] == spec["info"]["version"] == client.get("/meta").json()["api_version"]
        )
        resources = {path for path in spec["paths"] if "{" not in path and path != "/"}
        assert set(index["links"].values()) == resources | {"/docs", "/redoc", "/openapi.json"}
        for name in ("docs", "redoc", "openapi"):
            assert client.get(index["links"][name]).status_code == 200, name

    def test_sends_a_browser_to_the_docs(self, client: httpx.Client) -> None:
        response = client.get("/", headers={"Accept": BROWSER_ACCEPT})
        assert response.status_code == 307
        assert response.headers["location"] == "/docs"
        assert "Accept" in response.headers["vary"]

    @pytest.mark.parametrize("accept", ["*/*", "application/json", "text/html;q=0.5, */*"])
    def test_programs_get_json(self, client: httpx.Client, accept: str) -> None:
        response = client.get("/", headers={"Accept": accept})
        assert response.status_code == 200
        assert response.json()["links"]["openapi"] == "/openapi.json"


# The page lists treatments from the API, then revalidates the list with its ETag.
PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Treatments</title></head>
<body><ul id="treatments"></ul><pre id="result">pending</pre>
<script>
(async () => {
  const url = "%(api)s/treatments?limit=100";
  const result = {};
  try {
    const first = await fetch(url);
    const page = await first.json();
    for (const treatment of page.items) {
      const item = document.createElement("li");
      item.textContent = treatment.name;
      document.getElementById("treatments").appendChild(item);
    }
    result.status = first.status;
    result.names = page.items.map((treatment) => treatment.name);
    result.etag = first.headers.get("ETag");
    result.link = first.headers.get("Link");
    const headers = { "If-None-Match": result.etag };
    const again = await fetch(url, { headers, cache: "no-store" });
    result.revalidated = again.status;
    result.revalidatedEtag = again.headers.get("ETag");
  } catch (error) {
    result.error = String(error);
  }
  document.getElementById("result").textContent = JSON.stringify(result);
})();
</script></body></html>
"""


@pytest.fixture(scope="module")
def other_origin(server: LiveServer) -> Iterator[str]:
    """A web server on another port (so another origin) serving the page: its URL."""
    page = (PAGE % {"api": server.url}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *_args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


class TestPageFromAnotherOrigin:
    def test_lists_treatments_and_revalidates_with_if_none_match(
        self, other_origin: str, client: httpx.Client, tmp_path: Path
    ) -> None:
        dom = rendered_dom(other_origin, tmp_path / "profile")
        found = re.search(r'<pre id="result">(.*?)</pre>', dom, re.DOTALL)
        assert found, dom[-2000:]
        result = json.loads(html.unescape(found.group(1)))
        assert "error" not in result, result
        served = client.get("/treatments", params={"limit": 100})
        assert result["status"] == 200
        assert result["names"] == [item["name"] for item in served.json()["items"]]
        assert result["names"]
        assert result["etag"] == served.headers["etag"]
        assert result["link"] == served.headers["link"]
        assert result["revalidated"] == 304
        assert result["revalidatedEtag"] == result["etag"]
        listed = re.findall(r"<li>(.*?)</li>", dom)
        assert [html.unescape(name) for name in listed] == result["names"]
