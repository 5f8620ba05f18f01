from __future__ import annotations

import pytest

from inspection.notices.numbering import SERIES_BY_KIND, format_number, parse_number
from inspection.notices.renderer import cn_date, cn_datetime, cn_num, mark_layout, title_lines
from inspection.notices.samples import sample_snapshot
from inspection.notices.snapshot import KINDS, SnapshotError, validate_snapshot


@pytest.mark.parametrize("kind", KINDS)
def test_every_sample_snapshot_is_valid(kind):
    snapshot = sample_snapshot(kind)
    assert validate_snapshot(snapshot) == snapshot


def test_an_unknown_key_is_refused_so_nothing_rides_along():
    snapshot = sample_snapshot("circular")
    snapshot["problems"][0]["child_name"] = "某某"
    with pytest.raises(SnapshotError, match=r"snapshot\.problems\[0\]: unknown key\(s\) child_name"):
        validate_snapshot(snapshot)


def test_a_missing_key_is_named_by_its_path():
    snapshot = sample_snapshot("summons")
    del snapshot["meeting"]["place"]
    with pytest.raises(SnapshotError, match=r"snapshot\.meeting\.place: missing"):
        validate_snapshot(snapshot)


def test_optional_keys_may_be_left_out_and_come_back_as_none():
    snapshot = sample_snapshot("rectification")
    del snapshot["findings"][0]["location"]
    assert validate_snapshot(snapshot)["findings"][0]["location"] is None


@pytest.mark.parametrize("field,value", [
    ("date", "2026-13-01"), ("date", "1 December 2026"), ("deadline", 20261201),
])
def test_dates_must_be_iso_dates(field, value):
    snapshot = sample_snapshot("rectification")
    snapshot[field] = value
    with pytest.raises(SnapshotError, match=field):
        validate_snapshot(snapshot)


def test_a_letter_to_a_township_needs_the_township_and_a_finding():
    snapshot = sample_snapshot("rectification")
    snapshot["findings"] = []
    with pytest.raises(SnapshotError, match="findings"):
        validate_snapshot(snapshot)
    snapshot = sample_snapshot("summons")
    snapshot["township"] = None
    with pytest.raises(SnapshotError, match="township"):
        validate_snapshot(snapshot)


def test_severity_must_be_one_of_the_three_levels():
    snapshot = sample_snapshot("summons")
    snapshot["findings"][0]["severity"] = "严重"
    with pytest.raises(SnapshotError, match="severity"):
        validate_snapshot(snapshot)


def test_meeting_time_is_wall_clock_without_a_zone():
    snapshot = sample_snapshot("summons")
    snapshot["meeting"]["start"] = "2026-12-03T09:30+08:00"
    with pytest.raises(SnapshotError, match="wall-clock"):
        validate_snapshot(snapshot)


def test_numbers_are_written_with_the_full_year_in_hexagonal_brackets_and_no_padding():
    assert format_number(prefix="黔西未保办", series="约", year=2026, n=3) == "黔西未保办约〔2026〕3号"
    assert format_number(prefix="黔西未保办", series="改", year=2027, n=120) == "黔西未保办改〔2027〕120号"
    assert parse_number("黔西未保办约〔2026〕3号") == {"prefix": "黔西未保办", "series": "约",
                                                    "year": 2026, "n": 3}
    assert parse_number("黔西未保办约〔2026〕03号") is None
    # 移: the mandatory-report transfer letter (issue 16), its own series outside the ladder.
    assert set(SERIES_BY_KIND.values()) == {"改", "约", "问", "通", "移"}
    with pytest.raises(ValueError):
        format_number(prefix="黔西未保办", series="约", year=26, n=3)
    with pytest.raises(ValueError):
        format_number(prefix="黔西未保办", series="约", year=2026, n=0)


def test_dates_and_ordinals_are_written_as_a_notice_writes_them():
    assert cn_date("2026-12-01") == "2026年12月1日"
    assert cn_datetime("2026-12-03T09:30") == "2026年12月3日（星期四）上午9:30"
    assert cn_datetime("2026-12-03T15:00") == "2026年12月3日（星期四）下午3:00"
    assert [cn_num(n) for n in (1, 10, 11, 20, 23)] == ["一", "十", "十一", "二十", "二十三"]


def test_long_titles_break_between_words_and_short_ones_do_not():
    assert title_lines("关于对金碧镇分管负责人进行约谈的通知") == ["关于对金碧镇分管负责人进行约谈的通知"]
    assert title_lines("关于对永燊彝族苗族乡分管负责人进行约谈的通知") == [
        "关于对永燊彝族苗族乡", "分管负责人进行约谈的通知"]


def test_a_long_authority_mark_is_squeezed_to_fit_the_text_width():
    layout = mark_layout("黔西市未成年人保护工作委员会办公室文件")
    assert layout["scale"] < 1
    assert layout["width_mm"] * layout["scale"] <= 156
    short = mark_layout("黔西市未保办文件")
    assert short["scale"] == 1 and short["font_pt"] == 40
