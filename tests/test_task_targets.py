"""Targets and deadlines written inside task texts (issue 22): every target of a cell, each
with its own date, read at import, shown on the preview, corrected on the node's page,
reported against each quarter and exported."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from core.errors import ImportBlocked
from demo.tables import build_bytes
from org.models import Notification, User
from tasks.exports import build_workbook
from tasks.imports import preview_task_table, targets_as_read
from tasks.models import Plan, ProgressReport, ProgressTarget, TaskNode, TaskTarget
from tasks.selectors import plan_tree
from tasks.services import plan_copy, plan_import, progress_reminders_send
from tasks.services.targets import target_standing
from tasks.wording import parse_due, parse_targets, target_label
from tests.conftest import make_user
from tests.docx_builders import table_docx
from tests.helpers import new_plan


def read(text, year=2023):
    return parse_targets(text, default_year=year)


def summary(text, year=2023):
    return [(t.kind, t.comparator, t.value, t.value_max, t.unit, t.base_year, t.due_on)
            for t in read(text, year).targets]


D = Decimal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the count kept, and now its date
        ("12月底完成1家", [("count", "ge", D(1), None, "家", None, date(2023, 12, 31))]),
        ("11月底前完成3家；12月底前完成5家", [("count", "ge", D(3), None, "家", None, date(2023, 11, 30)),
                                       ("count", "ge", D(5), None, "家", None, date(2023, 12, 31))]),
        ("2020年上半年完成水利行业节水型机关创建工作，建成率达到100%",
         [("share", "ge", D(100), None, "%", None, date(2020, 6, 30))]),
        # the second target of a cell is no longer dropped
        ("节水型企业建成率不低于10%（不得少于2个）", [("share", "ge", D(10), None, "%", None, None),
                                         ("count", "ge", D(2), None, "个", None, None)]),
        ("创建节水型小区1～2家", [("range", "ge", D(1), D(2), "家", None, None)]),
        ("打造1-2个节水示范点", [("range", "ge", D(1), D(2), "个", None, None)]),
        ("培育3至5家节水标杆企业", [("range", "ge", D(3), D(5), "家", None, None)]),
        ("2023年底前实现100%全覆盖", [("coverage", "ge", D(100), None, "%", None, date(2023, 12, 31))]),
        ("实现公共机构节水型单位全覆盖", [("coverage", "ge", D(100), None, "%", None, None)]),
        # a fall against a fixed base year is a signed change: at least 23 % down is ≤ -23 %
        ("万元GDP用水量较2015年下降23%", [("change_vs_base", "le", D(-23), None, "%", 2015, None)]),
        ("比2020年降低10%以上", [("change_vs_base", "le", D(-10), None, "%", 2020, None)]),
        ("农田灌溉水有效利用系数比2020年提高5%以上", [("change_vs_base", "ge", D(5), None, "%", 2020, None)]),
        ("6月30日前完成4家", [("count", "ge", D(4), None, "家", None, date(2023, 6, 30))]),
        ("完成3家（12月底前）", [("count", "ge", D(3), None, "家", None, date(2023, 12, 31))]),
        # another district's wording
        ("全年新增节水型企业不少于5家，其中6月底前完成2家",
         [("count", "ge", D(5), None, "家", None, date(2023, 12, 31)),
          ("count", "ge", D(2), None, "家", None, date(2023, 6, 30))]),
        ("２０２４年底前建成节水型高校３所", [("count", "ge", D(3), None, "所", None, date(2024, 12, 31))]),
        ("积极推进节水型社会建设，到2025年全面完成", []),
    ],
)
def test_parse_targets(text, expected):
    reading = read(text)
    assert summary(text) == expected
    assert reading.problems == []
    assert all(target.wording for target in reading.targets)


def test_percentage_points_are_an_absolute_fall_not_a_relative_one():
    """"下降2个百分点" lowers a rate by 2 (12 % → 10 %); "下降2%" lowers it by a fiftieth (12 % →
    11.76 %). The unit keeps the difference: 个百分点 is not turned into %."""
    points, = read("漏损率较2015年下降不低于2个百分点").targets
    share, = read("漏损率较2015年下降2%").targets
    assert (points.kind, points.comparator, points.value, points.unit, points.base_year) == (
        "change_vs_base", "le", D(-2), "个百分点", 2015)
    assert share.unit == "%"
    assert target_label(points) == "较2015年下降≥2个百分点"


def test_the_words_as_written_are_kept():
    first, second = read("节水型企业建成率不低于l0%（不得少于2个）").targets
    assert first.value == 10  # the typing slip l0 read as 10 …
    assert first.wording == "节水型企业建成率不低于l0%"  # … and kept as written
    assert second.wording == "不得少于2个"
    count, = read("创建节水型小区1～2家").targets
    assert count.wording == "创建节水型小区1～2家"
    dated, = read("２０２４年底前建成节水型高校３所").targets
    assert dated.due_text == "２０２４年底"


@pytest.mark.parametrize(
    ("text", "year", "due"),
    [
        ("2月29日前完成1家", 2024, date(2024, 2, 29)),  # a leap year: the day exists
        ("2月底前完成1家", 2024, date(2024, 2, 29)),
        ("2月底前完成1家", 2023, date(2023, 2, 28)),
        ("12月31日前完成1家", 2023, date(2023, 12, 31)),
    ],
)
def test_dates_on_the_boundary(text, year, due):
    target, = read(text, year).targets
    assert target.due_on == due


@pytest.mark.parametrize(
    ("text", "year", "problem"),
    [
        ("2月29日前完成1家", 2023, "“2月29日”不是存在的日期"),
        ("2月30日前完成2家", 2024, "“2月30日”不是存在的日期"),
        ("13月底完成1家", 2024, "“13月底”不是存在的日期"),
        ("2023年4月31日前建成3个", 2024, "“2023年4月31日”不是存在的日期"),
    ],
)
def test_dates_that_do_not_exist_are_problems(text, year, problem):
    reading = read(text, year)
    assert reading.problems == [problem]
    assert all(target.due_on is None for target in reading.targets)  # never guessed


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("12月底完成1家", "12月31日前≥1家"),
        ("2020年上半年建成率达到100%", "2020年6月30日前≥100%"),
        ("不得少于2个", "≥2个"),
        ("创建节水型小区1～2家", "1～2家"),
        ("实现100%全覆盖", "全覆盖"),
        ("较2015年下降23%", "较2015年下降≥23%"),
        ("漏损率不高于8.5%", "≤8.5%"),
    ],
)
def test_target_label(text, label):
    target, = read(text).targets
    assert target_label(target, default_year=2023) == label


# --- import ---------------------------------------------------------------------------

def qianjiang_table(rows):
    """Another district's layout: a 完成时限 column and the targets inside the task text."""
    return {
        "label": "附件", "title": "黔江区2024年节水型社会建设任务分解表", "sheet": "Sheet1",
        "header": ["重点任务", "工作内容", "完成时限", "牵头单位", "配合单位"], "header_merges": [],
        "rows": rows,
    }


