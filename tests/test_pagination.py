import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from service.errors import ValidationFailed
from service.pagination import decode_cursor, encode_cursor


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
