from tests.factories import closed_call, create_call


def test_recorded_call_can_be_read_back(client):
    created = create_call(client, closed_call())
    response = client.get(f"/calls/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created
    assert created["status"] == "closed"


def test_each_test_starts_with_no_calls(client):
    assert client.get("/calls").json()["items"] == []
    create_call(client)
    assert len(client.get("/calls").json()["items"]) == 1