ROWS = [
    ["一、节水载体建设", "1.全年新增节水型企业不少于5家，其中6月底前完成2家", "2024年12月", "区水利局", "区城市管理局"],
    [None, "2.节水型企业建成率不低于10%（不得少于2个）", "12月底", "区水利局", ""],
    [None, "3.节水型小区11月底前完成3家；12月底前完成5家", "", "区城市管理局", ""],
    ["二、用水效率", "4.万元GDP用水量较2015年下降23%", "2024年底", "区水利局", ""],
]


def import_qianjiang(world, rows=ROWS, plan=None):
    plan = plan or new_plan(world.other_district, title="黔江2024", year=2024)
    preview = preview_task_table(region=world.other_district, data=build_bytes(qianjiang_table(rows)))
    assert not preview.problems and not preview.unknown, (preview.problems, preview.unknown)
    return plan, plan_import(plan=plan, preview=preview)


def targets_of(plan, number):
    node = TaskNode.objects.get(plan=plan, level=3, number=number)
    return [target.label for target in node.targets.all()]


def test_import_writes_every_target_with_its_date(world):
    plan, _result = import_qianjiang(world)
    assert targets_of(plan, "1.") == ["12月31日前≥5家", "6月30日前≥2家"]
    assert targets_of(plan, "2.") == ["≥10%", "≥2个"]
    assert targets_of(plan, "3.") == ["11月30日前≥3家", "12月31日前≥5家"]
    assert targets_of(plan, "4.") == ["较2015年下降≥23%"]
    fall = TaskTarget.objects.get(node__plan=plan, kind="change_vs_base")
    assert (fall.value, fall.base_year, fall.wording) == (D(-23), 2015, "万元GDP用水量较2015年下降23%")
    # The item's first target still fills the old fields (carrier counts read them).
    second = TaskNode.objects.get(plan=plan, number="2.")
    assert (second.target_value, second.target_unit) == (D(10), "%")


