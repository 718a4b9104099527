"""Reporting periods: the calendar quarter and the rule that says when a quarter's report is due.

Pure Python on purpose: parsers, services and jobs all reason about quarters, and none of
that should need a database or Django to be tested.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property

CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}
CHINESE_NUMBERS = {1: "一", 2: "二", 3: "三", 4: "四"}
MIN_YEAR, MAX_YEAR = 1900, 2999

_CODE = re.compile(r"^(\d{4})\s*-?\s*[Qq]\s*([1-4])$")
_CHINESE = re.compile(r"^(\d{4})\s*年度?\s*第?\s*([1-4一二三四])\s*季度$")


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter such as 2023Q3. Ordered by time; usable as a dict key."""

    year: int
    number: int

    def __post_init__(self):
        if not isinstance(self.year, int) or not MIN_YEAR <= self.year <= MAX_YEAR:
            raise ValueError(f"年份必须在{MIN_YEAR}到{MAX_YEAR}之间，不能是“{self.year}”")
        if not isinstance(self.number, int) or not 1 <= self.number <= 4:
            raise ValueError(f"季度必须是1到4，不能是“{self.number}”")

    # --- making one -------------------------------------------------------------------
    @classmethod
    def parse(cls, text):
        """Read "2023Q3", "2023-Q3", "2023年第三季度", "2023年3季度", "2023年度第三季度" …

        Officials type quarters many ways, often with full-width characters; anything that is
        not clearly one quarter is refused rather than guessed.
        """
        if not isinstance(text, str):
            raise ValueError(f"无法识别的季度“{text}”，应写作 2023Q3 或 2023年第三季度")
        normalised = unicodedata.normalize("NFKC", text).strip()
        match = _CODE.match(normalised) or _CHINESE.match(normalised)
        if match is None:
            raise ValueError(f"无法识别的季度“{text}”，应写作 2023Q3 或 2023年第三季度")
        year, number = match.groups()
        return cls(int(year), CHINESE_DIGITS.get(number) or int(number))

    @classmethod
    def containing(cls, day):
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def range(cls, start, end):
        """Every quarter from ``start`` to ``end``, both included."""
        if start > end:
            raise ValueError(f"起始季度 {start} 晚于结束季度 {end}")
        quarters, current = [], start
        while current <= end:
            quarters.append(current)
            current = current.next()
        return quarters

    # --- dates ------------------------------------------------------------------------
    @property
    def months(self):
        first = 3 * self.number - 2
        return (first, first + 1, first + 2)

    @cached_property
    def first_day(self):
        return date(self.year, self.months[0], 1)

    @cached_property  # asked for hundreds of thousands of times in a recompute
    def last_day(self):
        return self.next().first_day - timedelta(days=1)

    def contains(self, day):
        return self.first_day <= day <= self.last_day

    # --- moving -----------------------------------------------------------------------
    def shift(self, quarters):
        index = self.year * 4 + (self.number - 1) + quarters
        return Quarter(index // 4, index % 4 + 1)

    def next(self):
        return self.shift(1)

    def previous(self):
        return self.shift(-1)

    def same_quarter_last_year(self):
        return self.shift(-4)

    @cached_property
    def days_to_date(self):
        """Days from 1 January to the end of this quarter: what a year-to-date figure
        covers (365 or 366 in the fourth quarter)."""
        return (self.last_day - date(self.year, 1, 1)).days + 1

    @cached_property
    def share_of_year(self):
        """The part of the year a year-to-date figure of this quarter covers."""
        days_in_year = (date(self.year + 1, 1, 1) - date(self.year, 1, 1)).days
        return Decimal(self.days_to_date) / Decimal(days_in_year)

    def year_to_date(self):
        """Q1 up to this quarter: the quarters a cumulative (累计) figure covers."""
        return [Quarter(self.year, number) for number in range(1, self.number + 1)]

    # --- text -------------------------------------------------------------------------
    def __str__(self):
        return f"{self.year}Q{self.number}"

    @property
    def label(self):
        """The quarter in the words of the page being shown: 2023年第三季度, or 2023 Q3 to a
        user who chose English. Outside a request (jobs, documents, tests without Django) the
        active language is the portal's, Chinese."""
        return self.chinese_label if _chinese_is_active() else f"{self.year} Q{self.number}"

    @property
    def chinese_label(self):
        """2023年第三季度 whatever the reader's language: the words of the Word and Excel files
        the portal writes (their titles are read back on import) and of stored texts."""
        return f"{self.year}年第{CHINESE_NUMBERS[self.number]}季度"


def _chinese_is_active():
    # Imported here, not at the top: the module is used where Django is not set up.
    try:
        from django.conf import settings
        from django.utils import translation
    except ImportError:  # pragma: no cover - Django is a dependency of the project
        return True
    if not settings.configured:
        return True
    return (translation.get_language() or "zh").startswith("zh")


# --- deadlines ------------------------------------------------------------------------

NOT_OPEN, OPEN, ON_TIME, LATE, MISSING = "not_open", "open", "on_time", "late", "missing"


@dataclass(frozen=True)
class DeadlineStatus:
    state: str
    days_late: int = 0
    days_left: int | None = None


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)  # True is an int in Python


