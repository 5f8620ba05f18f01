"""docs/draw.md's verifier, run as the public would run it, on a week revealed with `reveal --json`.

The doc used to carry its own script, which checked the seed only against the commitment in the
same file (a fully forged record passed). It now points to tools/verify_draw.py, the project's own
draw code inlined (tests/inspection/test_public.py covers the feed); these tests run the commands
the doc shows, with nothing but the standard library.
"""

import json
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.inspection.draw_fixtures import AFTER_PERIOD, WEEK, at, roster, sealed  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "draw.md"
VERIFIER = ROOT / "tools" / "verify_draw.py"


@pytest.fixture
def record(sealed, roster, tmp_path):
    path = tmp_path / "record.json"
    with at(AFTER_PERIOD):
        call_command("reveal", "--county", roster.code, "--week", WEEK, "--json", str(path), stdout=StringIO())
    return path


def recheck(record, *args):
    return subprocess.run([sys.executable, "-I", "-S", str(VERIFIER), "--feed", str(record), *args],
                          capture_output=True, text=True, timeout=60)


def test_the_doc_shows_the_verifier_and_its_exit_codes():
    text = DOC.read_text(encoding="utf-8")
    assert "python3 tools/verify_draw.py --feed" in text and "/api/v1/public/520581" in text
    assert "```python" not in text.split("## 算法要点")[0], "no second, hand-written implementation"
    for code in ("0 验证", "1 不一致", "3 尚不"):
        assert code in text


def test_the_verifier_recomputes_the_revealed_week_from_its_seed(record, sealed):
    done = recheck(record)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "验证通过" in done.stdout
    data = json.loads(record.read_text(encoding="utf-8"))
    assert not re.search(r"inspector\d", json.dumps(data))  # the exported record wears pseudonyms


def test_the_verifier_catches_a_swapped_township(record):
    data = json.loads(record.read_text(encoding="utf-8"))
    drawn = {v["township"] for v in data["result"]["visits"]}
    data["result"]["visits"][0]["township"] = next(c for c, _ in data["result"]["frame"] if c not in drawn)
    record.write_text(json.dumps(data), encoding="utf-8")
    done = recheck(record)
    assert done.returncode == 1 and "✗" in done.stdout


def test_the_verifier_refuses_a_seed_that_is_not_the_committed_one(record, sealed):
    data = json.loads(record.read_text(encoding="utf-8"))
    data["seed"] = "00" * 32
    record.write_text(json.dumps(data), encoding="utf-8")
    done = recheck(record, "--commitment", sealed.period.commitment)
    assert done.returncode == 1 and "承诺不一致" in done.stdout
