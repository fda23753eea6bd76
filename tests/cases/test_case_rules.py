"""The cases domain's pure rules: the case's table and the rules steps add to it, tasks,
referrals, permissions, workplace numbers and references."""

import ast
import re
import sys
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.cases import permissions, referrals, states, tasks
from service.cases.permissions import CaseFacts, may_change, may_see
from service.cases.reference import format_reference, parse_reference
from service.cases.referrals import NEXT, ReferralStatus, advance_referral
from service.cases.states import (
    TRANSITIONS,
    CaseStatus,
    CaseStep,
    NotPermitted,
    OpenTasks,
    OutcomeMissing,
    Refused,
    StatusChange,
    WaitingFor,
    WaitingForMissing,
    advance,
    change,
    check,
    close,
    merge,
    reopen,
    wait,
)
from service.cases.tasks import (
    TaskState,
    check_task_change,
    follow_up_due_at,
    is_overdue,
)
from service.cases.workplace import (
    InvalidCvr,
    InvalidPNumber,
    normalise_cvr,
    normalise_p_number,
)

CASES = Path(__file__).parents[2] / "service" / "cases"
S = CaseStatus
LIVE = {S.open, S.waiting}

# The seeded codes of the `case_outcome` list (migration 0007).
OUTCOMES = [
    "resolved_by_advice",
    "referred_to_inspection",
    "referred_elsewhere",
    "no_further_contact",
    "duplicate",
]


# The case's table.


def test_every_step_has_one_row():
    assert set(TRANSITIONS) == set(CaseStep)


@pytest.mark.parametrize("step", list(CaseStep))
@pytest.mark.parametrize("status", list(CaseStatus))
def test_a_step_moves_on_exactly_from_the_statuses_its_row_names(step, status):
    row = TRANSITIONS[step]
    if status in row.starts:
        assert advance(status, step) is row.leads_to
        assert change(status, step) == StatusChange(status, row.leads_to, step)
    else:
        with pytest.raises(Refused, match=row.refusal):
            advance(status, step)
        with pytest.raises(Refused, match=row.refusal):
            check(status, step)


def test_the_case_table_as_the_brief_gives_it():
    assert advance(S.open, CaseStep.wait) is S.waiting
    assert advance(S.waiting, CaseStep.resume) is S.open
    assert advance(S.open, CaseStep.close) is S.closed
    assert advance(S.waiting, CaseStep.close) is S.closed
    assert advance(S.closed, CaseStep.reopen) is S.open
    assert advance(S.open, CaseStep.merge) is S.merged
    assert advance(S.waiting, CaseStep.merge) is S.merged
    with pytest.raises(Refused, match=re.escape("Only an open case can wait.")):
        advance(S.waiting, CaseStep.wait)


def test_every_refusal_is_a_sentence_of_its_own():
    refusals = [row.refusal for row in TRANSITIONS.values()]
    assert len(set(refusals)) == len(refusals)
    assert all(text[0].isupper() and text.endswith(".") for text in refusals)


def _reachable(start: CaseStatus) -> set[CaseStatus]:
    seen, todo = {start}, [start]
    while todo:
        status = todo.pop()
        for row in TRANSITIONS.values():
            if status in row.starts and row.leads_to not in seen:
                seen.add(row.leads_to)
                todo.append(row.leads_to)
    return seen


def test_every_status_is_reachable_from_open_and_merged_leads_nowhere():
    assert _reachable(S.open) == set(CaseStatus)
    assert _reachable(S.merged) == {S.merged}


@given(st.lists(st.sampled_from(list(CaseStep)), max_size=30))
def test_any_steps_through_advance_visit_only_reachable_statuses(steps):
    status, visited = S.open, [S.open]
    for step in steps:
        try:
            status = advance(status, step)
        except Refused:
            continue
        visited.append(status)
    reachable = _reachable(S.open)
    assert all(s in reachable for s in visited)
    # Once merged, always merged: every later step was refused.
    if S.merged in visited:
        assert visited[visited.index(S.merged) :] == [S.merged]


@given(st.sampled_from(list(CaseStep)))
def test_merged_is_never_left(step):
    with pytest.raises(Refused):
        advance(S.merged, step)


# Wait, close, reopen and merge: the rules the steps add to the table.


@pytest.mark.parametrize("waiting_for", list(WaitingFor))
def test_an_open_case_waits_for_someone(waiting_for):
    assert wait(S.open, waiting_for=waiting_for) is S.waiting


def test_a_case_waits_for_no_one_is_refused():
    with pytest.raises(WaitingForMissing, match="caller or for a third party"):
        wait(S.open, waiting_for=None)


@pytest.mark.parametrize("status", sorted(set(CaseStatus) - {S.open}))
def test_only_an_open_case_waits(status):
    with pytest.raises(Refused, match=re.escape("Only an open case can wait.")):
        wait(status, waiting_for=WaitingFor.caller)


