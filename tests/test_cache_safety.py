"""The response cache never hands one client's answer to another that asked differently."""

import httpx

from app.config import Settings

JSON_LD = "application/ld+json"


def test_a_forged_host_does_not_reach_other_clients(client: httpx.Client) -> None:
    # JSON-LD node ids are links: built from the public URL, never from the Host sent.
    forged = client.get(
        "/conditions/calcinosis-cutis", headers={"Accept": JSON_LD, "Host": "evil.example"}
    )
    assert forged.status_code == 200
    honest = client.get("/conditions/calcinosis-cutis", headers={"Accept": JSON_LD})
    assert honest.status_code == 200
    assert "evil.example" not in honest.text
    assert honest.json()["@id"].startswith(Settings().public_url + "/")


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
