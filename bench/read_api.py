"""Read API benchmark: the token API's everyday reads over HTTP (gunicorn), backends side by side.

    .venv/bin/python bench/read_api.py [--requests 6000] [--concurrency 8] [--solo-requests 400]
        [--workers 4] [--backends postgresql,sqlite]

For each backend (the embedded SQLite in WAL mode, and PostgreSQL on 127.0.0.1:5432 as user
postgres in a scratch database `pingan_bench_<pid>` that the script creates and drops):

1. a temporary PINGAN_HOME; `pingan demo --no-serve` migrates and builds the demo county
   (3,000 events, 300 disputes) into it;
2. `gunicorn pingan.wsgi -w 4` on a free 127.0.0.1 port; tokens (POST /api/v1/auth/token/)
   for every demo town operator and grid worker; for each of them, not timed, their own
   region's polygon (to draw lookup points inside it) and the numbers of cases in their
   scope (from their `all` and `todo` boxes);
3. mix: a pool of client threads sends `--requests` reads drawn with fixed weights (`MIX`)
   from the endpoints in `ENDPOINTS`, each as a random one of those accounts; the CPU time
   the gunicorn processes, this database's PostgreSQL backends and this client spent on it
   is read from /proc and reported per request;
4. solo: each endpoint alone, `--solo-requests` times, to show what it costs by itself.

Every answer must be 200; anything else (or a connection error) is counted as an error.
Only 127.0.0.1 is contacted. Prints a table, then one JSON line with the figures.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from event_intake import (
    PG_ADMIN,
    demo_installation,
    free_port,
    percentile,
    random_point,
    request,
    start_server,
    stop_server,
)

# Page sizes the UI uses: the phone's 我的任务 asks for todo with limit=100
# (`pingan.mobile.shell.TODO_URL`); the command pages show 50 rows (the API default too).
TODO_LIMIT = 100
PAGE_LIMIT = 50
# (endpoint, weight): a working day of operators and grid workers is mostly opening the
# to-do box and the cases in it; the code tables and the profile are read on every app start.
MIX = (
    ("cases_todo", 20),
    ("case_detail", 25),
    ("cases_overdue", 8),
    ("cases_all", 10),
    ("categories", 10),
    ("region", 8),
    ("me", 10),
    ("grid_lookup", 9),
)
ENDPOINTS = {
    "cases_todo": f"/api/v1/cases/?inbox=todo&limit={TODO_LIMIT}",
    "cases_overdue": f"/api/v1/cases/?inbox=overdue&limit={PAGE_LIMIT}",
    "cases_all": f"/api/v1/cases/?inbox=all&limit={PAGE_LIMIT}",
    "case_detail": "/api/v1/cases/{number}/",
    "categories": "/api/v1/events/categories/",
    "region": "/api/v1/regions/{unit}/",
    "me": "/api/v1/me/",
    "grid_lookup": "/api/v1/grids/lookup/?lat={lat}&lng={lng}",
}
ROLES = ("town_operator", "grid_worker")


@dataclass
class Client:
    """One demo account: its token, unit, cases in its scope and points inside its region."""

    username: str
    role: str
    unit: str
    token: str
    cases: list[str] = field(default_factory=list)
    points: list[tuple[float, float]] = field(default_factory=list)

    def path(self, endpoint: str, rng: random.Random) -> str:
        template = ENDPOINTS[endpoint]
        if endpoint == "case_detail":
            return template.format(number=rng.choice(self.cases))
        if endpoint == "region":
            return template.format(unit=self.unit)
        if endpoint == "grid_lookup":
            lng, lat = rng.choice(self.points)
            return template.format(lat=lat, lng=lng)
        return template


# --- setting up the clients (not timed) ----------------------------------------------------
def get_json(port: int, path: str, token: str):
    status, body = request(port, "GET", path, token=token)
    if status != 200:
        raise RuntimeError(f"GET {path}: {status} {body[:200]!r}")
    return json.loads(body)


def make_clients(port: int, home: Path, rng: random.Random) -> list[Client]:
    from shapely.geometry import Point, shape

    accounts = json.loads((home / "demo-accounts.json").read_text(encoding="utf-8"))
    clients = []
    for account in accounts:
        if account["role"] not in ROLES:
            continue
        status, body = request(
            port,
            "POST",
            "/api/v1/auth/token/",
            {"username": account["username"], "password": account["password"]},
        )
        if status != 200:
            raise RuntimeError(f"token for {account['username']}: {status} {body[:200]!r}")
        client = Client(
            account["username"], account["role"], account["unit_code"], json.loads(body)["token"]
        )
        numbers = {
            row["number"]
            for box in ("todo", "all")
            for row in get_json(port, f"/api/v1/cases/?inbox={box}&limit=50", client.token)[
                "results"
            ]
        }
        client.cases = sorted(numbers)
        region = get_json(port, f"/api/v1/regions/{client.unit}/", client.token)
        polygon = shape(region["geometry"])
        client.points = [random_point(rng, polygon, Point) for _ in range(20)]
        clients.append(client)
    if not any(c.cases for c in clients):
        raise RuntimeError("no demo account sees any case")
    return clients


def pick(clients: list[Client], endpoint: str, rng: random.Random) -> Client:
    """A random account; for a case detail one that sees at least one case."""
    while True:
        client = rng.choice(clients)
        if client.cases or endpoint != "case_detail":
            return client


# --- load -----------------------------------------------------------------------------------
def run_plan(port: int, plan: list[tuple[str, str, str]], concurrency: int) -> dict:
    """Send `plan` ([(endpoint, path, token)]) from `concurrency` threads; figures per endpoint."""

    def one(item) -> tuple[str, float, str]:
        endpoint, path, token = item
        started = time.perf_counter()
        try:
            status, answer = request(port, "GET", path, token=token)
        except OSError as exc:
            status, answer = 0, str(exc).encode()
        elapsed = time.perf_counter() - started
        error = "" if status == 200 else f"{status} {path} {answer[:200].decode(errors='replace')}"
        return endpoint, elapsed, error

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        timings = list(pool.map(one, plan))
    seconds = time.perf_counter() - started
    result = summary(timings, seconds)
    result["endpoints"] = {
        name: summary([t for t in timings if t[0] == name], seconds)
        for name in dict.fromkeys(t[0] for t in timings)
    }
    return result


def summary(timings: list[tuple[str, float, str]], seconds: float) -> dict:
    latencies = [elapsed for _, elapsed, _ in timings]
    errors = [error for _, _, error in timings if error]
    return {
        "requests": len(timings),
        "seconds": seconds,
        "req_per_s": (len(timings) - len(errors)) / seconds,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "errors": len(errors),
        "error_samples": errors[:3],
    }


def mix_plan(clients: list[Client], count: int, rng: random.Random) -> list[tuple[str, str, str]]:
    names = [name for name, _ in MIX]
    weights = [weight for _, weight in MIX]
    plan = []
    for endpoint in rng.choices(names, weights, k=count):
        client = pick(clients, endpoint, rng)
        plan.append((endpoint, client.path(endpoint, rng), client.token))
    return plan


def solo_plan(clients, endpoint: str, count: int, rng: random.Random) -> list[tuple[str, str, str]]:
    plan = []
    for _ in range(count):
        client = pick(clients, endpoint, rng)
        plan.append((endpoint, client.path(endpoint, rng), client.token))
    return plan


def http_run(port: int, home: Path, args, cpu: CpuMeter) -> dict:
    rng = random.Random(args.seed)
    clients = make_clients(port, home, rng)
    # Warm-up: every worker loads its code tables, grid index and prepared statements.
    warm = [
        (n, c.path(n, rng), c.token)
        for c in clients
        for n, _ in MIX
        if c.cases or n != "case_detail"
    ]
    run_plan(port, warm, args.concurrency)
    plan = mix_plan(clients, args.requests, rng)
    before = cpu.sample()
    mix = run_plan(port, plan, args.concurrency)
    mix["cpu_ms"] = cpu.per_request(before, cpu.sample(), len(plan))
    result = {
        "clients": {role: sum(c.role == role for c in clients) for role in ROLES},
        "mix": mix,
        "solo": {},
    }
    if args.solo_requests:
        for endpoint, _ in MIX:
            plan = solo_plan(clients, endpoint, args.solo_requests, rng)
            result["solo"][endpoint] = run_plan(port, plan, args.concurrency)
    return result


# --- where the CPU goes -----------------------------------------------------------------------
class CpuMeter:
    """CPU seconds of the gunicorn processes, of this database's PostgreSQL backends and of
    this client process, read from /proc (the machine's other work is left out)."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, server_pid: int, db_name: str | None):
        self.server_pid = server_pid
        self.db_name = db_name

    @classmethod
    def _seconds(cls, pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / cls.TICK

    def _server_pids(self) -> list[int]:
        pids = [self.server_pid]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(stat[1]) == self.server_pid:
                    pids.append(int(entry.name))
        return pids

    def _database_pids(self) -> list[int]:
        if self.db_name is None:
            return []
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.db_name]
            ).fetchall()
        return [pid for (pid,) in rows]

    def sample(self) -> dict[str, dict[int, float]]:
        return {
            "server": {pid: self._seconds(pid) for pid in self._server_pids()},
            "database": {pid: self._seconds(pid) for pid in self._database_pids()},
            "client": {0: time.process_time()},
        }

    @staticmethod
    def per_request(before: dict, after: dict, requests: int) -> dict[str, float]:
        """CPU milliseconds per request by part (processes that started meanwhile count
        from zero)."""
        return {
            part: sum(t - before[part].get(pid, 0.0) for pid, t in after[part].items())
            * 1000
            / requests
            for part in after
        }


