"""Settings, read once from the environment (prefix ``HOTLINE_``) and an optional ``.env``."""

from datetime import time
from functools import lru_cache
from typing import Annotated, Literal

from fastapi import Depends
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=".env", extra="ignore")

    # Embedded default so that a new user needs no database server.
    database_url: str = "sqlite:///./var/hotline.db"
    # Echo SQL to the log; never on in production since statements can carry notes.
    database_echo: bool = False
    # Where alembic.ini lives when the package is installed outside the checkout.
    alembic_ini: str | None = None

    # Bounds on waiting for the database: then 503, never a hung request.
    database_connect_timeout_s: int = 3
    database_pool_timeout_s: float = 5.0
    # Requests that use the database at once, per process; more wait their turn.
    database_requests: int = Field(default=10, ge=1)
    database_queue_timeout_s: float = Field(default=2.0, gt=0)
    # PostgreSQL: no statement runs, and no lock is waited for, longer than this.
    database_statement_timeout_s: float = 15.0
    database_lock_timeout_s: float = 5.0
    # SQLite's durability: NORMAL (in WAL) survives a crash of the service but may lose the
    # last commits in a power cut or an OS crash; FULL also survives those, at an fsync per
    # commit (about 4 ms on the development machine, which caps SQLite near 200 writes/s).
    sqlite_synchronous: Literal["NORMAL", "FULL"] = "NORMAL"
    # Larger request bodies are refused with 413 before they are read whole.
    max_body_bytes: int = 64 * 1024
    body_timeout_s: float = Field(default=30.0, gt=0)

    # The interactive docs (/docs, /redoc) and /openapi.json, the only paths besides the
    # probes that need no token: they describe the API and hold no data. Off, a
    # deployment does not publish its API's shape at all.
    api_docs: bool = True

    host: str = "127.0.0.1"
    port: int = 8000

    # How far in the future a client clock may be before a timestamp is refused.
    clock_skew_s: int = 300

    # Live routing.
    offer_timeout_s: float = 20.0
    # Missed offers in a row after which the desk puts an adviser on break.
    missed_offers_limit: int = 2
    # The least time between ending a call and the next offer, however fast the close.
    min_wrap_up_s: float = 0.0
    # How often the routing timer expires offers and routes due callbacks and overflow.
    routing_tick_s: float = 1.0
    # Off in tests, which drive the desk's clock themselves.
    routing_timer: bool = True
    # The desk's push (`GET /desk/events`): a heartbeat this often on a quiet stream, and
    # the events kept this long for a desk that reconnects with `Last-Event-ID`.
    desk_heartbeat_s: float = 15.0
    desk_events_kept_h: float = 24.0
    # The hub that reads the events and hands them to the connected desks. Off in the tests
    # of the app in-process, whose changes are never committed; on in those of a real server.
    desk_push: bool = True

    # Opening hours, for callbacks due "at the next opening hour".
    timezone: str = "Europe/Copenhagen"
    opening_weekdays: list[int] = [1, 2, 3, 4, 5]
    opening_from: time = time(8, 0)
    opening_to: time = time(15, 0)

    # Reports: one definition of each figure, stated in every report.
    short_abandon_s: float = 5.0
    service_level_threshold_s: float = 20.0
    service_level_target: float = 0.8
    # Publishable reports withhold every count below this, so no small group is identifiable.
    suppress_below: int = 5

    # Access: personal API tokens, and OpenID Connect when an issuer and its keys are set.
    token_days: int = 90
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    # The issuer's JWKS: an https URL, a file path, or the JSON itself.
    oidc_jwks: str | None = None
    oidc_roles_claim: str = "roles"
    oidc_email_claim: str = "email"
    # The pages' sign-in through the identity provider (the code flow, with PKCE): this
    # service's client there, its secret (unset for a public client, which PKCE alone
    # proves), the provider's endpoints (unset: read from the issuer's
    # /.well-known/openid-configuration), the callback's address as registered there
    # (unset: this request's own /web/signin/oidc/callback) and the scopes asked for.
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_authorization_endpoint: str | None = None
    oidc_token_endpoint: str | None = None
    oidc_redirect_uri: str | None = None
    oidc_scopes: str = "openid email"
    # The web pages' sign-in: a browser stays signed in this long (a shift), at most until
    # the token it signed in with expires. Cookies are marked Secure on https, and always
    # when this is true (behind a proxy that ends TLS and forwards plain http).
    web_session_h: float = 8.0
    web_secure_cookies: bool = False
    # How long after closing a call its adviser may still change it; then only supervisors.
    adviser_edit_hours: float = 24.0

    # Data protection: what retention erases, and when.
    retention_days: int = 365
    audit_retention_days: int = 183
    # A callback number is kept this long after its callback ended (answered or not), or
    # after the call closed when no callback was scheduled; a waiting callback keeps it.
    callback_phone_days: int = 14
    # The secret that keys the hash of callback numbers matching repeat contacts
    # (`call.callback_phone_key`). Production must set its own: with this development
    # value anyone could hash a number and look it up.
    number_key: str = "development-only-number-key"
    # A case's free text (summary, notes, task notes, referral reasons, workplace name and
    # address) is erased this long after the case closed; its codes and times stay.
    case_retention_days: int = 730
    retention_timer: bool = True
    retention_interval_h: float = 24.0

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings."""
    return Settings()


# The one way a route gets the settings, which it passes on to its use cases; tests
# override `get_settings` on their app to run a route under other settings.
SettingsDep = Annotated[Settings, Depends(get_settings)]
