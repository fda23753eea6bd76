"""Alembic environment: the models' metadata, and the URL from the service's settings."""

from logging.config import fileConfig

from alembic import context

from service.config import get_settings
from service.db import create_db_engine
from service.models import metadata
from service.search.index import in_models

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _options() -> dict:
    # SQLite cannot ALTER most things; batch mode rebuilds the table instead. The search
    # index's own objects are not in the models (migration 0009), so autogenerate skips them.
    return {
        "target_metadata": metadata,
        "render_as_batch": True,
        "compare_type": True,
        "include_name": in_models,
    }


def run_migrations_offline() -> None:
    url = config.attributes.get("database_url") or get_settings().database_url
    context.configure(url=url, literal_binds=True, **_options())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, **_options())
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.attributes.get("database_url") or get_settings().database_url
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, **_options())
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
