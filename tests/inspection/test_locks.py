"""Scheduled jobs run once at a time, even when two servers start them together."""

import pytest

from inspection.errors import Conflict
from inspection.services.locks import exclusive
from tests.locking import held_elsewhere


def test_a_second_runner_is_turned_away_while_the_first_holds_the_lock(transactional_db):
    outcome = {}
    with held_elsewhere("sweep"):
        with pytest.raises(Conflict, match="另一个进程正在执行 sweep"):
            with exclusive("sweep"):
                outcome["ran"] = True
    assert "ran" not in outcome
    with exclusive("sweep"):
        outcome["ran_after"] = True
    assert outcome["ran_after"]