def test_a_plan_copied_to_the_next_year_takes_its_targets_with_their_dates_moved_on(world):
    plan, _result = import_qianjiang(world)
    copy = plan_copy(plan=plan, title="黔江2025", years_later=1)
    assert targets_of(copy, "1.") == ["12月31日前≥5家", "6月30日前≥2家"]
    dates = sorted(TaskTarget.objects.filter(node__plan=copy, due_on__isnull=False).values_list("due_on", flat=True))
    assert dates[0] == date(2025, 6, 30)
    fall = TaskTarget.objects.get(node__plan=copy, kind="change_vs_base")
    assert fall.base_year == 2015  # a fixed base year stays fixed
    assert TaskTarget.objects.filter(node__plan=plan).count() == TaskTarget.objects.filter(node__plan=copy).count()


def test_reimport_changes_nothing_and_a_reworded_target_replaces_the_old(world):
    plan, _ = import_qianjiang(world)
    before = {target.pk: target.label for target in TaskTarget.objects.filter(node__plan=plan)}
    _, again = import_qianjiang(world, plan=plan)
    assert not again.changed
    assert {target.pk: target.label for target in TaskTarget.objects.filter(node__plan=plan)} == before
    reworded = [list(row) for row in ROWS]
    reworded[2][1] = "3.节水型小区11月底前完成4家；12月底前完成6家"
    _, third = import_qianjiang(world, reworded, plan=plan)
    assert third.updated == 1
    assert targets_of(plan, "3.") == ["11月30日前≥4家", "12月31日前≥6家"]
    assert TaskTarget.objects.filter(node__plan=plan).count() == len(before)


def test_a_correction_by_hand_survives_reimporting_the_same_table(world):
    plan, _ = import_qianjiang(world)
    target = TaskTarget.objects.get(node__plan=plan, node__number="2.", unit="个")
    target.value = 3
    target.save()
    import_qianjiang(world, plan=plan)
    assert targets_of(plan, "2.") == ["≥10%", "≥3个"]


def test_a_date_that_does_not_exist_is_refused_with_its_row_and_column(world):
    rows = [list(row) for row in ROWS]
    rows[1][1] = "2.节水型企业2月30日前完成2家"
    rows[3][2] = "13月底"
    data = build_bytes(qianjiang_table(rows))
    plan = new_plan(world.other_district, title="黔江2024", year=2024)
    preview = preview_task_table(region=world.other_district, data=data, default_year=2024)
    assert [str(problem) for problem in preview.problems] == [
        "“Sheet1”第5行B列：“2月30日”不是存在的日期",
        "“Sheet1”第7行C列：“13月底”不是存在的日期",
    ]
    unchecked = preview_task_table(region=world.other_district, data=data)  # read without the plan's year …
    with pytest.raises(ImportBlocked) as refused:
        plan_import(plan=plan, preview=unchecked)  # … the import checks it itself
    assert refused.value.problems == [
        "“Sheet1”第5行B列：“2月30日”不是存在的日期", "“Sheet1”第7行C列：“13月底”不是存在的日期"]
    assert not TaskNode.objects.filter(plan=plan).exists()


def test_leap_day_is_checked_against_the_plans_year(world):
    rows = [["一、节水载体建设", "1.2月29日前完成节水型企业2家", "", "区水利局", ""]]
    data = build_bytes(qianjiang_table(rows))
    assert preview_task_table(region=world.other_district, data=data, default_year=2024).problems == []
    refused = preview_task_table(region=world.other_district, data=data, default_year=2023).problems
    assert [problem.message for problem in refused] == ["“2月29日”不是存在的日期"]


