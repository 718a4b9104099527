"""A real browser signs in as a demo user and sees the home page.

Uses Debian's Chromium through Playwright (never a browser Playwright downloads).
"""

import io
from pathlib import Path

import openpyxl
import pytest

from tests.browser_support import (  # noqa: F401 (fixtures, found by name)
    DEMO_PASSWORD,
    browser_context_args,
    browser_type_launch_args,
    fixture_demo,
    fixture_jobs_in_process,
    sign_in,
)

pytestmark = [pytest.mark.browser]


# One demo load serves the three roles: loading it is the slow part of these tests.
DEMO_HOMES = [
    ("wulong_cgj", "武隆区", "填报员"),
    ("qianjiang_reviewer", "黔江区", "审核员"),
    ("cq_city", "重庆市", "市级督导"),
]


def test_demo_users_sign_in_and_see_their_home(demo, live_server, page):
    for username, region, role in DEMO_HOMES:
        page.context.clear_cookies()
        page.goto(live_server.url + "/")
        assert "/accounts/login/" in page.url
        assert page.locator("h1").inner_text() == "登录"
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(live_server.url + "/")
        assert region in page.get_by_test_id("home-region").inner_text(), username
        assert page.get_by_test_id("home-role").inner_text() == role, username
    # Static assets come from the project itself.
    assert page.evaluate("getComputedStyle(document.body).display") == "flex"


@pytest.mark.django_db(transaction=True)
def test_wrong_password_shows_chinese_error(live_server, page, reporter):
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", reporter.username)
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    assert "用户名或密码不正确" in page.content()


def test_quarter_walkthrough_draft_submit_return_resubmit_approve(demo, live_server, page):
    from django.utils import timezone

    from core.periods import Quarter
    from org.models import Department
    from tasks.models import ProgressReport
    from tasks.selectors import todo_for

    urban = Department.objects.get(region__code="500156", short_name="区城管局")
    quarter = Quarter.containing(timezone.localdate())
    rows = todo_for(urban, quarter, today=timezone.localdate())
    row = next(r for r in rows if r.report is None or r.report.is_editable)
    entry = f"{live_server.url}/plans/progress/{row.item.pk}/{quarter}/"

    sign_in(page, live_server, "wulong_cgj")
    page.click("text=本季度待办")
    assert "本季度待办" in page.locator("h1").inner_text()
    page.goto(entry)
    page.select_option("select[name=status]", "in_progress")
    page.fill("input[name=percent]", "50")
    page.fill("textarea[name=work_done]", "完成一期管网改造。")
    page.click("button[name=save]")
    assert "草稿已保存" in page.content()
    page.goto(entry)
    assert page.input_value("input[name=percent]") == "50"
    page.click("button[name=submit]")
    assert "已报送" in page.content()

    report = ProgressReport.objects.get(item=row.item, department=urban, year=quarter.year, quarter=quarter.number)
    sign_in(page, live_server, "wulong_reviewer")
    page.goto(f"{live_server.url}/plans/review/?quarter={quarter}")
    page.click(f"a[href='/plans/progress/records/{report.pk}/']")
    page.fill("textarea[name=comment]", "请补充改造长度。")
    page.click("button[value=return]")
    assert "已退回" in page.content()

    sign_in(page, live_server, "wulong_cgj")
    page.goto(f"{live_server.url}/plans/progress/?quarter={quarter}")
    assert "请补充改造长度。" in page.content()
    page.goto(entry)
    page.fill("textarea[name=work_done]", "完成一期管网改造2.3公里。")
    page.click("button[name=submit]")

    sign_in(page, live_server, "wulong_reviewer")
    page.goto(f"{live_server.url}/plans/progress/records/{report.pk}/")
    page.click("button[value=approve]")
    assert "该记录已锁定" in page.content()
    history = page.locator("ol.list-group").inner_text()
    for step in ("已报送", "已退回", "已通过"):
        assert step in history


def test_reviewer_reads_the_scorecards_and_downloads_the_report(demo, live_server, page, jobs_in_process):
    sign_in(page, live_server, "wulong_reviewer")
    page.click("nav >> text=部门评分")
    assert "季度达标情况与部门评分" in page.locator("h1").inner_text()
    scored = page.locator("table tbody tr[data-group]")  # not the rows naming the groups
    assert scored.count() > 10  # every lead department of the demo plan has a scorecard
    page.wait_for_selector("[data-chart=departments-data] canvas")  # the comparison chart is drawn
    department = scored.first.locator("a").inner_text()
    scored.first.locator("a").click()
    assert department in page.locator("nav[aria-label=breadcrumb]").inner_text()
    page.wait_for_selector("[data-chart=composite-data] canvas")

    page.go_back()
    page.click("text=季度进展报告 >> nth=0")
    page.click("form[action$='/build/'] button[type=submit]")
    excel = page.locator("a:has-text('Excel')").first
    excel.wait_for()
    with page.expect_download() as download:
        excel.click()
    assert download.value.suggested_filename.endswith("节水工作进展情况.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert workbook.sheetnames == ["概况", "指标达标情况", "任务进展", "部门评分", "节水载体", "逾期未报"]
    assert workbook["概况"]["A1"].value.startswith("武隆区")
    assert workbook["部门评分"].max_row > 10
