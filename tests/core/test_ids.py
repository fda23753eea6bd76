from datetime import UTC, datetime

from service.ids import uuid7


def test_ids_are_version_7_and_carry_the_current_time():
    before = int(datetime.now(UTC).timestamp() * 1000)
    value = uuid7()
    after = int(datetime.now(UTC).timestamp() * 1000)
    assert value.version == 7
    assert value.variant == "specified in RFC 4122"
    assert before <= value.int >> 80 <= after


def test_ids_sort_in_creation_order_even_within_one_millisecond():
    ids = [uuid7() for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    assert ids == sorted(ids, key=str)
