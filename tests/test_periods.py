"""Quarters and reporting deadlines, across year boundaries. No "today": every date is given."""

from datetime import date, timedelta

import pytest

from core.periods import LATE, MISSING, NOT_OPEN, ON_TIME, OPEN, WULONG_2019, DeadlineRule, Quarter

Q = Quarter


@pytest.mark.parametrize(
    "text",
    [
        "2023Q3",
        "2023q3",
        "2023-Q3",
        "2023 Q3",
        " 2023Q3 ",
        "２０２３Ｑ３",
        "2023年第三季度",
        "2023年第3季度",
        "2023年三季度",
        "2023年3季度",
        "2023年度第三季度",
        "2023 年 第三季度",
    ],
)
def test_parse_accepts_the_ways_officials_write_a_quarter(text):
    assert Quarter.parse(text) == Q(2023, 3)


@pytest.mark.parametrize("text", ["2023Q5", "2023Q0", "第三季度", "", "abc", 20233, None, "2023年第五季度", "23Q3"])
def test_parse_refuses_anything_else_with_a_chinese_message(text):
    with pytest.raises(ValueError, match="无法识别的季度"):
        Quarter.parse(text)


@pytest.mark.parametrize(("year", "number"), [(2023, 0), (2023, 5), (1899, 1), (3000, 1), ("2023", 1)])
def test_invalid_quarters_are_refused(year, number):
    with pytest.raises(ValueError):
        Q(year, number)


@pytest.mark.parametrize(
    ("quarter", "first", "last"),
    [
        (Q(2023, 1), date(2023, 1, 1), date(2023, 3, 31)),
        (Q(2023, 2), date(2023, 4, 1), date(2023, 6, 30)),
        (Q(2023, 3), date(2023, 7, 1), date(2023, 9, 30)),
        (Q(2023, 4), date(2023, 10, 1), date(2023, 12, 31)),
        (Q(2024, 1), date(2024, 1, 1), date(2024, 3, 31)),
    ],
)
def test_first_and_last_days(quarter, first, last):
    assert (quarter.first_day, quarter.last_day) == (first, last)
    assert quarter.contains(first) and quarter.contains(last)
    assert not quarter.contains(first - timedelta(days=1)) and not quarter.contains(last + timedelta(days=1))


def test_months():
    assert [Q(2023, n).months for n in (1, 2, 3, 4)] == [(1, 2, 3), (4, 5, 6), (7, 8, 9), (10, 11, 12)]


@pytest.mark.parametrize(
    ("quarter", "steps", "expected"),
    [
        (Q(2023, 1), -1, Q(2022, 4)),
        (Q(2023, 4), 1, Q(2024, 1)),
        (Q(2023, 2), -5, Q(2022, 1)),
        (Q(2023, 3), 8, Q(2025, 3)),
    ],
)
def test_shift_across_years(quarter, steps, expected):
    assert quarter.shift(steps) == expected


def test_previous_next_and_last_year():
    assert Q(2023, 1).previous() == Q(2022, 4)
    assert Q(2023, 4).next() == Q(2024, 1)
    assert Q(2023, 3).same_quarter_last_year() == Q(2022, 3)


def test_year_to_date():
    assert Q(2023, 1).year_to_date() == [Q(2023, 1)]
    assert Q(2023, 3).year_to_date() == [Q(2023, 1), Q(2023, 2), Q(2023, 3)]


def test_ordering_hashing_and_text():
    assert sorted([Q(2024, 1), Q(2023, 4), Q(2023, 1)]) == [Q(2023, 1), Q(2023, 4), Q(2024, 1)]
    assert len({Q(2023, 1), Quarter.parse("2023年第一季度")}) == 1
    assert str(Q(2023, 3)) == "2023Q3" and Q(2023, 3).label == "2023年第三季度"
    assert Quarter.parse(str(Q(2021, 4))) == Q(2021, 4)


def test_the_label_follows_the_language_of_the_page_and_the_chinese_one_stays():
    from django.utils import translation

    assert Q(2026, 4).label == "2026年第四季度"  # no language chosen: the portal's Chinese
    with translation.override("en"):
        assert Q(2026, 3).label == "2026 Q3" and Q(2025, 1).label == "2025 Q1"
        assert Q(2026, 3).chinese_label == "2026年第三季度"  # what files and stored texts use
        assert Quarter.parse(Q(2026, 3).label) == Q(2026, 3)  # read back like 2026Q3
    with translation.override("zh-hans"):
        assert Q(2026, 2).label == "2026年第二季度"
    with translation.override("zh-hant"):  # any Chinese reads the Chinese label
        assert Q(2026, 1).label == "2026年第一季度"


