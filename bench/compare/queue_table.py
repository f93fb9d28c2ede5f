#!/usr/bin/env python3
"""Side-by-side table of the durable queue comparison (`bench/compare/run queue`).

    python3 bench/compare/queue_table.py bench/compare/results/queue-2026-11-25.jsonl
    python3 bench/compare/queue_table.py RESULTS.jsonl --write-docs   # also rewrite the section in docs/benchmarks.md

Reads JSON lines: `spindle bench queue --json` records (no `system` field: Spindle), celery_queue.py and
hangfire records (`system`, `variant`), and `{"benchmark": "queue-load", ...}` lines that the runner writes
with the load average before each system ran. Several runs of one variant and mode: the median of jobs_per_s
(and the run it came from) is shown, with the range. The ratio column is Spindle's jobs/s end to end over the
row's, same mode: against Spindle on the same store when that row exists, else against Spindle on SQLite (for a
PostgreSQL row the cell then says so). Higher is better for Spindle. Stdlib only.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from pathlib import Path

from docs_section import write_section

BEGIN = "<!-- compare:queue:begin -->"
END = "<!-- compare:queue:end -->"
MODES = ["prefill", "live"]
DOCS_INTRO = """## Durable queue vs Celery and Hangfire: `bench/compare/run queue`

```bash
bench/compare/run queue                 # Spindle (SQLite; PostgreSQL when its store exists), Celery + Redis, Hangfire (SQLite, PostgreSQL)
bench/compare/run queue --write-docs    # the same, and rewrites the table below
python3 bench/compare/queue_table.py bench/compare/results/queue-DATE.jsonl   # the table again from a results file
```