def test_the_preview_lists_the_targets_as_understood(world):
    preview = preview_task_table(region=world.other_district, data=build_bytes(qianjiang_table(ROWS)))
    shown = {node.number: labels for node, labels in targets_as_read(preview.table, default_year=2024)}
    assert shown["2."] == ["≥10%（节水型企业建成率不低于10%）", "≥2个（不得少于2个）"]
    assert shown["1."] == ["12月31日前≥5家（全年新增节水型企业不少于5家）", "6月30日前≥2家（其中6月底前完成2家）"]
    assert shown["一、"] == []


# --- through the pages: import, progress, review, reminders, export ------------------------

def upload(client, world, rows, year=2024):
    data = io.BytesIO(build_bytes(qianjiang_table(rows)))
    data.name = "黔江任务分解表.xlsx"
    return client.post(reverse("tasks:import_upload"), {
        "file": data, "region": world.other_district.pk, "title": "黔江2024", "kind": "annual", "start_year": year})


def test_page_import_preview_commit_then_progress_and_review(world, outsider, client_for):
    reviewer = client_for(outsider)  # a reviewer of 黔江
    staged = upload(reviewer, world, ROWS)
    page = reviewer.get(staged.url).content.decode()
    assert "≥2个（不得少于2个）" in page and "6月30日前≥2家（其中6月底前完成2家）" in page
    assert "较2015年下降≥23%" in page
    reviewer.post(staged.url)
    plan = Plan.objects.get(title="黔江2024")
    item = TaskNode.objects.get(plan=plan, number="1.")
    year_end, june = item.targets.all()
    clerk = client_for(make_user("qj_slj", world.other_water_bureau, User.Role.REPORTER))
    url = reverse("tasks:progress_entry", args=[item.pk, "2024Q2"])
    with time_machine.travel("2024-06-25 10:00 +0800", tick=False):
        form_page = clerk.get(url)
        shown = form_page.content.decode()
        assert "quantity" not in form_page.context["form"].fields  # one field per target instead
        assert "完成情况（对照“12月31日前≥5家”）" in shown and "完成情况（对照“6月30日前≥2家”）" in shown
        assert 'data-testid="item-deadline">2024年6月30日<' in shown  # the earliest open target
        posted = clerk.post(url, {
            "status": "in_progress", "percent": 20, "work_done": "已创建1家", "version": "",
            f"target_{year_end.pk}": "1", f"target_{june.pk}": "1", "submit": "1"})
    assert posted.status_code == 302, posted.context["form"].errors
    report = ProgressReport.objects.get(item=item)
    assert {row.target_label: row.quantity for row in report.target_quantities.all()} == {
        "12月31日前≥5家": 1, "6月30日前≥2家": 1}
    assert report.quantity == 1  # the item's main target (TaskNode.target_value 5) keeps its one quantity
    with time_machine.travel("2024-06-28 10:00 +0800", tick=False):
        before = reviewer.get(report.get_absolute_url()).content.decode()
    assert 'data-testid="behind-hint"' not in before  # 30 June has not passed
    with time_machine.travel("2024-07-02 10:00 +0800", tick=False):
        after = reviewer.get(report.get_absolute_url()).content.decode()
    assert 'data-testid="behind-hint"' in after and "滞后" in after and "2024年6月30日" in after
    assert "对照目标填报数量的修改记录" in after and "6月30日前≥2家：1" in after
    # The item reworded after the entry: its quantities stay, under the targets they were against.
    reworded = [list(row) for row in ROWS]
    reworded[0][1] = "1.全年新增节水型企业不少于6家，其中6月底前完成2家"
    import_qianjiang(world, reworded, plan=plan)
    assert ProgressTarget.objects.filter(report=report, target=None).count() == 2
    with time_machine.travel("2024-07-02 10:00 +0800", tick=False):
        kept = reviewer.get(report.get_absolute_url()).content.decode()
    assert 'data-testid="former-targets"' in kept and "12月31日前≥5家 1" in kept


