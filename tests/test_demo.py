"""The demo built from the source documents: complete and idempotent. (Loud on bad data:
test_demo_refusals.py, which needs an empty database.)"""

import io
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from campaigns import acceptance_opinion, annual_summary, technical_opinion
from campaigns.models import (
    Acceptance,
    Creation,
    ExpertGroup,
    ExpertScore,
    FundingRound,
    JointMeeting,
    Membership,
    Stage,
    SupervisionVisit,
)
from campaigns.selectors import group_totals, progress
from campaigns.selectors_assessment import group_table
from core.models import AuditEntry, JobRun, StaleMark
from core.periods import Quarter
from demo import regions
from indicators.models import DataReport
from org.models import Department, Region, User
from org.selectors import DepartmentResolver, water_bureau_of
from reports import report_document, report_workbook
from tasks.models import ProgressReport
from tests.crawl_support import crawl
from tests.fixtures.source_department_names import (
    EXPECTED_SPLITS,
    QIANJIANG_DEPARTMENT_CELLS,
    WULONG_DEPARTMENT_CELLS,
)
from tests.gongwen_checks import gongwen_problems
from tests.helpers import APPS, DEMO_PASSWORD


def load(password=DEMO_PASSWORD):
    call_command("load_demo", password=password, stdout=io.StringIO())


@pytest.fixture
def demo_loaded(demo_of_today, db):
    """The demo, loaded once for the modules that only read it (``demo_of_today`` in conftest);
    each test's own changes are rolled back as usual."""


def test_demo_password_comes_from_the_environment_setting(demo_loaded, settings):
    """Loaded again without a password, the demo takes the settings' (its accounts' hashes
    change; everything else is as it was)."""
    settings.DEMO_PASSWORD = "from-settings-9"
    call_command("load_demo", stdout=io.StringIO())
    assert User.objects.get(username="wulong_cgj").check_password("from-settings-9")


def test_regions_and_users(demo_loaded):
    assert {r.code: r.name for r in Region.objects.all()} == {
        "500000": "重庆市",
        "500114": "黔江区",
        "500156": "武隆区",
        # seed 000's counties of the city's campaign: the 2019 and 2020 batches, 璧山 and 永川 before
        "500117": "合川区", "500111": "大足区", "500152": "潼南区", "500153": "荣昌区",
        "500102": "涪陵区", "500115": "长寿区", "500155": "梁平区", "500231": "垫江县",
        "500120": "璧山区", "500118": "永川区",
    }
    expected = {
        "wulong_reviewer": ("500156", "区水利局", "reviewer"),
        "wulong_cgj": ("500156", "区城管局", "reporter"),
        "qianjiang_reviewer": ("500114", "区水利局", "reviewer"),
        "qianjiang_cgj": ("500114", "区城市管理局", "reporter"),
        "cq_city": ("500000", "市水利局", "supervisor"),
        "hechuan_reviewer": ("500117", "区水利局", "reviewer"),
        "dianjiang_reviewer": ("500231", "县水利局", "reviewer"),
    }
    for username, (code, short_name, role) in expected.items():
        user = User.objects.select_related("department__region").get(username=username)
        assert (user.department.region.code, user.department.short_name, user.role) == (code, short_name, role)
    experts = User.objects.filter(role="expert").select_related("expert")
    assert sorted((u.username, u.department_id, u.expert.affiliation) for u in experts) == [
        ("expert_cqu_1", None, "重庆大学"), ("expert_cqu_2", None, "重庆大学"),
        ("expert_cqwrc", None, "重庆市水利发展研究中心"), ("expert_swu_1", None, "西南大学"),
        ("expert_swu_2", None, "西南大学")]
    admin = User.objects.get(username="admin")
    assert admin.role == "admin" and admin.is_superuser and admin.department is None


# Caches the demo recomputes from its data on every load: the same rows, a new computed_at.
RECOMPUTED = {"indicators.ComputedValue", "reports.Scorecard", "reports.RegionVerdict"}


