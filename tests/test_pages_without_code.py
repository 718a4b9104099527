"""Officials read the indicator pages in words: formulas by their data elements' names with
× and ÷, rules naming reference values by name, values to two decimals, no code column."""

import re

from django.urls import reverse

from indicators.formulas import words
from indicators.targets import describe
from org.models import User
from tests.test_indicator_pages import _demo_once, computed, demo  # noqa: F401 (fixtures)


def test_a_formula_reads_with_names_and_the_printed_operators():
    names = {"PERMEABLE_AREA": "可渗透地面面积", "BUILT_AREA": "建成区面积"}
    assert words("PERMEABLE_AREA / BUILT_AREA * 100", names) == "可渗透地面面积 ÷ 建成区面积 × 100"
    # An unknown code stays as written; the computation's own names are known; ≤ for <=.
    assert words("if(X_1<=2, RES/DAYS_YTD, 0)", {"RES": "居民生活用水量"}) == (
        "if(X_1≤2, 居民生活用水量÷本年1月1日至本季度末的天数, 0)"
    )


def test_a_rule_names_the_reference_value_by_its_name_when_given():
    rule = {"kind": "relative", "op": "le", "factor": "0.8", "reference": "OTHER_AVG"}
    assert "（别区平均）" in describe(rule, names={"OTHER_AVG": "别区平均"})
    assert "（OTHER_AVG）" in describe(rule)  # no name known: the code, rather than nothing


def test_the_lineage_shows_the_formula_in_words_and_two_decimals(demo, client_for):  # noqa: F811
    permeable = computed(demo, "PERMEABLE_RATIO")
    page = client_for(User.objects.get(username="qianjiang_reviewer")).get(
        reverse("indicators:lineage", args=[permeable.pk])
    ).content.decode()
    formula = re.search(r'data-testid="lineage-formula"[^>]*>(.*?)</span>', page).group(1)
    assert "÷" in formula and "× 100" in formula and "建成区" in formula
    assert "PERMEABLE_AREA" not in page and "BUILT_AREA" not in page
    assert f"{permeable.value:.2f} %" in page
    assert not re.search(r"\d\.\d{3,} %", page), page[page.find("5.593870")-300:page.find("5.593870")+50]
    assert "<th>代码</th>" not in page
    # The figures used, as the clerk wrote them: no padding zeros of the stored decimals.
    figures = re.findall(r'<td class="text-end">([^<]*)</td>', page)
    assert figures and not [f for f in figures if re.search(r"\.\d*0 ", f)], figures


def test_the_catalogue_shows_formulas_and_references_by_name(demo, client_for):  # noqa: F811
    reviewer = client_for(User.objects.get(username="wulong_reviewer"))
    page = reviewer.get(reverse("indicators:catalogue")).content.decode()
    assert "PERMEABLE_AREA / BUILT_AREA * 100" not in page and "NATIONAL_IND_WATER" not in page
    assert "÷ 建成区" in page


def test_a_figure_entered_without_a_clerk_names_the_reports_submitter(demo, client_for):  # noqa: F811
    """Figures imported or loaded carry no entered_by: the 填报人 is whoever submitted the report."""
    from indicators.models import DataValue

    industry = computed(demo, "INDUSTRY_WATER_INTENSITY")
    row = DataValue.objects.get(pk=industry.lineage["inputs"]["IND_NEW_WATER"]["entry"])
    submitter = User.objects.get(username="qianjiang_cgj")
    DataValue.objects.filter(pk=row.pk).update(entered_by=None)
    type(row.report).objects.filter(pk=row.report_id).update(submitted_by=submitter)
    page = client_for(User.objects.get(username="qianjiang_reviewer")).get(
        reverse("indicators:lineage", args=[industry.pk])
    ).content.decode()
    assert f"<td>{submitter} " in page


def test_the_catalogue_reads_the_names_once_whatever_the_number_of_formulas(demo, client_for,  # noqa: F811
                                                                             django_assert_max_num_queries):
    reviewer = client_for(User.objects.get(username="wulong_reviewer"))
    reviewer.get(reverse("indicators:catalogue"))  # the session and its caches warmed
    with django_assert_max_num_queries(12):
        reviewer.get(reverse("indicators:catalogue"))


def lineage_page(client_for, value, username="qianjiang_reviewer"):
    return client_for(User.objects.get(username=username)).get(
        reverse("indicators:lineage", args=[value.pk])).content.decode()


def test_the_lineage_names_the_days_of_the_year_and_the_reference_values(demo, client_for):  # noqa: F811
    """DAYS_YTD and the national figures are written by their names, the publication day
    as a written date; the code is nowhere on a reviewer's page."""
    from indicators.models import ReferenceValue

    per_person = computed(demo, "PER_CAPITA_DOMESTIC")
    page = lineage_page(client_for, per_person)
    assert "本年1月1日至本季度末的天数：" in page and "DAYS_YTD" not in page
    industry = computed(demo, "INDUSTRY_WATER_INTENSITY")
    code = next(iter(industry.lineage["references"]))
    reference = ReferenceValue.objects.filter(code=code).first()
    lineage = dict(industry.lineage)
    lineage["references"] = {code: {**lineage["references"][code], "published_on": "2024-09-30"}}
    type(industry).objects.filter(pk=industry.pk).update(trace=lineage)
    page = lineage_page(client_for, industry)
    listed = re.search(r'data-testid="lineage-references">(.*?)</ul>', page, re.S).group(1)
    assert f"{reference.name}</span>：" in listed and code not in page
    assert "2024年9月30日发布" in listed and "2024-09-30" not in page


def test_the_registry_heading_has_no_code_and_the_day_counted_is_written(demo, client_for):  # noqa: F811
    coverage = computed(demo, "CARRIER_ENTERPRISE_COVERAGE")
    page = lineage_page(client_for, coverage)
    heading = re.search(r'<h3 class="h6">([^<]*)· 取自节水载体台账</h3>', page).group(1)
    assert "CARRIER_" not in heading and "CARRIER_ENTERPRISE_WATER" not in page
    assert "计入截至2023年12月31日已建成的载体" in page and "2023-12-31" not in page
