"""The `hotline` command."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated, Any

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
    typer.echo(f"Hotline case desk: web pages at http://{shown}:{port}/web/", err=True)
    typer.echo(f"Hotline case desk: API docs at http://{shown}:{port}/docs", err=True)
    uvicorn.run("service.main:app", host=host, port=port, workers=workers, proxy_headers=True)


@app.command()
def seed(
    weeks: Annotated[
        int | None, typer.Option(help="The N whole ISO weeks before the current one.")
    ] = None,
    first: Annotated[
        str | None, typer.Option("--from", help="First ISO week, e.g. 2025-W01.")
    ] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last ISO week, e.g. 2025-W26.")] = None,
    calls_per_week: Annotated[int, typer.Option(help="Inbound calls per week.", min=0)] = 400,
    total: Annotated[
        int | None, typer.Option(help="Inbound calls in all, instead of --calls-per-week.", min=0)
    ] = None,
    seed_value: Annotated[
        int, typer.Option("--seed", help="The same seed gives the same data.")
    ] = 1,
    database_url: Annotated[
        str | None, typer.Option(help="Defaults to HOTLINE_DATABASE_URL.")
    ] = None,
    reset: Annotated[bool, typer.Option(help="Empty calls and advisers first.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before --reset.")] = False,
    if_empty: Annotated[
        bool, typer.Option(help="Do nothing if the database has calls or advisers.")
    ] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar, only errors.")] = False,
) -> None:
    """Fill the database with realistic demo weeks: advisers, calls, their journal, and cases."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
    from sqlalchemy.exc import SQLAlchemyError

    from service.db import create_db_engine
    from service.demo import seed as demo
    from service.demo.generate import split_total
    from service.reports.weeks import IsoWeek, parse_week, weeks_between

    settings = get_settings()
    if (weeks is None) == (first is None and last is None) or (first is None) != (last is None):
        raise typer.BadParameter("give either --weeks N or both --from and --to")
    if weeks is not None:
        if weeks < 1:
            raise typer.BadParameter("must be at least 1", param_hint="--weeks")
        from datetime import datetime
        from zoneinfo import ZoneInfo

        current = IsoWeek.of(datetime.now(ZoneInfo(settings.timezone)).date())
        try:
            span = weeks_between(current.shifted(-weeks), current.shifted(-1))
        except (OverflowError, ValueError):
            raise typer.BadParameter("reaches back before year 1", param_hint="--weeks") from None
    else:
        # Without --weeks, the check above has made sure both ends are given.
        assert first is not None and last is not None
        try:
            span = weeks_between(parse_week(first), parse_week(last))
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--from/--to") from None
        if not span:
            raise typer.BadParameter("--to is before --from")
    counts = split_total(total, span) if total is not None else [calls_per_week] * len(span)

    engine = create_db_engine(database_url or settings.database_url)
    try:
        demo.check_migrated(engine)
        if demo.has_data(engine):
            if if_empty:
                if not quiet:
                    typer.echo("the database already has data; not seeding", err=True)
                return
            if not reset:
                raise demo.HasData()
            # Asked before the seed takes the database: a user thinking holds nobody up.
            if not yes and not typer.confirm("Delete every call and adviser first?"):
                raise typer.Exit(1)
        # The reset and the seed are one transaction with the database to itself (InUse if
        # the service has it open): a refusal or a failure changes nothing.
        if quiet:
            result = demo.run(
                engine, weeks=span, calls_per_week=counts, seed=seed_value, reset=reset
            )
        else:
            columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
            with Progress(*columns, TimeRemainingColumn(), transient=True) as bar:
                task = bar.add_task(f"seeding {span[0]}..{span[-1]}", total=sum(counts))
                result = demo.run(
                    engine,
                    weeks=span,
                    calls_per_week=counts,
                    seed=seed_value,
                    reset=reset,
                    progress=lambda calls: bar.advance(task, calls),
                )
    except (typer.Exit, typer.Abort):
        raise  # click's are RuntimeErrors too: not failures to report here
    except demo.SeedError as exc:  # refused: not migrated, data without --reset, in use
        typer.echo(f"hotline seed: {exc}", err=True)
        raise typer.Exit(2) from None
    except (RuntimeError, SQLAlchemyError) as exc:  # failed (rolled back): one line
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        typer.echo(f"hotline seed: {reason}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    if not quiet:
        typer.echo(
            f"seeded {result.calls} calls and {result.advisers} advisers over {len(span)} weeks "
            f"({span[0]} to {span[-1]}) in {result.seconds:.1f} s: "
            f"{result.calls_per_second:,.0f} calls/s"
        )


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def bench(ctx: typer.Context) -> None:
    """Measure the desk against issue 8's targets, each figure beside a baseline (--help)."""
    # The benchmark is a tool beside the product (the top-level `bench` package of a
    # checkout), not part of it: imported only here, and absent from the image.
    try:
        from bench.main import main
    except ModuleNotFoundError as exc:
        if exc.name != "bench":
            raise
        typer.echo(
            "hotline bench: the benchmark is not installed here; it comes with a checkout of "
            "the repository (pip install -e . there, or run scripts/bench.py)",
            err=True,
        )
        raise typer.Exit(1) from None
    raise typer.Exit(main(ctx.args))


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


class ReportLanguage(StrEnum):
    da = "da"
    en = "en"


@app.command()
def report(
    week: Annotated[str, typer.Option(help="ISO week, e.g. 2025-W23.")],
    line: Annotated[
        str | None, typer.Option(help="stress or managers; all lines if left out.")
    ] = None,
    output_format: Annotated[
        ReportFormat,
        typer.Option(
            "--format",
            help="Output format; csv and xlsx are the very files of GET /reports/weekly.csv "
            "and .xlsx (the CSV with its byte-order mark and CRLF line ends).",
        ),
    ] = ReportFormat.table,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to FILE instead of standard output; xlsx needs it.",
            metavar="FILE",
            dir_okay=False,
        ),
    ] = None,
    publishable: Annotated[bool, typer.Option(help="Withhold small counts.")] = False,
    language: Annotated[
        ReportLanguage | None,
        typer.Option(help="Labels: da or en. CSV and XLSX default to da, as the endpoints do."),
    ] = None,
) -> None:
    """Print the weekly report: the same figures as GET /reports/weekly."""
    from rich.console import Console

    from service.clock import utcnow
    from service.db import get_engine, reading_session
    from service.errors import ValidationFailed
    from service.reports import export, terminal, xlsx
    from service.reports import service as reports_service
    from service.reports.weeks import parse_week

    if output_format is ReportFormat.xlsx and output is None:
        raise typer.BadParameter(
            "an XLSX workbook is not for a terminal: give --output FILE", param_hint="--output"
        )
    try:
        iso_week = parse_week(week)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--week") from None
    with reading_session(get_engine()) as session:
        try:
            built = reports_service.weekly(
                session=session,
                settings=get_settings(),
                week=iso_week,
                line=line,
                publishable=publishable,
                now=utcnow(),
            )
        except ValidationFailed as exc:
            raise typer.BadParameter(exc.detail, param_hint="--line") from None
    # The endpoints' default; the table keeps the English it has always had.
    chosen = (language or ReportLanguage.da).value
    if output_format is ReportFormat.table:
        if output is None:
            terminal.print_report(built, Console(), language=language or "en")
            return
        with _written(output, "w", encoding="utf-8") as handle:
            terminal.print_report(built, Console(file=handle), language=language or "en")
        return
    if output_format is ReportFormat.json:
        data = (built.model_dump_json(indent=2) + "\n").encode()
    elif output_format is ReportFormat.csv:
        data = export.weekly_csv(built, language=chosen).encode("utf-8")
    else:
        data = xlsx.weekly_xlsx(built, language=chosen)
    if output is None:
        # As bytes: text mode could turn the CSV's CRLF into something else.
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    with _written(output, "wb") as handle:
        handle.write(data)