def test_a_share_above_100_is_refused_on_submission(world, client_for):
    plan, _ = import_qianjiang(world)
    item = TaskNode.objects.get(plan=plan, number="2.")
    share, count = item.targets.all()
    clerk = client_for(make_user("qj_slj", world.other_water_bureau, User.Role.REPORTER))
    url = reverse("tasks:progress_entry", args=[item.pk, "2024Q3"])
    data = {"status": "in_progress", "percent": 20, "work_done": "推进中", "version": "",
            f"target_{share.pk}": "110", f"target_{count.pk}": "2"}
    with time_machine.travel("2024-09-25 10:00 +0800", tick=False):
        refused = clerk.post(url, {**data, "submit": "1"})
        assert refused.status_code == 200, refused
        assert refused.context["form"].errors[f"target_{share.pk}"] == ["比例不能超过100%。"]
        assert not ProgressReport.objects.filter(item=item).exists()
        negative = clerk.post(url, {**data, f"target_{share.pk}": "-1", "save": "1"})
        assert f"target_{share.pk}" in negative.context["form"].errors


def test_the_page_refuses_a_date_that_does_not_exist(world, outsider, client_for):
    reviewer = client_for(outsider)
    rows = [list(row) for row in ROWS]
    rows[0][1] = "1.全年新增节水型企业不少于5家，其中2月30日前完成2家"
    staged = upload(reviewer, world, rows)
    page = reviewer.get(staged.url).content.decode()
    assert "第4行B列：“2月30日”不是存在的日期" in page
    reviewer.post(staged.url)
    assert not TaskNode.objects.filter(plan__title="黔江2024").exists()


def test_a_reminder_names_the_items_own_due_date(world):
    import_qianjiang(world)
    clerk = make_user("qj_slj", world.other_water_bureau, User.Role.REPORTER)
    progress_reminders_send(today=date(2024, 6, 27), days_ahead=5)
    notes = {note.title: note.body for note in Notification.objects.filter(user=clerk)}
    first = next(body for title, body in notes.items() if "全年新增节水型企业" in title)
    assert "本项工作自身的完成时限为2024年6月30日" in first
    later = next(body for title, body in notes.items() if "万元GDP" in title)
    assert "自身的完成时限" not in later  # due at the year's end, not in the coming 30 days


def test_export_lists_the_targets_and_reads_them_back(world):
    plan, _ = import_qianjiang(world)
    buffer = io.BytesIO()
    build_workbook(plan, plan_tree(plan)).save(buffer)
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    header = [sheet.cell(3, column).value for column in range(1, sheet.max_column + 1)]
    column = header.index("目标要求") + 1
    values = [sheet.cell(row, column).value for row in range(4, sheet.max_row + 1)]
    assert values == ["12月31日前≥5家；6月30日前≥2家", "≥10%；≥2个", "11月30日前≥3家；12月31日前≥5家",
                      "较2015年下降≥23%"]
    copy = new_plan(world.other_district, title="往返", year=2024)
    plan_import(plan=copy, preview=preview_task_table(region=world.other_district, data=buffer.getvalue()))
    for number in ("1.", "2.", "3.", "4."):
        assert targets_of(copy, number) == targets_of(plan, number)


def target_post(node, targets, initial=None):
    """The node edit page's post: the item's own fields and its targets formset (``initial``:
    how many targets the page was shown with)."""
    data = {"number": node.number, "text": node.text, "version": node.version, "due_on": "", "due_text": node.due_text,
            "target_comparator": node.target_comparator, "target_value": "" if node.target_value is None
            else str(node.target_value), "target_unit": node.target_unit, "target_text": node.target_text,
            "leads": [a.department_id for a in node.assignments.filter(role="lead")],
            "targets-TOTAL_FORMS": len(targets),
            "targets-INITIAL_FORMS": node.targets.count() if initial is None else initial,
            "targets-MIN_NUM_FORMS": 0, "targets-MAX_NUM_FORMS": 1000}
    for index, target in enumerate(targets):
        data.update({f"targets-{index}-{name}": value for name, value in target.items()})
    return data