@pytest.mark.parametrize("status", sorted(LIVE))
@pytest.mark.parametrize("outcome", OUTCOMES)
def test_a_live_case_closes_with_an_outcome(status, outcome):
    assert close(status, outcome=outcome, open_tasks=[], cancel_open_tasks=False) is S.closed


def test_closing_needs_an_outcome():
    with pytest.raises(OutcomeMissing, match="outcome"):
        close(S.open, outcome=None, open_tasks=[], cancel_open_tasks=False)
    # Asking to cancel the tasks does not stand in for the outcome.
    with pytest.raises(OutcomeMissing):
        close(S.open, outcome=None, open_tasks=["callback"], cancel_open_tasks=True)


@pytest.mark.parametrize("status", [S.closed, S.merged])
def test_only_a_live_case_closes(status):
    with pytest.raises(Refused, match=TRANSITIONS[CaseStep.close].refusal):
        close(status, outcome="duplicate", open_tasks=[], cancel_open_tasks=True)


@given(
    status=st.sampled_from(sorted(LIVE)),
    outcome=st.sampled_from(OUTCOMES),
    open_tasks=st.lists(st.uuids(), max_size=5),
    cancel=st.booleans(),
)
def test_closing_with_open_tasks_is_refused_unless_they_are_cancelled(
    status, outcome, open_tasks, cancel
):
    if open_tasks and not cancel:
        with pytest.raises(OpenTasks) as refused:
            close(status, outcome=outcome, open_tasks=open_tasks, cancel_open_tasks=cancel)
        assert refused.value.tasks == tuple(open_tasks)
        assert isinstance(refused.value, Refused)
        assert str(len(open_tasks)) in str(refused.value)
    else:
        assert (
            close(status, outcome=outcome, open_tasks=open_tasks, cancel_open_tasks=cancel)
            is S.closed
        )


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_a_supervisor_or_admin_reopens_a_closed_case(role):
    assert reopen(S.closed, by_role=role) is S.open


@pytest.mark.parametrize("role", ["adviser", "guest", ""])
def test_no_one_else_reopens_a_case(role):
    with pytest.raises(NotPermitted, match="supervisor or an admin"):
        reopen(S.closed, by_role=role)


@pytest.mark.parametrize("status", [S.open, S.waiting, S.merged])
def test_only_a_closed_case_is_reopened(status):
    with pytest.raises(Refused, match=re.escape("Only a closed case can be reopened.")) as refused:
        reopen(status, by_role="supervisor")
    assert not isinstance(refused.value, NotPermitted)


@pytest.mark.parametrize("status", sorted(LIVE))
@pytest.mark.parametrize("into", sorted(LIVE))
def test_a_live_case_merges_into_a_live_one(status, into):
    assert merge(status, into_status=into, into_itself=False) is S.merged


def test_a_case_does_not_merge_into_itself_or_a_dead_case():
    with pytest.raises(Refused, match="into itself"):
        merge(S.open, into_status=S.open, into_itself=True)
    for into in (S.closed, S.merged):
        with pytest.raises(Refused, match="into an open or waiting case"):
            merge(S.open, into_status=into, into_itself=False)
    with pytest.raises(Refused, match=TRANSITIONS[CaseStep.merge].refusal):
        merge(S.merged, into_status=S.open, into_itself=False)


# Tasks.

NOW = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize("new_state", [TaskState.done, TaskState.cancelled])
def test_an_open_task_is_done_or_cancelled(new_state):
    check_task_change(TaskState.open, new_state)


def test_an_open_task_cannot_be_opened_again():
    with pytest.raises(Refused, match="only be done or cancelled"):
        check_task_change(TaskState.open, TaskState.open)


@pytest.mark.parametrize("state", [TaskState.done, TaskState.cancelled])
@pytest.mark.parametrize("new_state", list(TaskState))
def test_a_done_or_cancelled_task_is_final(state, new_state):
    with pytest.raises(Refused, match=re.escape(f"A {state} task cannot change.")):
        check_task_change(state, new_state)


def test_an_open_task_past_its_due_time_is_overdue():
    assert is_overdue(TaskState.open, NOW - timedelta(seconds=1), NOW)
    assert not is_overdue(TaskState.open, NOW, NOW)
    assert not is_overdue(TaskState.open, NOW + timedelta(minutes=1), NOW)
    assert not is_overdue(TaskState.done, NOW - timedelta(days=1), NOW)
    assert not is_overdue(TaskState.cancelled, NOW - timedelta(days=1), NOW)


def test_overdue_compares_instants_not_wall_clocks():
    copenhagen = timezone(timedelta(hours=1))
    # 18:30 in Copenhagen is 17:30 UTC: before NOW, though its wall clock is later.
    assert is_overdue(TaskState.open, datetime(2026, 12, 3, 18, 30, tzinfo=copenhagen), NOW)


