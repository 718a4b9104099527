"""Four journeys through the portal in Chromium, clicked as the users would click them:
the reporter's quarter, the reviewer's day, the export of one department's task table,
and a statistics upload with errors and its correction. Each starts from the demo and
ends by checking what the database holds against what the pages and files showed."""

import hashlib
import re
import struct
import zlib

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.numbers import plain
from core.periods import Quarter
from demo import county_statistics, quarterly_statistics
from indicators import data_workbook
from indicators.models import DataElement, DataReport, DataValue, UtilityFigures
from org.models import Department
from org.selectors import DepartmentResolver
from reports.models import Scorecard
from tasks.models import Evidence, Plan, ProgressReport, TaskNode
from tasks.selectors import todo_for
from tests.browser_support import (  # noqa: F401 (fixtures, found by name)
    browser_context_args,
    browser_type_launch_args,
    fixture_demo,
    fixture_jobs_in_process,
    fixture_step,
    sign_in,
)
from tests.helpers import snapshot

pytestmark = [pytest.mark.browser]

WULONG, QIANJIANG = "500156", "500114"


def this_quarter():
    return Quarter.containing(timezone.localdate())


def nav(page, label):
    page.locator("nav.portal-navbar").get_by_role("link", name=label, exact=True).click()


def success(page):
    return page.locator(".alert-success")


def download(page, link, folder):
    """Click ``link`` and return the path of the file the browser saved, in a folder of
    its own so that it never overwrites a file the test made."""
    with page.expect_download() as started:
        link.click()
    path = folder / "downloads" / started.value.suggested_filename
    started.value.save_as(path)
    return path


def as_shown(value):
    return "—" if value is None else str(value)


