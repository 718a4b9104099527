"""Department scorecards and the region verdict on a small fixture computed by hand, the
veto of a bottom-line miss, weights that must sum to 100, and the coalesced recompute."""

from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError

from core import events
from core.models import JobRun, StaleMark
from core.periods import Quarter
from indicators.models import IndicatorSet
from reports.models import Scorecard, ScoreWeights
from reports.scoring import expected_percent, verdict
from reports.services import scores_compute
from tasks.models import Assignment, Plan, ProgressReport, TaskNode
from tasks.services import contribution_save, progress_approve, progress_open, progress_return, progress_save

Q2 = Quarter(2023, 2)


@pytest.fixture
def plan(world):
    plan = Plan.objects.create(region=world.district, title="评分测试方案", start_year=2023, end_year=2023)
    key = TaskNode.objects.create(plan=plan, level=1, position=1, number="一、", text="重点任务")
    items = {}
    for position, (name, due, lead, cooperating) in enumerate([
        ("A", date(2023, 12, 31), world.water_bureau, None),
        ("B", date(2023, 6, 30), world.water_bureau, None),
        ("C", date(2023, 12, 31), world.water_bureau, None),
        ("D", date(2023, 12, 31), world.water_bureau, None),
        ("E", date(2023, 12, 31), world.urban_bureau, world.water_bureau),
    ], start=2):
        item = TaskNode.objects.create(
            plan=plan, parent=key, level=3, position=position, text=f"事项{name}", due_on=due
        )
        Assignment.objects.create(node=item, department=lead, role="lead")
        if cooperating:
            Assignment.objects.create(node=item, department=cooperating, role="cooperating")
        items[name] = item
    plan.items = items
    return plan


def submit(item, department, when, *, status="in_progress", percent=50, user=None):
    report = progress_open(item=item, department=department, quarter=Q2)
    report.status, report.percent, report.work_done = status, percent, "已推进"
    with time_machine.travel(when, tick=False):
        progress_save(report=report, version=report.version, user=user, submit=True)
    report.refresh_from_db()
    return report


@pytest.fixture
def quarter_of_work(plan, world, reviewer):
    items = plan.items
    a = submit(items["A"], world.water_bureau, "2023-06-25 10:00 +0800", percent=50)
    progress_approve(report=a, user=reviewer, version=a.version)
    b = submit(items["B"], world.water_bureau, "2023-07-05 10:00 +0800", status="done", percent=100)
    progress_approve(report=b, user=reviewer, version=b.version)
    c = submit(items["C"], world.water_bureau, "2023-06-20 10:00 +0800", percent=30)
    progress_return(report=c, user=reviewer, comment="请补充进度说明", version=c.version)
    c.refresh_from_db()
    c.status, c.percent, c.work_done = "in_progress", 30, "已补充"
    with time_machine.travel("2023-06-28 10:00 +0800", tick=False):
        progress_save(report=c, version=c.version, user=None, submit=True)
    # D is never reported. E is 区城管局's, done and on time; 区水利局 cooperates on it.
    e = submit(items["E"], world.urban_bureau, "2023-06-26 10:00 +0800", status="done", percent=100)
    progress_approve(report=e, user=reviewer, version=e.version)
    contribution_save(item=items["E"], department=world.water_bureau, quarter=Q2, note="提供水量数据", user=None)
    return plan


def test_expected_progress_is_the_share_of_time_elapsed(plan):
    # 1 January to 30 June is 181 of 365 days: 49.6 % → 49.
    assert expected_percent(plan.items["A"], plan, Q2) == 49
    assert expected_percent(plan.items["B"], plan, Q2) == 100  # due on 30 June


