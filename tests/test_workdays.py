"""Working days: weekends and public holidays off, make-up working days (调休) on, unknown years safe."""

from __future__ import annotations

import logging
from datetime import date
from types import SimpleNamespace

from assistant.workdays import WorkCalendar

# National Day 2025: 1–8 October off; Sunday 28 September and Saturday 11 October are working days.
calendar = WorkCalendar()


def test_national_day_holiday_is_not_a_working_day():
    assert not calendar.is_workday(date(2025, 10, 1))
    assert not calendar.is_workday(date(2025, 10, 8))  # a Wednesday, but still the holiday
    assert calendar.is_workday(date(2025, 10, 9))


def test_make_up_weekend_days_are_working_days():
    assert calendar.is_workday(date(2025, 9, 28))  # Sunday
    assert calendar.is_workday(date(2025, 10, 11))  # Saturday
    assert not calendar.is_workday(date(2025, 10, 12))  # an ordinary Sunday


def test_adding_working_days_skips_the_holiday_and_counts_the_make_up_days():
    assert calendar.add(date(2025, 9, 26), 1) == date(2025, 9, 28)  # Friday → the make-up Sunday
    assert calendar.add(date(2025, 9, 30), 1) == date(2025, 10, 9)  # across the whole holiday
    assert calendar.add(date(2025, 9, 30), 3) == date(2025, 10, 11)  # the make-up Saturday counts
    assert calendar.add(date(2025, 9, 30), 0) == date(2025, 9, 30)


def test_working_days_between_two_dates_counts_forward_and_overdue():
    assert calendar.between(date(2025, 9, 30), date(2025, 10, 10)) == 2
    assert calendar.between(date(2025, 10, 10), date(2025, 10, 10)) == 0
    assert calendar.between(date(2025, 10, 10), date(2025, 9, 30)) == -2  # overdue by two working days


def test_a_year_beyond_all_known_data_counts_weekdays_and_says_so(caplog):
    beyond = WorkCalendar()
    with caplog.at_level(logging.WARNING, logger="assistant.workdays"):
        assert beyond.add(date(2099, 1, 2), 1) == date(2099, 1, 5)  # Friday → Monday
        assert beyond.is_workday(date(2099, 1, 1))  # a holiday nobody has announced yet
    warnings = [r for r in caplog.records if "2099" in r.getMessage()]
    assert len(warnings) == 1  # once per year, not once per day


def test_administrators_can_add_a_year_in_the_knowledge_file():
    year = SimpleNamespace(holidays=("2099-01-01", "2099-01-02"), workdays=("2099-01-03",))
    added = WorkCalendar({2099: year})
    assert added.knows(2099)
    assert not added.is_workday(date(2099, 1, 2))  # a Friday off
    assert added.is_workday(date(2099, 1, 3))  # a Saturday on
    assert added.add(date(2098, 12, 31), 1) == date(2099, 1, 3)


def test_holidays_file_is_read_with_the_knowledge(knowledge_dir):
    from assistant.knowledge import load

    (knowledge_dir / "holidays.yaml").write_text(
        "years:\n  2099:\n    holidays: [2099-01-02]\n    workdays: [2099-01-03]\n", encoding="utf-8"
    )
    assert load(knowledge_dir).calendar.is_workday(date(2099, 1, 3))


def test_a_wrong_date_in_the_holidays_file_is_reported_with_its_line(runner, knowledge_dir):
    (knowledge_dir / "holidays.yaml").write_text(
        "years:\n  2099:\n    holidays:\n      - 2099-01-02\n      - 2099-02-30\n", encoding="utf-8"
    )
    result = runner.invoke(["kb", "check", "--knowledge", str(knowledge_dir)])
    assert result.exit_code == 1
    assert "holidays.yaml:5:" in result.output and "2099-02-30" in result.output
