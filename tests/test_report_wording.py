"""The quarterly report's Word draft reads as a bureau writes: headings numbered 一、 →
（一） in order, restarting under each parent (a plan's own "一、" or "2." never shows under
the report's "二、"); no doubled punctuation where stored sentences are joined; and a problem
several departments reported names every one of them."""

import re
from datetime import date

import pytest
from docx import Document

from core.gongwen import HEADING_FONTS, chinese_number
from org.selectors import water_bureau_of
from reports.report_document import _bare, _unnumbered
from tasks.models import Assignment, Plan, ProgressReport, TaskNode
from tests.gongwen_checks import gongwen_problems
from tests.test_quarterly_report import build
from tests.test_scorecards import Q2, plan, quarter_of_work, submit  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

LEVEL_OF_FONT = {HEADING_FONTS[1]: 1, HEADING_FONTS[2]: 2}


@pytest.fixture
def wordy_quarter(quarter_of_work, world):  # noqa: F811
    """The scorecards' quarter plus a second key task written as another district writes it
    (its number inside the text, a full stop at the end), and one problem in the same words
    from both departments."""
    key = TaskNode.objects.create(plan=quarter_of_work, level=1, position=10, number="",
                                  text="2. 强化计划用水管理。")
    item = TaskNode.objects.create(plan=quarter_of_work, parent=key, level=3, position=11, text="事项F",
                                   due_on=date(2023, 12, 31))
    Assignment.objects.create(node=item, department=world.urban_bureau, role="lead")
    submit(item, world.urban_bureau, "2023-06-27 10:00 +0800")
    reports = ProgressReport.objects.filter(year=Q2.year, quarter=Q2.number)
    reports.filter(item=quarter_of_work.items["A"]).update(problems="节水资金缺口较大。")
    reports.filter(item=quarter_of_work.items["E"]).update(problems="节水资金缺口较大。")
    reports.filter(item=quarter_of_work.items["C"]).update(problems="计量设施不全。")
    return quarter_of_work


@pytest.fixture
def another_district(world):
    """黔江's quarter, written otherwise: key tasks numbered in three ways of their own, items
    led by its water and urban bureaus, problems and next steps typed with stray closing marks
    (；：。), one problem from both bureaus, one item never reported."""
    own = Plan.objects.create(region=world.other_district, title="黔江区2023年节约用水工作方案", start_year=2023,
                              end_year=2023)
    water, urban = world.other_water_bureau, world.other_urban_bureau
    keys = [
        ("（一）加强用水总量控制", [("核定取水许可", water, "计量设施不全；", "加快安装计量设施："),
                                   ("复核用水定额", water, None, None)]),
        ("2.推进公共机构节水", [("更换节水器具", urban, "资金缺口较大。", "争取专项资金。"),
                                ("开展节水诊断", water, "资金缺口较大。", "")]),
        ("三、强化节水宣传", [("进社区宣传", urban, "宣传覆盖面不足：", "组织节水宣传周；")]),
    ]
    position = 0
    for label, items in keys:
        position += 1
        key = TaskNode.objects.create(plan=own, level=1, position=position, number="", text=label)
        for text, lead, problems, next_plan in items:
            position += 1
            item = TaskNode.objects.create(plan=own, parent=key, level=3, position=position, text=text,
                                           due_on=date(2023, 12, 31))
            Assignment.objects.create(node=item, department=lead, role="lead")
            if problems is not None:
                report = submit(item, lead, "2023-06-26 10:00 +0800")
                ProgressReport.objects.filter(pk=report.pk).update(problems=problems, next_plan=next_plan)
    return own


def paragraphs(report):
    return [p for p in Document(report.document.open("rb")).paragraphs if p.text]


def headings(report):
    """(level, text) of the 黑体 and 楷体 headings, in document order."""
    found = []
    for paragraph in paragraphs(report):
        level = LEVEL_OF_FONT.get(paragraph.runs[0].font.name)
        if level:
            found.append((level, paragraph.text))
    return found


def test_headings_count_in_order_and_restart_under_each_parent(wordy_quarter, world):
    found = headings(build(world.district))
    first = [text for level, text in found if level == 1]
    assert first == ["一、总体情况", "二、重点任务推进情况", "三、指标达标情况", "四、存在问题", "五、下一步工作"]
    under = {}
    parent = None
    for level, text in found:
        if level == 1:
            parent = text
        else:
            under.setdefault(parent, []).append(text)
    for children in under.values():
        numbers = [re.match(r"（(.+?)）", text).group(1) for text in children]
        assert numbers == [chinese_number(n) for n in range(1, len(children) + 1)]
    # The plan's own numbers ("一、", "2. ") are dropped, its words kept.
    assert under["二、重点任务推进情况"] == ["（一）重点任务", "（二）强化计划用水管理。"]


def test_no_doubled_punctuation_where_sentences_are_joined(wordy_quarter, world):
    texts = [p.text for p in paragraphs(build(world.district))]
    doubled = [text for text in texts if re.search(r"[。；，：][。：]|：[。，；]", text)]
    assert doubled == []
    assert "应报送1项，已报送1项，其中已完成0项，滞后0项。" in texts


def test_a_problem_two_departments_reported_names_both(wordy_quarter, world):
    texts = [p.text for p in paragraphs(build(world.district))]
    problems = texts[texts.index("四、存在问题") + 1:texts.index("五、下一步工作")]
    assert problems == ["区水利局、区城管局：节水资金缺口较大。", "区水利局：计量设施不全。"]


@pytest.mark.parametrize(("label", "words"), [
    ("一、加强节水管理", "加强节水管理"), ("十二、其他", "其他"), ("（三）推进节水改造", "推进节水改造"),
    ("(2)推进", "推进"), ("2. 强化计划用水管理。", "强化计划用水管理。"), ("3 推进载体建设", "推进载体建设"),
    # A figure is not a number the report replaces.
    ("1.5倍以上的节水器具", "1.5倍以上的节水器具"), ("2023年节水宣传", "2023年节水宣传"), ("一是资金", "一是资金"),
])
def test_a_plans_own_heading_number_is_dropped_and_nothing_else(label, words):
    assert _unnumbered(label) == words


def test_a_joined_fragment_loses_only_its_closing_punctuation():
    assert _bare("得分72分（满分100分）。") == "得分72分（满分100分）"
    assert _bare("19.02%，低于25%；") == "19.02%，低于25%"
    assert _bare("") == ""


@pytest.mark.parametrize("district", ["district", "other_district"])
def test_the_draft_is_a_gongwen_fit_to_send(district, request, world):
    """Each district's own words: 武隆's (the scorecards' quarter, reworded) and 黔江's."""
    request.getfixturevalue("wordy_quarter" if district == "district" else "another_district")
    region = getattr(world, district)
    report = build(region)
    assert gongwen_problems(report.document.read(), authority=water_bureau_of(region)) == []


def test_another_districts_key_tasks_and_problems_in_its_own_words(another_district, world):
    found = headings(build(world.other_district))
    assert [text for level, text in found if level == 2] == [
        "（一）加强用水总量控制", "（二）推进公共机构节水", "（三）强化节水宣传"]
    texts = [p.text for p in paragraphs(build(world.other_district))]
    problems = texts[texts.index("四、存在问题") + 1:texts.index("五、下一步工作")]
    assert problems == ["区水利局：计量设施不全；", "区城市管理局、区水利局：资金缺口较大。",
                        "区城市管理局：宣传覆盖面不足："]
