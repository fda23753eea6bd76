"""Optimistic concurrency: ETags, and If-Match on changes of calls and advisers."""

import pytest

from tests.factories import assert_problem, closed_call, create_adviser, create_call


def test_reads_and_changes_carry_an_etag_that_moves_with_each_change(client):
    created = client.post("/calls", json=closed_call())
    first = created.headers["etag"]
    assert client.get(f"/calls/{created.json()['id']}").headers["etag"] == first
    changed = client.patch(f"/calls/{created.json()['id']}", json={"notes": "Nyt"})
    assert changed.headers["etag"] not in (None, first)
    assert client.get(f"/calls/{created.json()['id']}").headers["etag"] == changed.headers["etag"]


def test_a_change_with_the_current_etag_is_made(client):
    call = create_call(client)
    tag = client.get(f"/calls/{call['id']}").headers["etag"]
    response = client.patch(f"/calls/{call['id']}", json={"notes": "A"}, headers={"If-Match": tag})
    assert response.status_code == 200, response.text


def test_a_change_from_a_stale_copy_is_412_and_changes_nothing(client):
    call = create_call(client)
    stale = client.get(f"/calls/{call['id']}").headers["etag"]
    client.patch(f"/calls/{call['id']}", json={"notes": "Someone else"})
    current = client.get(f"/calls/{call['id']}")
    response = client.patch(
        f"/calls/{call['id']}", json={"notes": "Mine"}, headers={"If-Match": stale}
    )
    body = assert_problem(response, 412)
    assert body["etag"] == current.headers["etag"]
    after = client.get(f"/calls/{call['id']}")
    assert after.json() == current.json()
    assert after.headers["etag"] == current.headers["etag"]


@pytest.mark.parametrize("header", ["*", '"nope", {tag}', "{tag}"])
def test_if_match_takes_a_list_and_a_star(client, header):
    call = create_call(client)
    tag = client.get(f"/calls/{call['id']}").headers["etag"]
    response = client.patch(
        f"/calls/{call['id']}", json={"notes": "B"}, headers={"If-Match": header.format(tag=tag)}
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("header", ['W/"{inner}"', '"something-else"', ""])
def test_weak_or_wrong_tags_never_match(client, header):
    call = create_call(client)
    tag = client.get(f"/calls/{call['id']}").headers["etag"]
    value = header.format(inner=tag.strip('"'))
    response = client.patch(
        f"/calls/{call['id']}", json={"notes": "C"}, headers={"If-Match": value}
    )
    assert_problem(response, 412)


def test_an_adviser_changed_by_someone_else_meanwhile_is_412(client):
    adviser = create_adviser(client)
    read = client.get(f"/advisers/{adviser['id']}")
    stale = read.headers["etag"]
    changed = client.patch(f"/advisers/{adviser['id']}", json={"name": "Anden"})
    assert changed.headers["etag"] != stale
    response = client.patch(
        f"/advisers/{adviser['id']}", json={"name": "Min"}, headers={"If-Match": stale}
    )
    assert_problem(response, 412)
    assert client.get(f"/advisers/{adviser['id']}").json()["name"] == "Anden"
    current = client.patch(
        f"/advisers/{adviser['id']}", json={"name": "Min"},
        headers={"If-Match": changed.headers["etag"]},
    )  # fmt: skip
    assert current.status_code == 200, current.text
