"""bench/results.json: a list of {"name", "ours", "anchor", "anchor_name", "unit", "ratio"} (DESIGN.md §4).

Every benchmark measures ours and its anchor side by side in the same run and records them here.
`ratio` is how many times better ours is (>1 = ahead): anchor/ours for times, ours/anchor for rates.
"""

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"
LOWER_IS_BETTER = {"s", "ms", "us", "MB", "KB", "bytes", "queries"}


def ratio(ours: float, anchor: float, unit: str) -> float:
    if unit in LOWER_IS_BETTER:
        return round(anchor / ours, 3) if ours else float("inf")
    return round(ours / anchor, 3) if anchor else float("inf")


def record(name: str, *, ours: float, anchor: float, anchor_name: str, unit: str, target: str = "") -> dict:
    """Merge one figure into results.json (replacing an entry of the same name) and print it."""
    entry = {
        "name": name,
        "ours": round(ours, 4),
        "anchor": round(anchor, 4),
        "anchor_name": anchor_name,
        "unit": unit,
        "ratio": ratio(ours, anchor, unit),
    }
    if target:
        entry["target"] = target
    rows = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    rows = [row for row in rows if row.get("name") != name] + [entry]
    RESULTS.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    print(f"{name:<48} ours {entry['ours']:>10} {unit:<6} {anchor_name}: {entry['anchor']:>10} {unit:<6} ratio {entry['ratio']}"
          + (f"  (target: {target})" if target else ""))
    return entry
