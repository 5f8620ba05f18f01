# The verifier's command line. Appended by tools/build_verifier.py after the embedded `rotation`
# modules; run on its own (python tools/verifier_main.py) it uses the installed project instead.

import argparse  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import urllib.request  # noqa: E402

from rotation.public import MISMATCH, NOT_YET, VERIFIED, check_week  # noqa: E402

WEEK = re.compile(r"^\d{4}-W\d{2}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def read_feed(source: str):
    """The published feed (or one week's record) from a file or an http(s) address."""
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=30) as reply:  # noqa: S310 - the address is the user's
            text = reply.read().decode("utf-8")
    else:
        with open(source, encoding="utf-8") as handle:
            text = handle.read()
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("不是抽签公开记录（应为 JSON 对象）")
    return data


def weeks_of(data: dict) -> tuple[list, dict]:
    """The week records, and each period's commitment by its first day, from a feed or a single record."""
    if "weeks" in data:
        periods = {p.get("starts_on"): p.get("commitment") for p in data.get("periods", []) if isinstance(p, dict)}
        return [w for w in data["weeks"] if isinstance(w, dict)], periods
    if "inputs" in data:
        return [data], {}
    raise ValueError("不是抽签公开记录：没有 weeks 或 inputs")


def commitment_for(record: dict, periods: dict, given):
    if given:
        return given
    period = record.get("period") or [None]
    return periods.get(period[0]) or record.get("commitment")


def verify(data: dict, week, given) -> int:
    records, periods = weeks_of(data)
    if week:
        records = [r for r in records if r.get("week") == week]
        if not records:
            print(f"… {week}：该周尚未公开（或没有抽签），暂不能验证")
            return NOT_YET
    statuses = []
    for record in records:
        status, checks, problems = check_week(record, commitment_for(record, periods, given))
        for line in checks:
            print(f"✓ {line}")
        for line in problems:
            print(("… " if status == NOT_YET else "✗ ") + line)
        statuses.append(status)
    if MISMATCH in statuses:
        print(f"验证未通过：{statuses.count(MISMATCH)} 周与记录不一致")
        return MISMATCH
    if VERIFIED not in statuses:
        print("尚不能验证：种子尚未公开")
        return NOT_YET
    pending = statuses.count(NOT_YET)
    print(f"验证通过：{statuses.count(VERIFIED)} 周" + (f"（另有 {pending} 周待种子公开后验证）" if pending else ""))
    return VERIFIED


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="暗查抽签公开验证：按公开的种子和输入重算每周抽签，与公开记录比对。")
    parser.add_argument("--feed", required=True, help="公开记录：文件路径或网址（/api/v1/public/<县代码>）")
    parser.add_argument("--week", help="只验证这一周，如 2026-W49")
    parser.add_argument("--commitment", help="从其他渠道（政府网站、纪委监委存档）取得的本期承诺值（64 位十六进制）")
    args = parser.parse_args(argv)
    if args.week and not WEEK.match(args.week):
        print(f"✗ --week 应为 YYYY-Www：{args.week!r}")
        return MISMATCH
    given = args.commitment.strip().lower() if args.commitment else None
    if given is not None and not HEX64.match(given):
        print("✗ --commitment 应为 64 位十六进制（SHA-256）")
        return MISMATCH
    try:
        data = read_feed(args.feed)
    except (OSError, ValueError) as exc:
        print(f"✗ 无法读取公开记录：{exc}")
        return MISMATCH
    try:
        return verify(data, args.week, given)
    except Exception as exc:  # noqa: BLE001 - a malformed record is a mismatch, never a crash
        print(f"✗ 公开记录格式有误，无法验证：{exc!r}")
        return MISMATCH


if __name__ == "__main__":
    sys.exit(main())