def test_scorecards_match_the_hand_computation(quarter_of_work, world):
    assert scores_compute(world.district, Q2) == 2
    water = Scorecard.objects.get(department=world.water_bureau, year=2023, quarter=2)
    parts = {key: (c["value"], c["numerator"], c["denominator"]) for key, c in water.components.items()}
    # Leads A, B, C, D. Submitted A, B, C (3 of 4 = 75 %); on time A and C (B came on 5 July,
    # after the 30 June deadline): 50 %; on track A (50 % ≥ 49 %) and B (completed), not C
    # (30 % < 49 %) nor D: 50 %; C was returned once: 2 of 3 not returned = 66.7 %; it gave
    # a contribution to E, the one item it cooperates on: 100 %. No indicators, no targets.
    assert parts == {
        "completeness": ("75.0", 3, 4), "on_time": ("50.0", 2, 4), "progress": ("50.0", 2, 4),
        "indicators": (None, 0, 0), "carriers": (None, 0, 0), "returns": ("66.7", 2, 3),
        "cooperation": ("100.0", 1, 1),
    }
    # Weights 25/15/25/–/–/5/5 of the parts that apply (75 in all):
    # (25×75 + 15×50 + 25×50 + 5×66.7 + 5×100) ÷ 75 = 4708.5 ÷ 75 = 62.78 → 62.8, amber.
    assert water.composite == D("62.8") and water.band == "amber"
    urban = Scorecard.objects.get(department=world.urban_bureau, year=2023, quarter=2)
    assert urban.composite == D("100.0") and urban.band == "green"


def test_plan_weights_change_the_composite_and_must_sum_to_100(quarter_of_work, world):
    weights = ScoreWeights(plan=quarter_of_work, completeness=50, on_time=50, progress=0, indicators=0, carriers=0,
                           returns=0, cooperation=0)
    weights.full_clean()
    weights.save()
    scores_compute(world.district, Q2)
    # (50×75 + 50×50) ÷ 100 = 62.5
    assert Scorecard.objects.get(department=world.water_bureau, quarter=2).composite == D("62.5")
    weights.returns = 10
    with pytest.raises(ValidationError, match="110"):
        weights.full_clean()


def test_recomputing_twice_leaves_the_same_rows(quarter_of_work, world):
    scores_compute(world.district, Q2)
    first = list(Scorecard.objects.order_by("pk").values("pk", "composite", "parts"))
    scores_compute(world.district, Q2)
    assert list(Scorecard.objects.order_by("pk").values("pk", "composite", "parts")) == first


def value(code, kind, status, name=None, points=0):
    """A computed value as the verdict reads it; an all-or-nothing item earns its full
    points when met, none when not, and has no points yet without data."""
    indicator = SimpleNamespace(code=code, kind=kind, name=name or code, points=D(points))
    awarded = {"met": D(points), "not_met": D(0)}.get(status)
    return SimpleNamespace(status=status, indicator=indicator, points=awarded)


def rule(**thresholds):
    return IndicatorSet(**thresholds)


def test_one_bottom_line_miss_vetoes_everything():
    values = [value("LEAKAGE", "bottom_line", "not_met", "漏损率")] + [
        value(f"G{n}", "guiding", "met", points=10) for n in range(16)
    ]
    outcome, reason, figures = verdict(rule(guiding_share=80, min_points=10), values)
    assert outcome == "not_met" and reason == "底线指标未达标：漏损率"
    assert figures["guiding"]["met"] == [f"G{n}" for n in range(16)]


def test_guiding_share_decides_and_missing_data_leaves_it_open():
    bottom = [value("B1", "bottom_line", "met"), value("B2", "bottom_line", "met")]
    # 10 guiding indicators, 80 % → at least 8 met.
    eight = [value(f"G{n}", "guiding", "met") for n in range(8)] + [
        value(f"N{n}", "guiding", "not_met") for n in range(2)
    ]
    outcome, reason, _ = verdict(rule(guiding_share=80), bottom + eight)
    assert outcome == "met" and reason == "底线指标全部达标，导向指标达标8项（要求不少于8项）"
    seven = [*eight[:7], value("N7", "guiding", "not_met"), *eight[8:]]
    outcome, reason, _ = verdict(rule(guiding_share=80), bottom + seven)
    assert outcome == "not_met" and reason == "导向指标达标7项，少于要求的8项，差1项"
    open_ = [*eight[:7], value("I7", "guiding", "incomplete"), *eight[8:]]
    outcome, reason, _ = verdict(rule(guiding_share=80), bottom + open_)
    assert outcome == "incomplete" and "另有1项数据不全" in reason
    missing_bottom = [value("B1", "bottom_line", "incomplete"), bottom[1]]
    assert verdict(rule(guiding_share=80), missing_bottom + eight)[0] == "incomplete"
    # A count can be asked for on top of the share: 9 of 10 → 8 met is short.
    assert verdict(rule(guiding_share=80, min_guiding=9), bottom + eight)[0] == "not_met"
    # No threshold at all: the bottom line alone decides.
    assert verdict(rule(), bottom + seven)[0] == "met"


