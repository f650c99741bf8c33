"""House date formats: the exact string of every precision and range shape in both languages.

The formats are the project's (site_builder/dates.py), not CLDR's, so these strings hold with
whatever Babel is installed; the last test takes CLDR's patterns away to prove it.
"""

from __future__ import annotations

import pytest

from site_builder.dates import FORMATS, format_partial
from site_builder.model import PartialDate as D

T = "\u2009"  # thin space, around the en dash between phrases that contain spaces

CASES = [
    # (start, end, English, Chinese)
    (D(2015), None, "2015", "2015年"),
    (D(2015, 10), None, "October 2015", "2015年10月"),
    (D(2019, 11, 27), None, "November 27, 2019", "2019年11月27日"),
    (D(2024, 7, 4), None, "July 4, 2024", "2024年7月4日"),
    (D(2015), D(2016), f"2015{T}–{T}2016", "2015年至2016年"),
    (D(2015, 10), D(2016, 3), f"October 2015{T}–{T}March 2016", "2015年10月至2016年3月"),
    (D(2015, 10), D(2015, 12), f"October{T}–{T}December 2015", "2015年10月至12月"),
    (D(2024, 7, 4), D(2024, 7, 5), "July 4–5, 2024", "2024年7月4日至5日"),
    (D(2019, 11, 27), D(2019, 12, 2), f"November 27{T}–{T}December 2, 2019", "2019年11月27日至12月2日"),
    (D(2016, 12, 30), D(2017, 1, 2), f"December 30, 2016{T}–{T}January 2, 2017", "2016年12月30日至2017年1月2日"),
    # mixed precisions: shown to the coarser one; ends that then agree are one date
    (D(2015, 10, 3), D(2016, 3), f"October 2015{T}–{T}March 2016", "2015年10月至2016年3月"),
    (D(2015), D(2016, 5, 1), f"2015{T}–{T}2016", "2015年至2016年"),
    (D(2015, 10, 3), D(2015, 10), "October 2015", "2015年10月"),
    (D(2015, 10, 3), D(2015, 10, 3), "October 3, 2015", "2015年10月3日"),
]


@pytest.mark.parametrize(("start", "end", "en", "zh"), CASES, ids=[repr(c[2]) for c in CASES])
def test_every_shape_reads_exactly_so_in_both_languages(start, end, en, zh):
    assert format_partial(start, "en", end) == en
    assert format_partial(start, "zh", end) == zh


def test_chinese_months_are_numbers_never_month_names():
    """The bug this table fixed: a widened CLDR pattern printed 2024年七月4日 – 5日."""
    for month in range(1, 13):
        shown = format_partial(D(2024, month, 4), "zh", D(2024, month, 5))
        assert shown == f"2024年{month}月4日至5日"


def test_every_shape_of_the_table_is_exercised_in_each_language():
    assert FORMATS["en"].keys() == FORMATS["zh"].keys()
    assert {_shape_of(start, end) for start, end, *_ in CASES} == set(FORMATS["en"])


def _shape_of(start, end):
    if end is None:
        return start.precision
    order = ("year", "month", "day")
    precision = min(start.precision, end.precision, key=order.index)
    if precision == "year":
        return "year" if start.year == end.year else "year-range"
    a = (start.year, start.month, start.day if precision == "day" else 0)
    b = (end.year, end.month, end.day if precision == "day" else 0)
    if a == b:
        return precision
    return f"{precision}-range-" + ("year" if a[0] != b[0] else "month" if a[1] != b[1] else "day")


def test_dates_do_not_come_from_cldr_patterns(monkeypatch):
    """With every CLDR date pattern Babel has taken away, the site's dates read the same."""
    from babel.core import Locale

    def gone(self):
        raise AssertionError("a CLDR date pattern was read")

    for name in ("date_formats", "datetime_formats", "datetime_skeletons", "interval_formats"):
        monkeypatch.setattr(Locale, name, property(gone))
    for start, end, en, zh in CASES:
        assert (format_partial(start, "en", end), format_partial(start, "zh", end)) == (en, zh)
