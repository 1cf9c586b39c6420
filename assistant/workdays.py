"""Working days (工作日): weekends and public holidays off, official make-up working days (调休) on.

Processing times and deadlines are counted in working days. `chinese-calendar` knows each year the
State Council has published; administrators add later years in `knowledge/holidays.yaml` before the
library is updated. A date beyond everything known falls back to "Monday to Friday" and logs a
warning once per year: a slightly wrong date is better than a crashed look-up.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger(__name__)

OFFICE_TZ = ZoneInfo("Asia/Shanghai")


def office_today() -> date:
    """Today in Shanghai, whatever the server's time zone."""
    return datetime.now(OFFICE_TZ).date()


class WorkCalendar:
    """Answers "is this a working day?" and counts working days.

    `extra_years` maps a year to an object with `holidays` and `workdays` (ISO date strings), as
    read from `knowledge/holidays.yaml`; a year given there replaces the library's data for it.
    """

    def __init__(self, extra_years: Mapping[int, object] | None = None):
        self._extra: dict[int, tuple[frozenset[date], frozenset[date]]] = {}
        for year, spec in (extra_years or {}).items():
            self._extra[int(year)] = (
                frozenset(date.fromisoformat(d) for d in getattr(spec, "holidays", ())),
                frozenset(date.fromisoformat(d) for d in getattr(spec, "workdays", ())),
            )
        self._warned: set[int] = set()
        self._cache: dict[date, bool] = {}
        self._counts: dict[int, list[int]] = {}  # per year: working days from 1 January to each day

    def knows(self, year: int) -> bool:
        """Whether holidays for `year` are known (from the library or the knowledge file)."""
        if year in self._extra:
            return True
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:
            return False
        return True

    def is_workday(self, day: date) -> bool:
        cached = self._cache.get(day)
        if cached is None:
            cached = self._cache[day] = self._is_workday(day)
        return cached

    def _is_workday(self, day: date) -> bool:
        if day.year in self._extra:
            holidays, workdays = self._extra[day.year]
            if day in workdays:
                return True
            return day.weekday() < 5 and day not in holidays
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            if day.year not in self._warned:
                self._warned.add(day.year)
                log.warning(
                    "%d 年的节假日未知（chinese-calendar 与 knowledge/holidays.yaml 都没有），暂按周一至周五计算工作日",
                    day.year,
                )
            return day.weekday() < 5

    def add(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (`start` itself not counted; 0 → `start`)."""
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        while days:
            day += timedelta(days=1)
            if self.is_workday(day):
                days -= 1
        return day

    def between(self, start: date, end: date) -> int:
        """Working days left from `start` until `end`: those after `start` up to and including `end`.

        Negative when `end` has passed: minus the working days after `end` up to and including
        `start`. 0 when due today. Cost: a few look-ups per year spanned (reminders over 100,000
        cases call this for every case).
        """
        if end < start:
            return -self.between(end, start)
        if start.year == end.year:
            return self._upto(end) - self._upto(start)
        count = self._year_total(start.year) - self._upto(start)
        count += sum(self._year_total(y) for y in range(start.year + 1, end.year))
        return count + self._upto(end)

    def _upto(self, day: date) -> int:
        """Working days from 1 January of `day`'s year up to and including `day`."""
        return self._cumulative(day.year)[day.timetuple().tm_yday - 1]

    def _year_total(self, year: int) -> int:
        return self._cumulative(year)[-1]

    def _cumulative(self, year: int) -> list[int]:
        counts = self._counts.get(year)
        if counts is None:
            counts, running, day = [], 0, date(year, 1, 1)
            while day.year == year:
                running += self.is_workday(day)
                counts.append(running)
                day += timedelta(days=1)
            self._counts[year] = counts
        return counts
