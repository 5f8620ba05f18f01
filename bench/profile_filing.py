"""Where the time of one filing goes (issue 14): SQL, serialisation and the rest of the Python.

Two passes over the same in-process requests as bench_api's latency (Django test client, full
middleware, the bench's settings and generated county): the first unprofiled, timing each request
and the time spent inside the database cursor (execute_wrapper); the second under cProfile, whose
cumulative times split the Python part between its stages. Not part of `make bench` (no anchor).

    PYTHONPATH=. .venv/bin/python -m bench.profile_filing [DATABASE_URL]   (default: an SQLite file)
"""

from __future__ import annotations

import cProfile
import json
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
    "body parsing and validation (ninja, pydantic)": ("ninja/signature/details.py", "resolve"),
    "the reply's serialisation (FindingOut, JSON)": ("inspection/api/inspections.py", "render_json"),
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
    sql = {"seconds": 0.0, "statements": 0}

    def timed(execute, statement, params, many, context):
        began = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            sql["seconds"] += time.perf_counter() - began
            sql["statements"] += 1

    def once(i):
        client, pk = clients[i % len(clients)]
        key = uuid.uuid4().hex
        response = client.post(f"/api/v1/inspections/{pk}/findings", {"severity": "minor", "text": f"剖析 {key}"},
                               content_type="application/json", headers={"Idempotency-Key": key})
        assert response.status_code == 201, response.content[:300]

    for i in range(60):
        once(i)
    totals = []
    with connection.execute_wrapper(timed):
        for i in range(REQUESTS):
            began = time.perf_counter()
            once(i)
            totals.append(time.perf_counter() - began)
    profile = cProfile.Profile()
    profile.enable()
    profiled_began = time.perf_counter()
    for i in range(REQUESTS):
        once(i)
    profiled = time.perf_counter() - profiled_began
    profile.disable()
    stats = pstats.Stats(profile).stats
    stages = {}
    for label, (suffix, name) in STAGES.items():
        stages[label] = sum(row[3] for (path, _, func), row in stats.items() if func == name and path.endswith(suffix))
    print(json.dumps({
        "vendor": connection.vendor,
        "requests": REQUESTS,
        "total_ms_mean": statistics.mean(totals) * 1000,
        "total_ms_p50": statistics.median(totals) * 1000,
        "sql_ms_mean": sql["seconds"] / REQUESTS * 1000,
        "statements_per_filing": sql["statements"] / REQUESTS,
        "profiled_ms_mean": profiled / REQUESTS * 1000,
        "stages_profiled_ms_mean": {k: v / REQUESTS * 1000 for k, v in stages.items()},
    }))


def main(url: str | None = None) -> None:
    from bench.bench_api import django_env

    with tempfile.TemporaryDirectory() as tmp:
        env = django_env(url or f"sqlite:///{tmp}/profile.sqlite3")
        pairs = f"{tmp}/pairs.json"
        run_worker("bench.bench_api", ["worker", "setup", pairs], env=env)
        print(run_worker("bench.profile_filing", ["worker", pairs], env=env))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "worker":
        worker(sys.argv[2])
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else None)
