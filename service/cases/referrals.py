"""A referral's lifecycle: a case handed over to the labour inspection, and its answer.

Pure: no database, no HTTP. The use cases load the referral, ask `advance_referral` for its
next status, and store it.
"""

from enum import StrEnum

from service.cases.states import Refused


class ReferralStatus(StrEnum):
    sent = "sent"
    acknowledged = "acknowledged"  # the inspection has the referral, and has not yet decided
    accepted = "accepted"
    declined = "declined"


R = ReferralStatus
# The inspection may answer at once, so a sent referral may be accepted or declined without
# being acknowledged first. An answer is final: a declined referral sent again is a new one.
NEXT: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    R.sent: frozenset({R.acknowledged, R.accepted, R.declined}),
    R.acknowledged: frozenset({R.accepted, R.declined}),
    R.accepted: frozenset(),
    R.declined: frozenset(),
}


def advance_referral(current: ReferralStatus, new: ReferralStatus) -> ReferralStatus:
    """The referral's status after the inspection's news `new`, or Refused."""
    if new in NEXT[current]:
        return new
    if not NEXT[current]:
        raise Refused(f"The inspection has {current} the referral: its answer is final.")
    if new == current:
        raise Refused(f"The referral is already {current}.")
    raise Refused(f"A referral that is {current} cannot go back to {new}.")
