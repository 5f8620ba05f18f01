"""Locust (headless) for bench_api: field teams filing findings as fast as the server takes them.

Each simulated phone is one inspector with a bearer token on one dispatched inspection. Every
filing carries a fresh Idempotency-Key; 3% of them are sent a second time with the same key and
body, as a phone does when a reply is lost, and must come back as the same finding, replayed.
The (key, finding id) of every acknowledged filing is written to $ANCHA_LOCUST_OUT at the end,
so bench_api can count lost and duplicated rows in the database.
"""

import itertools
import json
import os
import random
import uuid

from locust import FastHttpUser, constant, events, task

PAIRS = json.loads(open(os.environ["ANCHA_LOCUST_PAIRS"], encoding="utf-8").read())
TARGET = os.environ.get("ANCHA_LOCUST_TARGET", "ours")
MARK = os.environ["ANCHA_LOCUST_MARK"]
OUT = os.environ["ANCHA_LOCUST_OUT"]
REPLAY_SHARE = 0.03

acked: list[tuple[str, int]] = []
replays = {"sent": 0, "matched": 0}
_next = itertools.count()


class Phone(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        token, inspection = PAIRS[next(_next) % len(PAIRS)]
        self.auth = {"Authorization": f"Bearer {token}"}
        prefix = "/api/v1" if TARGET == "ours" else "/floor"
        self.path = f"{prefix}/inspections/{inspection}/findings"

    @task
    def file_a_finding(self):
        key = uuid.uuid4().hex
        body = {"severity": "minor", "text": f"{MARK} {key} 值班表未公示"}
        headers = {**self.auth, "Idempotency-Key": key}
        with self.client.post(self.path, json=body, headers=headers, name="file a finding", catch_response=True) as r:
            if r.status_code != 201:
                r.failure(f"{r.status_code} {r.text[:200]}")
                return
            finding = r.json()["id"]
            acked.append((key, finding))
        if TARGET == "ours" and random.random() < REPLAY_SHARE:
            replays["sent"] += 1
            with self.client.post(self.path, json=body, headers=headers, name="resend (same key)",
                                  catch_response=True) as r:
                if r.status_code != 201 or r.json().get("id") != finding or r.headers.get("Idempotent-Replayed") != "true":
                    r.failure(f"replay answered {r.status_code} {r.text[:200]}")
                else:
                    replays["matched"] += 1


@events.test_stop.add_listener
def _write(environment, **kwargs):
    with open(OUT, "w", encoding="utf-8") as handle:
        json.dump({"acked": acked, "replays": replays}, handle)
