"""In Chromium: a reporter types every field of a quarter's entry, then attaches, is refused
and removes evidence files in place — the fields still hold what was typed, unsaved until
the draft is saved — and leaving a data-entry page with unsaved input asks first."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.periods import Quarter
from org.models import Department
from tasks.models import Evidence, ProgressReport, TaskTarget
from tasks.selectors import todo_for
from tests.browser_support import (  # noqa: F401 (fixtures, found by name)
    browser_context_args,
    browser_type_launch_args,
    fixture_demo,
    fixture_jobs_in_process,
    fixture_step,
    sign_in,
)

pytestmark = [pytest.mark.browser]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def a_draft_of_the_urban_bureau():
    """A stored draft of 武隆 区城管局 this quarter, its item given two targets (as in the
    plan editor) so that the form has a field for each."""
    quarter = Quarter.containing(timezone.localdate())
    urban = Department.objects.get(region__code="500156", short_name="区城管局")
    report = next(row.report for row in todo_for(urban, quarter, today=timezone.localdate()) if row.state == "draft")
    first = TaskTarget.objects.create(node=report.item, position=0, kind="count", comparator="ge", value=12,
                                      unit="次", wording="全年开展定额检查不少于12次")
    second = TaskTarget.objects.create(node=report.item, position=1, kind="count", comparator="ge", value=3,
                                       unit="家", wording="新建节水型单位不少于3家")
    return report, first, second


def other_status(report):
    return "done" if report.status != "done" else "in_progress"


def typed_fields(report, first, second):
    """Every field of the form and what the reporter types into it: none is what the demo holds."""
    return {
        "select[name=status]": other_status(report),
        "input[name=percent]": "85",
        f"input[name=target_{first.pk}]": "9",
        f"input[name=target_{second.pk}]": "2.5",
        "textarea[name=work_done]": "完成城区9家重点用水单位定额检查；\n<b>不是标签</b> & 引号\"。",
        "textarea[name=problems]": "乡镇检查人手不足。",
        "textarea[name=next_plan]": "四季度补齐剩余3次检查。",
    }


def fill(page, fields):
    for selector, value in fields.items():
        if selector.startswith("select"):
            page.select_option(selector, value)
        else:
            page.fill(selector, value)


def expect_still_typed(page, fields):
    for selector, value in fields.items():
        expect(page.locator(selector)).to_have_value(value)


def test_evidence_in_place_keeps_every_field_typed(demo, live_server, page, step, tmp_path):
    report, first, second = a_draft_of_the_urban_bureau()
    before = ProgressReport.objects.get(pk=report.pk)
    fields = typed_fields(report, first, second)
    scan = tmp_path / "检查记录 第3批.pdf"
    scan.write_bytes(PDF)
    program = tmp_path / "工具.exe"
    program.write_bytes(b"MZ\x90\x00")
    url = f"{live_server.url}/plans/progress/{report.item_id}/{report.period}/"
    evidence = page.get_by_test_id("entry-evidence")

    sign_in(page, live_server, "wulong_cgj")
    with step("type every field"):
        page.goto(url)
        fill(page, fields)
        page.evaluate("window.stayedOnThePage = true")  # gone if the page were loaded again
    with step("attach"):
        page.set_input_files("input[name=evidence]", scan)
        evidence.get_by_role("button", name="上传").click()
        expect(evidence.locator(".alert-success")).to_contain_text("已附加“检查记录 第3批.pdf”")
        expect(evidence.get_by_test_id("evidence")).to_contain_text("检查记录 第3批.pdf")
        expect_still_typed(page, fields)
        assert page.evaluate("window.stayedOnThePage") is True and page.url == url
    with step("a refused file is named in place"):
        page.set_input_files("input[name=evidence]", program)
        evidence.get_by_role("button", name="上传").click()
        expect(evidence.locator(".alert-danger.alert-dismissible")).to_contain_text("“工具.exe”不是可接受的类型")
        expect_still_typed(page, fields)
    stored = ProgressReport.objects.get(pk=report.pk)
    assert (stored.version, stored.work_done, stored.percent) == (before.version, before.work_done, before.percent)
    assert list(Evidence.objects.filter(report=report).values_list("name", flat=True)) == ["检查记录 第3批.pdf"]
    with step("a request that does not go through says so, and keeps the fields"):
        page.route("**/progress/records/*/evidence/", lambda route: route.abort())
        page.set_input_files("input[name=evidence]", scan)
        evidence.get_by_role("button", name="上传").click()
        expect(evidence.locator("[data-request-failed]")).to_be_visible()
        expect(evidence.locator("[data-request-failed]")).to_contain_text("请求未成功")
        expect_still_typed(page, fields)
        page.unroute("**/progress/records/*/evidence/")
        page.set_input_files("input[name=evidence]", [])
    with step("remove"):
        evidence.get_by_role("button", name="移除 检查记录 第3批.pdf").click()
        expect(evidence.locator(".alert-success")).to_contain_text("已移除“检查记录 第3批.pdf”")
        expect(evidence.get_by_test_id("evidence")).not_to_contain_text("检查记录 第3批.pdf")
        expect_still_typed(page, fields)
        assert page.evaluate("window.stayedOnThePage") is True
    assert not Evidence.objects.filter(report=report).exists()
    with step("attach again, then save: no question on leaving by the form's own button"):
        page.set_input_files("input[name=evidence]", scan)
        evidence.get_by_role("button", name="上传").click()
        expect(evidence.locator(".alert-success")).to_contain_text("已附加")
        questions = []
        page.on("dialog", lambda dialog: (questions.append(dialog.type), dialog.dismiss()))
        page.get_by_role("button", name="保存草稿").click()
        expect(page.locator("main .alert-success").first).to_contain_text("草稿已保存")
        assert questions == []
    saved = ProgressReport.objects.get(pk=report.pk)
    saved.work_done = saved.work_done.replace("\r\n", "\n")  # a browser posts a textarea's lines so
    assert (saved.status, saved.percent, saved.work_done, saved.problems, saved.next_plan) == (
        other_status(report), 85, fields["textarea[name=work_done]"], "乡镇检查人手不足。", "四季度补齐剩余3次检查。")
    assert {row.target_id: row.quantity for row in saved.target_quantities.all()} == {first.pk: 9, second.pk: 2.5}
    assert Evidence.objects.get(report=report).name == "检查记录 第3批.pdf"


class Questions:
    """The browser's "leave site?" questions on ``page``, answered with ``stay`` or not.
    One listener for the whole test: Playwright would dismiss a question nobody listens for."""

    def __init__(self, page, home):
        self.page, self.home, self.asked, self.stay = page, home, [], True
        page.on("dialog", self._answer)

    def _answer(self, dialog):
        self.asked.append(dialog.type)
        dialog.dismiss() if self.stay else dialog.accept()

    def leave_by_the_menu(self, *, stay):
        """Click the portal's name in the menu (to the home page) and say which questions came."""
        self.asked, self.stay = [], stay
        self.page.locator("a.navbar-brand").click()
        if stay:
            self.page.wait_for_timeout(500)
        else:
            self.page.wait_for_url(self.home)
        return self.asked


