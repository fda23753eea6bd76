"""Figure 1: `POST /calls` under concurrent load, beside `GET /healthz` under the same load."""

import statistics
import time
from collections.abc import Callable

from bench import load
from bench.common import BenchError, say
from bench.figures import Figure
from bench.server import Server


def measure(
    server: Server,
    token: str,
    *,
    sqlite: bool,
    concurrency: int,
    seconds: float,
    runs: int,
    warmup_s: float,
) -> list[Figure]:
    """`runs` alternating runs of each endpoint on the same server; medians of the runs."""
    measured: dict[str, list[load.LoadRun]] = {"healthz": [], "intake": []}
    server_cores: dict[str, list[float]] = {"healthz": [], "intake": []}
    for number in range(runs):
        for kind, request, expect in (("healthz", load.healthz, 200), ("intake", load.intake, 201)):
            cpu, wall = server.cpu_seconds(), time.perf_counter()
            result = load.run(
                server.base_url, token, request, expect=expect, concurrency=concurrency,
                seconds=seconds, warmup_s=warmup_s, seed=number,
            )  # fmt: skip
            server_cores[kind].append((server.cpu_seconds() - cpu) / (time.perf_counter() - wall))
            if result.ok == 0:
                raise BenchError(f"{kind}: no answer was {expect} ({dict(result.statuses)})")
            measured[kind].append(result)
            say(
                f"run {number + 1}/{runs} {kind}: {result.rate:,.0f}/s, "
                f"p50 {result.percentile_ms(0.5):.1f} ms, p99 {result.percentile_ms(0.99):.1f} ms, "
                f"statuses {dict(result.statuses)}"
            )

    def median(kind: str, figure: Callable[[load.LoadRun], float]) -> float:
        return statistics.median(figure(result) for result in measured[kind])

    details = {
        "concurrency": concurrency,
        "seconds_per_run": seconds,
        "runs": {
            kind: [
                {
                    "rate": r.rate,
                    "p50_ms": r.percentile_ms(0.5),
                    "p99_ms": r.percentile_ms(0.99),
                    "statuses": {str(status): n for status, n in r.statuses.items()},
                }
                for r in results
            ]
            for kind, results in measured.items()
        },
        "server_cores_used": {kind: statistics.median(v) for kind, v in server_cores.items()},
        "client_cores_used": {
            kind: median(kind, lambda r: r.client_cpu_s / r.seconds) for kind in measured
        },
    }
    rate, health_rate = median("intake", lambda r: r.rate), median("healthz", lambda r: r.rate)
    p50 = median("intake", lambda r: r.percentile_ms(0.5))
    health_p50 = median("healthz", lambda r: r.percentile_ms(0.5))
    p99 = median("intake", lambda r: r.percentile_ms(0.99))
    health_p99 = median("healthz", lambda r: r.percentile_ms(0.99))
    rate_target = "≥ 40 % of healthz" + (" and ≥ 400 calls/s (SQLite, 1 worker)" if sqlite else "")
    rate_met = rate / health_rate >= 0.4 and (not sqlite or rate >= 400)
    clients = "16 clients" if concurrency == 16 else f"16 clients (this run: {concurrency})"
    baseline = f"GET /healthz, same load ({concurrency} clients)"
    return [
        Figure("intake_rate", "Intake POST /calls, rate", "calls/s", rate, health_rate,
               baseline, rate_target, rate_met, details),
        Figure("intake_p50", "Intake POST /calls, p50", "ms", p50, health_p50, baseline,
               None, None),
        Figure("intake_p99", "Intake POST /calls, p99", "ms", p99, health_p99, baseline,
               f"< 50 ms at {clients}", p99 < 50),
    ]  # fmt: skip