# A quarter's reports are due at most this many days after it ends: from the day after, no
# score of it changes with the day.
LATEST_DUE_DAYS = 60


@dataclass(frozen=True)
class DeadlineRule:
    """When a quarter's report is due, relative to the quarter's last day.

    The report is due on ``quarter.last_day + due_offset_days`` and the reporting window is
    the ``window_days`` days ending on the due date. Early reports count as on time; the
    window only says when the portal starts asking for them.
    """

    window_days: int
    due_offset_days: int = 0

    def __post_init__(self):
        if not _is_int(self.window_days) or not 1 <= self.window_days <= 92:
            raise ValueError(f"报送期天数必须是1到92之间的整数，不能是“{self.window_days}”")
        if not _is_int(self.due_offset_days) or not -LATEST_DUE_DAYS <= self.due_offset_days <= LATEST_DUE_DAYS:
            raise ValueError(f"截止日相对季度末的天数必须在-{LATEST_DUE_DAYS}到{LATEST_DUE_DAYS}之间，"
                             f"不能是“{self.due_offset_days}”")

    def due_on(self, quarter, item_due=None):
        """When ``quarter``'s entry is due; with ``item_due``, the work item's own due date,
        that date when it falls in the quarter before the quarter's report is due: an item
        to be finished by 15 November is to be reported by then, not at the quarter's end."""
        due = quarter.last_day + timedelta(days=self.due_offset_days)
        if item_due is not None and quarter.first_day <= item_due < due:
            return item_due
        return due

    def is_running(self, quarter, today):
        """Whether ``quarter``'s reports are still coming in on ``today``: up to and on its
        due day nothing of it is late or missing yet."""
        return today <= self.due_on(quarter)

    def opens_on(self, quarter):
        return self.due_on(quarter) - timedelta(days=self.window_days - 1)

    def status(self, quarter, *, submitted_on, today, item_due=None):
        due = self.due_on(quarter, item_due)
        if submitted_on is not None:
            if submitted_on <= due:
                return DeadlineStatus(ON_TIME)
            return DeadlineStatus(LATE, days_late=(submitted_on - due).days)
        if today > due:
            return DeadlineStatus(MISSING, days_late=(today - due).days)
        state = NOT_OPEN if today < min(self.opens_on(quarter), due) else OPEN
        return DeadlineStatus(state, days_left=(due - today).days)

    def describe(self):
        """The rule in the words of the page being shown (Chinese outside a request)."""
        if not _chinese_is_active():
            return self._in_english()
        if self.due_offset_days == 0:
            return f"每季度结束前{self.window_days}日内报送（截止于季度最后一天）"
        if self.due_offset_days > 0:
            return f"每季度结束后{self.due_offset_days}日内报送（报送期{self.window_days}天）"
        return f"每季度结束前{-self.due_offset_days}日截止报送（报送期{self.window_days}天）"

    def _in_english(self):
        if self.due_offset_days == 0:
            return f"reported in the last {self.window_days} days of each quarter (due on its last day)"
        if self.due_offset_days > 0:
            return (f"reported within {self.due_offset_days} days after each quarter ends "
                    f"(open for {self.window_days} days)")
        return (f"due {-self.due_offset_days} days before each quarter ends "
                f"(open for {self.window_days} days)")

    def to_dict(self):
        return {"window_days": self.window_days, "due_offset_days": self.due_offset_days}

    @classmethod
    def from_dict(cls, data):
        if not isinstance(data, dict) or set(data) != {"window_days", "due_offset_days"}:
            raise ValueError("报送期限规则必须包含 window_days 和 due_offset_days 两项")
        return cls(window_days=data["window_days"], due_offset_days=data["due_offset_days"])


# 武隆府办发〔2019〕78号 四(四): "于每季度结束前5日内将工作进展报区水利局" — the last five
# days of the quarter, due on its last day.
WULONG_2019 = DeadlineRule(window_days=5, due_offset_days=0)
