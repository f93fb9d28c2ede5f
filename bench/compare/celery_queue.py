#!/usr/bin/python3
"""Celery + Redis on the workload of `spindle bench queue` (bench/compare/README.md says what is fair here).

    /usr/bin/python3 bench/compare/celery_queue.py --jobs 10000 --workers 2 --mode prefill|live|all
    /usr/bin/python3 bench/compare/celery_queue.py --results off          # results ignored (also: both)
    /usr/bin/python3 bench/compare/celery_queue.py --pool solo            # W solo nodes instead of one prefork node
    /usr/bin/python3 bench/compare/celery_queue.py --pool prefork,solo    # each in turn

Run it with Debian's /usr/bin/python3 (python3-celery, python3-redis, redis-server; apt-get install them).
Each invocation starts its own redis-server on a free loopback port (no persistence) in a temp folder and
stops it at the end; every run starts from an empty Redis. Per run and mode it prints one JSON object on
stdout with the fields of `spindle bench queue --json` plus `system`, `variant`, `results` and Celery's own.

  prefill  enqueue N no-op tasks (`apply_async` on one producer), then start the workers; the clock runs
           from the first enqueue until every task is done, so it includes worker start-up
  live     start the workers, wait until each is ready, then start the clock and enqueue while they run

"Done" with results: the result database (Redis db 1) holds N keys (polled with DBSIZE every 5 ms); after
the clock stops every result is read back (MGET) and checked: SUCCESS with the task's argument as its
value. Without results: each worker process counts the tasks it finished and adds its count to a Redis
counter every 5 ms; done when the counter is N, and it must be exactly N afterwards.

This file is also the Celery app the workers load (`celery -A celery_queue:app worker`), configured from
SPINDLE_CELERY_* environment variables that the bench sets.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import celery
import redis
from celery import Celery, signals

BROKER = os.environ.get("SPINDLE_CELERY_BROKER", "redis://127.0.0.1:6379/0")
BACKEND = os.environ.get("SPINDLE_CELERY_BACKEND") or None   # empty: results ignored
COUNTER_KEY = "spindle-bench:done"
POLL_S = 0.005

app = Celery("spindle_bench", broker=BROKER, backend=BACKEND)
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_ignore_result=BACKEND is None,
    worker_hijack_root_logger=False,
    worker_redirect_stdouts=False,   # the ready line must reach stdout, where the bench reads it
    broker_connection_retry_on_startup=True,
)


@app.task(name="bench.noop")
def noop(x):
    return x


# --- in the worker processes -------------------------------------------------------------------------

@signals.worker_ready.connect
def _announce_ready(**_):
    print(f"Worker {os.getpid()} ready", flush=True)


class _DoneCounter:
    """Without results: counts finished tasks in this process and adds them to Redis every 5 ms."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done = 0
        self.flushed = 0
        self.thread: threading.Thread | None = None

    def finished(self) -> None:
        with self.lock:
            self.done += 1
            if self.thread is None:   # started lazily: after the fork, in the process that runs tasks
                self.thread = threading.Thread(target=self._flush_loop, daemon=True)
                self.thread.start()

    def _flush_loop(self) -> None:
        client = redis.Redis.from_url(BROKER)
        while True:
            time.sleep(POLL_S)
            with self.lock:
                delta = self.done - self.flushed
                self.flushed = self.done
            if delta:
                client.incrby(COUNTER_KEY, delta)


_counter = _DoneCounter()


@signals.task_postrun.connect
def _count_done(**_):
    if BACKEND is None:
        _counter.finished()


# --- the bench -----------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_kb(pid: int) -> int:
    """The process's peak RSS so far (the kernel's VmHWM), in kB; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    """The processes any thread of pid started (billiard forks pool processes from a supervisor thread too)."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found.extend(int(p) for p in f.read().split())
        except OSError:
            pass
    return found


