"""The call's state machine, as a table: which step may move a call on from which status, and
to which. Every desk action, routing's offers and a PATCH of the record go through `advance`.

Pure: no database, no HTTP. The desk (`desk.py`, `dispatch.py`) and the record's use cases
(`service.py`) load the call, ask `advance` for its next status, and store it.
"""

from dataclasses import dataclass
from enum import StrEnum

from service.calls.lifecycle import CallStatus


class Step(StrEnum):
    offer = "offer"  # routing offers a waiting call to an adviser
    withdraw = "withdraw"  # an offer that timed out or was withdrawn: the call waits again
    accept = "accept"
    reject = "reject"
    hold = "hold"
    resume = "resume"
    end = "end"
    close = "close"
    abandon = "abandon"
    transfer = "transfer"
    record = "record"  # a change of the record (PATCH): its timestamps give the status


@dataclass(frozen=True)
class Transition:
    starts: frozenset[CallStatus]
    # None: the status that the record's timestamps give (`lifecycle.derive_status`).
    leads_to: CallStatus | None
    # What the desk answers (409) to the step from any other status.
    refusal: str


def _t(starts: set[CallStatus], leads_to: CallStatus | None, refusal: str) -> Transition:
    return Transition(frozenset(starts), leads_to, refusal)


S = CallStatus
TRANSITIONS: dict[Step, Transition] = {
    Step.offer: _t({S.queued}, S.assigned, "Only a waiting call can be offered."),
    Step.withdraw: _t({S.assigned}, S.queued, "Only a call on offer can go back to the queue."),
    Step.accept: _t({S.assigned}, S.in_progress, "Only a call on offer can be accepted."),
    Step.reject: _t({S.assigned}, S.queued, "Only a call on offer can be rejected."),
    # Hold is a state of the conversation, not of the call: it stays in progress.
    Step.hold: _t({S.in_progress}, S.in_progress, "Only a call in progress can be put on hold."),
    Step.resume: _t({S.in_progress}, S.in_progress, "Only a call in progress can be resumed."),
    Step.end: _t({S.in_progress}, S.wrap_up, "Only a call in progress can be ended."),
    Step.transfer: _t({S.in_progress}, S.queued, "Only a call in progress can be transferred."),
    Step.close: _t({S.wrap_up}, S.closed, "Only the adviser wrapping up a call can close it."),
    Step.abandon: _t({S.queued, S.assigned}, S.abandoned, "Only a waiting call can be abandoned."),
    # A live call's timestamps are the desk's to move (`service.update` refuses them); what a
    # record's change may do to its status is what `lifecycle` says its facts allow.
    Step.record: _t(set(CallStatus), None, "The record cannot be changed."),
}


class Refused(ValueError):
    """The step cannot start from the call's status; the message says why, for the caller."""


def check(status: CallStatus, step: Step) -> None:
    """Refuse a step that cannot start from `status`."""
    if status not in TRANSITIONS[step].starts:
        raise Refused(TRANSITIONS[step].refusal)


def advance(status: CallStatus, step: Step, *, derived: CallStatus | None = None) -> CallStatus:
    """The status a call in `status` is in after `step`, or Refused.

    `derived` is the status the record's timestamps give, for a step that follows them.
    """
    check(status, step)
    leads_to = TRANSITIONS[step].leads_to
    if leads_to is not None:
        return leads_to
    if derived is None:
        raise ValueError(f"the step {step} follows the record: pass the derived status")
    return derived