# --- per backend ---------------------------------------------------------------------------
def run_backend(backend: str, args) -> dict:
    result: dict = {"backend": backend}
    with demo_installation(backend) as (home, env, db_name, demo_seconds):
        result["demo_seconds"] = demo_seconds
        port = free_port()
        server = start_server(env, port, args.workers, home / "gunicorn.log")
        try:
            cpu = CpuMeter(server.pid, db_name if backend == "postgresql" else None)
            result.update(http_run(port, home, args, cpu))
        finally:
            stop_server(server)
    return result


# --- report ----------------------------------------------------------------------------------
def print_table(results: dict, args, load: float) -> None:
    print("Read API benchmark")
    print(f"  machine        {os.cpu_count()} CPUs, load average {load:.1f} at start")
    print(
        f"  HTTP           mix of {args.requests} requests, {args.solo_requests} per endpoint "
        f"alone, {args.concurrency} client threads, gunicorn -w {args.workers}"
    )
    head = f"  {'backend':<11}{'endpoint':<15}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
    print(f"{head}{'errors':>7}   {'in the mix: n':>13}{'p95 ms':>8}")
    for backend, r in results.items():
        mix = r["mix"]
        for endpoint, _ in MIX:
            solo = r["solo"].get(endpoint)
            part = mix["endpoints"].get(endpoint, summary([], 1))
            figures = (
                f"{solo['req_per_s']:>8.1f}{solo['p50_ms']:>8.1f}{solo['p95_ms']:>8.1f}"
                f"{solo['p99_ms']:>8.1f}{solo['errors']:>7}"
                if solo
                else f"{'–':>8}{'–':>8}{'–':>8}{'–':>8}{'–':>7}"
            )
            print(
                f"  {backend:<11}{endpoint:<15}{figures}   "
                f"{part['requests']:>13}{part['p95_ms']:>8.1f}"
            )
        print(
            f"  {backend:<11}{'MIX':<15}{mix['req_per_s']:>8.1f}{mix['p50_ms']:>8.1f}"
            f"{mix['p95_ms']:>8.1f}{mix['p99_ms']:>8.1f}{mix['errors']:>7}"
        )
        cpu = mix["cpu_ms"]
        busy = sum(cpu.values()) * mix["req_per_s"] / 1000
        database = (
            f"PostgreSQL {cpu['database']:.2f} ms"
            if backend == "postgresql"
            else "the database runs inside the server"
        )
        print(
            f"  {backend:<11}CPU per request in the mix: server {cpu['server']:.2f} ms, "
            f"{database}, client {cpu['client']:.2f} ms "
            f"({busy:.2f} of {os.cpu_count()} cores busy)"
        )
        clients = ", ".join(f"{n} {role}" for role, n in r["clients"].items())
        print(f"  {backend:<11}clients: {clients}; demo build {r['demo_seconds']:.1f} s")
        samples = mix["error_samples"] + [s for m in r["solo"].values() for s in m["error_samples"]]
        for sample in samples[:3]:
            print(f"    e.g. {sample}")


