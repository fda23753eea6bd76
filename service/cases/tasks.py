"""The rules of a case's follow-up tasks: which changes a task's state allows, when a task is
overdue, and when the case next needs following up.

Pure: no database, no HTTP; times are passed in, never read from a clock.
"""

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from service.cases.states import Refused


class TaskState(StrEnum):
    open = "open"
    done = "done"
    cancelled = "cancelled"


# A done or cancelled task is final: a follow-up that turns out to be needed again is a new
# task, so the timeline keeps what was done and when.
_FROM_OPEN = frozenset({TaskState.done, TaskState.cancelled})


def check_task_change(state: TaskState, new_state: TaskState) -> None:
    """Refuse a change of a task's state other than finishing or cancelling an open task."""
    if state != TaskState.open:
        raise Refused(f"A {state} task cannot change.")
    if new_state not in _FROM_OPEN:
        raise Refused("An open task can only be done or cancelled.")


def _aware(moment: datetime, name: str) -> datetime:
    # A naive time compared with an aware one is either a TypeError or, naive with naive, a
    # comparison in some unknown zone: refuse it where it comes in.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware: {moment.isoformat()}")
    return moment


def is_overdue(state: TaskState, due_at: datetime, now: datetime) -> bool:
    """Whether the task is still open after its due time."""
    return state == TaskState.open and _aware(due_at, "due_at") < _aware(now, "now")


def follow_up_due_at(tasks: Iterable[tuple[TaskState, datetime]]) -> datetime | None:
    """The earliest due time of the open tasks, or None when no task is open."""
    due = [_aware(due_at, "due_at") for state, due_at in tasks if state == TaskState.open]
    return min(due, default=None)
