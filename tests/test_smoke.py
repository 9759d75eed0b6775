import httpx


def test_treatments_are_served(client: httpx.Client) -> None:
    response = client.get("/treatments")
    assert response.status_code == 200
    assert response.json()["total"] == 5
