"""Scheduled jobs run once at a time, even when two servers start them together."""

import threading

import pytest

from inspection.errors import Conflict
from inspection.services.locks import exclusive


def test_a_second_runner_is_turned_away_while_the_first_holds_the_lock(transactional_db):
    holding, release, outcome = threading.Event(), threading.Event(), {}

    def first():
        from django.db import connection

        with exclusive("sweep"):
            holding.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    assert holding.wait(10)
    try:
        with pytest.raises(Conflict, match="另一个进程正在执行 sweep"):
            with exclusive("sweep"):
                outcome["ran"] = True
    finally:
        release.set()
        thread.join()
    assert "ran" not in outcome
    with exclusive("sweep"):
        outcome["ran_after"] = True
    assert outcome["ran_after"]
