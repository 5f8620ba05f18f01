"""`python -m bench`: run every bench/bench_*.py (each a `main()`), then print the whole table."""

import importlib
import json
import os
import sys
from pathlib import Path

from bench._results import RESULTS


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ancha.settings")
    here = Path(__file__).resolve().parent
    names = argv or sorted(p.stem for p in here.glob("bench_*.py"))
    failed = []
    for name in names:
        print(f"== {name}", flush=True)
        try:
            importlib.import_module(f"bench.{name}").main()
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            failed.append(name)
            print(f"!! {name} failed: {exc!r}", flush=True)
    rows = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    print(f"\n{'benchmark':<48} {'ours':>10} {'anchor':>10} unit    ratio  anchor")
    for row in rows:
        print(f"{row['name']:<48} {row['ours']:>10} {row['anchor']:>10} {row['unit']:<7} {row['ratio']:>6}  {row['anchor_name']}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
