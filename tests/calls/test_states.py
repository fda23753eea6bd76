"""The call's state machine: one table that every desk action, offer and PATCH goes through."""

import ast
from pathlib import Path

import pytest

from service.calls import states
from service.calls.lifecycle import CallStatus
from service.calls.states import TRANSITIONS, Refused, Step, advance

SERVICE = Path(__file__).parents[2] / "service"


def test_every_step_has_one_row():
    assert set(TRANSITIONS) == set(Step)


@pytest.mark.parametrize("step", list(Step))
@pytest.mark.parametrize("status", list(CallStatus))
def test_a_step_moves_on_exactly_from_the_statuses_its_row_names(step, status):
    row = TRANSITIONS[step]
    if status in row.starts:
        expected = row.leads_to if row.leads_to is not None else CallStatus.closed
        assert advance(status, step, derived=CallStatus.closed) is expected
    else:
        with pytest.raises(Refused, match=row.refusal):
            advance(status, step, derived=CallStatus.closed)


def test_the_desk_table_as_the_desk_clients_know_it():
    assert advance(CallStatus.queued, Step.offer) is CallStatus.assigned
    assert advance(CallStatus.assigned, Step.accept) is CallStatus.in_progress
    assert advance(CallStatus.in_progress, Step.end) is CallStatus.wrap_up
    assert advance(CallStatus.wrap_up, Step.close) is CallStatus.closed
    assert advance(CallStatus.in_progress, Step.transfer) is CallStatus.queued
    assert advance(CallStatus.assigned, Step.abandon) is CallStatus.abandoned
    with pytest.raises(Refused):
        advance(CallStatus.closed, Step.abandon)


def test_a_step_that_follows_the_record_needs_the_derived_status():
    with pytest.raises(ValueError, match="derived"):
        advance(CallStatus.wrap_up, Step.record)
    assert advance(CallStatus.wrap_up, Step.record, derived=CallStatus.closed) is CallStatus.closed


def _http_status(target: ast.Attribute) -> bool:
    # An Idempotency-Key's record stores the HTTP status it answered, not a call's.
    return isinstance(target.value, ast.Attribute) and target.value.attr == "record"


def _status_assignments(path: Path, root: Path = SERVICE.parent) -> list[str]:
    """Lines under service/ that set a `.status` other than through `states.advance`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        sets_status = any(
            isinstance(t, ast.Attribute) and t.attr == "status" and not _http_status(t)
            for t in targets
        )
        value = node.value
        through_table = (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr == "advance"
        )
        if sets_status and not through_table:
            found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_no_status_is_set_but_through_the_table():
    """Status was set by lifecycle.derive_status and by assignments in the desk's use cases;
    now every change of a call's status is a step of the table."""
    assert states.__name__ == "service.calls.states"
    offending = [hit for path in SERVICE.rglob("*.py") for hit in _status_assignments(path)]
    assert offending == []


def test_the_scan_finds_a_status_set_by_hand(tmp_path):
    source = tmp_path / "desk.py"
    source.write_text("call.status = CallStatus.queued\ncall.status = states.advance(s, x)\n")
    found = _status_assignments(source, root=tmp_path)
    assert found == ["desk.py:1"]
