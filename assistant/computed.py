"""Facts computed from a rule and today's date, so that no answer goes stale with the calendar.

A knowledge text may hold a placeholder such as `{next_siren_test}`; the reply fills it in for the
day it is given. The knowledge files state the rule (Shanghai tests its air-raid sirens on 全民国防
教育日, the third Saturday of September: 国防教育法 Art. 12) and leave the arithmetic to this module,
so "the next test" is right in December as in August, and no example year needs editing.

`unknown_placeholders` lets the loader reject a misspelt placeholder as `PATH:LINE` before it
reaches a citizen.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_WEEKDAYS = "一二三四五六日"


def third_saturday_of_september(year: int) -> date:
    """全民国防教育日 (national defence education day) of `year`."""
    first = date(year, 9, 1)
    first_saturday = first + timedelta(days=(5 - first.weekday()) % 7)
    return first_saturday + timedelta(weeks=2)


def next_siren_test(today: date) -> date:
    """The next test day by the rule: this year's if it is today or later, else next year's."""
    this_year = third_saturday_of_september(today.year)
    return this_year if this_year >= today else third_saturday_of_september(today.year + 1)


def last_siren_test(today: date) -> date:
    """The latest test day by the rule that is before today."""
    this_year = third_saturday_of_september(today.year)
    return this_year if this_year < today else third_saturday_of_september(today.year - 1)


def chinese_date(day: date) -> str:
    """`2027年9月18日（星期六）`."""
    return f"{day.year}年{day.month}月{day.day}日（星期{_WEEKDAYS[day.weekday()]}）"


PLACEHOLDERS: dict[str, Callable[[date], str]] = {
    "next_siren_test": lambda today: chinese_date(next_siren_test(today)),
    "last_siren_test": lambda today: chinese_date(last_siren_test(today)),
    "this_year": lambda today: f"{today.year}年",
}


def unknown_placeholders(text: str) -> list[str]:
    """Placeholders in `text` that this module cannot fill."""
    return [name for name in _PLACEHOLDER.findall(text) if name not in PLACEHOLDERS]


def fill(text: str, today: date) -> str:
    """`text` with every known placeholder replaced by its value for `today`."""
    if "{" not in text:
        return text
    return _PLACEHOLDER.sub(
        lambda m: PLACEHOLDERS[m.group(1)](today) if m.group(1) in PLACEHOLDERS else m.group(0), text
    )