def test_a_naive_time_is_refused():
    naive = datetime(2026, 12, 3, 18, 0)
    with pytest.raises(ValueError, match="due_at must be timezone-aware"):
        is_overdue(TaskState.open, naive, NOW)
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        is_overdue(TaskState.open, NOW, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        follow_up_due_at([(TaskState.open, naive)])


_moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
)


@given(st.lists(st.tuples(st.sampled_from(list(TaskState)), _moments), max_size=10))
def test_the_follow_up_is_due_when_the_earliest_open_task_is(case_tasks):
    open_due = [due_at for state, due_at in case_tasks if state is TaskState.open]
    assert follow_up_due_at(case_tasks) == (min(open_due) if open_due else None)


def test_done_and_cancelled_tasks_do_not_set_the_follow_up():
    earlier, later = NOW - timedelta(days=2), NOW + timedelta(days=2)
    assert follow_up_due_at([(TaskState.done, earlier), (TaskState.open, later)]) == later
    assert follow_up_due_at([(TaskState.cancelled, earlier)]) is None
    assert follow_up_due_at([]) is None


# Referrals.

RS = ReferralStatus


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (RS.sent, RS.acknowledged),
        (RS.sent, RS.accepted),
        (RS.sent, RS.declined),
        (RS.acknowledged, RS.accepted),
        (RS.acknowledged, RS.declined),
    ],
)
def test_a_referral_moves_on(current, new):
    assert advance_referral(current, new) is new


@pytest.mark.parametrize("current", list(ReferralStatus))
@pytest.mark.parametrize("new", list(ReferralStatus))
def test_a_referral_moves_on_only_as_its_table_says(current, new):
    if new in NEXT[current]:
        assert advance_referral(current, new) is new
    else:
        with pytest.raises(Refused, match=str(current)):
            advance_referral(current, new)


@pytest.mark.parametrize("answer", [RS.accepted, RS.declined])
def test_the_inspections_answer_is_final(answer):
    for new in ReferralStatus:
        with pytest.raises(Refused, match="final"):
            advance_referral(answer, new)


def test_a_referral_does_not_go_back():
    with pytest.raises(Refused, match="cannot go back to sent"):
        advance_referral(RS.acknowledged, RS.sent)
    with pytest.raises(Refused, match="already sent"):
        advance_referral(RS.sent, RS.sent)


# Permissions.

ADVISER, OTHER = uuid.UUID(int=1), uuid.UUID(int=2)
_ids = st.frozensets(st.sampled_from([ADVISER, OTHER, uuid.UUID(int=3)]), max_size=3)
_facts = st.builds(
    CaseFacts,
    status=st.sampled_from(list(CaseStatus)),
    owner_adviser_id=st.one_of(st.none(), st.sampled_from([ADVISER, OTHER])),
    task_assignee_ids=_ids,
    call_adviser_ids=_ids,
)
_roles = st.sampled_from(["adviser", "supervisor", "admin", "guest", "ADMIN", ""])


def _facts_of(status=S.open, owner=None, assignees=(), callers=()):
    return CaseFacts(status, owner, frozenset(assignees), frozenset(callers))


@pytest.mark.parametrize(
    "facts",
    [
        _facts_of(owner=ADVISER),
        _facts_of(assignees=[ADVISER]),
        _facts_of(callers=[ADVISER]),
        _facts_of(status=S.waiting, owner=ADVISER),
    ],
)
def test_an_adviser_sees_and_changes_a_live_case_they_are_part_of(facts):
    assert may_see("adviser", ADVISER, facts)
    assert may_change("adviser", ADVISER, facts)


@pytest.mark.parametrize("status", [S.closed, S.merged])
def test_an_adviser_does_not_see_a_closed_or_merged_case(status):
    facts = _facts_of(status=status, owner=ADVISER, assignees=[ADVISER], callers=[ADVISER])
    assert not may_see("adviser", ADVISER, facts)
    assert not may_change("adviser", ADVISER, facts)


def test_an_adviser_does_not_see_a_case_of_others():
    facts = _facts_of(owner=OTHER, assignees=[OTHER], callers=[OTHER])
    assert not may_see("adviser", ADVISER, facts)
    assert not may_change("adviser", ADVISER, facts)
    # An adviser without an id is no one's: not the owner of a case without one.
    assert not may_see("adviser", None, _facts_of(owner=None))


@given(
    role=_roles, adviser_id=st.one_of(st.none(), st.sampled_from([ADVISER, OTHER])), facts=_facts
)
def test_no_one_changes_what_they_may_not_see(role, adviser_id, facts):
    assert not may_change(role, adviser_id, facts) or may_see(role, adviser_id, facts)