def every_row():
    """{model: its rows as dicts} of every model of the portal's apps, the historical
    (simple_history) models included; the recomputed caches without their timestamps."""
    found = {}
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            stamps = {f.attname for f in model._meta.concrete_fields if getattr(f, "auto_now", False)}
            fields = [f.attname for f in model._meta.concrete_fields
                      if model._meta.label not in RECOMPUTED or f.attname not in stamps]
            found[model._meta.label] = list(model.objects.order_by("pk").values(*fields))
    return found


def test_loading_twice_writes_nothing_the_second_time(demo_loaded):
    """Nothing is added, removed or changed by a second load: no history row as if someone
    had edited the data, no recompute job queued, only the audit entry of the run itself."""
    before, audit, jobs, stale = every_row(), AuditEntry.objects.count(), JobRun.objects.count(), \
        StaleMark.objects.count()
    assert any(model.endswith("HistoricalProgressReport") for model in before)
    load()
    after = every_row()
    assert {model: len(rows) for model, rows in after.items()} == {model: len(rows) for model, rows in before.items()}
    assert [model for model in after if after[model] != before[model]] == []
    assert (AuditEntry.objects.count(), JobRun.objects.count(), StaleMark.objects.count()) == (audit + 1, jobs, stale)


def test_every_demo_user_signs_in_and_lands_on_home(demo_loaded):
    for username, *_ in [*regions.DEMO_USERS, *regions.department_reporters()]:
        client = Client()
        response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302 and response.url == reverse("home"), username
        assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize(
    ("code", "cells"), [("500156", WULONG_DEPARTMENT_CELLS), ("500114", QIANJIANG_DEPARTMENT_CELLS)]
)
def test_every_department_cell_of_the_source_documents_resolves(demo_loaded, code, cells):
    resolver = DepartmentResolver.for_region(Region.objects.get(code=code))
    for cell in cells:
        assert resolver.resolve_cell(cell), cell


def test_aliases_resolve_to_one_department(demo_loaded):
    wulong = DepartmentResolver.for_region(Region.objects.get(code="500156"))
    assert wulong.resolve_cell("区城市管理局") == wulong.resolve_cell("区城管局")
    qianjiang = DepartmentResolver.for_region(Region.objects.get(code="500114"))
    assert qianjiang.resolve_cell("区机关事务中心") == qianjiang.resolve_cell("区机关事务管理中心")


def test_group_names_resolve_to_sets(demo_loaded):
    qianjiang = DepartmentResolver.for_region(Region.objects.get(code="500114"))
    streets = qianjiang.resolve_name("各街道办事处")
    assert len(streets) == 6 and all(d.kind == Department.Kind.SUBDISTRICT for d in streets)
    wulong = DepartmentResolver.for_region(Region.objects.get(code="500156"))
    everyone = wulong.resolve_name("区级各部门和单位")
    assert len(everyone) > 15 and all(d.kind == Department.Kind.BUREAU for d in everyone)


@pytest.mark.parametrize(("cell", "names"), list(EXPECTED_SPLITS.items()))
def test_expected_splits(demo_loaded, cell, names):
    region = "500156" if cell in WULONG_DEPARTMENT_CELLS else "500114"
    resolver = DepartmentResolver.for_region(Region.objects.get(code=region))
    expected = []
    for name in names:
        for department in resolver.resolve_name(name):
            if department not in expected:
                expected.append(department)
    assert resolver.resolve_cell(cell) == expected


def test_no_demo_record_is_dated_in_the_future(demo_loaded):
    now = timezone.now()
    for model in (ProgressReport, DataReport):
        assert not model.objects.filter(submitted_at__gt=now).exists(), model.__name__
        assert not model.objects.filter(reviewed_at__gt=now).exists(), model.__name__


# --- the city's campaign (seed 000), as the demo loads it ---------------------------------------
@pytest.fixture
def creations(demo_loaded):
    return {c.region.name: c for c in Creation.objects.select_related("region", "batch", "campaign")}


