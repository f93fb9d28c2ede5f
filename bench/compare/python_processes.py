#!/usr/bin/env python3
"""Python multiprocessing baselines for `spindle bench processes`.

Prints one JSON object per line (snake_case, the fields of `spindle bench ... --json`):

    python3 bench/compare/python_processes.py             # default sizes, 3 runs each
    python3 bench/compare/python_processes.py --quick     # small sizes, a smoke test of a few seconds
    python3 bench/compare/python_processes.py --runs 5 --workload submits

Workloads (n is the item count; per_s = n / median seconds):
  submits    20,000 executor.submit(noop) / Pool.apply_async(noop), then wait for all
  map-noop   Pool.map(noop, range(1,000,000), chunksize=1000), Pool.map(chunksize=1) over 100,000,
             ProcessPoolExecutor.map(noop, range(1,000,000), chunksize=1000)
  map-heavy  200 rounds of acc = (acc*31 + i) & 0xFFFFFFFF over range(200,000): sequential and Pool.map
  startup    from creating the pool until both workers have answered one call (n = 2, no per_s)

Every pool has 2 workers and uses the platform's default start method (fork on Linux; --start-method
to change it), recorded as start_method. Except for startup, the pool is created and warmed with a tiny
call (one per worker for ProcessPoolExecutor) before any run is timed, and is reused for that variant's
runs; a gc.collect() precedes every timed run. Stdlib only.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import gc
import json
import multiprocessing
import os
import platform
import statistics
import sys
import time
from typing import Callable

WORKERS = 2
HEAVY_ROUNDS = 200
BARRIER_TIMEOUT_S = 60.0


def noop(*_args):
    return None


def heavy(x: int) -> int:
    acc = x
    for i in range(HEAVY_ROUNDS):
        acc = (acc * 31 + i) & 0xFFFFFFFF
    return acc


# Set in each worker by the startup workload's initializer; both workers wait on it, so a call
# returns only once both workers are up and running calls.
_barrier = None


def _set_barrier(barrier) -> None:
    global _barrier
    _barrier = barrier


def meet() -> int:
    _barrier.wait(BARRIER_TIMEOUT_S)
    return os.getpid()


class Reporter:
    def __init__(self, runs: int) -> None:
        self.runs = runs
        self.common = {
            "cores": os.cpu_count(),
            "workers": WORKERS,
            "start_method": multiprocessing.get_start_method(),
            "python": platform.python_version(),
        }

    def measure(self, run_once: Callable[[], object], check: Callable[[object], None] | None = None) -> list[float]:
        """Times run_once --runs times; check (outside the timed region) validates each run's result."""
        samples = []
        for _ in range(self.runs):
            gc.collect()
            start = time.perf_counter()
            result = run_once()
            elapsed = time.perf_counter() - start
            if check is not None:
                check(result)
            del result
            samples.append(elapsed * 1000.0)
        return samples

    def emit(self, workload: str, variant: str, n: int, samples_ms: list[float], *, throughput: bool = True,
             speedup_vs_sequential: float | None = None, **extra) -> dict:
        median = statistics.median(samples_ms)
        record = {
            "benchmark": "processes",
            "workload": workload,
            "variant": variant,
            "n": n,
            "runs": len(samples_ms),
            "median_ms": round(median, 3),
            "min_ms": round(min(samples_ms), 3),
            "max_ms": round(max(samples_ms), 3),
        }
        if throughput:
            record["per_s"] = round(n / (median / 1000.0))
        if speedup_vs_sequential is not None:
            record["speedup_vs_sequential"] = round(speedup_vs_sequential, 3)
        record.update(self.common)
        record.update({k: v for k, v in extra.items() if v is not None})
        print(json.dumps(record), flush=True)
        return record


def warm(executor: concurrent.futures.ProcessPoolExecutor) -> None:
    # With fork the first submit starts every worker; with spawn (--start-method) a worker starts
    # per submit that finds none idle, so one call per worker makes sure both start before timing.
    for future in [executor.submit(noop) for _ in range(WORKERS)]:
        future.result()


def expect_count(n: int) -> Callable[[object], None]:
    def check(result) -> None:
        if len(result) != n:
            raise RuntimeError(f"expected {n} results, got {len(result)}")
    return check


def run_submits(rep: Reporter, n: int) -> None:
    with concurrent.futures.ProcessPoolExecutor(max_workers=WORKERS) as executor:
        warm(executor)

        def submit_all():
            futures = [executor.submit(noop) for _ in range(n)]
            concurrent.futures.wait(futures)
            return futures

        def check(futures) -> None:
            expect_count(n)(futures)
            for f in futures:
                f.result()  # raises if a call failed

        rep.emit("submits", "python-ProcessPoolExecutor", n, rep.measure(submit_all, check))

    with multiprocessing.Pool(WORKERS) as pool:
        pool.apply(noop)

        def apply_all():
            results = [pool.apply_async(noop) for _ in range(n)]
            for r in results:
                r.get()
            return results

        rep.emit("submits", "python-Pool.apply_async", n, rep.measure(apply_all, expect_count(n)))