@contextmanager
def _written(path: Path, mode: str, **options: Any) -> Iterator[IO[Any]]:
    """The file at `path` opened for writing; a file that cannot be written ends the command
    with the system's reason and exit code 1."""
    try:
        with path.open(mode, **options) as handle:
            yield handle
    except OSError as exc:
        typer.echo(f"hotline report: cannot write {path}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from None


token_app = typer.Typer(
    help="API tokens: a person's, or the phone system's (--role telephony).", no_args_is_help=True
)
app.add_typer(token_app, name="token")


class TokenRole(StrEnum):
    adviser = "adviser"
    supervisor = "supervisor"
    admin = "admin"
    telephony = "telephony"


@token_app.command("create")
def token_create(
    role: Annotated[TokenRole, typer.Option(help="What the token may do.")],
    email: Annotated[
        str | None,
        typer.Option(help="The person's e-mail; registered if unknown. None for telephony."),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(help="The person's name, or the token's; telephony needs one."),
    ] = None,
    days: Annotated[int | None, typer.Option(help="Valid for (default 90).", min=1)] = None,
    database_url: Annotated[
        str | None, typer.Option(help="Defaults to HOTLINE_DATABASE_URL.")
    ] = None,
) -> None:
    """Create an API token and print it, alone on the last line. It is shown only once.

    A person's token needs --email. The phone system's is a service account: --role
    telephony --name "phone system", and no e-mail, as it belongs to no person."""
    from pydantic import ValidationError

    from service.audit import service as audit_service
    from service.auth.models import Role
    from service.clock import utcnow
    from service.db import create_db_engine, writing_session
    from service.tokens import service as tokens_service
    from service.tokens.models import ApiTokenCreate

    try:
        token_in = ApiTokenCreate(email=email, role=Role(role.value), name=name, days=days)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise typer.BadParameter(problems) from None
    engine = create_db_engine(database_url or get_settings().database_url)
    try:
        # Takes the write lock up front: a running server's timer may commit meanwhile, and
        # SQLite cannot turn a read begun before that into a write (database is locked).
        with writing_session(engine) as session:
            # Nobody is signed in: the token and the person it registers are on record as
            # made on the server itself.
            now = utcnow()
            audit_service.act_as_system(session, subject="cli", now=now)
            token, secret = tokens_service.create_token(
                session=session, settings=get_settings(), token_in=token_in, now=now
            )
            holder = (
                token_in.email.lower() if token_in.email else f"the service account {token.name!r}"
            )
            typer.echo(
                f"{token.role} token {token.id} for {holder}, "
                f"valid until {token.expires_at.isoformat()}; keep it secret:",
                err=True,
            )
    finally:
        engine.dispose()
    typer.echo(secret)


retention_app = typer.Typer(help="Personal-data retention.", no_args_is_help=True)
app.add_typer(retention_app, name="retention")


@retention_app.command("run")
def retention_run(
    database_url: Annotated[
        str | None, typer.Option(help="Defaults to HOTLINE_DATABASE_URL.")
    ] = None,
) -> None:
    """Erase the notes, callback numbers and audit rows past their retention period, now."""
    from sqlalchemy.exc import SQLAlchemyError

    from service.clock import utcnow
    from service.db import create_db_engine, writing_session
    from service.retention.service import run_retention

    engine = create_db_engine(database_url or get_settings().database_url)
    try:
        with writing_session(engine) as session:
            result = run_retention(session=session, settings=get_settings(), now=utcnow())
    except SQLAlchemyError as exc:
        # The driver's own message, first line only: the rest quotes the statement.
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        typer.echo(f"hotline retention run: {type(exc).__name__}: {reason}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo(
        f"erased notes of {result.notes_erased} calls and callback numbers of "
        f"{result.phones_erased} calls; deleted {result.audit_rows_deleted} audit rows; "
        f"erased the free text of {result.case_texts_erased} cases"
    )


if __name__ == "__main__":
    app()
