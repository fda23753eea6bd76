"""Who is asking: the roles, and the principal a request acts as (tokens: `service.tokens`)."""

import uuid
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    adviser = "adviser"
    supervisor = "supervisor"
    admin = "admin"
    # The phone system's service account: no person, and outside the ranks below.
    telephony = "telephony"


# A supervisor may do all an adviser may, an admin all a supervisor may. Only people rank:
# telephony is not "at least" anything, it may do exactly what TELEPHONY_OPERATIONS lists.
RANK = {Role.adviser: 1, Role.supervisor: 2, Role.admin: 3}
PERSON_ROLES = tuple(RANK)

# Everything the phone system's token may use, as (method, route path): post a live call,
# abandon it, set its priority (PATCH, priority alone) and read the queue. The routes hold
# it to the live call and the priority (`dependencies.ensure_telephony_*`); every other
# operation is 403 to it, whatever role it would need.
TELEPHONY_OPERATIONS = frozenset(
    {
        ("POST", "/calls"),
        ("PATCH", "/calls/{call_id}"),
        ("POST", "/calls/{call_id}/abandon"),
        ("GET", "/queue"),
    }
)
# What the phone system may change of a call (PATCH), and only while the call waits.
TELEPHONY_SETS = frozenset({"priority"})


@dataclass(frozen=True)
class Principal:
    """The person (or the phone system) a request acts for, and how they proved it."""

    role: Role
    # The person's adviser record; an OpenID Connect user may have none, telephony never.
    adviser_id: uuid.UUID | None
    token_id: uuid.UUID | None = None
    subject: str | None = None  # the identity provider's `sub`, for OpenID Connect

    def at_least(self, role: Role) -> bool:
        """Whether a person's role is `role` or above it; never for telephony."""
        return self.role in RANK and role in RANK and RANK[self.role] >= RANK[role]

    def may_use(self, method: str, path: str) -> bool:
        """Whether telephony may use the operation (a person's role decides for a person)."""
        return self.role != Role.telephony or (method.upper(), path) in TELEPHONY_OPERATIONS