class RedisServer:
    def __init__(self, folder: str) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", folder, "--logfile", os.path.join(folder, "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {self.port}; see {folder}/redis.log")
                time.sleep(0.02)
        self.version = client.info("server")["redis_version"]

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Workers:
    """The celery worker nodes of one run; the largest peak RSS (VmHWM) of any one process of theirs, read as they stop."""

    def __init__(self, args, env: dict) -> None:
        nodes = 1 if args.pool == "prefork" else args.workers
        per_node = {"prefork": ["--pool", "prefork", "--concurrency", str(args.workers)],
                    "solo": ["--pool", "solo"],
                    "threads": ["--pool", "threads", "--concurrency", str(args.concurrency)]}[args.pool]
        self.processes = []
        self.ready = []
        self.errors: list[str] = []
        for n in range(nodes):
            command = [sys.executable, "-m", "celery", "-A", "celery_queue:app", "worker", "--loglevel", "WARNING",
                       "--without-gossip", "--without-mingle", "--without-heartbeat",
                       "--prefetch-multiplier", str(args.prefetch), "-n", f"bench{n}@%h", *per_node]
            process = subprocess.Popen(command, env=env, cwd=os.path.dirname(os.path.abspath(__file__)),
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                       start_new_session=True)
            ready = threading.Event()
            threading.Thread(target=self._read, args=(process.stdout, ready, None), daemon=True).start()
            threading.Thread(target=self._read, args=(process.stderr, None, self.errors), daemon=True).start()
            self.processes.append(process)
            self.ready.append(ready)
        self.peak_kb = 0

    @staticmethod
    def _read(stream, ready, errors) -> None:
        for line in stream:
            if ready is not None and line.startswith("Worker "):
                ready.set()
            if errors is not None and line.strip():
                errors.append(line.rstrip())
                del errors[:-5]

    def check(self) -> None:
        for process in self.processes:
            if process.poll() is not None:
                raise RuntimeError(f"a celery worker exited with code {process.returncode}: {' | '.join(self.errors)}")

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for ready in self.ready:
            while not ready.wait(0.01):
                self.check()
                if time.monotonic() > deadline:
                    raise TimeoutError(f"celery workers not ready within {timeout} s: {' | '.join(self.errors)}")

    def stop(self) -> None:
        # The kernel keeps each process's peak: read once, nothing samples during the run (as spindle bench queue).
        for process in self.processes:
            for pid in [process.pid, *children(process.pid)]:
                self.peak_kb = max(self.peak_kb, peak_rss_kb(pid))
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)   # warm shutdown of the node and its pool
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def run_once(args, server: RedisServer, mode: str, results: bool, pool: str) -> dict:
    args = argparse.Namespace(**{**vars(args), "pool": pool})
    broker_url, backend_url = server.url(0), server.url(1)
    admin = redis.Redis(port=server.port)
    admin.flushall()
    env = dict(os.environ, SPINDLE_CELERY_BROKER=broker_url, SPINDLE_CELERY_BACKEND=backend_url if results else "")
    client_app = Celery("spindle_bench", broker=broker_url, backend=backend_url if results else None)
    client_app.conf.update(task_serializer="json", accept_content=["json"], task_ignore_result=not results)
    result_db = redis.Redis(port=server.port, db=1)
    ids: list[str] = []

    def enqueue() -> None:
        with client_app.producer_or_acquire() as producer:
            for i in range(args.jobs):
                ids.append(client_app.send_task("bench.noop", args=(i,), producer=producer).id)

    def done_count() -> int:
        return result_db.dbsize() if results else int(admin.get(COUNTER_KEY) or 0)

    def wait_done(workers: Workers) -> None:
        deadline = time.monotonic() + args.timeout
        while done_count() < args.jobs:
            workers.check()
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {done_count()} of {args.jobs} tasks done within {args.timeout} s")
            time.sleep(POLL_S)

    workers = None
    try:
        if mode == "prefill":
            start = time.perf_counter()
            enqueue()
            enqueue_s = time.perf_counter() - start
            starting = time.perf_counter()
            workers = Workers(args, env)
            workers.wait_ready(60)
            start_s = time.perf_counter() - starting
            wait_done(workers)
            end_to_end_s = time.perf_counter() - start
        else:
            starting = time.perf_counter()
            workers = Workers(args, env)
            workers.wait_ready(60)
            start_s = time.perf_counter() - starting
            start = time.perf_counter()
            enqueue()
            enqueue_s = time.perf_counter() - start
            wait_done(workers)
            end_to_end_s = time.perf_counter() - start
    finally:
        if workers is not None:
            workers.stop()

    reading = time.perf_counter()
    succeeded = read_back(client_app, result_db, ids) if results else check_counter(admin, args.jobs)
    read_s = time.perf_counter() - reading
    client_app.close()
    per_s = round(args.jobs / end_to_end_s)
    return {
        "benchmark": "queue",
        "system": f"celery-{celery.__version__} redis-{server.version}",
        "store": "redis",
        "variant": f"celery-redis-{'results' if results else 'noresults'}" + ("" if pool == "prefork" else f"-{pool}"),
        "mode": mode,
        "jobs": args.jobs,
        "workers": args.workers,
        "concurrency": args.concurrency if args.pool == "threads" else 1,
        "celery_pool": args.pool,
        "prefetch_multiplier": args.prefetch,
        "results": results,
        "succeeded": succeeded,
        "enqueue_ms": round(enqueue_s * 1000, 3),
        "enqueue_per_s": round(args.jobs / enqueue_s),
        "worker_start_ms": round(start_s * 1000, 3),
        "median_ms": round(end_to_end_s * 1000, 3),
        "jobs_per_s": per_s,
        "per_s": per_s,
        "read_back_ms": round(read_s * 1000, 3),
        "peak_rss_mb": round(workers.peak_kb / 1024, 1),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
    }