def test_points_decide_a_set_judged_on_points():
    # Bottom line worth 20 each (both met: 40); guiding G1–G4 worth 15 each, G1–G3 met: 45;
    # total 85 of a possible 100. At least 85 passes, at least 90 does not.
    values = [value("B1", "bottom_line", "met", points=20), value("B2", "bottom_line", "met", points=20)] + [
        value(f"G{n}", "guiding", "met" if n < 4 else "not_met", points=15) for n in range(1, 5)
    ]
    outcome, reason, figures = verdict(rule(min_points=D("85")), values)
    assert outcome == "met" and reason == "底线指标全部达标，得分85分（要求不少于85分）"
    assert figures["points"] == {"earned": "85", "needed": "85", "possible": "100", "pending": "0"}
    outcome, reason, _ = verdict(rule(min_points=D("90")), values)
    assert outcome == "not_met" and reason == "得分85分，少于要求的90分，差5分"
    # G4 without data could still bring 15: the verdict waits for it.
    values[-1] = value("G4", "guiding", "incomplete", points=15)
    assert verdict(rule(min_points=D("90")), values)[0] == "incomplete"


def test_a_threshold_the_set_cannot_reach_is_refused(db):
    from indicators.models import Indicator

    standard = IndicatorSet.objects.create(code="PTS", version="1", name="按分值评价的标准")
    for number, kind in enumerate(["bottom_line", "guiding", "guiding"], start=1):
        Indicator.objects.create(indicator_set=standard, number=number, code=f"I{number}", name=f"指标{number}",
                                 category="测试", kind=kind, method="checklist", checklist=["有"],
                                 points=30)
    standard.min_points = D("95")
    with pytest.raises(ValidationError, match="90分"):
        standard.full_clean()
    standard.min_points, standard.min_guiding = D("90"), 3
    with pytest.raises(ValidationError, match="2"):
        standard.full_clean()
    standard.min_guiding, standard.guiding_share = 2, 101
    with pytest.raises(ValidationError):
        standard.full_clean()
    standard.guiding_share = 80
    standard.full_clean()
    assert standard.pass_rule_text == (
        "底线指标全部达标，导向指标达标比例不低于80%，导向指标达标不少于2项，得分不低于90分"
    )


def test_a_burst_of_changes_gives_one_recompute(quarter_of_work, world, django_capture_on_commit_callbacks,
                                                monkeypatch):
    from core import jobs

    queued = []
    monkeypatch.setattr(jobs.recompute, "apply_async", lambda args, countdown: queued.append((args, countdown)))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for _ in range(5):  # the fixture's own changes marked Q2 already: use Q3
            events.publish(events.SCORES_CHANGED, region=world.district, quarter=Quarter(2023, 3))
    assert len(callbacks) == 1  # five changes in one transaction: one mark
    callbacks[0]()
    callbacks[0]()  # a later transaction, before the queued job ran, joins it
    assert queued == [(("scores", [world.district.pk], ["2023Q3"]), settings.SCORES_COALESCE_SECONDS)]
    assert StaleMark.objects.filter(recompute="scores", year=2023, quarter=3).count() == 1
    jobs.recompute("scores", [world.district.pk], ["2023Q3"])  # the job claims the mark
    assert not StaleMark.objects.filter(year=2023, quarter=3).exists()
    assert JobRun.objects.get(name="recompute_scores").state == "done"


