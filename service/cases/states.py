"""A case's lifecycle, as a table: which step may move a case on from which status, and to
which; and the rules that some steps add to the table (an outcome to close, whom the case is
waiting for, who may reopen it).

Pure: no database, no HTTP. The cases' use cases load the case, ask these functions for its
next status, and store it; a `StatusChange` is what they record on the case's timeline.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar


class CaseStatus(StrEnum):
    open = "open"
    waiting = "waiting"  # for the caller or a third party; see `WaitingFor`
    closed = "closed"
    merged = "merged"  # a tombstone: the case lives on in the one it was merged into


class CaseStep(StrEnum):
    wait = "wait"
    resume = "resume"
    close = "close"
    reopen = "reopen"
    merge = "merge"


class WaitingFor(StrEnum):
    """Whose move a waiting case waits for."""

    caller = "caller"
    third_party = "third_party"


@dataclass(frozen=True)
class Transition:
    starts: frozenset[CaseStatus]
    leads_to: CaseStatus
    # What the desk answers (409) to the step from any other status.
    refusal: str


@dataclass(frozen=True)
class StatusChange:
    """One move of a case's status: what its timeline records, `from_status` as previous."""

    from_status: CaseStatus
    to_status: CaseStatus
    step: CaseStep


def _t(starts: set[CaseStatus], leads_to: CaseStatus, refusal: str) -> Transition:
    return Transition(frozenset(starts), leads_to, refusal)


S = CaseStatus
TRANSITIONS: dict[CaseStep, Transition] = {
    CaseStep.wait: _t({S.open}, S.waiting, "Only an open case can wait."),
    CaseStep.resume: _t({S.waiting}, S.open, "Only a waiting case can be resumed."),
    CaseStep.close: _t(
        {S.open, S.waiting}, S.closed, "Only an open or waiting case can be closed."
    ),
    CaseStep.reopen: _t({S.closed}, S.open, "Only a closed case can be reopened."),
    # No step starts from merged: the merged case's calls, tasks and timeline belong to the
    # case it was merged into, so reopening the tombstone would split them again.
    CaseStep.merge: _t(
        {S.open, S.waiting}, S.merged, "Only an open or waiting case can be merged into another."
    ),
}

# The roles that may reopen a case; the values of `service.auth.models.Role`, as strings so
# that this module stays below the auth package.
REOPENING_ROLES = frozenset({"supervisor", "admin"})

T = TypeVar("T")


class Refused(ValueError):
    """The step cannot be taken on the case; the message says why, for the caller (409)."""


class OpenTasks(Refused, Generic[T]):
    """The case still has open tasks, and the closing adviser did not ask to cancel them."""

    def __init__(self, tasks: Sequence[T]) -> None:
        self.tasks: tuple[T, ...] = tuple(tasks)
        super().__init__(
            f"The case has {len(self.tasks)} open task(s): finish them, or close the case "
            "cancelling them."
        )


class OutcomeMissing(Refused):
    """A case was to be closed without an outcome."""

    def __init__(self) -> None:
        super().__init__("A case can only be closed with an outcome.")


class WaitingForMissing(Refused):
    """A case was to wait without saying for whom."""

    def __init__(self) -> None:
        super().__init__("A case can only wait for the caller or for a third party.")


class NotPermitted(Refused):
    """The step is not the role's to take."""


def check(status: CaseStatus, step: CaseStep) -> None:
    """Refuse a step that cannot start from `status`."""
    if status not in TRANSITIONS[step].starts:
        raise Refused(TRANSITIONS[step].refusal)


def advance(status: CaseStatus, step: CaseStep) -> CaseStatus:
    """The status a case in `status` is in after `step`, by the table alone, or Refused.

    The table is all of resume's rules; wait, close, reopen and merge have rules of their own,
    so take those steps through `wait`, `close`, `reopen` and `merge`.
    """
    check(status, step)
    return TRANSITIONS[step].leads_to


def change(status: CaseStatus, step: CaseStep) -> StatusChange:
    """The move `advance` makes, as the timeline records it."""
    return StatusChange(from_status=status, to_status=advance(status, step), step=step)


def wait(status: CaseStatus, *, waiting_for: WaitingFor | None) -> CaseStatus:
    """The status after putting the case to wait for someone, or Refused."""
    check(status, CaseStep.wait)
    if waiting_for is None:
        raise WaitingForMissing()
    return advance(status, CaseStep.wait)


def close(
    status: CaseStatus,
    *,
    outcome: str | None,
    open_tasks: Sequence[T],
    cancel_open_tasks: bool,
) -> CaseStatus:
    """The status after closing the case with `outcome` (a code of `case_outcome`), or Refused.

    With `cancel_open_tasks` the caller cancels `open_tasks` along with the close.
    """
    check(status, CaseStep.close)
    # The outcome first: it is the part of the close the adviser must always give; the open
    # tasks are a choice to put to them once the close is otherwise complete.
    if outcome is None:
        raise OutcomeMissing()
    if open_tasks and not cancel_open_tasks:
        raise OpenTasks(open_tasks)
    return advance(status, CaseStep.close)


def reopen(status: CaseStatus, *, by_role: str) -> CaseStatus:
    """The status after a supervisor or an admin reopens the case, or Refused."""
    # The role before the status: an adviser learns nothing of the case from the refusal.
    if by_role not in REOPENING_ROLES:
        raise NotPermitted("Only a supervisor or an admin can reopen a case.")
    return advance(status, CaseStep.reopen)


def merge(status: CaseStatus, *, into_status: CaseStatus, into_itself: bool) -> CaseStatus:
    """The status after merging the case into another (in `into_status`), or Refused."""
    check(status, CaseStep.merge)
    if into_itself:
        raise Refused("A case cannot be merged into itself.")
    # The merged case's calls and tasks move on to the other case, which must be live to take
    # them: a closed one would hide them, a merged one is only a tombstone.
    if into_status not in TRANSITIONS[CaseStep.merge].starts:
        raise Refused("A case can only be merged into an open or waiting case.")
    return advance(status, CaseStep.merge)
