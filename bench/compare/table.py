#!/usr/bin/env python3
"""Side-by-side table of `spindle bench processes --json` and python_processes.py lines.

    python3 bench/compare/table.py bench/compare/results/processes-2026-11-25.jsonl
    python3 bench/compare/table.py RESULTS.jsonl --write-docs   # also rewrite the section in docs/benchmarks.md

Reads JSON lines (anything else is skipped with a note on stderr), groups them by workload, and
treats a variant starting with "python-" as Python and any other as Spindle. The ratio column says
how many times faster a row is than the workload's named Python baseline (higher is faster):

  submits    per_s / per_s of python-ProcessPoolExecutor
  map-noop   per_s / per_s of python-Pool.map(chunksize=1000)
  map-heavy  the row's own speedup over its sequential run (speedup_vs_sequential, else computed from
             the median of its side's sequential variant), shown next to Python's Pool.map speedup
  startup    median_ms of python-Pool / the row's median_ms

A workload with no Spindle line gets a "pending" row. Stdlib only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from docs_section import write_section

BEGIN = "<!-- compare:processes:begin -->"
END = "<!-- compare:processes:end -->"
WORKLOADS = ["submits", "map-noop", "map-heavy", "startup"]
BASELINES = {
    "submits": "python-ProcessPoolExecutor",
    "map-noop": "python-Pool.map(chunksize=1000)",
    "map-heavy": "python-Pool.map",
    "startup": "python-Pool",
}
DOCS_INTRO = """## ProcessPool vs Python multiprocessing: `bench/compare/run`

```bash
bench/compare/run                  # Python's baselines, then `scripts/spindle bench processes --json`; prints the table
bench/compare/run --write-docs     # the same, and rewrites the table below
bench/compare/run --quick          # small sizes, a smoke test
python3 bench/compare/table.py bench/compare/results/processes-DATE.jsonl   # the table again from a results file
```

