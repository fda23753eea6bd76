import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from service.errors import ValidationFailed
from service.pagination import (
    cut,
    decode_cursor,
    decode_name_cursor,
    encode_cursor,
    encode_name_cursor,
)


def test_a_cursor_round_trips_the_sort_key_as_the_same_instant():
    at = datetime(2025, 3, 30, 2, 30, tzinfo=timezone(timedelta(hours=2)))
    key = uuid.uuid4()
    cursor = decode_cursor(encode_cursor(at=at, id=key))
    assert cursor.at == at
    assert cursor.at.tzinfo is not None
    assert cursor.id == key


@pytest.mark.parametrize(
    "token",
    [
        "garbage!",
        "e30",  # {}
        encode_cursor(at=datetime(2025, 1, 1, tzinfo=UTC), id=uuid.uuid4())[:-3],
        "eyJhdCI6IjIwMjUtMDEtMDFUMDA6MDA6MDAiLCJpZCI6IjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMCJ9",
    ],
)
def test_a_token_that_is_not_a_cursor_is_a_validation_error_on_cursor(token):
    with pytest.raises(ValidationFailed) as caught:
        decode_cursor(token)
    assert [problem.field for problem in caught.value.errors] == ["cursor"]


def test_a_name_cursor_round_trips_any_name():
    key = uuid.uuid4()
    for name in ("Åse Ærø", "עברית", "x" * 200, ""):
        cursor = decode_name_cursor(encode_name_cursor(name=name, id=key))
        assert (cursor.name, cursor.id) == (name, key)


def test_a_time_cursor_is_not_a_name_cursor_and_the_other_way_round():
    key = uuid.uuid4()
    for decode, token in (
        (decode_name_cursor, encode_cursor(at=datetime(2025, 1, 1, tzinfo=UTC), id=key)),
        (decode_cursor, encode_name_cursor(name="Åse", id=key)),
    ):
        with pytest.raises(ValidationFailed) as caught:
            decode(token)
        assert [problem.field for problem in caught.value.errors] == ["cursor"]


def test_cut_keeps_the_limit_and_names_the_last_row_kept():
    assert cut([1, 2], 2, str) == ([1, 2], None)
    assert cut([1, 2, 3], 2, str) == ([1, 2], "2")