@given(role=st.sampled_from(["supervisor", "admin"]), adviser_id=st.none(), facts=_facts)
def test_supervisors_and_admins_always_may(role, adviser_id, facts):
    assert may_see(role, adviser_id, facts)
    assert may_change(role, adviser_id, facts)


@given(role=st.text().filter(lambda r: r not in {"adviser", "supervisor", "admin"}), facts=_facts)
def test_an_unknown_role_may_nothing(role, facts):
    assert not may_see(role, ADVISER, facts)
    assert not may_change(role, ADVISER, facts)


@given(facts=_facts)
def test_an_adviser_may_exactly_when_part_of_a_live_case(facts):
    part_of = (
        facts.owner_adviser_id == ADVISER
        or ADVISER in facts.task_assignee_ids
        or ADVISER in facts.call_adviser_ids
    )
    assert may_see("adviser", ADVISER, facts) is (part_of and facts.status in LIVE)


# Workplace numbers.


@pytest.mark.parametrize("written", ["13585628", "DK13585628", "dk 1358 5628", " 13 58 56 28 "])
def test_a_cvr_number_is_stored_as_its_8_digits(written):
    assert normalise_cvr(written) == "13585628"


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("1358562", "a CVR number has 8 digits"),
        ("135856280", "a CVR number has 8 digits"),
        ("1358562X", "a CVR number has 8 digits"),
        ("", "a CVR number has 8 digits"),
        ("13585629", "the check digit is wrong"),
        ("03585628", "a CVR number does not start with 0"),
    ],
)
def test_a_cvr_number_that_is_not_one_says_why(written, reason):
    with pytest.raises(InvalidCvr, match=f"^{reason}$"):
        normalise_cvr(written)


def test_invalid_cvr_is_a_value_error():
    assert issubclass(InvalidCvr, ValueError)
    assert issubclass(InvalidPNumber, ValueError)


def test_a_p_number_is_stored_as_its_10_digits():
    assert normalise_p_number("1012345678") == "1012345678"
    assert normalise_p_number(" 10 1234 5678 ") == "1012345678"


@pytest.mark.parametrize("written", ["101234567", "10123456789", "10123456a8", "", "١٠١٢٣٤٥٦٧٨"])
def test_a_p_number_that_is_not_one_is_refused(written):
    with pytest.raises(InvalidPNumber, match="a P-number has 10 digits"):
        normalise_p_number(written)


# References.


def test_a_reference_is_the_year_and_five_digits():
    assert format_reference(2026, 42) == "2026-00042"
    assert format_reference(2026, 99999) == "2026-99999"
    assert format_reference(2026, 123456) == "2026-123456"
    assert parse_reference("2026-00042") == (2026, 42)


@given(year=st.integers(1000, 9999), number=st.integers(1, 10**9))
def test_a_reference_reads_back_as_written(year, number):
    assert parse_reference(format_reference(year, number)) == (year, number)


@pytest.mark.parametrize(
    "text",
    [
        "2026-0042",
        "2026-000042",
        "26-00042",
        "2026/00042",
        "2026-00000",
        "x2026-00042",
        "",
        "2026-",
    ],
)
def test_a_reference_not_as_written_is_refused(text):
    with pytest.raises(ValueError, match="reference"):
        parse_reference(text)


@pytest.mark.parametrize(("year", "number"), [(2026, 0), (2026, -1), (999, 1), (10000, 1)])
def test_no_reference_for_a_number_or_year_out_of_range(year, number):
    with pytest.raises(ValueError):
        format_reference(year, number)


# Purity.

FORBIDDEN = {"sqlalchemy", "sqlmodel", "fastapi", "starlette", "psycopg"}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_cases_core_imports_only_the_stdlib_stdnum_and_itself():
    assert states.__name__ and tasks.__name__ and referrals.__name__ and permissions.__name__
    # The pure core; models, use cases and routes are held by the import-linter contracts.
    pure = ("states", "tasks", "referrals", "permissions", "workplace", "reference")
    for path in (CASES / f"{name}.py" for name in pure):
        for module in _imports(path):
            top = module.split(".")[0]
            assert top not in FORBIDDEN, f"{path.name} imports {module}"
            assert (
                top in sys.stdlib_module_names
                or top == "stdnum"
                or module.startswith("service.cases")
            ), f"{path.name} imports {module}"


def test_the_rules_take_statuses_as_the_plain_strings_a_row_may_hold():
    assert advance("open", "wait") is S.waiting  # type: ignore[arg-type]
    assert is_overdue("open", NOW - timedelta(seconds=1), NOW)  # type: ignore[arg-type]
    assert follow_up_due_at([("open", NOW)]) == NOW  # type: ignore[list-item]
    with pytest.raises(Refused, match="already sent"):
        advance_referral("sent", "sent")  # type: ignore[arg-type]
