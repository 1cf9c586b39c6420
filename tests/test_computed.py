"""Dates computed from the rule, never written: the siren test is on the third Saturday of September."""

from __future__ import annotations

from datetime import date

import pytest

from assistant import computed


@pytest.mark.parametrize(
    "year, day",
    # The test days the references record (domain-facts-public.md §3): all third Saturdays.
    [(2008, 20), (2011, 17), (2015, 19), (2018, 15), (2020, 19), (2021, 18), (2022, 17), (2023, 16), (2024, 21), (2025, 20)],
)
def test_the_rule_gives_every_recorded_test_day(year, day):
    assert computed.third_saturday_of_september(year) == date(year, 9, day)


@pytest.mark.parametrize(
    "today, expected",
    [
        (date(2026, 9, 1), date(2026, 9, 19)),  # before this year's test
        (date(2026, 9, 19), date(2026, 9, 19)),  # on the day itself
        (date(2026, 9, 20), date(2027, 9, 18)),  # just after: next year's
        (date(2026, 12, 31), date(2027, 9, 18)),  # across the year boundary
    ],
)
def test_the_next_test_is_this_years_until_it_has_passed(today, expected):
    assert computed.next_siren_test(today) == expected


def test_fill_writes_the_date_in_chinese_and_leaves_text_without_placeholders_alone():
    text = "下一次试鸣预计在{next_siren_test}，{this_year}的通告为准。"
    assert computed.fill(text, date(2026, 12, 2)) == "下一次试鸣预计在2027年9月18日（星期六），2026年的通告为准。"
    assert computed.fill("没有占位符", date(2026, 12, 2)) == "没有占位符"


def test_a_misspelt_placeholder_is_reported():
    assert computed.unknown_placeholders("在{next_siren_tset}试鸣，{this_year}") == ["next_siren_tset"]