One run, one machine, one workload: the `spindle bench queue` workload (10,000 no-op jobs whose argument is
their result, 2 worker processes, `prefill`: enqueue all then start the workers, clock includes their start;
`live`: workers started and ready, then the clock runs while jobs are enqueued; end to end until every job is
done, then every result read back and checked). Spindle runs as `SPINDLE_BUILD=aot scripts/spindle` publishes
it (native AOT: the tool, the framework and its libraries compiled into one native program, the build this runner
uses since 2026-11-26, when it replaced the ReadyToRun composite; the build is named in its rows;
`SPINDLE_BUILD=composite bench/compare/run queue` measures the composite instead). Celery 5.2 with Redis 7 (Debian's packages, a throwaway
`redis-server`; one prefork node with 2 worker processes, and 2 solo nodes; with and without results), Hangfire 1.8 with
Hangfire.Storage.SQLite and with Hangfire.PostgreSql (2 worker processes of a small console program, 10
Hangfire workers each, as `spindle worker --concurrency 10`); PostgreSQL 15 is a throwaway cluster the runner
starts. Hangfire may have run fewer jobs than the others (`--hangfire-jobs`, because it is slow here): the jobs
column says. What each side runs and what "fair" means here: `bench/compare/README.md`. Ratio: Spindle's jobs/s
end to end over the row's, same mode (higher is better for Spindle).
"""


def load(path: Path) -> tuple[list[dict], list[dict]]:
    records, loads, skipped = [], [], 0
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            skipped += 1
            continue
        if not isinstance(record, dict):
            skipped += 1
        elif record.get("benchmark") == "queue-load":
            loads.append(record)
        elif record.get("benchmark") == "queue" and "mode" in record and "jobs_per_s" in record:
            if "system" not in record:
                record["system"] = "spindle"
                record["variant"] = f"spindle-{record.get('store', '?')}"
            records.append(record)
        else:
            skipped += 1
    if skipped:
        print(f"queue_table.py: skipped {skipped} line(s) of {path} that are not queue records", file=sys.stderr)
    return records, loads


def is_spindle(record: dict) -> bool:
    return str(record["variant"]).startswith("spindle-")


def fmt_int(value) -> str:
    return "–" if value is None else f"{round(value):,}"


def fmt_ratio(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}×" if value >= 10 else f"{value:.2f}×"


class Row:
    """One variant and mode: its runs, and the run with the median jobs/s."""

    def __init__(self, runs: list[dict]) -> None:
        self.runs = sorted(runs, key=lambda r: r["jobs_per_s"])
        self.median = self.runs[(len(self.runs) - 1) // 2]
        self.jobs_per_s = statistics.median(r["jobs_per_s"] for r in self.runs)

    def per_s_cell(self) -> str:
        cell = fmt_int(self.jobs_per_s)
        if len(self.runs) > 1:
            cell += f" ({fmt_int(self.runs[0]['jobs_per_s'])}–{fmt_int(self.runs[-1]['jobs_per_s'])}, {len(self.runs)} runs)"
        return cell


def label(record: dict) -> str:
    variant = str(record["variant"])
    if variant.startswith("celery-"):
        kept = "results kept" if record.get("results") else "results ignored"
        return f"Celery + Redis, {record.get('celery_pool', '?')} pool, {kept}"
    names = {
        "spindle-sqlite": "**Spindle**, SQLite",
        "spindle-postgres": "**Spindle**, PostgreSQL",
        "celery-redis-results": "Celery + Redis, results kept",
        "celery-redis-noresults": "Celery + Redis, results ignored",
        "hangfire-sqlite": "Hangfire, Hangfire.Storage.SQLite",
        "hangfire-postgres": "Hangfire, Hangfire.PostgreSql",
    }
    name = names.get(variant, variant)
    # Spindle's records say how the tool was built (`build`: readytorun, composite, composite+untiered, aot, jit, with
    # +untiered when tiered compilation is off); older results do not.
    return f"{name} ({record['build']} build)" if is_spindle(record) and record.get("build") else name


def workers_cell(record: dict) -> str:
    if is_spindle(record) or str(record["system"]).startswith("hangfire"):
        return f"{record['workers']} × {record.get('concurrency', '?')}"
    pool = record.get("celery_pool", "?")
    if pool == "prefork":
        return f"{record['workers']} (prefork)"
    return f"{record['workers']} × {record.get('concurrency', 1)} ({pool})"


def build_table(records: list[dict]) -> str:
    groups: dict[tuple[str, str], list[dict]] = {}
    for record in records:
        groups.setdefault((str(record["variant"]), str(record["mode"])), []).append(record)
    rows = {key: Row(runs) for key, runs in groups.items()}
    order = ["spindle-sqlite", "spindle-postgres", "celery-redis-results", "celery-redis-noresults",
             "celery-redis-results-solo", "celery-redis-noresults-solo", "celery-redis-results-threads",
             "celery-redis-noresults-threads", "hangfire-sqlite", "hangfire-postgres"]
    variants = order + sorted({v for v, _ in rows if v not in order})

    lines = ["| system | mode | jobs | workers × concurrency | enqueue/s | jobs/s end to end | worker start ms | peak RSS MB (one worker process) | Spindle ÷ this |",
             "|---|---|---:|---|---:|---:|---:|---:|---|"]
    for variant in variants:
        for mode in MODES:
            row = rows.get((variant, mode))
            if row is None:
                continue
            m = row.median
            cells = [label(m), mode, fmt_int(m["jobs"]), workers_cell(m), fmt_int(m.get("enqueue_per_s")),
                     row.per_s_cell(), fmt_int(m.get("worker_start_ms")), f"{m.get('peak_rss_mb', 0):.1f}",
                     ratio_cell(variant, mode, m, rows)]
            lines.append("| " + " | ".join(cells) + " |")
    if not any(v == "spindle-postgres" for v, _ in rows):
        lines.append("| **Spindle**, PostgreSQL | – | – | – | – | not run: the store is not in this build | – | – | – |")
    return "\n".join(lines)


def ratio_cell(variant: str, mode: str, record: dict, rows: dict) -> str:
    if variant.startswith("spindle-"):
        return "–"
    same_store = rows.get((f"spindle-{record.get('store')}", mode))
    spindle = same_store or rows.get(("spindle-sqlite", mode))
    if spindle is None or not record.get("jobs_per_s"):
        return "– (no Spindle row)"
    value = spindle.jobs_per_s / record["jobs_per_s"]
    # A store Spindle has (or will have) but did not run: say which Spindle row the ratio is against.
    crossed = same_store is None and record.get("store") in ("postgres",)
    return fmt_ratio(value) + (f" (vs Spindle on {spindle.median.get('store')})" if crossed else "")


def describe(records: list[dict], loads: list[dict], source: Path) -> str:
    match = re.search(r"(\d{4}-\d{2}-\d{2})", source.name)
    when = f"Measured {match.group(1)}" if match else "Measured"
    try:
        shown = source.resolve().relative_to(Path(__file__).resolve().parents[2]).as_posix()
    except ValueError:
        shown = source.as_posix()
    facts = [f"{records[0].get('cores', '?')} cores"]
    systems = sorted({str(r["system"]) for r in records if not is_spindle(r)})
    if systems:
        facts.append("baselines: " + ", ".join(f"`{s}`" for s in systems))
    if loads:
        facts.append("load average (1 min) before each part: "
                     + ", ".join(f"{l.get('before', '?')} {l.get('load1', '?')}" for l in loads))
    if any(r.get("jobs") != records[0].get("jobs") for r in records):
        facts.append("**job counts differ between rows (see the jobs column)**")
    return f"{when} (`{shown}`): " + "; ".join(facts) + "."


def write_docs(docs: Path, section: str) -> None:
    write_section(docs, BEGIN, END, DOCS_INTRO, section)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path, help="a JSON-lines file from bench/compare/run queue")
    parser.add_argument("--write-docs", action="store_true",
                        help=f"replace the section between {BEGIN} and {END} in the docs file (added at its end if absent)")
    parser.add_argument("--docs", type=Path, default=Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md")
    args = parser.parse_args()

    records, loads = load(args.results)
    if not records:
        print(f"queue_table.py: no queue records in {args.results}", file=sys.stderr)
        return 1
    table = build_table(records)
    print(table)
    if args.write_docs:
        write_docs(args.docs, describe(records, loads, args.results) + "\n\n" + table)
        print(f"queue_table.py: wrote the section in {args.docs}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