Spindle's ProcessPool against Python 3.11's `multiprocessing.Pool` and `concurrent.futures.ProcessPoolExecutor`
on the same machine in one run, 2 workers each. `bench/compare/python_processes.py` (stdlib only) runs the Python
side: `submits` (20,000 single submits of a no-op, then wait for all), `map-noop` (a no-op mapped over 1,000,000
items in chunks of 1,000, and over 100,000 items one at a time), `map-heavy` (the MapCompare heavy function over
200,000 items, sequential and `Pool.map`, results checked equal) and `startup` (creating the pool until both
workers have answered a call). Pools are created and warmed outside the timed region except in `startup`; 3 runs,
median reported. Both sides' JSON lines go to `bench/compare/results/processes-DATE.jsonl`; see
`bench/compare/README.md`. Ratio: how many times faster than the named Python baseline (higher is faster);
for `map-heavy`, each side's speedup over its own sequential loop.
"""


def load(path: Path) -> list[dict]:
    records, skipped = [], 0
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            skipped += 1
            continue
        if isinstance(record, dict) and "workload" in record and "variant" in record:
            records.append(record)
        else:
            skipped += 1
    if skipped:
        print(f"table.py: skipped {skipped} line(s) of {path} that are not benchmark records", file=sys.stderr)
    return records


def is_python(record: dict) -> bool:
    return str(record["variant"]).startswith("python-")


def fmt_num(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer() and digits:
        return f"{value:,.{digits}f}"
    return f"{round(value):,}"


def fmt_per_s(value) -> str:
    if value is None:
        return "–"
    if value >= 1e6:
        return f"{value / 1e6:.3g} M"
    return f"{round(value):,}"


def ratio_of(a, b) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_ratio(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}×" if value < 0.1 else f"{value:.2f}×"


def heavy_speedup(record: dict, side: list[dict]) -> float | None:
    if record.get("speedup_vs_sequential") is not None:
        return float(record["speedup_vs_sequential"])
    sequential = next((r for r in side if "sequential" in str(r["variant"])), None)
    if sequential is None:
        return None
    return ratio_of(sequential.get("median_ms"), record.get("median_ms"))


def ratio_cell(workload: str, record: dict, rows: list[dict]) -> str:
    baseline_name = BASELINES[workload]
    baseline = next((r for r in rows if r["variant"] == baseline_name), None)
    if workload == "map-heavy":
        side = [r for r in rows if is_python(r) == is_python(record)]
        own = heavy_speedup(record, side)
        if "sequential" in str(record["variant"]):
            return "1.00× (its sequential)"
        cell = f"{fmt_ratio(own)} vs its sequential"
        if not is_python(record) and baseline is not None:
            cell += f" (Python `Pool.map`: {fmt_ratio(heavy_speedup(baseline, [r for r in rows if is_python(r)]))})"
        return cell
    if baseline is None:
        return f"– (no `{baseline_name}` line)"
    if record is baseline:
        return "1.00× (baseline)"
    if workload == "startup":
        value = ratio_of(baseline.get("median_ms"), record.get("median_ms"))
    else:
        value = ratio_of(record.get("per_s"), baseline.get("per_s"))
    return f"{fmt_ratio(value)} vs `{baseline_name}`"


def build_table(records: list[dict]) -> str:
    by_workload: dict[str, list[dict]] = {}
    for record in records:
        rows = by_workload.setdefault(str(record["workload"]), [])
        # A repeated workload+variant (two runs in one file): the later line wins.
        rows[:] = [r for r in rows if r["variant"] != record["variant"]] + [record]
    order = WORKLOADS + sorted(w for w in by_workload if w not in WORKLOADS)

    lines = ["| workload | variant | n | median ms | per s | ratio vs Python baseline |",
             "|---|---|---:|---:|---:|---|"]
    for workload in order:
        rows = by_workload.get(workload, [])
        if not rows:
            continue
        python_rows = [r for r in rows if is_python(r)]
        spindle_rows = [r for r in rows if not is_python(r)]
        for record in spindle_rows + python_rows:
            cells = [workload, f"`{record['variant']}`", fmt_num(record.get("n")),
                     fmt_num(record.get("median_ms")), fmt_per_s(record.get("per_s")),
                     ratio_cell(workload, record, rows) if workload in BASELINES else "–"]
            if not is_python(record):
                cells[1] = f"**{cells[1]}**"
            lines.append("| " + " | ".join(cells) + " |")
        if not spindle_rows:
            lines.append(f"| {workload} | Spindle ProcessPool | pending | pending | pending | pending |")
    return "\n".join(lines)


def describe(records: list[dict], source: Path) -> str:
    python = next((r for r in records if is_python(r)), {})
    spindle = [r for r in records if not is_python(r)]
    facts = []
    if python:
        facts.append(f"Python {python.get('python', '?')}, start method `{python.get('start_method', '?')}`, "
                     f"{python.get('runs', '?')} runs per variant, {python.get('cores', '?')} cores")
    if python.get("quick"):
        facts.append("**`--quick` sizes, a smoke test, not a measurement**")
    facts.append("Spindle: " + (f"{len(spindle)} line(s) from `scripts/spindle bench processes --json`" if spindle
                                else "pending (no lines from `scripts/spindle bench processes --json` in this run)"))
    match = re.search(r"(\d{4}-\d{2}-\d{2})", source.name)
    when = f"Measured {match.group(1)}" if match else "Measured"
    try:
        shown = source.resolve().relative_to(Path(__file__).resolve().parents[2])
    except ValueError:
        shown = source
    return f"{when} (`{shown.as_posix()}`): " + "; ".join(facts) + "."


def write_docs(docs: Path, section: str) -> None:
    write_section(docs, BEGIN, END, DOCS_INTRO, section)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path, help="a JSON-lines file from bench/compare/run")
    parser.add_argument("--write-docs", action="store_true",
                        help=f"replace the section between {BEGIN} and {END} in the docs file (added at its end if absent)")
    parser.add_argument("--docs", type=Path, default=Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md")
    args = parser.parse_args()

    records = load(args.results)
    if not records:
        print(f"table.py: no benchmark records in {args.results}", file=sys.stderr)
        return 1
    table = build_table(records)
    print(table)
    if args.write_docs:
        write_docs(args.docs, describe(records, args.results) + "\n\n" + table)
        print(f"table.py: wrote the section in {args.docs}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