def read_back(client_app: Celery, result_db: redis.Redis, ids: list[str]) -> int:
    """Every result must be SUCCESS with the task's argument as its value."""
    backend = client_app.backend
    succeeded = 0
    for first in range(0, len(ids), 1000):
        page = ids[first:first + 1000]
        values = result_db.mget([backend.get_key_for_task(task_id) for task_id in page])
        for offset, (task_id, raw) in enumerate(zip(page, values)):
            meta = json.loads(raw) if raw is not None else {}
            if meta.get("status") != "SUCCESS" or meta.get("result") != first + offset:
                raise RuntimeError(f"task {task_id} (argument {first + offset}) has no SUCCESS result of its argument: {meta}")
            succeeded += 1
    return succeeded


def check_counter(admin: redis.Redis, jobs: int) -> int:
    time.sleep(0.05)   # past two flush periods of every worker process: a duplicate run would show here
    done = int(admin.get(COUNTER_KEY) or 0)
    if done != jobs:
        raise RuntimeError(f"{done} tasks finished for {jobs} enqueued")
    return done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2, help="worker processes (prefork children, or solo/threads nodes)")
    parser.add_argument("--concurrency", type=int, default=10, help="threads per node with --pool threads")
    parser.add_argument("--pool", default="prefork",
                        help="prefork: one node with --workers child processes (Celery's default pool); "
                             "solo, threads: --workers nodes; several comma-separated run in turn")
    parser.add_argument("--prefetch", type=int, default=4, help="worker_prefetch_multiplier (Celery's default 4)")
    parser.add_argument("--mode", choices=["prefill", "live", "all"], default="all")
    parser.add_argument("--results", choices=["on", "off", "both"], default="on")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    pools = args.pool.split(",")
    if any(pool not in ("prefork", "solo", "threads") for pool in pools):
        parser.error(f"--pool takes prefork, solo or threads (comma-separated), got {args.pool!r}")
    if min(args.jobs, args.workers, args.concurrency, args.prefetch, args.runs) < 1:
        parser.error("--jobs, --workers, --concurrency, --prefetch and --runs must be at least 1")
    if shutil.which("redis-server") is None:
        print("celery_queue.py: redis-server is not installed (apt-get install -y redis-server)", file=sys.stderr)
        return 1

    modes = ["prefill", "live"] if args.mode == "all" else [args.mode]
    variants = {"on": [True], "off": [False], "both": [True, False]}[args.results]
    folder = tempfile.mkdtemp(prefix="celery-bench-")
    server = None
    try:
        server = RedisServer(folder)
        for _ in range(args.runs):
            for pool in pools:
                for results in variants:
                    for mode in modes:
                        print(json.dumps(run_once(args, server, mode, results, pool)), flush=True)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
