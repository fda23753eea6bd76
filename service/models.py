"""Every table of the service, so that Alembic and tests see one complete metadata."""

from sqlmodel import SQLModel

from service.advisers import models as advisers_models
from service.audit import models as audit_models
from service.calls import journal as calls_journal
from service.calls import models as calls_models
from service.cases import models as cases_models
from service.events import models as events_models
from service.idempotency import models as idempotency_models
from service.opening_hours import models as opening_hours_models
from service.routing import models as routing_models
from service.taxonomy import models as taxonomy_models
from service.tokens import models as tokens_models
from service.tokens import session_models

metadata = SQLModel.metadata

__all__ = [
    "advisers_models",
    "audit_models",
    "calls_journal",
    "calls_models",
    "cases_models",
    "events_models",
    "idempotency_models",
    "metadata",
    "opening_hours_models",
    "routing_models",
    "session_models",
    "taxonomy_models",
    "tokens_models",
]
