"""The quarterly report: built from stored data by a job, its cells checked, one current
build however often it is rebuilt, a quarter without data refused with its reason, the
page with its progress and downloads, and the command."""

import io
from datetime import date

import openpyxl
import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from docx import Document

from core.gongwen import written_date
from core.periods import Quarter
from reports import services
from reports.models import QuarterlyReport
from tests.test_scorecards import Q2, plan, quarter_of_work  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def build(region, quarter=Q2):
    report = services.report_request(region=region, quarter=quarter, enqueue=False)
    with time_machine.travel("2023-07-15 10:00 +0800", tick=False):
        services.scores_compute(region, quarter)
        return services.report_build(report)


def test_the_workbook_cells(quarter_of_work, world):  # noqa: F811
    report = build(world.district)
    workbook = openpyxl.load_workbook(report.workbook.open("rb"))
    assert workbook.sheetnames == ["概况", "指标达标情况", "任务进展", "部门评分", "节水载体", "逾期未报"]
    overview = {row[0]: row[1] for row in workbook["概况"].iter_rows(min_row=2, values_only=True)}
    # Five lead entries expected (A–D by 区水利局, E by 区城管局); A, B, C, E sent; B late.
    assert overview["工作事项应报送"] == 5 and overview["已报送"] == 4 and overview["按时报送"] == 3
    assert overview["逾期未报及逾期报送"] == 2
    assert workbook["概况"]["A1"].value == "武隆区2023年第二季度节水工作进展情况"
    scores = {row[0]: row[1] for row in workbook["部门评分"].iter_rows(min_row=4, values_only=True)}
    assert scores == {"区城管局": 100.0, "区水利局": 62.8}
    overdue = [(row[1], row[2]) for row in workbook["逾期未报"].iter_rows(min_row=4, values_only=True)]
    assert overdue == [("事项B", "逾期报送"), ("事项D", "逾期未报")]
    tasks = workbook["任务进展"]
    headers = [cell.value for cell in tasks[4]]  # under the title and the 填报单位 line
    assert headers[-3:] == ["本季度进展", "完成工作", "存在问题"]
    progress = {row[1]: row[-3] for row in tasks.iter_rows(min_row=5, values_only=True)}
    assert progress["事项A"] == "区水利局：推进中 50%" and progress["事项D"] == "区水利局：未报送"
    assert tasks.page_setup.orientation == "landscape" and tasks.print_title_rows == "$4:$4"
    assert workbook["部门评分"].freeze_panes == "A4"


def test_the_word_draft_has_the_figures(quarter_of_work, world):  # noqa: F811
    report = build(world.district)
    text = "\n".join(p.text for p in Document(report.document.open("rb")).paragraphs)
    assert "武隆区2023年第二季度节约用水工作进展情况报告" in text
    assert "应报送进展5项，已报送4项，其中按时报送3项，逾期未报或逾期报送2项" in text
    for heading in ("一、总体情况", "二、重点任务推进情况", "三、指标达标情况", "四、存在问题", "五、下一步工作"):
        assert heading in text
    # Fit to send upward: a 公文 on A4 with GB/T 9704's margins and page numbers, signed by the
    # district's water bureau with the day it was built.
    document = Document(report.document.open("rb"))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.top_margin.mm), round(section.left_margin.mm)) == (210, 37, 28)
    assert section.footer.paragraphs[0].text.startswith("— ")
    lines = [p.text for p in document.paragraphs if p.text]
    assert lines[-2:] == ["重庆市武隆区水利局", written_date(timezone.localtime(report.finished_at).date())]


def test_building_twice_leaves_one_current_report(quarter_of_work, world):  # noqa: F811
    first = build(world.district)
    second = build(world.district)
    first.refresh_from_db()
    assert second.is_current and not first.is_current
    assert QuarterlyReport.objects.filter(region=world.district, is_current=True).count() == 1
    assert QuarterlyReport.objects.filter(region=world.district).count() == 2  # the older stays listed


def test_a_quarter_without_data_is_refused_with_its_reason(world):
    report = services.report_request(region=world.district, quarter=Quarter(2010, 1), enqueue=False)
    with pytest.raises(services.NothingToReport):
        services.report_build(report)
    report.refresh_from_db()
    assert report.state == "failed" and "没有任何进展、指标或载体数据" in report.reason and not report.workbook


