"""Which tables' changes go on record, declared by the domain that owns each table.

The audit trail sits below the domains: it cannot import their models, so each domain names
its audited tables here, next to their definition (`changes`, `part`, `member`).
"""

from typing import Any

# A record whose every change is on record, as what kind of object.
AUDITED: dict[type, str] = {}
# The field that names a record in its audit rows, where it is not `id`.
NAMED_BY: dict[type, str] = {}
# Rows of a list field of another record, when one is changed in place (a code moved in
# its list): (kind, the parent's id column, the field).
PARTS: dict[type, tuple[str, str, str]] = {}
# Rows that make up a field of another record, which has no relationship to see them by:
# any of them made, changed or removed is a change of that field.
MEMBERS: dict[type, tuple[str, str, str]] = {}


def changes(model: type, *, kind: str, named_by: str = "id") -> None:
    """Put every change of `model`'s rows on record as changes of a `kind`."""
    AUDITED[model] = kind
    if named_by != "id":
        NAMED_BY[model] = named_by


def part(model: type, *, kind: str, parent: str, field: str) -> None:
    """`model`'s rows are the list `field` of the `kind` whose id is in column `parent`."""
    PARTS[model] = (kind, parent, field)


def member(model: type, *, kind: str, parent: str, field: str) -> None:
    """`model`'s rows make up `field` of the `kind` named in column `parent`."""
    MEMBERS[model] = (kind, parent, field)


def object_id(obj: Any) -> str:
    """How an audited record is named in its audit rows."""
    return str(getattr(obj, NAMED_BY.get(type(obj), "id")))
