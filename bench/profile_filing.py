"""Where the time of one filing goes (issue 14): SQL, serialisation and the rest of the Python.

Two passes over the same in-process requests as bench_api's latency (Django test client, full
middleware, the bench's settings and generated county): the first unprofiled, timing each request
and the time spent inside the database cursor (execute_wrapper); the second under cProfile, whose
cumulative times split the Python part between its stages. Not part of `make bench` (no anchor).

    PYTHONPATH=. .venv/bin/python -m bench.profile_filing [sqlite|postgresql]

ANCHA_PROFILE_DUMP=/tmp/filing.prof also writes the whole profile (pstats format).
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench._pg import run_worker

REQUESTS = 300
# Stages named by the function whose cumulative time is the stage's (module suffix, function).
STAGES = {
    "auth (token, profile)": ("inspection/services/tokens.py", "check_token"),
    "body parsing and validation (ninja, pydantic)": ("ninja/operation.py", "_get_values"),
    "the endpoint itself (post_finding: hash, insert, reply, audit)": ("inspection/api/inspections.py", "post_finding"),
    "the reply (FindingOut values, JSON)": ("inspection/api/inspections.py", "new_finding_json"),
    "audit event (payload, hashes, append)": ("inspection/services/audit.py", "record_event"),
    "the conditional insert (SQL built from access.py)": ("inspection/services/filing.py", "_insert_finding"),
    "middleware and routing (whole request)": ("django/core/handlers/base.py", "_get_response"),
}


def worker(pairs_path: str) -> None:
    import django

    django.setup()
    import uuid

    from django.db import connection
    from django.test import Client

    pairs = json.loads(Path(pairs_path).read_text())
    clients = [(Client(HTTP_AUTHORIZATION=f"Bearer {token}"), pk) for token, pk in pairs]
    sql = {"seconds": 0.0, "cpu": 0.0, "statements": 0}

    def timed(execute, statement, params, many, context):
        began, cpu = time.perf_counter(), time.process_time()
        try:
            return execute(statement, params, many, context)
        finally:
            sql["seconds"] += time.perf_counter() - began
            sql["cpu"] += time.process_time() - cpu
            sql["statements"] += 1

    def once(i):
        client, pk = clients[i % len(clients)]
        key = uuid.uuid4().hex
        response = client.post(f"/api/v1/inspections/{pk}/findings", {"severity": "minor", "text": f"剖析 {key}"},
                               content_type="application/json", headers={"Idempotency-Key": key})
        assert response.status_code == 201, response.content[:300]

    for i in range(60):
        once(i)
    totals, cpus = [], []
    with connection.execute_wrapper(timed):
        for i in range(REQUESTS):
            began, cpu = time.perf_counter(), time.process_time()
            once(i)
            totals.append(time.perf_counter() - began)
            cpus.append(time.process_time() - cpu)
    # CPU time, not wall: on a shared machine the wall clock also counts the time others ran.
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    profiled_began = time.process_time()
    for i in range(REQUESTS):
        once(i)
    profiled = time.process_time() - profiled_began
    profile.disable()
    if os.environ.get("ANCHA_PROFILE_DUMP"):  # for pstats / snakeviz: the whole profile, not only the stages
        profile.dump_stats(os.environ["ANCHA_PROFILE_DUMP"])
    print(json.dumps(_report(connection.vendor, totals, cpus, sql, profiled, profile)))


def _report(vendor, totals, cpus, sql, profiled, profile) -> dict:
    stats = pstats.Stats(profile).stats
    stages = {}
    for label, (suffix, name) in STAGES.items():
        stages[label] = sum(row[3] for (path, _, func), row in stats.items() if func == name and path.endswith(suffix))
    return {
        "vendor": vendor,
        "requests": REQUESTS,
        "total_ms_mean": statistics.mean(totals) * 1000,
        "total_ms_p50": statistics.median(totals) * 1000,
        "cpu_ms_mean": statistics.mean(cpus) * 1000,
        "cpu_ms_p50": statistics.median(cpus) * 1000,
        "sql_ms_mean": sql["seconds"] / REQUESTS * 1000,
        "sql_cpu_ms_mean_in_process": sql["cpu"] / REQUESTS * 1000,
        "statements_per_filing": sql["statements"] / REQUESTS,
        "profiled_cpu_ms_mean": profiled / REQUESTS * 1000,
        "stages_profiled_ms_mean": {k: v / REQUESTS * 1000 for k, v in stages.items()},
    }


def _run(url: str) -> None:
    from bench.bench_api import django_env

    env = django_env(url)
    with tempfile.TemporaryDirectory() as tmp:
        pairs = f"{tmp}/pairs.json"
        run_worker("bench.bench_api", ["worker", "setup", pairs], env=env)
        print(run_worker("bench.profile_filing", ["worker", pairs], env=env))


def main(vendor: str = "sqlite") -> None:
    """`sqlite` (a file), or `postgresql` (a throwaway database, as bench_api makes one)."""
    if vendor == "postgresql":
        from bench._pg import throwaway_database

        with throwaway_database("ancha_profile_filing") as (url, _):
            _run(url)
        return
    with tempfile.TemporaryDirectory() as tmp:
        _run(f"sqlite:///{tmp}/profile.sqlite3")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "worker":
        worker(sys.argv[2])
    else:
        main(*sys.argv[1:2])
