"""A real `hotline serve` process on loopback, its memory and CPU time, and an admin token."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from service.bench.common import BenchError

STARTUP_S = 60.0
SHUTDOWN_S = 15.0
_HOTLINE = Path(sys.executable).parent / "hotline"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`hotline serve --port P` on `database_url`, one worker, timers off; a context.

    Entering starts it and waits for /readyz; leaving stops it (SIGTERM, then SIGKILL if it
    hangs), also after an error. Its output goes to `log`, quoted if it fails to start.
    """

    def __init__(self, database_url: str, log: Path) -> None:
        self.database_url = database_url
        self.log = log
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        command = [str(_HOTLINE)] if _HOTLINE.exists() else [sys.executable, "-m", "service.cli"]
        env = os.environ | {
            "HOTLINE_DATABASE_URL": self.database_url,
            "HOTLINE_ROUTING_TIMER": "false",
            "HOTLINE_RETENTION_TIMER": "false",
        }
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [*command, "serve", "--port", str(self.port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, kind: type | None, error: object, traceback: object) -> None:
        self.stop()
        if kind is BenchError:  # the answer that stopped the run may be explained here
            print(f"the server's last lines:\n{self.log_tail()}", file=sys.stderr)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_S
        while True:
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None:
                raise BenchError(f"the server exited early:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise BenchError(f"the server was not ready in {STARTUP_S} s:\n{self.log_tail()}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=SHUTDOWN_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=SHUTDOWN_S)

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

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


def admin_token(database_url: str, email: str = "bench@example.dk") -> str:
    """A new admin token, made in the database as `hotline token create` makes one."""
    from service.auth import service as auth_service
    from service.auth.models import ApiTokenCreate, Role
    from service.db import create_db_engine, utcnow, writing_session

    engine = create_db_engine(database_url)
    try:
        with writing_session(engine) as session:
            token_in = ApiTokenCreate(email=email, role=Role.admin, days=1)
            return auth_service.create_token(session=session, token_in=token_in, now=utcnow())[1]
    finally:
        engine.dispose()
