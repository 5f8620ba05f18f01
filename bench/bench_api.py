"""Filing a finding (POST /api/v1/inspections/{id}/findings) against the floor (issue 9).

The floor is a bare django-ninja endpoint in the same process and database that inserts one
finding row with the same bearer authentication (bench/api_urls.py); ours adds the
Idempotency-Key record and its stored reply, the visibility, team and status checks (one
conditional insert), the audit event chained under its county's head lock, and the full
FindingOut reply: at most 8 statements, 7 on PostgreSQL (tests/scale/test_query_counts.py).

1. Latency, in process (Django test client, full middleware stack, no network), ours and the
   floor interleaved request by request: p50 and p95, on PostgreSQL and on SQLite.
   Target: ours <= 2x the floor.
2. Throughput under locust (headless), on gunicorn + PostgreSQL, 60 s each for the floor, ours
   and the floor again (the anchor is the two floor runs' mean, so that neither path alone runs on
   the database the other has grown): filings per second with zero errors, then the database is
   checked for lost rows (an acknowledged filing missing) and duplicated rows (one Idempotency-Key,
   two findings). 3% of the filings are re-sent with the same key and must be replayed.
   Target: >= 200 filings/s (issue 9); >= 0.6 of the floor (issue 14).
   Run twice on a private cluster: with PostgreSQL's durable defaults, and with fsync off (the
   disk's flush taken out), because every audited write holds the audit chain's head lock
   through its commit: on a disk that flushes in 12 ms that alone caps writes near 80/s.
3. Counties: ours only, the same 48 phones all in one county, spread over 8 counties (each county
   its own audit chain and head lock), and in one county again: the spread run must be at least as
   fast as the two one-county runs' mean (filings of different counties do not queue behind each
   other), with 0 lost and 0 duplicated. On two shared cores the rate is set by the CPU, not the
   lock, so beside it the run samples the server's backends that wait for a lock (`LockWaits`):
   that queue is what one chain per county removes.

The database is a throwaway one (bench/_pg.py); gunicorn listens on 127.0.0.1 only. Each part
runs in its own process with bench/settings_api.py, so it never shares Django with another
benchmark. ANCHA_BENCH_QUICK=1 shortens every run (for development, not for the figures).

    .venv/bin/python -m bench bench_api
"""

from __future__ import annotations

import collections
import contextlib
import csv
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from bench import _pg
from bench._pg import free_port, run_worker, throwaway_database
from bench._results import record

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
QUICK = os.environ.get("ANCHA_BENCH_QUICK") == "1"
LATENCY_REQUESTS = 60 if QUICK else 400
LOCUST_SECONDS = 10 if QUICK else 60
LOCUST_USERS = 48
GUNICORN_WORKERS = int(os.environ.get("ANCHA_BENCH_WORKERS", "8"))
INSPECTIONS = 96  # dispatched visits the phones file on; two phones share none
COUNTY = "520581"  # 黔西市, with generated history around the visits
SPREAD = 8  # counties in the run that shows filings of different counties not queueing together


def django_env(database_url: str) -> dict[str, str]:
    return _pg.django_env(
        database_url, settings="bench.settings_api", ANCHA_MEDIA_ROOT=tempfile.gettempdir() + "/ancha-bench-media"
    )


# --------------------------------------------------------------------------- workers (own process)


def _setup_django():
    import django

    django.setup()


