"""The call record's rules as pure functions: no HTTP, no database."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from service.calls.lifecycle import CallFacts, apply_requested_status, check_facts, derive_status
from service.calls.models import CallStatus

T0 = datetime(2025, 6, 2, 7, 0, tzinfo=UTC)
NOW = datetime(2025, 6, 3, tzinfo=UTC)
SKEW = timedelta(minutes=5)

CLASSIFIED = CallFacts(
    received_at=T0,
    answered_at=T0 + timedelta(seconds=30),
    ended_at=T0 + timedelta(minutes=10),
    caller_type="manager",
    sector="education",
    issue_categories=("workload",),
    advice=("apv",),
)


def fields_of(problems):
    return [problem.field for problem in problems]


@pytest.mark.parametrize(
    ("answered", "ended", "closed", "status"),
    [
        (None, None, None, CallStatus.queued),
        (None, 60, None, CallStatus.abandoned),
        (30, None, None, CallStatus.in_progress),
        (30, 600, None, CallStatus.wrap_up),
        (30, 600, 700, CallStatus.closed),
    ],
)
def test_status_follows_from_timestamps(answered, ended, closed, status):
    def at(seconds):
        return None if seconds is None else T0 + timedelta(seconds=seconds)

    facts = CallFacts(
        received_at=T0, answered_at=at(answered), ended_at=at(ended), closed_at=at(closed)
    )
    assert derive_status(facts) is status


def test_closing_defaults_closed_at_to_ended_at():
    facts, problems = apply_requested_status(CLASSIFIED, CallStatus.closed)
    assert problems == []
    assert facts.closed_at == CLASSIFIED.ended_at
    assert derive_status(facts) is CallStatus.closed


def test_closing_keeps_an_explicit_closed_at():
    closed_at = CLASSIFIED.ended_at + timedelta(minutes=3)
    facts, _ = apply_requested_status(replace(CLASSIFIED, closed_at=closed_at), CallStatus.closed)
    assert facts.closed_at == closed_at


def test_closing_a_call_that_has_not_ended_is_refused():
    facts, problems = apply_requested_status(replace(CLASSIFIED, ended_at=None), CallStatus.closed)
    assert fields_of(problems) == ["status"]
    assert facts.closed_at is None


def test_asking_for_an_earlier_status_reopens_a_closed_call():
    closed = replace(CLASSIFIED, closed_at=CLASSIFIED.ended_at)
    facts, problems = apply_requested_status(closed, CallStatus.wrap_up)
    assert problems == []
    assert facts.closed_at is None


def test_an_earlier_status_sent_with_a_closed_at_is_a_contradiction():
    closed = replace(CLASSIFIED, closed_at=CLASSIFIED.ended_at)
    facts, problems = apply_requested_status(closed, CallStatus.wrap_up, closed_at_sent=True)
    assert fields_of(problems) == ["status"]
    assert facts.closed_at == CLASSIFIED.ended_at


def test_a_status_the_timestamps_contradict_is_refused_and_says_the_real_one():
    _, problems = apply_requested_status(CLASSIFIED, CallStatus.queued)
    assert fields_of(problems) == ["status"]
    assert "wrap_up" in problems[0].reason


def test_routing_states_cannot_be_requested_by_a_client():
    _, problems = apply_requested_status(CallFacts(received_at=T0), CallStatus.assigned)
    assert fields_of(problems) == ["status"]


def test_consistent_facts_have_no_problems():
    assert (
        check_facts(replace(CLASSIFIED, closed_at=CLASSIFIED.ended_at), now=NOW, clock_skew=SKEW)
        == []
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"answered_at": T0 - timedelta(seconds=1)}, "answered_at"),
        ({"ended_at": T0 + timedelta(seconds=10)}, "ended_at"),
        ({"answered_at": None, "ended_at": T0 - timedelta(seconds=1)}, "ended_at"),
        (
            {"received_at": NOW + timedelta(minutes=6), "answered_at": None, "ended_at": None},
            "received_at",
        ),
        ({"callback_phone": "+4522345678"}, "callback_phone"),
    ],
)
def test_inconsistent_facts_name_the_field(change, field):
    assert field in fields_of(check_facts(replace(CLASSIFIED, **change), now=NOW, clock_skew=SKEW))


def test_a_clock_a_little_ahead_is_tolerated():
    facts = CallFacts(received_at=NOW + timedelta(minutes=4))
    assert check_facts(facts, now=NOW, clock_skew=SKEW) == []


def test_closing_requires_the_whole_classification():
    bare = CallFacts(
        received_at=T0,
        answered_at=T0 + timedelta(seconds=5),
        ended_at=T0 + timedelta(minutes=5),
        closed_at=T0 + timedelta(minutes=5),
    )
    assert fields_of(check_facts(bare, now=NOW, clock_skew=SKEW)) == [
        "caller_type",
        "sector",
        "issue_categories",
        "advice",
    ]


def test_an_unanswered_call_cannot_be_closed():
    facts = CallFacts(
        received_at=T0, ended_at=T0 + timedelta(seconds=40), closed_at=T0 + timedelta(seconds=40)
    )
    assert fields_of(check_facts(facts, now=NOW, clock_skew=SKEW)) == ["closed_at"]


def test_closed_at_before_ended_at_is_refused():
    facts = replace(CLASSIFIED, closed_at=CLASSIFIED.ended_at - timedelta(seconds=1))
    assert fields_of(check_facts(facts, now=NOW, clock_skew=SKEW)) == ["closed_at"]


def test_a_requested_callback_needs_a_number_before_closing():
    facts = replace(CLASSIFIED, closed_at=CLASSIFIED.ended_at, callback_requested=True)
    assert fields_of(check_facts(facts, now=NOW, clock_skew=SKEW)) == ["callback_phone"]
    with_phone = replace(facts, callback_phone="+4522345678")
    assert check_facts(with_phone, now=NOW, clock_skew=SKEW) == []


def test_a_number_erased_after_closing_does_not_lock_the_record():
    facts = replace(CLASSIFIED, closed_at=CLASSIFIED.ended_at, callback_requested=True)
    assert check_facts(facts, now=NOW, clock_skew=SKEW, phone_erased=True) == []
