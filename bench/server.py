"""Real `hotline serve` processes on loopback: the one harness of the benchmark and the tests.

A `Server` starts as it is made; `running_server` waits until it is ready and always stops
it. It also tells its memory and CPU time (the benchmark's figures), and `admin_token`
makes a token in the database as `hotline token create` does.
"""

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from bench.common import BenchError

HOTLINE = str(Path(sys.executable).parent / "hotline")
STARTUP_S = 30.0
SHUTDOWN_S = 15.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(database_url: str, **settings: object) -> dict[str, str]:
    """The environment of a server on `database_url`; `offer_timeout_s=1` sets HOTLINE_..."""
    overrides = {f"HOTLINE_{name.upper()}": str(value) for name, value in settings.items()}
    return dict(os.environ) | {"HOTLINE_DATABASE_URL": database_url} | overrides


def _command() -> list[str]:
    """`hotline`, or the module behind it where the console script is not installed."""
    return [HOTLINE] if Path(HOTLINE).exists() else [sys.executable, "-m", "service.cli"]


class Server:
    """One `hotline serve` subprocess, its port and its log file; started as it is made.

    `settings` become HOTLINE_* variables (`server_env`); `port` again is a restart, as
    clients see it; `migrate` passes --migrate.
    """

    def __init__(
        self,
        database_url: str,
        log: Path,
        *,
        migrate: bool = True,
        port: int | None = None,
        **settings: object,
    ) -> None:
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [*_command(), "serve", "--port", str(self.port)]
        if migrate:
            command.append("--migrate")
        with log.open("w") as out:
            self.process = subprocess.Popen(
                command,
                env=server_env(database_url, **settings),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def wait_ready(self, timeout_s: float = STARTUP_S) -> None:
        """Wait until /readyz answers 200; BenchError, with the log, if it dies or stalls."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None:
                raise BenchError(f"the server exited early:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise BenchError(f"the server was not ready in {timeout_s} s:\n{self.log_tail()}")
            time.sleep(0.1)

    def stop(self) -> None:
        """Shut down gracefully (SIGTERM, as a process manager would), killing if it hangs."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=SHUTDOWN_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=SHUTDOWN_S)

    def memory_mb(self, field: str) -> float:
        """A field of /proc/<pid>/status in MiB: VmRSS (now) or VmHWM (the peak so far)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name == field:
                return int(value.split()[0]) / 1024
        raise BenchError(f"/proc/{self.process.pid}/status has no {field}")

    def cpu_seconds(self) -> float:
        """User and system CPU time the server has used so far."""
        stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def running_server(
    database_url: str,
    log: Path,
    *,
    migrate: bool = True,
    port: int | None = None,
    startup_s: float = STARTUP_S,
    **settings: object,
) -> Iterator[Server]:
    """Start a server, wait until it is ready, and always stop it afterwards."""
    server = Server(database_url, log, migrate=migrate, port=port, **settings)
    try:
        server.wait_ready(startup_s)
        yield server
    finally:
        server.stop()


def admin_token(database_url: str, email: str = "bench@example.dk") -> str:
    """A new admin token, made in the database as `hotline token create` makes one."""
    return person_token(database_url, email, "admin")


def person_token(database_url: str, email: str, role: str) -> str:
    """A new token of `role` for `email` (an adviser's needs the adviser registered)."""
    from service.auth.models import Role
    from service.clock import utcnow
    from service.config import get_settings
    from service.db import create_db_engine, writing_session
    from service.tokens import service as tokens_service
    from service.tokens.models import ApiTokenCreate

    engine = create_db_engine(database_url)
    try:
        with writing_session(engine) as session:
            token_in = ApiTokenCreate(email=email, role=Role(role), days=1)
            return tokens_service.create_token(
                session=session, settings=get_settings(), token_in=token_in, now=utcnow()
            )[1]
    finally:
        engine.dispose()
