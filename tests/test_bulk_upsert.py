"""core.bulk.upsert: the same rows whichever way they are written (COPY on PostgreSQL,
bulk_create elsewhere), text that COPY would misread kept intact, and on PostgreSQL rows
whose compared values did not change left untouched."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone

from core import bulk
from indicators.models import IndicatorSet
from reports.models import RegionVerdict

AWKWARD = "制表\t换行\n回车\r反斜杠\\N 引号\"' 逗号, 𠀀"


def verdicts(world, indicator_set, reason="底线指标全部达标", years=range(1900, 2050)):
    return [
        RegionVerdict(region=world.district, indicator_set=indicator_set, year=year, quarter=quarter, verdict="met",
                      reason=reason, figures={"note": AWKWARD, "codes": ["A", "B"], "none": None})
        for year in years for quarter in (1, 2, 3, 4)
    ]


def upsert(rows):
    return bulk.upsert(RegionVerdict, rows, unique_fields=["region", "indicator_set", "year", "quarter"],
                       update_fields=["verdict", "reason", "figures", "computed_at"],
                       compare_fields=["verdict", "reason", "figures"])


@pytest.fixture
def indicator_set(db):
    return IndicatorSet.objects.create(code="BULK", name="批量写入测试")


@pytest.fixture(params=["as_given", "copy_even_for_few_rows"])
def copy_threshold(request, monkeypatch):
    if request.param == "copy_even_for_few_rows":
        monkeypatch.setattr(bulk, "COPY_MIN_ROWS", 1)


def test_rows_are_inserted_then_updated_with_their_text_intact(world, indicator_set, copy_threshold):
    assert upsert(verdicts(world, indicator_set, reason=AWKWARD)) == 600
    stored = RegionVerdict.objects.get(year=1999, quarter=3)
    assert stored.reason == AWKWARD and stored.figures == {"note": AWKWARD, "codes": ["A", "B"], "none": None}
    assert RegionVerdict.objects.count() == 600
    upsert(verdicts(world, indicator_set, reason="改过的理由", years=[1999]))
    assert RegionVerdict.objects.count() == 600
    assert RegionVerdict.objects.get(year=1999, quarter=3).reason == "改过的理由"
    assert RegionVerdict.objects.get(year=2000, quarter=3).reason == AWKWARD


@pytest.mark.postgresql  # SQLite's upsert updates every conflicting row
def test_unchanged_rows_are_left_alone_on_postgresql(world, indicator_set):
    upsert(verdicts(world, indicator_set))
    long_ago = timezone.now() - timedelta(days=30)
    RegionVerdict.objects.update(computed_at=long_ago)
    rows = verdicts(world, indicator_set)
    rows[0].verdict = "not_met"
    upsert(rows)
    changed = RegionVerdict.objects.filter(computed_at__gt=long_ago)
    assert list(changed.values_list("year", "quarter", "verdict")) == [(1900, 1, "not_met")]


@pytest.mark.parametrize("copied", [False, pytest.param(True, marks=pytest.mark.postgresql)])
def test_a_frame_is_written_as_its_rows_would_be(world, indicator_set, monkeypatch, copied):
    """``upsert_frame``, the vectorised engines' writer: on PostgreSQL a CSV written by
    Polars, where a null and an empty text must not be confused; elsewhere ``upsert_rows``."""
    import orjson
    import polars as pl

    if copied:
        monkeypatch.setattr(bulk, "COPY_MIN_ROWS", 1)

    def frame(reasons, points):
        return pl.DataFrame({
            "region_id": world.district.pk, "indicator_set_id": indicator_set.pk, "year": [2024, 2025, 2026],
            "quarter": 1, "verdict": "met", "reason": reasons, "points": points,
            "figures": [orjson.dumps({"note": AWKWARD, "n": n}).decode() for n in range(3)]},
            schema={"region_id": pl.Int64, "indicator_set_id": pl.Int64, "year": pl.Int64, "quarter": pl.Int64,
                    "verdict": pl.String, "reason": pl.String, "points": pl.Decimal(6, 1), "figures": pl.String})

    def write(rows):
        return bulk.upsert_frame(RegionVerdict, rows, unique_fields=["region", "indicator_set", "year", "quarter"],
                                 update_fields=["reason", "points", "figures", "computed_at"])

    assert write(frame([AWKWARD, "", "第三"], [Decimal("9.5"), None, Decimal("0")])) == 3
    stored = {v.year: v for v in RegionVerdict.objects.all()}
    assert stored[2024].reason == AWKWARD and stored[2025].reason == "" and stored[2026].reason == "第三"
    assert [stored[year].points for year in (2024, 2025, 2026)] == [Decimal("9.5"), None, Decimal("0")]
    assert stored[2025].figures == {"note": AWKWARD, "n": 1} and stored[2025].computed_at is not None
    write(frame(["改过", "", "第三"], [None, Decimal("1.0"), Decimal("0")]))
    assert RegionVerdict.objects.count() == 3
    assert RegionVerdict.objects.get(year=2024).reason == "改过" and RegionVerdict.objects.get(year=2024).points is None


@pytest.mark.parametrize("copied", [False, pytest.param(True, marks=pytest.mark.postgresql)])
def test_rows_said_absent_are_copied_straight_in_and_merged_if_stored_meanwhile(world, indicator_set, monkeypatch,
                                                                                 copied):
    """``absent``: the rows the caller found no stored row for go straight into the table; one
    that another writer stored in between (here: stored before, yet said absent) makes the
    copy give way to the merge, and the other rows are written all the same."""
    import polars as pl

    if copied:
        monkeypatch.setattr(bulk, "COPY_MIN_ROWS", 1)
    schema = {"region_id": pl.Int64, "indicator_set_id": pl.Int64, "year": pl.Int64, "quarter": pl.Int64,
              "verdict": pl.String, "reason": pl.String, "figures": pl.String}

    def write(years, reason, absent):
        rows = pl.DataFrame({"region_id": world.district.pk, "indicator_set_id": indicator_set.pk, "year": years,
                             "quarter": 1, "verdict": "met", "reason": reason, "figures": "{}"}, schema=schema)
        return bulk.upsert_frame(RegionVerdict, rows, unique_fields=["region", "indicator_set", "year", "quarter"],
                                 update_fields=["reason", "computed_at"], absent=pl.Series(absent))

    assert write([2024, 2025], "新写", [True, True]) == 2
    assert write([2025, 2026, 2027], "又写", [False, True, True]) == 3
    assert write([2027, 2028], "他人已存", [True, True]) == 2  # 2027 was stored meanwhile
    stored = dict(RegionVerdict.objects.values_list("year", "reason"))
    assert stored == {2024: "新写", 2025: "又写", 2026: "又写", 2027: "他人已存", 2028: "他人已存"}
    assert all(RegionVerdict.objects.values_list("computed_at", flat=True))
    with pytest.raises(IntegrityError):  # not a row stored meanwhile: no merge tried, the error stands
        bulk.upsert_frame(RegionVerdict, pl.DataFrame({"region_id": [None], "year": [2029]},
                                                      schema={"region_id": pl.Int64, "year": pl.Int64}),
                          unique_fields=["region", "indicator_set", "year", "quarter"], update_fields=["year"],
                          absent=pl.Series([True]))


@pytest.mark.parametrize("behind", [False, pytest.param(True, marks=pytest.mark.postgresql)])
@pytest.mark.django_db(transaction=True)
def test_rows_written_behind_are_all_written_when_the_block_ends_and_a_failure_is_raised(world, monkeypatch, behind):
    """``written_behind``: on PostgreSQL outside a transaction a thread of its own writes the
    frames in order while the caller goes on; elsewhere they are written at once. Either way
    every row is stored once the block ends, and a failed write is raised there, the frames
    handed over after it dropped."""
    import polars as pl

    monkeypatch.setattr(bulk, "COPY_MIN_ROWS", 1)
    indicator_set = IndicatorSet.objects.create(code="BEHIND", name="后台写入测试")
    threads = set()
    upsert_frame = bulk.upsert_frame

    def spy(*args, **options):
        threads.add(threading.current_thread().name)
        return upsert_frame(*args, **options)

    monkeypatch.setattr(bulk, "upsert_frame", spy)

    def frame(years, region_id=world.district.pk):
        return pl.DataFrame({"region_id": region_id, "indicator_set_id": indicator_set.pk, "year": years,
                             "quarter": 1, "verdict": "met", "reason": AWKWARD, "figures": "{}"},
                            schema={"region_id": pl.Int64, "indicator_set_id": pl.Int64, "year": pl.Int64,
                                    "quarter": pl.Int64, "verdict": pl.String, "reason": pl.String,
                                    "figures": pl.String})

    def write(rows):
        return bulk.upsert_frame(RegionVerdict, rows, unique_fields=["region", "indicator_set", "year", "quarter"],
                                 update_fields=["reason", "computed_at"], absent=pl.Series([True] * rows.height))

    if not behind:
        monkeypatch.setattr(connection, "vendor", "sqlite-like")  # what the block does off PostgreSQL
    with bulk.written_behind():
        for start in range(2000, 2040, 10):
            assert write(frame(list(range(start, start + 10)))) == 10
    assert RegionVerdict.objects.filter(reason=AWKWARD).count() == 40
    assert ("written-behind" in threads) is behind
    with pytest.raises(IntegrityError), bulk.written_behind():
        write(frame([2100], region_id=None))  # no region: refused by the database
        write(frame([2101]))
    assert not RegionVerdict.objects.filter(year__gte=2100).exists()
