"""The `hotline` command."""

from enum import StrEnum
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


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@app.command()
def report(
    week: Annotated[str, typer.Option(help="ISO week, e.g. 2025-W23.")],
    line: Annotated[
        str | None, typer.Option(help="stress or managers; all lines if left out.")
    ] = None,
    output: Annotated[
        ReportFormat, typer.Option("--format", help="Output format.")
    ] = ReportFormat.table,
    publishable: Annotated[bool, typer.Option(help="Withhold small counts.")] = False,
    language: Annotated[str, typer.Option(help="Labels in the CSV: da or en.")] = "da",
) -> None:
    """Print the weekly report: the same figures as GET /reports/weekly."""
    from rich.console import Console
    from sqlmodel import Session

    from service.db import get_engine, utcnow
    from service.errors import ValidationFailed
    from service.reports import export, terminal
    from service.reports import service as reports_service
    from service.reports.weeks import parse_week

    try:
        iso_week = parse_week(week)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--week") from None
    with Session(get_engine()) as session:
        try:
            built = reports_service.weekly(
                session=session, week=iso_week, line=line, publishable=publishable, now=utcnow()
            )
        except ValidationFailed as exc:
            raise typer.BadParameter(exc.detail, param_hint="--line") from None
    if output is ReportFormat.json:
        typer.echo(built.model_dump_json(indent=2))
    elif output is ReportFormat.csv:
        typer.echo(export.weekly_csv(built, language=language).removeprefix("\ufeff"), nl=False)
    else:
        terminal.print_report(built, Console())


if __name__ == "__main__":
    app()
