"""Who may see and who may change a case: supervisors and admins any case, an adviser the live
cases they are part of.

Pure: no database, no HTTP. The use cases gather a case's `CaseFacts` and ask.
"""

import uuid
from dataclasses import dataclass

from service.cases.states import CaseStatus

# The values of `service.auth.models.Role`, as strings so that this module stays below the
# auth package.
_OVERSEERS = frozenset({"supervisor", "admin"})
_ADVISER = "adviser"
_LIVE = frozenset({CaseStatus.open, CaseStatus.waiting})


@dataclass(frozen=True)
class CaseFacts:
    """What the permissions depend on: the case's status and the advisers who are part of it."""

    status: CaseStatus
    owner_adviser_id: uuid.UUID | None
    task_assignee_ids: frozenset[uuid.UUID]
    call_adviser_ids: frozenset[uuid.UUID]  # advisers who handled a call linked to the case


def _part_of(adviser_id: uuid.UUID, facts: CaseFacts) -> bool:
    return (
        adviser_id == facts.owner_adviser_id
        or adviser_id in facts.task_assignee_ids
        or adviser_id in facts.call_adviser_ids
    )


def may_see(role: str, adviser_id: uuid.UUID | None, facts: CaseFacts) -> bool:
    """Whether someone in `role` (an adviser: `adviser_id`) may see the case."""
    if role in _OVERSEERS:
        return True
    if role != _ADVISER or adviser_id is None:
        return False
    # A case holds a caller's situation over many calls: an adviser sees only the live cases
    # they are part of; a closed or merged one is the supervisors' to show them.
    return facts.status in _LIVE and _part_of(adviser_id, facts)


def may_change(role: str, adviser_id: uuid.UUID | None, facts: CaseFacts) -> bool:
    """Whether someone in `role` (an adviser: `adviser_id`) may change the case."""
    # Today the same as seeing it; kept apart so that either rule can change alone, and no
    # one ever changes what they may not see.
    return may_see(role, adviser_id, facts)