def test_the_goal_and_the_batches_are_the_reports(creations):
    campaign = creations["合川区"].campaign
    assert (campaign.goal_text, campaign.goal_year, campaign.goal_share, campaign.county_total) == (
        "全市30%以上县（区）级行政区达到节水型社会标准", 2022, 30, 38)
    assert campaign.indicator_set.code == "MWR_COUNTY_WATER_SAVING"
    by_year = {}
    for name, creation in creations.items():
        by_year.setdefault(creation.batch.year, set()).add(name)
    today = timezone.localdate()
    assert by_year == {2018: {"璧山区", "永川区"}, 2019: {"合川区", "大足区", "潼南区", "荣昌区"},
                       2020: {"涪陵区", "长寿区", "梁平区", "垫江县"}, today.year: {"武隆区"}}
    shown = progress(campaign, today)
    assert (shown.counties, shown.needed, shown.named, shown.in_progress) == (38, 12, 6, 5)  # ceil(11.4) = 12


def test_the_2019_batch_went_through_every_stage_and_passed(creations):
    for name in ("合川区", "大足区", "潼南区", "荣昌区"):
        creation = creations[name]
        steps = [(s.from_stage, s.to_stage) for s in creation.steps.order_by("taken_on", "pk")]
        assert [to for _from, to in steps] == [Stage.SELF_ASSESSMENT, Stage.DECLARED, Stage.TECHNICAL,
                                               Stage.ACCEPTANCE, Stage.PUBLICITY, Stage.REPORTED, Stage.NAMED]
        assert creation.reported_on == date(2020, 1, 3)
        assert creation.self_assessment.total >= 90
        assert group_totals([creation])[creation.pk] >= 90
        assert creation.acceptance.rectifications.get().state == "closed"
        assert not creation.publicity.objections.exists()
        members = Membership.objects.filter(group__creation=creation)
        assert members.count() == 5 and all(member.is_submitted for member in members)
        assert sorted({m.expert.affiliation for m in members}) == ["西南大学", "重庆大学", "重庆市水利发展研究中心"]


def test_the_2020_batch_is_in_technical_assessment_with_some_scores_in(creations):
    submitted = {name: Membership.objects.filter(group__creation=creations[name], submitted_at__isnull=False).count()
                 for name in ("涪陵区", "长寿区", "梁平区", "垫江县")}
    assert submitted == {"涪陵区": 3, "长寿区": 2, "梁平区": 0, "垫江县": 0}
    assert ExpertScore.objects.filter(membership__group__creation=creations["梁平区"]).exists()  # begun, not sent
    assert all(creations[name].stage == Stage.TECHNICAL for name in submitted)


def test_wulong_is_in_self_assessment_on_its_own_figures(creations):
    wulong = creations["武隆区"]
    assert wulong.stage == Stage.SELF_ASSESSMENT
    assessment = wulong.self_assessment
    assert assessment.year == timezone.localdate().year - 1 and not assessment.is_frozen
    computed = assessment.scores.filter(computed=True)
    assert computed.count() >= 10 and all(score.lineage for score in computed)
    assert assessment.scores.filter(computed=False, points__isnull=True).exists()  # still to answer
    assert wulong.stage_since == timezone.localdate() - timedelta(days=24)


def test_the_citys_own_work_of_2019_and_of_this_year(creations):
    meetings = JointMeeting.objects.filter(held_on__year=2019)
    assert meetings.count() == 2  # the report's two 联席会议 of 18 市级部门
    assert meetings.filter(attendance_text="市发展改革委、市教委、市城管局等18个市级部门").count() == 2
    assert SupervisionVisit.objects.filter(visited_on__year=2019).count() == 3
    recent = SupervisionVisit.objects.get(visited_on__gte=timezone.localdate() - timedelta(days=30))
    assert list(recent.counties.values_list("name", flat=True)) == ["武隆区"]
    funding = FundingRound.objects.get(year=2019)
    assert funding.total == 36233 and not funding.is_approved
    # Shared among the 2019 batch only: not 璧山/永川 (named before), not the later batches.
    assert sorted(a.creation.region.name for a in funding.allocations.all()) == ["合川区", "大足区", "潼南区", "荣昌区"]
    assert sum(a.suggested for a in funding.allocations.all()) == funding.total