def test_the_page_builds_shows_and_downloads(quarter_of_work, world, reviewer, reporter, client_for,  # noqa: F811
                                            jobs_inline):
    client = client_for(reviewer)
    with jobs_inline(), time_machine.travel("2023-07-15 10:00 +0800", tick=False):
        response = client.post(reverse("reports:quarterly_build"), {"region": world.district.code, "quarter": "2023Q2"})
    assert response.status_code == 302
    report = QuarterlyReport.objects.get(region=world.district)
    assert report.state == "done" and report.is_current
    page = client.get(reverse("reports:quarterly"), {"quarter": "2023Q2"}).content.decode()
    assert "完成" in page and reverse("reports:quarterly_file", args=[report.pk, "xlsx"]) in page
    download = client.get(reverse("reports:quarterly_file", args=[report.pk, "xlsx"]))
    assert "attachment" in download["Content-Disposition"]
    assert openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).sheetnames[0] == "概况"
    printable = client.get(reverse("reports:quarterly_file", args=[report.pk, "html"])).content.decode()
    assert "@page { size: A4" in printable and "事项D" in printable
    # A reporter reads the report but cannot start a build.
    refused = client_for(reporter).post(reverse("reports:quarterly_build"),
                                        {"region": world.district.code, "quarter": "2023Q2"})
    assert refused.status_code == 404


def test_a_building_report_is_polled_and_a_failed_one_shows_why(world, reviewer, client_for):
    running = QuarterlyReport.objects.create(region=world.district, year=2023, quarter=2, state="running", progress=50)
    row = client_for(reviewer).get(reverse("reports:quarterly_status", args=[running.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in row and "50%" in row
    failed = QuarterlyReport.objects.create(region=world.district, year=2023, quarter=2, state="failed",
                                            reason="生成失败：示例原因")
    row = client_for(reviewer).get(reverse("reports:quarterly_status", args=[failed.pk])).content.decode()
    assert "生成失败：示例原因" in row and "hx-trigger" not in row
    assert "重试" in row and reverse("reports:quarterly_build") in row  # a retry builds it again


def test_only_reviewers_are_offered_a_retry(world, reporter, client_for):
    failed = QuarterlyReport.objects.create(region=world.district, year=2023, quarter=2, state="failed", reason="x")
    row = client_for(reporter).get(reverse("reports:quarterly_status", args=[failed.pk])).content.decode()
    assert "重试" not in row


def test_the_command_writes_the_three_files(quarter_of_work, world, tmp_path):  # noqa: F811
    with time_machine.travel(date(2023, 7, 15), tick=False):
        call_command("build_report", region=world.district.code, quarter="2023Q2", output=str(tmp_path),
                     stdout=io.StringIO())
    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == ["武隆区2023年第二季度节水工作进展情况.html", "武隆区2023年第二季度节水工作进展情况.xlsx",
                     "武隆区2023年第二季度节水工作进展情况（草稿）.docx"]
    with pytest.raises(CommandError, match="没有任何"):
        call_command("build_report", region=world.district.code, quarter="2010Q1", output=str(tmp_path))


def test_a_reviewer_can_recompute_the_scores_now(quarter_of_work, world, reviewer, supervisor, client_for,  # noqa: F811
                                                 jobs_inline):
    from reports.models import Scorecard

    data = {"region": world.district.code, "quarter": "2023Q3"}  # the fixture's own changes marked Q2
    assert client_for(supervisor).post(reverse("reports:recompute"), data).status_code == 404  # reads only
    with jobs_inline():
        assert client_for(reviewer).post(reverse("reports:recompute"), data).status_code == 302
    assert Scorecard.objects.filter(plan=quarter_of_work, year=2023, quarter=3).count() == 2


def test_the_printed_column_heads_and_states_do_not_break(quarter_of_work, world, county_standard):  # noqa: F811
    from indicators.models import Adoption
    from indicators.services import compute_region_quarter

    Adoption.objects.create(region=world.district, indicator_set=county_standard, since_year=2023)
    compute_region_quarter(world.district, Q2, county_standard)  # so the report has its indicator table
    printable = build(world.district).html.read().decode()
    # A narrow column broke 序号 and 达标 one character a line on paper.
    assert "thead th, .state { white-space: nowrap; }" in printable
    assert "<th>序号</th>" in printable
    assert '<td class="state">' in printable
