"""`hotline bench`: measure the desk on this machine, each figure beside a baseline.

A run builds its own data with the seeder (deterministic seed) in throwaway databases:
a small one (2 weeks of 5,000 calls) and a big one (200 weeks, about 1,000,000 calls),
both ending with the measured week; it serves each with a real `hotline serve`, measures,
and removes everything. Progress goes to stderr; the table (or --json) to stdout.
"""

import argparse
import contextlib
import os
import platform
import signal
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bench import explain, figures, intake, listing, push, report, search, seeding
from bench.common import BenchError, say
from bench.figures import Figure
from bench.report import ReportTiming
from bench.server import Server, admin_token, running_server
from bench.workspace import Workspace, migrate, seed
from service.db import create_db_engine
from service.reports.weeks import parse_week, weeks_between

# Full run, then --quick: small sizes, short load runs; the whole run under 30 s.
SIZES = {
    "calls_per_week": (5000, 200),
    "small_weeks": (2, 2),
    "big_weeks": (200, 10),
    "floor_calls": (100_000, 1000),
    "seconds": (5.0, 1.0),
    "warmup_s": (1.0, 0.1),
    "runs": (3, 2),
    "repeats": (5, 3),
    "deep_page": (1000, 10),
    "check_pages": (5, 9),
    "search_samples": (40, 5),
    "desks": (200, 10),
    "push_offers": (30, 5),
}
PAGE_LIMIT = 50
# A server on a database of a million calls may take a while to be ready.
STARTUP_S = 60.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="hotline bench",
        description="Measure the desk on this machine, each figure beside a baseline.",
    )
    parser.add_argument(
        "--database-url",
        help="SQLite (default: a temporary file) or PostgreSQL: throwaway databases are made "
        "beside the one named, which is never changed",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--quick", action="store_true", help="small sizes, short runs (< 30 s)")
    parser.add_argument("--explain", type=Path, metavar="FILE",
                        help="write the report's and listing's query plans to FILE")  # fmt: skip
    parser.add_argument("--check", action="store_true", help="exit 3 if a target is not met")
    parser.add_argument("--week", default="2025-W37", help="the measured ISO week (last seeded)")
    parser.add_argument("--seed", type=int, default=1, help="the seeder's seed")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients")
    sizes = parser.add_argument_group("sizes (defaults: full run / --quick)")
    for name, (full, quick) in SIZES.items():
        sizes.add_argument(f"--{name.replace('_', '-')}", type=type(full), default=None,
                           help=f"{full} / {quick}")  # fmt: skip
    args = parser.parse_args(argv)
    for name, (full, quick) in SIZES.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    try:
        args.week = parse_week(args.week)
    except ValueError as exc:
        parser.error(f"--week: {exc}")
    for name in ("calls_per_week", "small_weeks", "big_weeks", "floor_calls", "seconds", "runs",
                 "repeats", "concurrency"):  # fmt: skip
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be more than 0")
    if args.small_weeks < 2 or args.deep_page < 2:
        parser.error("--small-weeks and --deep-page must be at least 2")
    return args


def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")  # so that servers and databases are cleaned up


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminated)
    started_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    try:
        with Workspace(args.database_url) as workspace:
            results, context = run(args, workspace)
    except BenchError as exc:
        print(f"hotline bench: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:  # the database named is unreachable, say
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        print(f"hotline bench: {type(exc).__name__}: {reason}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("hotline bench: interrupted; servers stopped and data removed", file=sys.stderr)
        return 130
    context |= {"started_at": started_at}
    if args.json:
        print(figures.to_json(results, context))
    else:
        figures.print_table(results, context)
    return 3 if args.check and figures.missed(results) else 0


def run(args: argparse.Namespace, workspace: Workspace) -> tuple[list[Figure], dict[str, Any]]:
    """Measure everything; the figures, and what they were measured on."""
    say(f"{workspace.kind}, {'quick' if args.quick else 'full'} run; data in {workspace.folder}")
    small, intake_figures, push_figure = _small_database(args, workspace)
    big_url, seeding_figure = _seeding(args, workspace)
    big, memory_figure, listing_figure, deep_cursor, search_figures = _big_database(
        args, workspace, big_url
    )
    if args.explain:
        say(f"writing query plans to {args.explain}")
        explain.write(args.explain, big_url, week=args.week, cursor=deep_cursor, limit=PAGE_LIMIT)
    results = [
        *intake_figures,
        *report.figures(small, big),
        seeding_figure,
        listing_figure,
        memory_figure,
        *search_figures,
        push_figure,
    ]
    return results, _context(args, workspace, intake_figures[0], small, big)


def _small_database(
    args: argparse.Namespace, workspace: Workspace
) -> tuple[ReportTiming, list[Figure], Figure]:
    """The report at ~10,000 calls, then the intake load and the desks' push on the same
    server."""
    weeks = weeks_between(args.week.shifted(1 - args.small_weeks), args.week)
    url = _fresh(workspace, "small")
    say(f"seeding {len(weeks)} weeks x {args.calls_per_week:,} calls (small database)")
    seed(url, weeks=weeks, calls_per_week=args.calls_per_week, seed_value=args.seed)
    token = admin_token(url)
    engine = create_db_engine(url)
    try:
        with _served(url, workspace.folder / "serve-small.log") as server:
            small = report.measure(server, token, engine, args.week, repeats=args.repeats)
            say(f"intake: {args.runs} runs of {args.seconds} s each, {args.concurrency} clients")
            intake_figures = intake.measure(
                server, token, sqlite=workspace.kind == "sqlite", concurrency=args.concurrency,
                seconds=args.seconds, runs=args.runs, warmup_s=args.warmup_s,
            )  # fmt: skip
            push_figure = push.measure(
                server, token, url, desks=args.desks, offers=args.push_offers
            )
    finally:
        engine.dispose()
    return small, intake_figures, push_figure


def _seeding(args: argparse.Namespace, workspace: Workspace) -> tuple[str, Figure]:
    """Seed the big database (the seeder's rate), then the floor in a database of its own."""
    weeks = weeks_between(args.week.shifted(1 - args.big_weeks), args.week)
    url = _fresh(workspace, "big")
    say(f"seeding {len(weeks)} weeks x {args.calls_per_week:,} calls (big database)")
    seeded = seed(url, weeks=weeks, calls_per_week=args.calls_per_week, seed_value=args.seed)
    say(f"seeded {seeded.calls:,} calls in {seeded.seconds:.1f} s: "
        f"{seeded.calls_per_second:,.0f} calls/s")  # fmt: skip
    floor_url = _fresh(workspace, "floor")
    floor_calls, floor_s = seeding.floor(
        floor_url, weeks=weeks, calls_per_week=args.calls_per_week, seed_value=args.seed,
        sample_calls=min(args.floor_calls, seeded.calls),
    )  # fmt: skip
    say(f"seeding floor: {floor_calls:,} calls in {floor_s:.1f} s: "
        f"{floor_calls / floor_s:,.0f} calls/s")  # fmt: skip
    workspace.remove(floor_url)
    return url, seeding.figure(seeded, floor_calls, floor_s, sqlite=workspace.kind == "sqlite")


def _big_database(
    args: argparse.Namespace, workspace: Workspace, url: str
) -> tuple[ReportTiming, Figure, Figure, str, list[Figure]]:
    """The report at ~1,000,000 calls, the server's memory meanwhile, the listing and the
    search."""
    token = admin_token(url)
    engine = create_db_engine(url)
    try:
        with _served(url, workspace.folder / "serve-big.log") as server:
            startup_mb = server.memory_mb("VmRSS")
            big = report.measure(server, token, engine, args.week, repeats=args.repeats)
            peak_mb = server.memory_mb("VmHWM")
            say(f"server memory: {startup_mb:.0f} MB at startup, peak {peak_mb:.0f} MB")
            listing_figure, deep_cursor = listing.measure(
                server, token, engine, deep_page=args.deep_page, limit=PAGE_LIMIT,
                check_pages=min(args.check_pages, args.deep_page - 1), repeats=args.repeats,
            )  # fmt: skip
            search_figures = search.measure(
                server, token, engine, samples=args.search_samples, limit=PAGE_LIMIT
            )
    finally:
        engine.dispose()
    memory = report.memory_figure(peak_mb, startup_mb, reports=args.repeats + 1)
    return big, memory, listing_figure, deep_cursor, search_figures


@contextlib.contextmanager
def _served(url: str, log: Path) -> Iterator[Server]:
    """A server on the migrated `url`, one worker, timers off; its last lines after an error
    of the run (one that stopped it starting quotes them already)."""
    with running_server(
        url, log, migrate=False, startup_s=STARTUP_S, routing_timer="false",
        retention_timer="false", desk_push="true",
    ) as server:  # fmt: skip
        try:
            yield server
        except BenchError:  # the answer that stopped the run may be explained here
            server.stop()
            print(f"the server's last lines:\n{server.log_tail()}", file=sys.stderr)
            raise


def _fresh(workspace: Workspace, label: str) -> str:
    url = workspace.database(label)
    migrate(url)
    return url


def _context(
    args: argparse.Namespace,
    workspace: Workspace,
    intake: Figure,
    small: ReportTiming,
    big: ReportTiming,
) -> dict[str, Any]:
    cores = intake.details["server_cores_used"]
    client = intake.details["client_cores_used"]
    return {
        "database": workspace.kind,
        "mode": "quick" if args.quick else "full",
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "week": str(args.week),
        "sizes": {name: getattr(args, name) for name in SIZES}
        | {"concurrency": args.concurrency, "seed": args.seed},
        "notes": [
            f"week {args.week}: {small.calls_in_week:,} calls of {small.calls_in_database:,} "
            f"(small database) and {big.calls_in_week:,} of {big.calls_in_database:,} (big)",
            f"intake load: {args.runs} runs of {args.seconds:g} s, {args.concurrency} clients in "
            f"this process, medians quoted; CPU used (cores): server {cores['intake']:.2f} "
            f"(healthz {cores['healthz']:.2f}), load generator {client['intake']:.2f} "
            f"(healthz {client['healthz']:.2f}), on {os.cpu_count()} cores shared with all else",
            f"report and listing: median of {args.repeats} after one warm-up; the floor is "
            "the same week's COUNT(*) GROUP BY line run directly on the database",
            f"search: p95 of {args.search_samples} requests per query after one warm-up, as "
            "the admin (no visibility filter), beside the p95 of the same index's bare SQL",
            "seeding floor: the seeder's rows for the first weeks, one transaction per day, "
            "executemany per table, into a fresh migrated database (indexes and foreign keys "
            "in place), generation not timed",
        ],
    }