def test_range():
    assert Quarter.range(Q(2022, 3), Q(2023, 2)) == [Q(2022, 3), Q(2022, 4), Q(2023, 1), Q(2023, 2)]
    assert Quarter.range(Q(2022, 3), Q(2022, 3)) == [Q(2022, 3)]
    with pytest.raises(ValueError, match="晚于"):
        Quarter.range(Q(2023, 1), Q(2022, 4))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2023, 3, 31), Q(2023, 1)),
        (date(2023, 4, 1), Q(2023, 2)),
        (date(2023, 12, 31), Q(2023, 4)),
        (date(2024, 1, 1), Q(2024, 1)),
    ],
)
def test_containing(day, expected):
    assert Quarter.containing(day) == expected


@pytest.mark.parametrize(
    ("quarter", "opens", "due"),
    [
        (Q(2023, 1), date(2023, 3, 27), date(2023, 3, 31)),
        (Q(2023, 2), date(2023, 6, 26), date(2023, 6, 30)),
        (Q(2023, 3), date(2023, 9, 26), date(2023, 9, 30)),
        (Q(2023, 4), date(2023, 12, 27), date(2023, 12, 31)),
    ],
)
def test_wulong_rule_last_five_days_of_the_quarter(quarter, opens, due):
    assert WULONG_2019.opens_on(quarter) == opens
    assert WULONG_2019.due_on(quarter) == due
    assert (WULONG_2019.due_on(quarter) - WULONG_2019.opens_on(quarter)).days == 4  # five days, both ends in


def test_positive_offset_crosses_the_year():
    rule = DeadlineRule(window_days=10, due_offset_days=10)
    assert rule.due_on(Q(2023, 4)) == date(2024, 1, 10)
    assert rule.opens_on(Q(2023, 4)) == date(2024, 1, 1)


def test_negative_offset():
    rule = DeadlineRule(window_days=7, due_offset_days=-5)
    assert rule.due_on(Q(2024, 1)) == date(2024, 3, 26)
    assert rule.opens_on(Q(2024, 1)) == date(2024, 3, 20)


@pytest.mark.parametrize(
    ("submitted", "today", "state", "late", "left"),
    [
        (date(2023, 12, 31), date(2024, 2, 1), ON_TIME, 0, None),  # on the due day
        (date(2023, 11, 2), date(2024, 2, 1), ON_TIME, 0, None),  # before the window: early is fine
        (date(2024, 1, 1), date(2024, 2, 1), LATE, 1, None),
        (date(2024, 1, 15), date(2024, 2, 1), LATE, 15, None),
        (None, date(2024, 1, 1), MISSING, 1, None),
        (None, date(2024, 1, 31), MISSING, 31, None),
        (None, date(2023, 12, 26), NOT_OPEN, 0, 5),
        (None, date(2023, 12, 27), OPEN, 0, 4),  # the window opens
        (None, date(2023, 12, 31), OPEN, 0, 0),  # the due day
    ],
)
def test_status(submitted, today, state, late, left):
    status = WULONG_2019.status(Q(2023, 4), submitted_on=submitted, today=today)
    assert (status.state, status.days_late, status.days_left) == (state, late, left)


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        (WULONG_2019, "每季度结束前5日内报送（截止于季度最后一天）"),
        (DeadlineRule(10, 10), "每季度结束后10日内报送（报送期10天）"),
        (DeadlineRule(7, -5), "每季度结束前5日截止报送（报送期7天）"),
    ],
)
def test_describe(rule, text):
    assert rule.describe() == text


def test_describe_in_english_for_a_reader_who_chose_it():
    from django.utils import translation

    with translation.override("en"):
        assert WULONG_2019.describe() == "reported in the last 5 days of each quarter (due on its last day)"
        assert DeadlineRule(10, 10).describe() == "reported within 10 days after each quarter ends (open for 10 days)"
        assert DeadlineRule(7, -5).describe() == "due 5 days before each quarter ends (open for 7 days)"
    assert WULONG_2019.describe() == "每季度结束前5日内报送（截止于季度最后一天）"


def test_dict_round_trip():
    for rule in (WULONG_2019, DeadlineRule(10, 10), DeadlineRule(1, -60)):
        assert DeadlineRule.from_dict(rule.to_dict()) == rule


@pytest.mark.parametrize(
    "data",
    [
        {"window_days": 0, "due_offset_days": 0},
        {"window_days": 93, "due_offset_days": 0},
        {"window_days": 5, "due_offset_days": 61},
        {"window_days": "5", "due_offset_days": 0},
        {"window_days": True, "due_offset_days": 0},
        {"window_days": 5},
        {"window_days": 5, "due_offset_days": 0, "extra": 1},
        [5, 0],
    ],
)
def test_bad_dicts_are_refused(data):
    with pytest.raises(ValueError):
        DeadlineRule.from_dict(data)
