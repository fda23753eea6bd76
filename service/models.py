"""Every table of the service, so that Alembic and tests see one complete metadata."""

from sqlmodel import SQLModel

from service.calls import models as calls_models
from service.taxonomy import models as taxonomy_models

metadata = SQLModel.metadata

__all__ = ["calls_models", "metadata", "taxonomy_models"]