def test_leaving_unsaved_input_asks_first(demo, live_server, page, step):
    report, _first, _second = a_draft_of_the_urban_bureau()
    url = f"{live_server.url}/plans/progress/{report.item_id}/{report.period}/"
    sign_in(page, live_server, "wulong_cgj")
    questions = Questions(page, f"{live_server.url}/")
    with step("nothing typed: no question"):
        page.goto(url)
        assert questions.leave_by_the_menu(stay=False) == []
    with step("typed: asked, and staying keeps the text"):
        page.goto(url)
        page.fill("textarea[name=problems]", "还没保存的问题说明")
        assert questions.leave_by_the_menu(stay=True) == ["beforeunload"]
        assert page.url == url
        expect(page.locator("textarea[name=problems]")).to_have_value("还没保存的问题说明")
    with step("typed back to what it was: no question"):
        page.fill("textarea[name=problems]", report.problems)
        assert questions.leave_by_the_menu(stay=False) == []
    with step("typed, and leaving anyway"):
        page.goto(url)
        page.select_option("select[name=status]", other_status(report))
        assert questions.leave_by_the_menu(stay=False) == ["beforeunload"]
    assert ProgressReport.objects.get(pk=report.pk).status == report.status  # nothing was saved on the way out


def test_the_carrier_form_asks_too(demo, live_server, page):
    sign_in(page, live_server, "wulong_reviewer")
    questions = Questions(page, f"{live_server.url}/")
    page.goto(f"{live_server.url}/carriers/certifications/new/")
    page.locator("form[data-warn-unsaved] input[type=text]").first.fill("未保存的名称")
    assert questions.leave_by_the_menu(stay=True) == ["beforeunload"]