def test_the_supervisor_sees_the_campaign_and_who_is_late(creations, client):
    client.force_login(User.objects.get(username="cq_city"))
    home = client.get(reverse("home")).content.decode()
    assert "重庆市县域节水型社会达标建设" in home and "应于2020年12月31日前进入现场验收，目前处于技术评估" in home
    page = client.get(reverse("campaigns:campaign", args=[creations["合川区"].campaign_id])).content.decode()
    for name in ("涪陵区", "长寿区", "梁平区", "垫江县"):
        assert name in page
    assert "阶段逾期" in page


def test_an_expert_signs_in_to_the_counties_assigned(creations, client):
    client.force_login(User.objects.get(username="expert_swu_1"))
    home = client.get(reverse("home")).content.decode()
    assert "我的评估任务" in home and "梁平区" in home
    assert client.get(reverse("campaigns:scoring", args=[creations["梁平区"].pk])).status_code == 200
    assert client.get(reverse("campaigns:self_assessment", args=[creations["武隆区"].pk])).status_code == 404


# One account of every role on both districts' sides, with how many pages each reaches at
# least (a crawl that saw only the home page would pass anything). The administrator's
# crawl stops at /admin/'s index: Django's own pages are Django's tests' business.
CRAWLED = {"wulong_cgj": 15, "qianjiang_cgj": 15, "wulong_reviewer": 40, "qianjiang_reviewer": 40,
           "cq_city": 30, "expert_cqu_1": 5, "admin": 40}


@pytest.mark.parametrize("username", CRAWLED)
def test_every_link_a_user_is_shown_opens_for_them(demo_loaded, username):
    """A crawl of the demo as each user, a few addresses of each kind of page: no link leads
    to a 404, a refusal or an error (how long pages take is bench/crawl.py's business)."""
    client = Client()
    client.force_login(User.objects.get(username=username))
    visits = crawl(client, skip=("/admin/",))
    failures = [f"{v.status} {v.url} (linked from {v.found_on})" for v in visits if v.status not in (200, 302)]
    assert not failures, "\n".join(failures)
    assert len(visits) >= CRAWLED[username], [v.url for v in visits]


def test_every_word_draft_of_the_demo_is_a_gongwen_fit_to_send(creations):
    """The four drafts the portal sends upward, from the demo's own records: each district's
    quarterly report (this quarter and the last), the technical opinion of every county
    assessed so far, the acceptance opinion of every county accepted, the city's summaries."""
    drafts = {}
    this_quarter = Quarter.containing(timezone.localdate())
    for region in Region.objects.filter(code__in=["500156", "500114"]):
        for quarter in (this_quarter, this_quarter.previous()):
            content = report_document.build(report_workbook.report_data(region, quarter))
            drafts[f"{region.name}{quarter.label}"] = (content, water_bureau_of(region))
    city = User.objects.get(username="cq_city")
    for group in ExpertGroup.objects.select_related("creation__region", "creation__campaign"):
        table = group_table(group, city, everything=True)
        drafts[f"{group.creation.region.name}技术评估意见"] = (technical_opinion.build(table),
                                                             technical_opinion.SIGNATURE)
    for acceptance in Acceptance.objects.select_related("creation__region", "creation__campaign"):
        drafts[f"{acceptance.creation.region.name}验收意见"] = (acceptance_opinion.build(acceptance.creation),
                                                            acceptance_opinion.group_of(acceptance))
    campaign = creations["合川区"].campaign
    for year in (2019, timezone.localdate().year):
        drafts[f"{year}年度总结"] = (annual_summary.build(campaign, year, today=timezone.localdate()).document, None)
    assert len(drafts) >= 4 + 8 + 4 + 2  # two districts × two quarters, 2019 and 2020 batches, two years
    problems = {name: found for name, (content, authority) in drafts.items()
                if (found := gongwen_problems(content, authority=authority))}
    assert problems == {}
