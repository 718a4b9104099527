"""The demo loaded on one day and again a quarter later (apart from test_demo_dating.py,
whose module-wide demo would be under this one's)."""

import io
from collections import Counter
from datetime import date

from django.core.management import call_command

from core.periods import Quarter
from indicators.models import DataReport
from tasks.models import Plan, ProgressReport

WULONG, QIANJIANG = "500156", "500114"


def entries(code, quarter):
    return ProgressReport.objects.filter(item__plan__region__code=code, year=quarter.year, quarter=quarter.number)


def test_a_later_day_finishes_what_was_the_current_quarter(db):
    """Loaded again a quarter later, the demo brings the quarter that was running forward (its
    drafts submitted and reviewed, its figures approved) and opens the new one, adding no
    second entry for anything."""
    call_command("load_demo", password="demo-pass-1", today=date(2026, 12, 6), stdout=io.StringIO())
    then = Quarter(2026, 4)
    assert Counter(entries(WULONG, then).values_list("state", flat=True))["draft"] > 5
    call_command("load_demo", password="demo-pass-1", today=date(2027, 1, 20), stdout=io.StringIO())
    for code in (WULONG, QIANJIANG):
        states = Counter(entries(code, then).values_list("state", flat=True))
        assert states["submitted"] == 0 and states["approved"] > 20 and states["returned"] > 0, states
        assert states["draft"] < (states["approved"] + states["returned"]) / 5  # begun and never sent: missing
        now = Counter(entries(code, Quarter(2027, 1)).values_list("state", flat=True))
        assert now["submitted"] > 5 and now["draft"] > 5
    reports = DataReport.objects.filter(region__code=QIANJIANG, year=2026, quarter=4)
    assert set(reports.values_list("state", flat=True)) == {"approved"}
    assert Plan.objects.filter(title="武隆区2027年节约用水工作任务（演示）").exists()
    assert Plan.objects.filter(title="重庆市黔江区2027年节水型城市工作任务（演示）").exists()
