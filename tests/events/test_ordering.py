"""The desk events' tracker: each event passed on once, when ids commit out of order."""

from service.events.ordering import MAX_MISSING, Tracker


def test_ids_in_order_are_passed_on_and_the_mark_follows():
    tracker = Tracker(after=10)
    assert tracker.fresh([11, 12, 13], now=0.0) == [11, 12, 13]
    assert tracker.after == 13 and tracker.passed == set()
    assert tracker.fresh([12, 13], now=0.0) == []  # read again: nothing new


def test_an_id_that_commits_late_is_passed_on_when_it_comes():
    tracker = Tracker(after=10)
    # 12 committed before 11: the mark stays below the hole, 12 is not passed on twice.
    assert tracker.fresh([12], now=0.0) == [12]
    assert tracker.after == 10 and tracker.missing_since == {11: 0.0}
    assert tracker.fresh([12], now=1.0) == []
    assert tracker.fresh([11, 12], now=2.0) == [11]
    assert tracker.after == 12 and tracker.passed == set() and tracker.missing_since == {}


def test_an_id_missing_longer_than_the_patience_is_given_up():
    tracker = Tracker(after=10, patience_s=5.0)
    tracker.fresh([12, 13], now=100.0)
    assert tracker.after == 10
    tracker.fresh([], now=104.9)
    assert tracker.after == 10  # still waited for
    tracker.fresh([], now=105.0)
    assert tracker.after == 13  # 11 rolled back: given up, the mark moves past 12 and 13
    # Had it come after all, it would be below the mark: not passed on late and out of order.
    assert tracker.fresh([11], now=106.0) == []


def test_each_hole_is_waited_for_from_when_it_was_first_seen():
    tracker = Tracker(after=0, patience_s=5.0)
    tracker.fresh([2], now=0.0)  # 1 missing since 0
    tracker.fresh([2, 4], now=3.0)  # 3 missing since 3
    tracker.fresh([], now=5.0)
    assert tracker.after == 2  # 1 given up; 3 not yet
    tracker.fresh([], now=8.0)
    assert tracker.after == 4


def test_a_jump_past_the_window_gives_up_what_lies_below_it():
    tracker = Tracker(after=0)
    top = MAX_MISSING + 50
    assert tracker.fresh([top], now=0.0) == [top]
    assert len(tracker.missing_since) < MAX_MISSING + 1
    assert min(tracker.missing_since) > 0 and tracker.after == top - MAX_MISSING - 1
