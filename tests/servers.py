"""Real `hotline serve` processes for tests that need HTTP, the lifespan and the timer.

The harness is the benchmark's (`bench.server`), so that the two cannot drift apart; what
is the tests' own is a token made through the CLI, as a user makes one.
"""

import os
import subprocess

from bench.server import HOTLINE, Server, free_port, running_server, server_env

__all__ = ["HOTLINE", "Server", "admin_headers", "free_port", "running_server", "server_env"]


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
