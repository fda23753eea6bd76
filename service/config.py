"""Settings, read once from the environment (prefix ``HOTLINE_``) and an optional ``.env``."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=".env", extra="ignore")

    # Embedded default so that a new user needs no database server.
    database_url: str = "sqlite:///./var/hotline.db"
    # Echo SQL to the log; never on in production since statements can carry notes.
    database_echo: bool = False
    # Where alembic.ini lives when the package is installed outside the checkout.
    alembic_ini: str | None = None

    host: str = "127.0.0.1"
    port: int = 8000

    # How far in the future a client clock may be before a timestamp is refused.
    clock_skew_s: int = 300

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings."""
    return Settings()
