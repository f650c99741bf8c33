"""The house date formats: one table, per language, of every precision and range shape.

CLDR's date patterns change between Babel releases (Babel 2.19's Chinese ranges read
"2015年10月 – 2016年3月" where earlier ones read "2015年10月至2016年3月"), and the site must print
the same bytes whatever Babel is installed (DESIGN.md, "Deterministic"). So the patterns are
ours; Babel's locale data supplies only what a pattern fills in: the English month names.
Both languages write Latin digits (CLDR's default numbering system for `en` and `zh_Hans`;
GB/T 15835-2011 asks for Arabic numerals in Chinese dates), so a number is printed as is.

English follows the Chicago Manual of Style: an en dash closed up between numbers
("July 4–5, 2024") and set off by thin spaces (U+2009, CLDR's own choice) between phrases
that contain spaces ("October 2015 – March 2016"). Chinese follows Xinhua usage: numeric months
and "至" for a range, the repeated year or month left out ("2024年7月4日至5日").
"""

from __future__ import annotations

import functools

from babel import Locale

from site_builder.config import LANGUAGES
from site_builder.model import PartialDate

PRECISION_ORDER = ("year", "month", "day")
THIN = "\u2009"

# lang → shape → pattern. Fields: {y} {m} {d} of the start, {y2} {m2} {d2} of the end; {M} and
# {M2} are month names. Range shapes are named by the coarsest field in which the ends differ.
FORMATS: dict[str, dict[str, str]] = {
    "en": {
        "year": "{y}",
        "month": "{M} {y}",
        "day": "{M} {d}, {y}",
        "year-range": f"{{y}}{THIN}–{THIN}{{y2}}",
        "month-range-month": f"{{M}}{THIN}–{THIN}{{M2}} {{y}}",
        "month-range-year": f"{{M}} {{y}}{THIN}–{THIN}{{M2}} {{y2}}",
        "day-range-day": "{M} {d}–{d2}, {y}",
        "day-range-month": f"{{M}} {{d}}{THIN}–{THIN}{{M2}} {{d2}}, {{y}}",
        "day-range-year": f"{{M}} {{d}}, {{y}}{THIN}–{THIN}{{M2}} {{d2}}, {{y2}}",
    },
    "zh": {
        "year": "{y}年",
        "month": "{y}年{m}月",
        "day": "{y}年{m}月{d}日",
        "year-range": "{y}年至{y2}年",
        "month-range-month": "{y}年{m}月至{m2}月",
        "month-range-year": "{y}年{m}月至{y2}年{m2}月",
        "day-range-day": "{y}年{m}月{d}日至{d2}日",
        "day-range-month": "{y}年{m}月{d}日至{m2}月{d2}日",
        "day-range-year": "{y}年{m}月{d}日至{y2}年{m2}月{d2}日",
    },
}


def format_partial(date: PartialDate, lang: str, end: PartialDate | None = None) -> str:
    """'October 2015' / '2015年10月', or a range shown to the coarser of the two precisions
    (a range whose ends agree at that precision is one date)."""
    table = FORMATS[lang]
    if end is None:
        return table[date.precision].format(**_fields(date, lang))
    precision = min(date.precision, end.precision, key=PRECISION_ORDER.index)
    start, end = _coarsened(date, precision), _coarsened(end, precision)
    if start == end:
        return table[precision].format(**_fields(start, lang))
    if precision == "year":
        shape = "year-range"
    else:
        differs = "year" if start.year != end.year else "month" if start.month != end.month else "day"
        shape = f"{precision}-range-{differs}"
    fields = _fields(start, lang) | {f"{key}2": value for key, value in _fields(end, lang).items()}
    return table[shape].format(**fields)


def _coarsened(date: PartialDate, precision: str) -> PartialDate:
    if precision == "year":
        return PartialDate(date.year)
    if precision == "month":
        return PartialDate(date.year, date.month)
    return date


def _fields(date: PartialDate, lang: str) -> dict[str, str]:
    return {
        "y": str(date.year),
        "m": str(date.month),
        "d": str(date.day),
        "M": _month_names(lang)[date.month] if date.month else "",
    }


@functools.cache
def _month_names(lang: str) -> dict[int, str]:
    """Babel's wide month names in the format context ("October"); parsed once per language."""
    return dict(Locale.parse(LANGUAGES[lang].locale).months["format"]["wide"])