def test_the_nightly_sweep_recomputes_the_current_quarter_and_lost_marks(quarter_of_work, world):
    from reports.jobs import sweep_scores

    Scorecard.objects.all().delete()
    StaleMark.objects.all().delete()
    with time_machine.travel("2023-06-01 09:00 +0800", tick=False):
        StaleMark.objects.create(recompute="scores", region=world.district, year=2023, quarter=1)  # its job was lost
    with time_machine.travel("2023-06-01 09:45 +0800", tick=False):
        StaleMark.objects.create(recompute="scores", region=world.district, year=2022, quarter=4)  # may still run
    with time_machine.travel("2023-06-01 10:00 +0800", tick=False):
        assert sweep_scores() == 2  # 2023Q2 (current, the plan runs) and the lost 2023Q1
    assert set(Scorecard.objects.values_list("year", "quarter").distinct()) == {(2023, 1), (2023, 2)}
    assert list(StaleMark.objects.values_list("year", "quarter")) == [(2022, 4)]
    assert JobRun.objects.get(name="sweep_scores").result == "2 个区县季度"


def test_recomputing_all_regions_at_once_gives_what_one_at_a_time_gives(quarter_of_work, world):
    from reports.services import recompute_all

    scores_compute(world.district, Q2)
    one_at_a_time = list(Scorecard.objects.order_by("pk").values("department", "composite", "parts"))
    Scorecard.objects.all().delete()
    _values, scorecards = recompute_all(quarters=[Quarter(2023, 1), Q2])
    assert scorecards == 4  # two departments, two quarters
    assert list(Scorecard.objects.filter(quarter=2).order_by("pk").values(
        "department", "composite", "parts")) == one_at_a_time


def test_recomputing_everything_in_the_background_and_its_retry(quarter_of_work, world, jobs_inline, administrator):
    import io

    from django.core.management import call_command

    from core.runs import retry
    from reports.selectors import job_subjects

    Scorecard.objects.all().delete()
    out = io.StringIO()
    with jobs_inline():
        call_command("recompute_all", quarter=["2023Q1", "2023Q2"], background=True, stdout=out)
    assert "已排队 1 个后台计算任务（2023年第一季度—2023年第二季度）" in out.getvalue()
    run = JobRun.objects.get(name="recompute_regions")
    assert run.state == "done" and run.result == "0 个指标值，4 个部门评分"
    assert Scorecard.objects.filter(quarter=2).count() == 2
    assert job_subjects([run]) == {run.pk: "武隆区 2023年第一季度—2023年第二季度"}
    run.state = JobRun.State.FAILED
    run.save()
    with jobs_inline():
        retry(run, user=administrator)
    again = JobRun.objects.filter(name="recompute_regions").exclude(pk=run.pk).get()  # a run of its own
    assert again.state == "done" and again.arguments == run.arguments


def test_a_failed_job_is_recorded_with_its_reason(quarter_of_work, world, monkeypatch):
    from core.jobs import recompute
    from reports import vector_scorecards

    def broken(*args):
        raise RuntimeError("scoring broke")

    monkeypatch.setattr(vector_scorecards, "read", broken)
    with pytest.raises(RuntimeError):
        recompute("scores", [world.district.pk], ["2023Q2"])
    run = JobRun.objects.get(name="recompute_scores")
    assert run.state == "failed" and run.error_line == "RuntimeError: scoring broke" and run.finished_at


def test_a_submission_and_its_approval_recompute_the_quarter(plan, world, reviewer, jobs_inline):
    with jobs_inline() as callbacks:
        report = submit(plan.items["A"], world.water_bureau, "2023-06-25 10:00 +0800")
        progress_approve(report=report, user=reviewer, version=report.version)
    # One transaction of the test: one mark (the other callbacks tell the reviewer and the department).
    assert len([callback for callback in callbacks if hasattr(callback, "keys")]) == 1
    card = Scorecard.objects.get(plan=plan, department=world.water_bureau, year=2023, quarter=2)
    assert card.components["completeness"]["numerator"] == 1
    assert ProgressReport.objects.get(pk=report.pk).state == "approved"


# --- pages ----------------------------------------------------------------------------------


