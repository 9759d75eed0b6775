"""The response cache never hands one client's answer to another that asked differently."""

import httpx

from app.config import Settings

JSON_LD = "application/ld+json"


def test_a_forged_host_does_not_reach_other_clients(client: httpx.Client) -> None:
    # JSON-LD node ids are links to this deployment: from its settings, never from the Host.
    condition = client.get("/conditions").json()["items"][0]["slug"]
    path = f"/conditions/{condition}"
    forged = client.get(path, headers={"Accept": JSON_LD, "Host": "evil.example"})
    assert forged.status_code == 200
    assert "evil.example" not in forged.text
    honest = client.get(path, headers={"Accept": JSON_LD})
    assert honest.status_code == 200
    assert honest.json()["@id"] == f"{Settings().public_url}{path}"


def test_a_partial_answer_is_not_kept(client: httpx.Client) -> None:
    asset = "/docs/assets/favicon.png"
    whole = client.get(asset)
    partial = client.get(asset, headers={"Range": "bytes=0-9"})
    assert partial.status_code == 206
    assert len(partial.content) == 10
    again = client.get(asset)
    assert again.status_code == 200
    assert again.content == whole.content


def test_one_validator_per_answer(client: httpx.Client) -> None:
    response = client.get("/docs/assets/favicon.png")
    assert response.status_code == 200
    assert len(response.headers.get_list("etag")) == 1
    assert "last-modified" not in response.headers