def png(width=16, height=12):
    """A small but complete PNG image: signature, header, compressed pixels, end."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    pixels = b"".join(b"\x00" + bytes((31, 111, 180)) * width for _row in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(pixels)) + chunk(b"IEND", b"")


# --- 1. the reporter's quarter ------------------------------------------------------------


def test_reporter_fills_attaches_evidence_and_submits(demo, live_server, page, step, tmp_path):
    quarter = this_quarter()
    urban = Department.objects.get(region__code=WULONG, short_name="区城管局")
    item = next(row.item for row in todo_for(urban, quarter, today=timezone.localdate()) if row.report is None)
    # 城管局 leads no demo item with a numeric target; the bureau gives this one a target (as
    # in the plan editor) so that the form asks for the quantity achieved too.
    TaskNode.objects.filter(pk=item.pk).update(
        target_comparator=TaskNode.Comparator.AT_LEAST, target_value=12, target_unit="次",
        target_text="全年开展取用水定额执行情况检查不少于12次",
    )
    entry = f"a[href='/plans/progress/{item.pk}/{quarter}/']"
    image = png()
    photo = tmp_path / "定额检查现场.png"
    photo.write_bytes(image)
    digest = hashlib.sha256(image).hexdigest()

    sign_in(page, live_server, "wulong_cgj")
    with step("to-do"):
        nav(page, "本季度待办")
        expect(page.locator("h1")).to_have_text("本季度待办")
        page.get_by_test_id("todo-unreported").locator(entry).click()
    with step("draft"):
        expect(page.get_by_text("目标：全年开展取用水定额执行情况检查不少于12次", exact=True)).to_be_visible()
        page.select_option("select[name=status]", "in_progress")
        page.fill("input[name=percent]", "40")
        page.fill("input[name=quantity]", "5")
        page.fill("textarea[name=work_done]", "完成城区5家重点用水单位定额执行情况检查。")
        page.get_by_role("button", name="保存草稿").click()
        expect(success(page)).to_contain_text("草稿已保存")
        expect(page.get_by_test_id("todo-draft").locator(entry)).to_contain_text("推进中 · 40%")
        expect(page.locator(f"[data-testid=todo-unreported] {entry}")).to_have_count(0)
    with step("evidence"):
        page.get_by_test_id("todo-draft").locator(entry).click()
        expect(page.get_by_test_id("entry-state")).to_have_text("草稿")
        expect(page.locator("input[name=quantity]")).to_have_value("5")
        page.set_input_files("input[name=evidence]", photo)
        page.get_by_role("button", name="上传").click()
        expect(success(page)).to_contain_text("已附加“定额检查现场.png”")
        expect(page.get_by_test_id("evidence")).to_contain_text(f"SHA-256 {digest[:10]}")
    with step("submit"):
        page.get_by_role("button", name="报送审核").click()
        expect(success(page)).to_contain_text("已报送，等待审核")
        page.get_by_test_id("todo-submitted").locator(entry).click()
        expect(page.get_by_test_id("entry-state")).to_have_text("已报送")
        expect(page.locator("input[name=percent]")).to_have_count(0)  # locked while it is under review
    with step("record"):
        page.get_by_role("link", name="记录与修改历史").click()
        expect(page.get_by_test_id("record-state")).to_have_text("已报送")
        saved = download(page, page.get_by_test_id("evidence").get_by_role("link", name="定额检查现场.png"), tmp_path)
        assert saved.read_bytes() == image

    report = ProgressReport.objects.get(item=item, department=urban, year=quarter.year, quarter=quarter.number)
    assert (report.state, report.status, report.percent, report.quantity) == ("submitted", "in_progress", 40, 5)
    assert report.work_done == "完成城区5家重点用水单位定额执行情况检查。"
    assert report.submitted_by.username == "wulong_cgj"
    assert [(e.name, e.sha256, e.size) for e in Evidence.objects.filter(report=report)] == [
        ("定额检查现场.png", digest, len(image))
    ]


# --- 2. the reviewer's day ----------------------------------------------------------------

RETURN_COMMENT = "请补充检查记录照片，并写明已检查的单位名称。"


def test_reviewer_returns_approves_reads_scores_and_downloads_the_report(demo, live_server, page, step, tmp_path):
    quarter = this_quarter()
    plan = Plan.objects.get(region__code=WULONG, title=f"武隆区{quarter.year}年节约用水工作任务（演示）")

    sign_in(page, live_server, "wulong_reviewer")
    with step("inbox"):
        nav(page, "审核")
        page.select_option("#f-state", "submitted")
        page.get_by_role("button", name="筛选").click()
        rows = page.locator("table tbody tr")
        expect(rows.first).to_be_visible()
        expect(rows.filter(has_not_text="已报送")).to_have_count(0)
        rows.filter(has_text="区城管局").first.get_by_role("link").click()
        returned = ProgressReport.objects.get(pk=re.search(r"/records/(\d+)/", page.url)[1])
    with step("return without a comment"):
        page.get_by_role("button", name="退回并说明").click()
        expect(page.locator(".alert-danger")).to_contain_text("退回时请填写原因")
        expect(page.get_by_test_id("record-state")).to_have_text("已报送")
    with step("return"):
        page.fill("textarea[name=comment]", RETURN_COMMENT)
        page.get_by_role("button", name="退回并说明").click()
        expect(success(page)).to_contain_text("已退回区城管局")
        expect(page.get_by_test_id("record-state")).to_have_text("已退回")
        expect(page.get_by_test_id("record-reviewed")).to_contain_text(RETURN_COMMENT)
    with step("approve"):
        nav(page, "审核")
        page.select_option("#f-state", "submitted")
        page.get_by_role("button", name="筛选").click()
        expect(page.locator(f"a[href='{returned.get_absolute_url()}']")).to_have_count(0)
        rows.filter(has_not_text="区城管局").first.get_by_role("link").click()
        approved = ProgressReport.objects.get(pk=re.search(r"/records/(\d+)/", page.url)[1])
        page.get_by_role("button", name="通过", exact=True).click()
        expect(success(page)).to_contain_text("已审核通过，该记录已锁定")
        expect(page.get_by_test_id("record-state")).to_have_text("已通过")

    returned.refresh_from_db()
    approved.refresh_from_db()
    assert (returned.state, returned.review_comment, approved.state) == ("returned", RETURN_COMMENT, "approved")
    cards = {c.department.short_name: c for c in Scorecard.objects.filter(plan=plan, year=quarter.year,
                                                                           quarter=quarter.number)}
    # Recomputed after the return: 城管局's only submitted entry of the quarter came back.
    assert cards["区城管局"].components["returns"]["value"] == "0.0"

    with step("scorecards"):
        nav(page, "部门评分")
        page.get_by_role("link", name=quarter.label).click()  # the page opens on the last quarter that is due
        expect(page.locator("h1")).to_contain_text("季度达标情况与部门评分")
        # This quarter is still running: what is in so far, no composite, band, rank or chart yet.
        expect(page.get_by_test_id("quarter-running")).to_be_visible()
        expect(page.locator("[data-chart=departments-data]")).to_have_count(0)
        table = page.get_by_test_id("scorecards")
        columns = table.locator("thead th").all_inner_texts()
        shown = {}
        for row in table.locator("tbody tr[data-group]").all():
            cells = row.locator("td").all_inner_texts()
            shown[cells[columns.index("部门")]] = (cells[columns.index("等级")], cells[columns.index("未被退回")])
        assert shown == {name: ("进行中", as_shown(card.components["returns"].get("value")))
                         for name, card in cards.items()}
    with step("report"):
        page.get_by_role("link", name="季度进展报告").first.click()
        page.get_by_role("button", name=f"生成{quarter.label}报告").click()
        # Built by now (the jobs run in the server): the row says 完成 and the "being built" banner is gone.
        expect(page.locator("[data-building]")).to_have_count(0)
        expect(page.get_by_text("正在生成报告，本页显示进度。")).to_have_count(0)
        expect(page.get_by_role("button", name=f"生成{quarter.label}报告")).to_be_enabled()
        workbook = openpyxl.load_workbook(download(page, page.get_by_role("link", name="Excel").first, tmp_path))

    assert workbook.sheetnames == ["概况", "指标达标情况", "任务进展", "部门评分", "节水载体", "逾期未报"]
    overview = dict(workbook["概况"].iter_rows(min_row=2, max_col=2, values_only=True))
    assert workbook["概况"]["A1"].value == f"武隆区{quarter.label}节水工作进展情况"
    entries = ProgressReport.objects.filter(item__plan=plan, year=quarter.year, quarter=quarter.number)
    assert overview["已报送"] == entries.exclude(state="draft").count()
    assert overview["方案"] == plan.title
    scores = workbook["部门评分"]
    assert {row[0]: row[1] for row in scores.iter_rows(min_row=4, max_col=2, values_only=True)} == {
        name: None if card.composite is None else float(card.composite) for name, card in cards.items()
    }
    tasks = workbook["任务进展"]
    header = [cell.value for cell in tasks[4]]  # under 附件, the title and the 填报单位 line
    line = next(row for row in tasks.iter_rows(min_row=5, values_only=True) if approved.item.label in row)
    assert f"{approved.department.short_name}：{approved.work_done}" in line[header.index("完成工作")].split("\n")

    with step("the reporter sees the return"):
        sign_in(page, live_server, "wulong_cgj")
        nav(page, "本季度待办")
        back = page.get_by_test_id("todo-returned").locator(f"a[href^='/plans/progress/{returned.item_id}/']")
        expect(back).to_contain_text(RETURN_COMMENT)


# --- 3. one department's official task table -------------------------------------------------


def key_task(node):
    while node.parent_id:
        node = node.parent
    return node


def test_reviewer_exports_one_departments_task_table(demo, live_server, page, step, tmp_path):
    plan = Plan.objects.get(region__code=WULONG, title="武隆区贯彻落实《重庆市节约用水管理办法（试行）》工作方案")
    urban = Department.objects.get(region__code=WULONG, short_name="区城管局")
    items = list(
        TaskNode.objects.filter(plan=plan, level=TaskNode.Level.WORK_ITEM, assignments__department=urban)
        .distinct().order_by("position").select_related("parent__parent").prefetch_related("assignments__department")
    )
    assert items

    sign_in(page, live_server, "wulong_reviewer")
    with step("plan"):
        nav(page, "方案与任务")
        page.get_by_role("link", name=plan.title).click()
        expect(page.locator("h1")).to_have_text(plan.title)
    with step("filter"):
        page.select_option("select[name=department]", label="区城管局")
        page.get_by_role("button", name="筛选").click()
        expect(page.get_by_test_id("item-count")).to_contain_text(str(len(items)))
    with step("export"):
        # The default export gives 附件1 back as written (tests/test_source_roundtrip.py); the
        # uniform layout keeps the filter.
        path = download(page, page.get_by_role("link", name="按统一格式导出（.xlsx）"), tmp_path)
    sheet = openpyxl.load_workbook(path)["任务分解表"]
    resolver = DepartmentResolver.for_region(plan.region)

    assert sheet["A1"].value == "附件"
    assert sheet["A2"].value == f"{plan.title}任务分解表（区城管局）"
    # 目标要求 (issue 22): the targets as understood, after the departments.
    assert [cell.value for cell in sheet[3]] == ["重点任务", "工作内容", None, "牵头单位", "配合单位", "目标要求"]
    body = list(sheet.iter_rows(min_row=4, values_only=True))
    assert [row[2] for row in body] == [item.label for item in items]  # exactly the department's items
    for row, item in zip(body, items, strict=True):
        leads = {a.department.short_name for a in item.assignments.all() if a.role == "lead"}
        cooperating = {a.department.short_name for a in item.assignments.all() if a.role == "cooperating"}
        # The cells as written: a group name (区级有关单位) stands for its members.
        written = [{d.short_name for d in resolver.resolve_cell(row[column] or "")} for column in (3, 4)]
        assert leads <= written[0] and cooperating <= written[0] | written[1]
        assert "区城管局" in leads | cooperating
    # Each key task is written once and merged down over its items' rows.
    groups = []
    for number, item in enumerate(items, start=4):
        if groups and groups[-1][0] == key_task(item).pk:
            groups[-1][2] = number
        else:
            groups.append([key_task(item).pk, number, number])
    assert [sheet.cell(first, 1).value for _pk, first, _last in groups] == [
        TaskNode.objects.get(pk=pk).label for pk, _first, _last in groups
    ]
    key_merges = {(r.min_row, r.max_row) for r in sheet.merged_cells.ranges if r.min_col == r.max_col == 1}
    assert key_merges == {(first, last) for _pk, first, last in groups if last > first}


# --- 4. a statistics upload with errors, then the correction -------------------------------------

CITY_FIGURES = ["RES_WATER", "HOUSEHOLDS", "PERSONS_PER_HOUSEHOLD", "METERED_RES_WATER", "RES_TOTAL_WATER",
                "PLANNED_NONRES_WATER", "NONRES_WATER"]
COUNTY_FIGURES = ["PUBLIC_FIXTURES", "SAVING_FIXTURES"]  # 黔江 is under the county standard too


def figures_of(quarter):
    """城市管理局's figures of ``quarter`` as the demo's trend has them (the demo is dated to
    today, so last year's same quarter is there to compare with: figures far from it would
    be questioned), and its main utility's."""
    city = quarterly_statistics.quarter_figures(quarter)
    figures = {code: float(city[code]) for code in CITY_FIGURES}
    for element in DataElement.objects.filter(code__in=COUNTY_FIGURES):
        figures[element.code] = float(county_statistics.quarter_value(element, QIANJIANG, quarter))
    share = quarterly_statistics.YTD_SHARE[quarter.number]
    name, supply, registered, metered, km, pressure = quarterly_statistics.utilities(quarter.year)[0]
    utility = (name, *(round(float(v) * float(share), 2) for v in (supply, registered, metered)), float(km),
               float(pressure))  # supply, registered, metered, km, MPa
    return figures, utility