def test_the_summary_and_drill_down_show_the_numbers_and_their_records(quarter_of_work, world, reviewer, client_for):
    from django.urls import reverse

    scores_compute(world.district, Q2)
    client = client_for(reviewer)
    response = client.get(reverse("reports:summary"), {"quarter": "2023Q2"})
    page = response.content.decode()
    assert "区水利局" in page and "62.8" in page and "100.0" in page
    # The departments compared, best first, with last quarter's (none yet) beside.
    chart = response.context["chart_data"]
    assert chart["categories"] == ["区城管局", "区水利局"]
    assert chart["series"][0]["values"] == [D("100.0"), D("62.8")] and chart["series"][1]["values"] == [None, None]
    assert 'data-chart="departments-data"' in page
    card = Scorecard.objects.get(department=world.water_bureau, quarter=2)
    detail = client.get(reverse("reports:scorecard", args=[card.pk])).content.decode()
    for name in ("事项A", "事项B", "事项C", "事项D"):
        assert name in detail
    assert "3 / 4" in detail and "2 / 3" in detail and "未报送" in detail  # D was never reported


def test_a_reporter_reads_the_districts_verdict_and_only_their_own_scorecard(quarter_of_work, world, reporter,
                                                                              client_for):
    from django.urls import reverse

    scores_compute(world.district, Q2)
    client = client_for(reporter)  # 区城管局
    response = client.get(reverse("reports:summary"), {"quarter": "2023Q2"})
    assert [row.card.department for row in response.context["rows"]] == [world.urban_bureau]
    assert response.context["chart_data"]["categories"] == ["区城管局"]
    own = Scorecard.objects.get(department=world.urban_bureau, quarter=2)
    other = Scorecard.objects.get(department=world.water_bureau, quarter=2)
    assert client.get(reverse("reports:scorecard", args=[own.pk])).status_code == 200
    assert client.get(reverse("reports:scorecard", args=[other.pk])).status_code == 404


def test_weights_that_do_not_sum_to_100_are_refused(quarter_of_work, world, reviewer, client_for):
    from django.urls import reverse

    url = reverse("reports:weights", args=[quarter_of_work.pk])
    data = {"completeness": 30, "on_time": 15, "progress": 25, "indicators": 15, "carriers": 10, "returns": 5,
            "cooperation": 5, "green_from": 85, "amber_from": 60}
    response = client_for(reviewer).post(url, data)
    assert response.status_code == 200 and "各项权重之和为105" in response.content.decode()
    assert not ScoreWeights.objects.exists()
    data["completeness"] = 25
    assert client_for(reviewer).post(url, data).status_code == 302
    assert ScoreWeights.objects.get(plan=quarter_of_work).completeness == 25


def test_the_city_view_sorts_districts(quarter_of_work, world, supervisor, client_for):
    from django.urls import reverse

    scores_compute(world.district, Q2)
    page = client_for(supervisor).get(reverse("reports:city"), {"quarter": "2023Q2", "sort": "score"}).content.decode()
    assert page.index("武隆区") < page.index("黔江区")  # 武隆 has scores, 黔江 none
    assert "81.4" in page  # the mean of 62.8 and 100.0


def test_the_city_view_pages_through_many_districts(quarter_of_work, world, supervisor, client_for, monkeypatch):
    from django.urls import reverse

    from reports import views

    monkeypatch.setattr(views, "CITY_ROWS_PER_PAGE", 1)
    scores_compute(world.district, Q2)
    client = client_for(supervisor)
    first = client.get(reverse("reports:city"), {"quarter": "2023Q2", "sort": "score"}).content.decode()
    assert "武隆区" in first and "黔江区" not in first and "第 1 页，共 2 页" in first
    assert "quarter=2023Q2&amp;sort=score&amp;page=2" in first  # the next page keeps the quarter and order
    second = client.get(reverse("reports:city"), {"quarter": "2023Q2", "sort": "score", "page": 2}).content.decode()
    assert "黔江区" in second and "武隆区" not in second


def test_home_pages_show_the_verdict_the_weakest_and_the_queue(quarter_of_work, world, reviewer, supervisor,
                                                               client_for):
    from django.urls import reverse

    scores_compute(world.district, Q2)
    with time_machine.travel("2023-07-15 10:00 +0800", tick=False):  # Q2's reports are due by then
        page = client_for(reviewer).get(reverse("home")).content.decode()
        city = client_for(supervisor).get(reverse("home")).content.decode()
    assert "2023年第二季度达标情况" in page and "得分最低的部门" in page
    weakest = page[page.index("得分最低的部门") : page.index("待审核")]
    assert weakest.index("62.8") < weakest.index("100.0")  # weakest first
    assert 'data-testid="home-queue">1<' in page  # C was resubmitted and waits for review
    assert "各区县最新达标结论" in city and "武隆区" in city and "黔江区" in city


