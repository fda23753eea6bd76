"""Real `hotline serve` processes for tests that need HTTP, the lifespan and the timer."""

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

HOTLINE = str(Path(sys.executable).parent / "hotline")
STARTUP_S = 30.0
SHUTDOWN_S = 15.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, **settings: object) -> dict[str, str]:
    """The environment of a server on `database_url`; `offer_timeout_s=1` sets HOTLINE_..."""
    overrides = {f"HOTLINE_{name.upper()}": str(value) for name, value in settings.items()}
    return os.environ | {"HOTLINE_DATABASE_URL": database_url} | overrides


class Server:
    """One `hotline serve` subprocess, its port and its log file."""

    def __init__(
        self,
        database_url: str,
        log: Path,
        *,
        migrate: bool = True,
        port: int | None = None,
        **settings: object,
    ) -> None:
        self.port = port or free_port()  # the same port again: a restart, as clients see it
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [HOTLINE, "serve", "--port", str(self.port)]
        if migrate:
            command.append("--migrate")
        with log.open("w") as out:
            self.process = subprocess.Popen(
                command,
                env=server_env(database_url, **settings),
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout_s: float = STARTUP_S) -> None:
        """Wait until /readyz answers 200; fail with the log if the process dies or stalls."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert self.process.poll() is None, f"server exited early:\n{self.log_text()}"
            assert time.monotonic() < deadline, (
                f"server not ready in {timeout_s} s:\n{self.log_text()}"
            )
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


@contextlib.contextmanager
def running_server(
    database_url: str, log: Path, *, migrate: bool = True, **settings: object
) -> Iterator[Server]:
    """Start a server, wait until it is ready, and always stop it afterwards."""
    server = Server(database_url, log, migrate=migrate, **settings)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def admin_headers(database_url: str) -> dict[str, str]:
    """Headers with a new admin token, made by `hotline token create` as a user would."""
    email = f"admin-{os.urandom(4).hex()}@example.dk"
    result = subprocess.run(
        [HOTLINE, "token", "create", "--email", email, "--role", "admin"],
        env=server_env(database_url),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return {"Authorization": f"Bearer {result.stdout.splitlines()[-1]}"}