def fill(template, path, figures, utility):
    """The downloaded template with ``figures`` typed in; returns the row of each code."""
    workbook = openpyxl.load_workbook(template)
    sheet = workbook["数据填报"]
    rows = {sheet.cell(row=r, column=1).value: r for r in range(data_workbook.HEADER_ROW + 1, sheet.max_row + 1)}
    for code, value in figures.items():
        sheet.cell(row=rows[code], column=8, value=value)
    for column, value in enumerate(utility, start=1):
        workbook["供水企业漏损"].cell(row=3, column=column, value=value)
    workbook.save(path)
    return rows


def test_statistics_upload_with_errors_then_corrected(demo, live_server, page, step, tmp_path):
    quarter = this_quarter()
    urban = Department.objects.get(region__code=QIANJIANG, short_name="区城市管理局")
    FIGURES, UTILITY = figures_of(quarter)

    sign_in(page, live_server, "qianjiang_cgj")
    with step("template"):
        nav(page, "指标数据")
        expect(page.locator("h1")).to_contain_text("黔江区")
        page.get_by_role("link", name="填报").click()
        template = download(page, page.get_by_role("link", name="下载Excel填报表"), tmp_path)
    bad = tmp_path / "填报表（有误）.xlsx"
    rows = fill(template, bad, {**FIGURES, "RES_WATER": "约三百五", "NONRES_WATER": -149}, UTILITY)
    assert set(rows) == set(FIGURES)  # the template asks for exactly 城管局's figures
    before = snapshot()

    with step("upload with errors"):
        page.get_by_role("link", name="上传填好的填报表").click()
        page.set_input_files("input[name=file]", bad)
        page.get_by_role("button", name="上传并预览").click()
        problems = page.get_by_test_id("upload-problems")
        expect(problems).to_contain_text(f"第{rows['RES_WATER']}行H列（本期数值）：“约三百五”不是数字")
        expect(problems).to_contain_text(f"第{rows['NONRES_WATER']}行H列（本期数值）：-149 是负数")
        expect(page.get_by_role("button", name="确认并保存为草稿")).to_have_count(0)
    assert snapshot() == before  # nothing written

    good = tmp_path / "填报表.xlsx"
    fill(template, good, FIGURES, UTILITY)
    with step("corrected upload"):
        page.get_by_role("link", name="重新上传").click()
        page.set_input_files("input[name=file]", good)
        page.get_by_role("button", name="上传并预览").click()
        expect(page.get_by_text(f"— → {plain(FIGURES['RES_WATER'])}").first).to_be_visible()
        expect(page.get_by_test_id("upload-problems")).to_have_count(0)
        page.get_by_role("button", name="确认并保存为草稿").click()
        expect(success(page)).to_contain_text(f"已保存 {len(FIGURES) + 1} 项数据（草稿）")  # and the utility
        for code, value in FIGURES.items():
            expect(page.locator(f"input[name=value_{code}]")).to_have_value(plain(value))
        expect(page.locator("input[name=u0_utility]")).to_have_value(UTILITY[0])

    report = DataReport.objects.get(department=urban, year=quarter.year, quarter=quarter.number)
    assert report.state == "draft"
    values = DataValue.objects.filter(report=report).select_related("element")
    assert {v.element.code: float(v.value) for v in values} == {code: float(v) for code, v in FIGURES.items()}
    assert {v.source_sha256 for v in values} == {hashlib.sha256(good.read_bytes()).hexdigest()}
    assert float(UtilityFigures.objects.get(report=report).registered) == UTILITY[2]