def _dispatch_visits(codes: list[str], n: int) -> list[tuple[str, int]]:
    """`n` visits dispatched today, spread round-robin over the counties `codes`, each with a
    bearer token for the first of its two-person team: [(token, inspection id)]."""
    import secrets

    from django.utils import timezone

    from inspection.api.auth import _token_hash
    from inspection.models import ApiToken, Checklist, County, Inspection, Inspector, TeamMember

    places = []
    for code in codes:
        county = County.objects.get(code=code)
        checklist = Checklist.objects.filter(county=county).order_by("-version").first()
        inspectors = list(Inspector.objects.filter(county=county).select_related("user").order_by("pk"))
        places.append((county, checklist, inspectors, list(county.townships.order_by("code"))))
    today, now = timezone.localdate(), timezone.now()
    pairs = []
    for i in range(n):
        county, checklist, inspectors, townships = places[i % len(places)]
        township = townships[(i // len(places)) % len(townships)]
        team = [x for x in inspectors if x.home_township_id != township.pk]
        team = [team[i % len(team)], team[(i + 1) % len(team)]]
        visit = Inspection.objects.create(county=county, township=township, date=today, checklist=checklist,
                                          status=Inspection.Status.DISPATCHED, dispatched_at=now)
        TeamMember.objects.bulk_create(TeamMember(inspection=visit, inspector=m) for m in team)
        token = secrets.token_urlsafe(24)
        ApiToken.objects.create(user=team[0].user, token_hash=_token_hash(token))
        pairs.append((token, visit.pk))
    return pairs


def spread_counties() -> list[str]:
    """黔西市 and the next counties of 贵州省 in code order: SPREAD counties in all."""
    from bench.loadgen import province_counties

    others = [code for code in province_counties(COUNTY[:2]) if code != COUNTY]
    return [COUNTY, *others[: SPREAD - 1]]


def worker_setup(pairs_path: str, spread_path: str = "") -> None:
    """Migrate, generate 12 weeks of the county, dispatch today's visits with tokens for their teams.
    With `spread_path`: also SPREAD - 1 more counties (2 weeks each), and as many visits again
    spread over all of them, for the one-county-against-many run."""
    _setup_django()
    from django.core.management import call_command

    from bench.loadgen import generate_load

    call_command("migrate", verbosity=0)
    generate_load(province=COUNTY[:2], weeks=12, county_codes=[COUNTY], seed="bench-api")
    Path(pairs_path).write_text(json.dumps(_dispatch_visits([COUNTY], INSPECTIONS)))
    if spread_path:
        codes = spread_counties()
        generate_load(province=COUNTY[:2], weeks=2, county_codes=codes[1:], seed="bench-api")
        Path(spread_path).write_text(json.dumps(_dispatch_visits(codes, INSPECTIONS)))


def worker_latency(pairs_path: str, n: int) -> None:
    """Ours and the floor, interleaved; print the two lists of milliseconds as JSON."""
    _setup_django()
    import uuid

    from django.test import Client

    pairs = json.loads(Path(pairs_path).read_text())
    clients = [(Client(HTTP_AUTHORIZATION=f"Bearer {token}"), pk) for token, pk in pairs]
    times = {"ours": [], "floor": []}

    def once(kind, i):
        client, pk = clients[i % len(clients)]
        key = uuid.uuid4().hex
        body = {"severity": "minor", "text": f"latency {key} 值班表未公示"}
        path = f"/api/v1/inspections/{pk}/findings" if kind == "ours" else f"/floor/inspections/{pk}/findings"
        start = time.perf_counter()
        response = client.post(path, body, content_type="application/json", headers={"Idempotency-Key": key})
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 201:
            raise SystemExit(f"{kind}: {response.status_code} {response.content[:300]!r}")
        return elapsed

    for i in range(max(20, n // 10)):  # warm both paths: imports, connections, caches
        once("ours", i)
        once("floor", i)
    for i in range(n):
        order = ("ours", "floor") if i % 2 == 0 else ("floor", "ours")
        for kind in order:
            times[kind].append(once(kind, i))
    print(json.dumps(times))


def worker_check(mark: str, acked_path: str) -> None:
    """Rows written by a locust run against what the clients were told."""
    _setup_django()
    from collections import Counter

    from inspection.models import Finding

    data = json.loads(Path(acked_path).read_text())
    acked = {fid: key for key, fid in data["acked"]}
    rows = list(Finding.objects.filter(text__startswith=mark + " ").values_list("pk", "text"))
    per_key = Counter(text.split(" ")[1] for _, text in rows)
    ids = {pk for pk, _ in rows}
    print(json.dumps({
        "acked": len(data["acked"]),
        "acked_distinct_keys": len(set(acked.values())),
        "rows": len(rows),
        "lost": len(set(acked) - ids),
        "duplicated": sum(n - 1 for n in per_key.values() if n > 1),
        "unacknowledged_rows": len(ids - set(acked)),
        "replays": data["replays"],
    }))


# --------------------------------------------------------------------------- the parent


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def latency(database_url: str, label: str, where: str) -> None:
    env = django_env(database_url)
    with tempfile.TemporaryDirectory() as tmp:
        pairs = f"{tmp}/pairs.json"
        run_worker("bench.bench_api", ["worker", "setup", pairs], env=env)
        times = json.loads(run_worker("bench.bench_api", ["worker", "latency", pairs, str(LATENCY_REQUESTS)], env=env))
    ours, floor = times["ours"], times["floor"]
    for name, q in (("p50", 0.5), ("p95", 0.95)):
        record(f"api: file a finding {name} ({label})", ours=percentile(ours, q), anchor=percentile(floor, q),
               anchor_name=f"bare ninja endpoint inserting one row, same auth, {where}", unit="ms",
               target="ours <= 2x the floor")


def wait_for(port: int, proc: subprocess.Popen, seconds: float = 240) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5).read()
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer within {seconds:.0f} s")


class LockWaits:
    """While a load runs: every SAMPLE_S, the server's backends (of this database) that wait for a lock,
    by the lock's kind (pg_stat_activity, wait_event_type 'Lock': 'transactionid' or 'tuple' is a row
    lock, such as a county's audit head). The mean of the samples is the queue's mean length, and by
    Little's law the mean queue over the rate of filings is how long a filing waits for a lock."""

    SAMPLE_S = 0.025
    QUERY = ("SELECT wait_event, count(*) FROM pg_stat_activity "
             "WHERE datname = current_database() AND wait_event_type = 'Lock' GROUP BY wait_event")

    def __init__(self, database_url: str):
        self.url = database_url
        self.samples = 0
        self.waiting = collections.Counter()
        self._stop = threading.Event()

    def _run(self):
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self._stop.wait(self.SAMPLE_S):
                rows = conn.execute(self.QUERY).fetchall()
                self.samples += 1
                for event, n in rows:
                    self.waiting[event] += n

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def mean(self) -> float:
        return sum(self.waiting.values()) / max(1, self.samples)

    def by_kind(self) -> str:
        return ", ".join(f"{event} {n / max(1, self.samples):.2f}" for event, n in self.waiting.most_common()) or "none"


def locust_run(target: str, *, port: int, pairs: str, tmp: str, env: dict, tag: str = "",
               during: contextlib.AbstractContextManager | None = None, seconds: int = LOCUST_SECONDS) -> dict:
    name = f"{target}{tag}"
    mark = f"locust-{name}-{int(time.time())}"
    out = f"{tmp}/acked-{name}.json"
    prefix = f"{tmp}/locust-{name}"
    locust_env = {**os.environ, "ANCHA_LOCUST_PAIRS": pairs, "ANCHA_LOCUST_TARGET": target,
                  "ANCHA_LOCUST_MARK": mark, "ANCHA_LOCUST_OUT": out}
    with during or contextlib.nullcontext():
        subprocess.run(
            [str(VENV_BIN / "locust"), "-f", str(ROOT / "bench" / "locust_findings.py"), "--headless",
             "-u", str(LOCUST_USERS), "-r", str(LOCUST_USERS), "-t", f"{seconds}s",
             "--host", f"http://127.0.0.1:{port}", "--csv", prefix, "--csv-full-history", "--only-summary",
             "--stop-timeout", "10",
             "--exit-code-on-error", "0"],
            env=locust_env, cwd=ROOT, check=True, capture_output=True, text=True, timeout=seconds + 120,
        )
    with open(f"{prefix}_stats.csv", newline="") as handle:
        stats = {row["Name"]: row for row in csv.DictReader(handle)}
    main = stats["file a finding"]
    # Sustained: the slowest 10-second window of the run (after the first 5 s of ramp-up).
    marks = []
    with open(f"{prefix}_stats_history.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "file a finding":
                marks.append((int(row["Timestamp"]), int(row["Total Request Count"])))
    marks.sort()
    windows = [
        (b_count - a_count) / (b_t - a_t)
        for (a_t, a_count) in marks if a_t >= marks[0][0] + 5
        for (b_t, b_count) in marks if b_t - a_t == 10
    ] if marks else []
    check = json.loads(run_worker("bench.bench_api", ["worker", "check", mark, out], env=env))
    failures = sum(int(row["Failure Count"]) for name, row in stats.items() if name != "Aggregated")
    return {
        "filings_per_s": check["acked"] / seconds,
        "failures": failures,
        "p50": float(main["50%"]),
        "p95": float(main["95%"]),
        "slowest_10s": min(windows) if windows else float("nan"),
        **check,
    }


def throughput(database_url: str, where: str, *, label: str = "") -> None:
    env = django_env(database_url)
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        pairs = f"{tmp}/pairs.json"
        run_worker("bench.bench_api", ["worker", "setup", pairs], env=env)
        server = _gunicorn(env, port, tmp)
        try:
            wait_for(port, server)
            for target in ("floor", "ours"):  # every worker's first requests, on both paths, not counted
                locust_run(target, port=port, pairs=pairs, tmp=tmp, env=env, tag="-warm-up", seconds=5)
            # The floor before and after ours, averaged: the database grows by each run's rows and
            # autovacuum wakes during the runs, so whichever ran second alone would pay for it.
            before = locust_run("floor", port=port, pairs=pairs, tmp=tmp, env=env, tag="-before")
            ours = locust_run("ours", port=port, pairs=pairs, tmp=tmp, env=env)
            after = locust_run("floor", port=port, pairs=pairs, tmp=tmp, env=env, tag="-after")
        finally:
            _stop(server)
    floors = (before, after)
    floor = {key: statistics.fmean(run[key] for run in floors) for key in ("filings_per_s", "p95")}
    record(f"api: filings/s, locust {LOCUST_USERS} phones {LOCUST_SECONDS}s (gunicorn {GUNICORN_WORKERS}w + PostgreSQL{label})",
           ours=ours["filings_per_s"], anchor=floor["filings_per_s"],
           anchor_name=f"same floor endpoint, same load, {where}; mean of a run before and after",
           unit="filings/s",
           target=">= 0.6 of the floor (issue 14) and >= 200/s (issue 9), 0 errors, 0 lost, 0 duplicated")
    record(f"api: locust p95 under load ({LOCUST_USERS} phones{label})", ours=ours["p95"], anchor=floor["p95"],
           anchor_name="same floor endpoint, same load", unit="ms")
    print(f"   ours:  {ours['acked']} filings acknowledged, {ours['rows']} rows, {ours['failures']} errors, "
          f"{ours['lost']} lost, {ours['duplicated']} duplicated, {ours['unacknowledged_rows']} written but "
          f"unacknowledged at the stop, replays {ours['replays']['matched']}/{ours['replays']['sent']} matched"
          f" -> {_verdict(ours)}; slowest 10 s window {ours['slowest_10s']:.0f}/s")
    for name, run in zip(("before", "after"), floors):
        print(f"   floor {name}: {run['acked']} acknowledged ({run['filings_per_s']:.0f}/s), {run['failures']} errors, "
              f"{run['lost']} lost")


def _verdict(run: dict) -> str:
    """A locust run is clean with no error, no acknowledged filing lost and no key written twice."""
    return "clean" if run["failures"] == 0 and run["lost"] == 0 and run["duplicated"] == 0 else "NOT CLEAN"


def _gunicorn(env: dict, port: int, tmp: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "ancha.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(GUNICORN_WORKERS), "--worker-class", "sync", "--log-level", "warning",
         "--graceful-timeout", "5"],
        env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(f"{tmp}/gunicorn.log", "w"),
        start_new_session=True,
    )


def _stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def county_spread(database_url: str, where: str, *, label: str = "") -> None:
    """Ours only, the same 48 phones: all in one county, spread over SPREAD counties, then in one county
    again. Each county has its own audit chain and head lock, so spread filings must not queue behind
    one another: spread, the lock queue sampled during the run is shorter and the rate no lower, and
    every run stays 0 lost, 0 duplicated."""
    env = django_env(database_url)
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        one, many = f"{tmp}/pairs-one.json", f"{tmp}/pairs-many.json"
        run_worker("bench.bench_api", ["worker", "setup", one, many], env=env)
        server = _gunicorn(env, port, tmp)
        try:
            wait_for(port, server)
            # Every worker's first requests in every county (imports, connections, caches), not counted; then one
            # county before and after the spread run, averaged: the database grows and autovacuum wakes
            # during the runs, so whichever ran second would pay for it.
            locust_run("ours", port=port, pairs=many, tmp=tmp, env=env, tag="-warm-up", seconds=5)
            order = (("one", one), ("many", many), ("one again", one))
            waits = {name: LockWaits(database_url) for name, _ in order}
            results = {name: locust_run("ours", port=port, pairs=pairs, tmp=tmp, env=env,
                                        tag="-" + name.replace(" ", "-"), during=waits[name])
                       for name, pairs in order}
        finally:
            _stop(server)
    for name, run in results.items():
        wait = waits[name]
        print(f"   {name:<9} {'county' if name != 'many' else 'counties'}: {run['acked']} acknowledged, "
              f"{run['failures']} errors, {run['lost']} lost, {run['duplicated']} duplicated -> "
              f"{_verdict(run)}; p95 {run['p95']:.0f} ms; filings waiting for a lock, mean of "
              f"{wait.samples} samples: {wait.mean:.2f} ({wait.by_kind()})")
    # Each run's rate and, by Little's law (the lock queue's mean length over the rate of filings), each
    # filing's mean wait for a lock; the two one-county runs averaged.
    per_run = {name: (run["filings_per_s"], 1000 * waits[name].mean / max(run["filings_per_s"], 1e-9))
               for name, run in results.items()}
    one_runs = [measured for name, measured in per_run.items() if name != "many"]
    rate = {"many": per_run["many"][0], "one": statistics.fmean(r for r, _ in one_runs)}
    wait_ms = {"many": per_run["many"][1], "one": statistics.fmean(w for _, w in one_runs)}
    record(f"api: filings/s, locust {LOCUST_USERS} phones in {SPREAD} counties vs 1 county (PostgreSQL{label})",
           ours=rate["many"], anchor=rate["one"],
           anchor_name=f"the same phones all in one county, same server, {where}; mean of a run before and after",
           unit="filings/s", target="spread >= one county (no queue across counties), 0 lost, 0 duplicated")
    record(f"api: a filing's wait for a lock, locust {LOCUST_USERS} phones in {SPREAD} counties vs 1 county "
           f"(PostgreSQL{label})",
           ours=wait_ms["many"], anchor=wait_ms["one"],
           anchor_name=f"the same phones all in one county, same server, {where}; the lock queue sampled every "
                       f"{LockWaits.SAMPLE_S * 1000:.0f} ms (pg_stat_activity), over the rate of filings",
           unit="ms", target="spread < one county: filings of different counties do not queue behind one head lock")


def main() -> None:
    for tool in ("gunicorn", "locust"):
        if not (VENV_BIN / tool).exists() and shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is not installed in the venv (pip install {tool})")
    with tempfile.TemporaryDirectory() as tmp:
        latency(f"sqlite:///{tmp}/bench-api.sqlite3", "SQLite", "SQLite file, WAL")
    with throwaway_database("ancha_bench_api") as (url, where):
        latency(url, "PostgreSQL", where)
    with throwaway_database("ancha_bench_api_load") as (url, where):
        throughput(url, where)
    with throwaway_database("ancha_bench_api_spread") as (url, where):
        county_spread(url, where)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        # The same with the disk's flush taken out: every audited write holds the audit head's
        # lock through its commit, so on a slow disk the flush, not the code, sets the pace.
        with throwaway_database("ancha_bench_api_noflush", flush=False) as (url, where):
            throughput(url, where, label=", fsync off")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "worker":
        mode, args = sys.argv[2], sys.argv[3:]
        if mode == "setup":
            worker_setup(*args)
        elif mode == "latency":
            worker_latency(args[0], int(args[1]))
        elif mode == "check":
            worker_check(*args)
        else:
            raise SystemExit(f"unknown worker {mode}")
    else:
        main()
