"""docs/draw.md's re-computation script, run as the public would run it, on a real revealed week."""

import json
import re
from io import StringIO
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.inspection.draw_fixtures import AFTER_PERIOD, WEEK, at, roster, sealed  # noqa: F401 - fixtures

DOC = Path(__file__).resolve().parents[2] / "docs" / "draw.md"


@pytest.fixture
def script(tmp_path):
    code = re.search(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S).group(1)
    path = tmp_path / "recheck.py"
    path.write_text(code, encoding="utf-8")
    return path


@pytest.fixture
def record(sealed, roster, tmp_path):
    path = tmp_path / "record.json"
    with at(AFTER_PERIOD):
        call_command("reveal", "--county", roster.code, "--week", WEEK, "--json", str(path), stdout=StringIO())
    return path


def recheck(script, record):
    return subprocess.run([sys.executable, str(script), str(record)], capture_output=True, text=True, timeout=30)


def test_the_published_script_recomputes_the_revealed_week_from_its_seed(script, record, sealed):
    done = recheck(script, record)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("一致")
    assert all(v["township"] in done.stdout for v in sealed.result["visits"])


def test_the_published_script_catches_a_swapped_township(script, record, roster):
    data = json.loads(record.read_text())
    drawn = {v["township"] for v in data["result"]["visits"]}
    data["result"]["visits"][0]["township"] = next(c for c, _ in data["result"]["frame"] if c not in drawn)
    record.write_text(json.dumps(data), encoding="utf-8")
    done = recheck(script, record)
    assert done.returncode == 1 and done.stdout.startswith("不一致")


def test_the_published_script_refuses_a_seed_that_is_not_the_committed_one(script, record):
    data = json.loads(record.read_text())
    data["seed"] = "00" * 32
    record.write_text(json.dumps(data), encoding="utf-8")
    done = recheck(script, record)
    assert done.returncode != 0 and "种子与承诺不符" in done.stderr
