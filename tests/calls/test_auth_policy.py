"""The pure rules of an adviser's change window: what moves the closing it runs from."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from service.calls.models import CallStatus
from service.calls.reach import may_still_change, moved_closing

CLOSED = datetime(2025, 6, 2, 9, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("closed_at", "changes", "moved"),
    [
        pytest.param(None, {"closed_at": CLOSED}, None, id="closing an open call"),
        pytest.param(None, {"status": CallStatus.wrap_up}, None, id="an open call's status"),
        pytest.param(CLOSED, {"notes": "Tilføjet"}, None, id="other fields"),
        pytest.param(CLOSED, {"closed_at": CLOSED}, None, id="the closing sent back"),
        pytest.param(CLOSED, {"closed_at": CLOSED.astimezone(timezone(timedelta(hours=2)))},
                     None, id="the same instant in another zone"),
        pytest.param(CLOSED, {"status": CallStatus.closed}, None, id="closed again, as it is"),
        pytest.param(CLOSED, {"closed_at": CLOSED + timedelta(hours=1)}, "closed_at",
                     id="a later closing"),
        pytest.param(CLOSED, {"closed_at": CLOSED - timedelta(minutes=1)}, "closed_at",
                     id="an earlier closing"),
        pytest.param(CLOSED, {"closed_at": None}, "closed_at", id="the closing cleared"),
        pytest.param(CLOSED, {"status": CallStatus.wrap_up}, "status", id="reopened"),
        pytest.param(CLOSED, {"status": CallStatus.in_progress, "notes": "x"}, "status",
                     id="reopened further"),
    ],
)  # fmt: skip
def test_what_moves_the_closing(closed_at, changes, moved):
    assert moved_closing(closed_at=closed_at, changes=changes) == moved


def test_the_window_closes_after_the_hours_given():
    assert may_still_change(closed_at=None, now=CLOSED, hours=24)
    assert may_still_change(closed_at=CLOSED, now=CLOSED + timedelta(hours=2), hours=2)
    assert not may_still_change(
        closed_at=CLOSED, now=CLOSED + timedelta(hours=2, seconds=1), hours=2
    )
