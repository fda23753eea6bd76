"""The `hotline` command."""

from typing import Annotated

import typer

from service import migrations
from service.config import get_settings

app = typer.Typer(help="Hotline case desk.", no_args_is_help=True, add_completion=False)


@app.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Migrate the configured database (HOTLINE_DATABASE_URL) to REVISION."""
    migrations.upgrade(revision)
    typer.echo(f"database migrated to {revision}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    migrate_first: Annotated[
        bool, typer.Option("--migrate", help="Migrate the database to head before serving.")
    ] = False,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Run the HTTP API with uvicorn."""
    import uvicorn

    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    if migrate_first:
        migrations.upgrade("head")
    shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host
    typer.echo(f"Hotline case desk: API docs at http://{shown}:{port}/docs", err=True)
    uvicorn.run("service.main:app", host=host, port=port, workers=workers, proxy_headers=True)


if __name__ == "__main__":
    app()