def run_map_noop(rep: Reporter, n_chunked: int, n_single: int) -> None:
    with multiprocessing.Pool(WORKERS) as pool:
        pool.apply(noop)
        samples = rep.measure(lambda: pool.map(noop, range(n_chunked), chunksize=1000), expect_count(n_chunked))
        rep.emit("map-noop", "python-Pool.map(chunksize=1000)", n_chunked, samples, chunksize=1000)
        samples = rep.measure(lambda: pool.map(noop, range(n_single), chunksize=1), expect_count(n_single))
        rep.emit("map-noop", "python-Pool.map(chunksize=1)", n_single, samples, chunksize=1)

    with concurrent.futures.ProcessPoolExecutor(max_workers=WORKERS) as executor:
        warm(executor)
        samples = rep.measure(lambda: list(executor.map(noop, range(n_chunked), chunksize=1000)),
                              expect_count(n_chunked))
        rep.emit("map-noop", "python-ProcessPoolExecutor.map(chunksize=1000)", n_chunked, samples, chunksize=1000)


def run_map_heavy(rep: Reporter, n: int) -> None:
    expected = [heavy(x) for x in range(n)]  # the reference, computed once outside any timing

    def same(result) -> None:
        if result != expected:
            raise RuntimeError("map-heavy: result differs from the sequential reference")

    sequential = rep.measure(lambda: [heavy(x) for x in range(n)], same)
    rep.emit("map-heavy", "python-sequential", n, sequential, speedup_vs_sequential=1.0)
    with multiprocessing.Pool(WORKERS) as pool:
        pool.apply(noop)
        samples = rep.measure(lambda: pool.map(heavy, range(n)), same)
    rep.emit("map-heavy", "python-Pool.map", n, samples,
             speedup_vs_sequential=statistics.median(sequential) / statistics.median(samples))


def run_startup(rep: Reporter) -> None:
    ctx = multiprocessing.get_context()

    def pool_once() -> tuple[float, list[int]]:
        barrier = ctx.Barrier(WORKERS)  # made before the clock starts: it is the call's argument
        start = time.perf_counter()
        pool = ctx.Pool(WORKERS, initializer=_set_barrier, initargs=(barrier,))
        pids = [r.get() for r in [pool.apply_async(meet) for _ in range(WORKERS)]]
        elapsed = time.perf_counter() - start
        pool.terminate()
        pool.join()
        return elapsed, pids

    def executor_once() -> tuple[float, list[int]]:
        barrier = ctx.Barrier(WORKERS)
        start = time.perf_counter()
        executor = concurrent.futures.ProcessPoolExecutor(
            max_workers=WORKERS, mp_context=ctx, initializer=_set_barrier, initargs=(barrier,))
        pids = [f.result() for f in [executor.submit(meet) for _ in range(WORKERS)]]
        elapsed = time.perf_counter() - start
        executor.shutdown(wait=True)
        return elapsed, pids

    for variant, once in (("python-Pool", pool_once), ("python-ProcessPoolExecutor", executor_once)):
        samples = []
        for _ in range(rep.runs):
            gc.collect()
            elapsed, pids = once()  # times itself: tearing the pool down is not part of startup
            if len(set(pids)) != WORKERS:
                raise RuntimeError(f"startup {variant}: expected {WORKERS} distinct workers, got {pids}")
            samples.append(elapsed * 1000.0)
        rep.emit("startup", variant, WORKERS, samples, throughput=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs per variant; the median is reported (default 3)")
    parser.add_argument("--quick", action="store_true", help="shrink every size for a smoke test")
    parser.add_argument("--workload", choices=["all", "submits", "map-noop", "map-heavy", "startup"], default="all")
    parser.add_argument("--start-method", choices=multiprocessing.get_all_start_methods(),
                        help="multiprocessing start method (default: the platform's, fork on Linux)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.start_method:
        multiprocessing.set_start_method(args.start_method)

    scale = 100 if args.quick else 1
    rep = Reporter(args.runs)
    if args.quick:
        rep.common["quick"] = True
    selected = lambda name: args.workload in ("all", name)  # noqa: E731
    if selected("submits"):
        run_submits(rep, 20_000 // scale)
    if selected("map-noop"):
        run_map_noop(rep, 1_000_000 // scale, 100_000 // scale)
    if selected("map-heavy"):
        run_map_heavy(rep, 200_000 // scale)
    if selected("startup"):
        run_startup(rep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
