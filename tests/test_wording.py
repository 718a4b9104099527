"""Reading the wording of task texts: numbers, inline units, due dates, targets."""

from datetime import date
from decimal import Decimal

import pytest

from tasks.wording import parse_due, parse_target, split_circled_items, split_inline_units, split_number


@pytest.mark.parametrize(
    ("text", "number", "rest"),
    [
        ("（一）健全节水制度", "（一）", "健全节水制度"),
        ("(二)推进", "(二)", "推进"),
        ("一、贯彻落实重大决策部署", "一、", "贯彻落实重大决策部署"),
        ("1. 制定和落实节约用水规划", "1. ", "制定和落实节约用水规划"),  # as written, space kept
        ("5．优化调整农业种植结构", "5．", "优化调整农业种植结构"),
        ("15. 推进节水载体建设。", "15. ", "推进节水载体建设。"),
        ("①建成节水型机关", "①", "建成节水型机关"),
        ("（1）制定并落实节约用水规划", "（1）", "制定并落实节约用水规划"),  # another district's sub-task
        ("(12)推进", "(12)", "推进"),
        ("（2019年）节水型企业", "", "（2019年）节水型企业"),
        ("2019年度，节水型企业", "", "2019年度，节水型企业"),
        ("1.5倍", "", "1.5倍"),
        ("按照“节水优先”", "", "按照“节水优先”"),
    ],
)
def test_split_number(text, number, rest):
    assert split_number(text) == (number, rest)


def test_inline_units_with_lead_and_responsible():
    units = split_inline_units("编制规划。（牵头单位：区住房城乡建委、区城市管理局；责任单位：区经济信息委、区水利局）")
    assert units.text == "编制规划。"
    assert units.leads == "区住房城乡建委、区城市管理局"
    assert units.cooperators == "区经济信息委、区水利局"


def test_inline_units_with_only_responsible_units_make_them_leads():
    units = split_inline_units("增强节水型器具监管。确保合格率达100%。（责任单位：区市场监管局）")
    assert (units.leads, units.cooperators) == ("区市场监管局", "")


def test_text_without_inline_units_is_unchanged():
    units = split_inline_units("加强节约用水宣传（含新媒体）")
    assert not units.found and units.text == "加强节约用水宣传（含新媒体）"


def test_split_circled_items():
    assert split_circled_items("①建成节水型机关；②完成水平衡测试；③开展宣传") == [
        ("①", "建成节水型机关"), ("②", "完成水平衡测试"), ("③", "开展宣传"),
    ]
    assert split_circled_items("①只有一项") == [("", "①只有一项")]


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("12月底", date(2019, 12, 31)),
        ("11月底前完成3家", date(2019, 11, 30)),
        ("2020年上半年完成水利行业节水型机关创建工作", date(2020, 6, 30)),
        ("2月底", date(2019, 2, 28)),
        ("年底前", date(2019, 12, 31)),
        ("长期坚持", None),
    ],
)
def test_parse_due(text, due):
    assert parse_due(text, default_year=2019) == due


@pytest.mark.parametrize(
    ("text", "value", "unit", "comparator"),
    [
        ("12月底建成节水型机关10家", "10", "家", "ge"),
        ("节水型企业建成率不低于l0%（节水企业不得少于2个。", "10", "%", "ge"),
        ("公共机构节水型单位建成率不低于15%。", "15", "%", "ge"),
        ("确保城市公共供水管网漏损率不高于8.5%。", "8.5", "%", "le"),
        ("成功率达到70%", "70", "%", "ge"),
        ("确保城市居民人均生活用水量不高于140L/人·天", "140", "L/人·天", "le"),
    ],
)
def test_parse_target(text, value, unit, comparator):
    target = parse_target(text)
    assert (target.value, target.unit, target.comparator) == (Decimal(value), unit, comparator)
    assert target.wording


def test_no_target_in_prose():
    assert parse_target("积极推进武隆节水型社会建设。") is None
    assert parse_target("达标后持续改善") is None
