"""Alembic from inside the service: upgrading, and whether a database is at head."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from service.config import get_settings


def alembic_config(database_url: str | None = None) -> Config:
    """Return the Alembic config of this project, pointed at `database_url` if given."""
    settings = get_settings()
    candidates = [
        Path(settings.alembic_ini) if settings.alembic_ini else None,
        Path(__file__).resolve().parents[1] / "alembic.ini",
        Path.cwd() / "alembic.ini",
    ]
    ini = next((path for path in candidates if path is not None and path.is_file()), None)
    if ini is None:
        raise FileNotFoundError("alembic.ini not found; set HOTLINE_ALEMBIC_INI")
    config = Config(str(ini))
    config.set_main_option("script_location", str(ini.parent / "alembic"))
    if database_url is not None:
        config.attributes["database_url"] = database_url
    return config


def upgrade(revision: str = "head", *, database_url: str | None = None) -> None:
    """Migrate the database to `revision`."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(revision: str, *, database_url: str | None = None) -> None:
    """Migrate the database down to `revision` (`base` empties it)."""
    command.downgrade(alembic_config(database_url), revision)


def head_revisions() -> set[str]:
    """Return the revisions that `alembic upgrade head` leads to."""
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(connection: Connection) -> set[str]:
    """Return the revisions the database is at (empty when never migrated)."""
    return set(MigrationContext.configure(connection).get_current_heads())
