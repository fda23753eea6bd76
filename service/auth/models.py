"""Who is asking: the roles, and the principal a request acts as (tokens: `service.tokens`)."""

import uuid
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    adviser = "adviser"
    supervisor = "supervisor"
    admin = "admin"


# A supervisor may do all an adviser may, an admin all a supervisor may.
RANK = {Role.adviser: 1, Role.supervisor: 2, Role.admin: 3}


@dataclass(frozen=True)
class Principal:
    """The person a request acts for, and how they proved it."""

    role: Role
    # The person's adviser record; an OpenID Connect user may have none.
    adviser_id: uuid.UUID | None
    token_id: uuid.UUID | None = None
    subject: str | None = None  # the identity provider's `sub`, for OpenID Connect

    def at_least(self, role: Role) -> bool:
        return RANK[self.role] >= RANK[role]
