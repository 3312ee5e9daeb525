"""Event intake benchmark: event reports through the service layer and over HTTP (gunicorn).

    .venv/bin/python bench/event_intake.py [--requests 2000] [--concurrency 16]
        [--service-events 500] [--workers 4] [--backends sqlite,postgresql]

For each backend (the embedded SQLite in WAL mode, and PostgreSQL on 127.0.0.1:5432 as user
postgres in a scratch database `pingan_bench_<pid>` that the script creates and drops):

1. a temporary PINGAN_HOME; `pingan demo --no-serve` migrates and builds the demo county
   (with its 3,000 demo events) into it;
2. service layer: a child process calls `pingan.events.services.event_report` in a loop as
   the demo grid workers (one process, no HTTP), and reports events/s and latencies;
3. HTTP: `gunicorn pingan.wsgi -w 4` on a free 127.0.0.1 port; tokens for every demo grid
   worker (POST /api/v1/auth/token/); a pool of client threads POSTs /api/v1/events/ with
   random points inside the worker's own grid (fetched from /api/v1/regions/{code}/),
   a leaf category, and a unique idempotency key. Any answer other than 201 is an error
   ("database is locked" is counted separately as well). The server is stopped afterwards.

Only 127.0.0.1 is contacted. Prints a table, then one JSON line with the figures.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"


# --- helpers -------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def request(port: int, method: str, path: str, body=None, token: str = "") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Token {token}"
    try:
        conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --- service layer (runs in a child process with the backend's environment) ----------------
def service_worker(count: int, seed: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingan.settings")
    django.setup()
    from shapely.geometry import Point, shape

    from pingan.accounts.models import Position
    from pingan.accounts.scope import Actor
    from pingan.events.models import EventCategory
    from pingan.events.services import event_report
    from pingan.regions.models import Region

    rng = random.Random(seed)
    positions = [
        p
        for p in Position.objects.select_related("user", "region").filter(
            role="grid_worker", region__code__startswith="99"
        )
        if len(p.region_id) == 15
    ]
    shapes = {p.region_id: shape(Region.objects.get(code=p.region_id).geometry) for p in positions}
    categories = list(
        EventCategory.objects.filter(parent__isnull=False, active=True).values_list(
            "code", flat=True
        )
    )

    def one(i: int) -> float:
        position = rng.choice(positions)
        lng, lat = random_point(rng, shapes[position.region_id], Point)
        started = time.perf_counter()
        _, created = event_report(
            actor=Actor(position.user, position),
            category=rng.choice(categories),
            description=f"基准测试事件 {i}",
            lng=lng,
            lat=lat,
            idempotency_key=f"svc-{seed}-{i}",
        )
        assert created
        return time.perf_counter() - started

    for i in range(20):  # warm-up: grid index, calendar, connections
        one(-1 - i)
    started = time.perf_counter()
    latencies = [one(i) for i in range(count)]
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "events": count,
                "seconds": elapsed,
                "events_per_s": count / elapsed,
                "p50_ms": percentile(latencies, 50) * 1000,
                "p95_ms": percentile(latencies, 95) * 1000,
                "p99_ms": percentile(latencies, 99) * 1000,
            }
        )
    )


def random_point(rng: random.Random, polygon, point_cls) -> tuple[float, float]:
    minx, miny, maxx, maxy = polygon.bounds
    while True:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if polygon.contains(point_cls(x, y)):
            return round(x, 6), round(y, 6)


# --- HTTP ----------------------------------------------------------------------------------
def start_server(env: dict, port: int, workers: int, log: Path) -> subprocess.Popen:
    handle = log.open("w")
    proc = subprocess.Popen(
        [str(VENV / "gunicorn"), "pingan.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}")
        try:
            status, _ = request(port, "GET", "/healthz")
            if status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(proc)
    raise RuntimeError("gunicorn did not become healthy within 60 s")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def http_run(port: int, home: Path, requests: int, concurrency: int, seed: int) -> dict:
    from shapely.geometry import Point, shape

    accounts = json.loads((home / "demo-accounts.json").read_text(encoding="utf-8"))
    workers = [a for a in accounts if a["role"] == "grid_worker" and len(a["unit_code"]) == 15]
    clients = []
    for account in workers:
        status, body = request(
            port,
            "POST",
            "/api/v1/auth/token/",
            {"username": account["username"], "password": account["password"]},
        )
        if status != 200:
            raise RuntimeError(f"token for {account['username']}: {status} {body[:200]!r}")
        token = json.loads(body)["token"]
        status, body = request(port, "GET", f"/api/v1/regions/{account['unit_code']}/", token=token)
        if status != 200:
            raise RuntimeError(f"region {account['unit_code']}: {status}")
        clients.append((token, shape(json.loads(body)["geometry"])))
    status, body = request(port, "GET", "/api/v1/events/categories/", token=clients[0][0])
    data = json.loads(body)
    rows = data["results"] if isinstance(data, dict) else data
    categories = [row["code"] for row in rows if row["parent"]]

    rng = random.Random(seed)
    plan = []
    for i in range(requests):
        token, polygon = rng.choice(clients)
        lng, lat = random_point(rng, polygon, Point)
        plan.append(
            (
                token,
                {
                    "category": rng.choice(categories),
                    "description": f"HTTP 基准测试事件 {i}",
                    "lng": lng,
                    "lat": lat,
                    "idempotency_key": f"http-{seed}-{os.getpid()}-{i}",
                },
            )
        )
    errors: list[str] = []
    lock = threading.Lock()

    def one(item) -> float:
        token, body = item
        started = time.perf_counter()
        try:
            status, answer = request(port, "POST", "/api/v1/events/", body, token)
        except OSError as exc:
            status, answer = 0, str(exc).encode()
        elapsed = time.perf_counter() - started
        if status != 201:
            with lock:
                errors.append(f"{status} {answer[:300].decode(errors='replace')}")
        return elapsed

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        latencies = list(pool.map(one, plan))
    elapsed = time.perf_counter() - started
    return {
        "requests": requests,
        "clients": len(clients),
        "seconds": elapsed,
        "events_per_s": (requests - len(errors)) / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "errors": len(errors),
        "locked": sum("database is locked" in e for e in errors),
        "error_samples": errors[:3],
    }


# --- per backend ---------------------------------------------------------------------------
@contextlib.contextmanager
def demo_installation(backend: str):
    """A throw-away installation with the demo county: yields (home, env, db_name,
    demo_seconds); the home and the scratch PostgreSQL database go afterwards."""
    home = Path(tempfile.mkdtemp(prefix=f"pingan-bench-{backend}-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(PINGAN_HOME=str(home), PINGAN_DEBUG="0", DJANGO_SETTINGS_MODULE="pingan.settings")
    db_name = f"pingan_bench_{os.getpid()}"
    if backend == "postgresql":
        pg_admin(f"DROP DATABASE IF EXISTS {db_name}")
        pg_admin(f"CREATE DATABASE {db_name}")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{db_name}"
    try:
        started = time.perf_counter()
        subprocess.run(
            [str(VENV / "pingan"), "demo", "--no-serve"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        yield home, env, db_name, time.perf_counter() - started
    finally:
        if backend == "postgresql":
            pg_admin(f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)")
        shutil.rmtree(home, ignore_errors=True)


def run_backend(backend: str, args) -> dict:
    result: dict = {"backend": backend}
    with demo_installation(backend) as (home, env, _db_name, demo_seconds):
        result["demo_seconds"] = demo_seconds
        out = subprocess.run(
            [sys.executable, __file__, "--service-worker", str(args.service_events)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        result["service"] = json.loads(out.strip().splitlines()[-1])
        port = free_port()
        server = start_server(env, port, args.workers, home / "gunicorn.log")
        try:
            result["http"] = http_run(port, home, args.requests, args.concurrency, args.seed)
        finally:
            stop_server(server)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--service-events", type=int, default=500)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--service-worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.service_worker:
        service_worker(args.service_worker, args.seed)
        return
    load = os.getloadavg()[0]
    results = {b: run_backend(b, args) for b in args.backends.split(",")}
    print("Event intake benchmark")
    print(f"  machine            {os.cpu_count()} CPUs, load average {load:.1f} at start")
    print(
        f"  HTTP               {args.requests} requests, {args.concurrency} client threads, "
        f"gunicorn -w {args.workers}"
    )
    print(f"  {'backend':<12}{'path':<9}{'events/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for backend, r in results.items():
        for path in ("service", "http"):
            m = r[path]
            print(
                f"  {backend:<12}{path:<9}{m['events_per_s']:>10.1f}{m['p50_ms']:>9.1f}"
                f"{m['p95_ms']:>9.1f}{m['p99_ms']:>9.1f}"
            )
        print(
            f"  {backend:<12}errors {r['http']['errors']} (database is locked: "
            f"{r['http']['locked']}), demo build {r['demo_seconds']:.1f} s"
        )
        for sample in r["http"]["error_samples"]:
            print(f"    e.g. {sample}")
    figures = {"requests": args.requests, "concurrency": args.concurrency}
    if "sqlite" in results:
        figures["service_events_per_s"] = round(results["sqlite"]["service"]["events_per_s"], 1)
    for backend, r in results.items():
        figures[f"service_events_per_s_{backend}"] = round(r["service"]["events_per_s"], 1)
        figures[f"http_events_per_s_{backend}"] = round(r["http"]["events_per_s"], 1)
        for q in ("p50", "p95", "p99"):
            figures[f"http_{q}_ms_{backend}"] = round(r["http"][f"{q}_ms"], 1)
        figures[f"http_errors_{backend}"] = r["http"]["errors"]
    if "service_events_per_s" not in figures:  # --backends postgresql
        first = next(iter(results.values()))
        figures["service_events_per_s"] = round(first["service"]["events_per_s"], 1)
    figures["errors"] = sum(r["http"]["errors"] for r in results.values())
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