def test_targets_are_corrected_on_the_node_page_with_a_version_check(world, outsider, client_for):
    plan, _ = import_qianjiang(world)
    node = TaskNode.objects.get(plan=plan, number="2.")
    share, count = node.targets.all()
    reviewer = client_for(outsider)
    url = reverse("tasks:node_edit", args=[node.pk])
    page = reviewer.get(url).content.decode()
    assert 'data-testid="target-formset"' in page and "不得少于2个" in page
    keep = {"id": share.pk, "kind": "share", "comparator": "ge", "value": "10", "unit": "%", "wording": share.wording}
    corrected = {"id": count.pk, "kind": "count", "comparator": "ge", "value": "3", "unit": "个",
                 "due_on": "2024-11-30", "wording": "不得少于3个"}
    added = {"kind": "range", "comparator": "ge", "value": "1", "value_max": "2", "unit": "家", "wording": "1～2家"}
    assert reviewer.post(url, target_post(node, [keep, corrected, added])).status_code == 302
    assert targets_of(plan, "2.") == ["≥10%", "11月30日前≥3个", "1～2家"]
    assert TaskTarget.objects.get(pk=share.pk).history.count() == 1  # unchanged: not saved again
    # A form opened before that save is refused: nothing of it is written.
    stale = reviewer.post(url, target_post(node, [{**keep, "DELETE": "on"}, corrected, added], initial=2))
    assert stale.status_code == 200 and "他人已保存了这条记录" in stale.content.decode()
    assert len(targets_of(plan, "2.")) == 3
    node.refresh_from_db()
    removed = reviewer.post(url, target_post(node, [keep, {**corrected, "DELETE": "on"}]))
    assert removed.status_code == 302 and targets_of(plan, "2.") == ["≥10%"]
    bad_range = {**added, "value_max": "1"}
    node.refresh_from_db()
    refused = reviewer.post(url, target_post(node, [keep, bad_range]))
    assert refused.status_code == 200 and "区间的上限须大于下限" in refused.content.decode()
    assert targets_of(plan, "2.") == ["≥10%"]


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("2023年底前", date(2023, 12, 31)),  # was read as the end of the plan's first year
        ("6月30日前", date(2024, 6, 30)),  # was not read at all
        ("2020年上半年", date(2020, 6, 30)),
        ("13月底", None),
        ("0000年12月底", None),
    ],
)
def test_the_due_column_reads_the_same_dates(text, due):
    assert parse_due(text, default_year=2024) == due


def test_targets_joined_by_or_are_alternatives():
    """黔江 task 17: "不低于25%或年增长率不低于5%" — either will do."""
    rate, growth = read("确保城市再生水利用率不低于25%或年增长率不低于5%").targets
    assert (rate.alternative, growth.alternative) == (False, True)
    assert target_label(growth) == "或≥5%"
    _first, second = read("11月底前完成3家；或12月底前完成5家").targets  # another sentence: not joined
    assert not second.alternative


def test_an_alternative_met_meets_its_group(world):
    rows = [["一、再生水", "1.城市再生水利用率不低于25%或年增长率不低于5%", "12月底", "区水利局", ""]]
    plan, _ = import_qianjiang(world, rows)
    item = TaskNode.objects.get(plan=plan, number="1.")
    rate, growth = item.targets.all()
    assert growth.alternative and item.due_on == date(2024, 12, 31)
    department = world.other_water_bureau
    report = ProgressReport.objects.create(item=item, department=department, year=2024, quarter=4)
    ProgressTarget.objects.create(report=report, target=rate, target_label=rate.label, quantity=20)
    behind = target_standing(report=report, today=date(2025, 1, 10))
    assert behind.behind and behind.deadline == date(2024, 12, 31) and [line.met for line in behind.lines] == [
        False, False]
    ProgressTarget.objects.create(report=report, target=growth, target_label=growth.label, quantity=6)
    met = target_standing(report=report, today=date(2025, 1, 10))
    assert not met.behind and [line.met for line in met.lines] == [True, True]


def test_a_word_table_names_the_column_by_number(world):
    rows = [list(row) for row in ROWS]
    rows[1][1] = "2.节水型企业2月30日前完成2家"
    preview = preview_task_table(region=world.other_district, data=table_docx(qianjiang_table(rows)),
                                 default_year=2024)
    assert [f"{problem.row}|{problem.column}|{problem.message}" for problem in preview.problems] == [
        "3|第2|“2月30日”不是存在的日期"]
