"""The recompute's own path (inputs read into frames, every quarter at once) on the demo of
today: every plan's scorecards in every quarter, as of the day and around the deadlines of
the recent quarters, and every region's verdicts under each standard it adopted, equal to
the references' rows (see tests/test_vector_scores_read.py)."""

from datetime import date

from core.periods import Quarter
from indicators.models import Adoption, ComputedValue
from tests.test_vector_scorecards import all_plans, days_around
from tests.test_vector_scores_read import assert_same_rows, assert_same_verdicts


def test_the_demo_read_as_frames_gives_the_same_scorecards(demo_of_today, db):
    plans = all_plans()
    quarters = Quarter.range(Quarter(min(p.start_year for p in plans), 1), Quarter.containing(date.today()))
    assert assert_same_rows(plans, quarters, [None]) > 20
    recent = [quarter for quarter in quarters if quarter.year >= date.today().year - 1]
    assert assert_same_rows(plans, recent, days_around(recent)) > 20


def test_the_demo_read_as_frames_gives_the_same_verdicts(demo_of_today, db):
    region_ids = sorted(set(Adoption.objects.values_list("region_id", flat=True)))
    quarters = sorted({Quarter(year, number) for year, number in ComputedValue.objects.values_list("year", "quarter")})
    verdicts = assert_same_verdicts(region_ids, quarters)
    assert len(verdicts) > 10
    assert any("points" in row[6] for row in verdicts)  # a standard judged on points among them