def figures(results: dict, args, load: float) -> dict:
    out: dict = {
        "requests": args.requests,
        "concurrency": args.concurrency,
        "workers": args.workers,
        "load_average": round(load, 2),
    }
    for backend, r in results.items():
        mix = r["mix"]
        out[f"read_req_per_s_{backend}"] = round(mix["req_per_s"], 1)
        for q in ("p50", "p95", "p99"):
            out[f"read_{q}_ms_{backend}"] = round(mix[f"{q}_ms"], 1)
        for part, ms in mix["cpu_ms"].items():
            out[f"read_cpu_ms_{part}_{backend}"] = round(ms, 2)
        out[f"read_errors_{backend}"] = mix["errors"] + sum(m["errors"] for m in r["solo"].values())
        for endpoint, m in r["solo"].items():
            out[f"{endpoint}_req_per_s_{backend}"] = round(m["req_per_s"], 1)
            out[f"{endpoint}_p95_ms_{backend}"] = round(m["p95_ms"], 1)
    out["errors"] = sum(out[f"read_errors_{b}"] for b in results)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6000, help="requests in the mix")
    parser.add_argument("--solo-requests", type=int, default=400, help="per endpoint; 0: skip")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--backends", default="postgresql,sqlite")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    results = {b: run_backend(b, args) for b in args.backends.split(",")}
    print_table(results, args, load)
    print(json.dumps(figures(results, args, load)))


if __name__ == "__main__":
    main()