def test_an_administrator_retries_a_failed_job(quarter_of_work, world, administrator, reviewer, client_for,
                                               jobs_inline):
    from django.urls import reverse

    failed = JobRun.objects.create(name="recompute_scores", state="failed", error="OperationalError: timeout",
                                   arguments={"regions": [world.district.pk], "quarters": ["2023Q2"]})
    page = client_for(administrator).get(reverse("reports:jobs")).content.decode()
    assert "重新计算评分" in page and "武隆区 2023年第二季度" in page and "重试" in page
    url = reverse("reports:job_retry")
    assert client_for(reviewer).post(url, {"run": failed.pk}).status_code == 404  # administrators only
    with jobs_inline():
        assert client_for(administrator).post(url, {"run": failed.pk}).status_code == 302
    again = JobRun.objects.get(name="recompute_scores", state="done")
    assert again.result == "2 张评分卡" and Scorecard.objects.filter(year=2023, quarter=2).count() == 2
    for refused in (again.pk, "x", ""):  # a run that went well, or no run at all
        assert client_for(administrator).post(url, {"run": refused}).status_code == 404


def test_a_retry_of_a_run_whose_region_is_gone_says_so(world, administrator, client_for):
    from django.urls import reverse

    failed = JobRun.objects.create(name="recompute_scores", state="failed",
                                   arguments={"regions": [999999], "quarters": ["2023Q2"]})
    response = client_for(administrator).post(reverse("reports:job_retry"), {"run": failed.pk}, follow=True)
    assert "该任务涉及的区县已不存在" in response.content.decode()


WEIGHTS_DEFAULT = {"completeness": 25, "on_time": 15, "progress": 25, "indicators": 15, "carriers": 10,
                   "returns": 5, "cooperation": 5, "green_from": 85, "amber_from": 60}


def test_the_weights_form_speaks_in_bands_with_a_total(quarter_of_work, reviewer, client_for):
    from django.urls import reverse

    page = client_for(reviewer).get(reverse("reports:weights", args=[quarter_of_work.pk])).content.decode()
    assert "良好 不低于" in page and "一般 不低于" in page and "较差" in page
    assert page.count('<span class="input-group-text">分</span>') == 2  # 良好 不低于 [85] 分
    assert "绿色" not in page and "黄色" not in page
    assert "合计 100，符合要求" in page  # the running total, as the stored (default) weights stand
    assert "js/weights.js" in page and "<script>" not in page  # the live total is a static file (CSP)
    assert 'data-under="合计 %(total)s，比100少 %(gap)s' in page  # the browser's sentences, translated


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"green_from": 60, "amber_from": 60}, "green_from", "“良好”的起点应高于“一般”的起点（60分）"),
    ({"green_from": 50, "amber_from": 70}, "green_from", "“良好”的起点应高于“一般”的起点（70分）"),
    ({"green_from": 101}, "green_from", "“良好”的起点不能高于100分"),
    ({"amber_from": 0}, "amber_from", "“一般”的起点至少为1分"),
])
def test_band_mistakes_are_shown_at_the_field_they_are_about(quarter_of_work, reviewer, client_for, changes, field,
                                                            message):
    from django.urls import reverse

    response = client_for(reviewer).post(reverse("reports:weights", args=[quarter_of_work.pk]),
                                         {**WEIGHTS_DEFAULT, **changes})
    assert response.status_code == 200 and not ScoreWeights.objects.exists()
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert not form.non_field_errors()


@pytest.mark.parametrize(("changes", "sentence"), [
    ({"completeness": 15}, "合计 90，比100少 10"),
    ({"returns": 17}, "合计 112，比100多 12"),
    ({"returns": "五"}, "合计：请为每一部分填写整数"),
])
def test_a_refused_form_says_how_far_the_total_is_from_100(quarter_of_work, reviewer, client_for, changes,
                                                          sentence):
    from django.urls import reverse

    page = client_for(reviewer).post(reverse("reports:weights", args=[quarter_of_work.pk]),
                                     {**WEIGHTS_DEFAULT, **changes}).content.decode()
    assert sentence in page
