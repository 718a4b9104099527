"""The expert's offline score sheet: built for one county, expert and standard, uploaded
through the staged import (preview, then confirm as a draft); a sheet of another county,
expert or standard, points outside an item's rule or a missing reason are refused by row
and column, with nothing written."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns import score_sheet
from campaigns.models import Creation, ExpertGroup, ExpertScore, Membership, Stage
from indicators.models import IndicatorSet
from tests.test_campaign_experts import member, score


def download(client, creation):
    response = client.get(reverse("campaigns:score_sheet", args=[creation.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    return response.content


def fill(content, values):
    """The sheet with ``values`` {item number: (points, reason)} typed into columns G and H."""
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook[score_sheet.SHEET]
    for row in range(score_sheet.HEADER_ROW + 1, sheet.max_row + 1):
        number = sheet.cell(row=row, column=1).value
        if number in values:
            points, reason = values[number]
            sheet.cell(row=row, column=7, value=points)
            sheet.cell(row=row, column=8, value=reason)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, creation, content, name="评分表.xlsx"):
    """Upload, follow to the preview; returns (preview response, its url)."""
    response = client.post(reverse("campaigns:score_sheet", args=[creation.pk]),
                           {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, response.content.decode()[:500]
    return client.get(response.url), response.url


def test_the_sheet_lists_the_items_with_the_countys_points_and_only_the_experts_own(technical, zhang, li,
                                                                                     client_for):
    score(technical, li, {19: 4}, {19: "李的理由"}, submit=False)
    score(technical, zhang, {19: 6}, {19: "张的理由"}, submit=False)
    workbook = openpyxl.load_workbook(io.BytesIO(download(client_for(zhang.user), technical)))
    sheet = workbook[score_sheet.SHEET]
    assert [cell.value for cell in sheet[score_sheet.HEADER_ROW]] == ["序号", "类别", "评价项目", "满分", "评分标准",
                                                                      "自评得分", "专家评分", "评分理由"]
    assert (sheet["A2"].value, sheet["B2"].value, sheet["C2"].value, sheet["D2"].value) == (
        "县（区）", "武隆区", "评分专家", "张教授（重庆大学）")
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=score_sheet.HEADER_ROW + 1)}
    assert len(rows) == 21
    item = rows[19]
    assert [cell.value for cell in item[:6]] == [19, "节水管理", "节水管理机构与制度", 7,
                                                 "专家根据材料和现场核查评分，满分7分", 5]
    assert (item[6].value, item[7].value) == (6, "张的理由")
    texts = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "李的理由" not in texts  # another expert's draft is never in the sheet
    assert workbook[score_sheet.SHEET].protection.sheet and "_meta" in workbook.sheetnames


def test_an_uploaded_sheet_is_previewed_then_saved_as_the_experts_draft(technical, zhang, client_for):
    client = client_for(zhang.user)
    content = fill(download(client, technical), {19: (5, "制度执行记录不全"), 21: (8, None)})
    preview, url = upload(client, technical, content)
    page = preview.content.decode()
    assert preview.status_code == 200 and "评分表导入预览" in page
    assert "19. 节水管理机构与制度" in page and "制度执行记录不全" in page
    assert not ExpertScore.objects.exists()  # nothing written before the confirmation
    response = client.post(url)
    assert response.status_code == 302 and response.url == reverse("campaigns:scoring", args=[technical.pk])
    membership = member(technical, zhang)
    stored = {s.indicator.number: (s.points, s.reason) for s in membership.scores.select_related("indicator")}
    assert stored == {19: (Decimal("5"), "制度执行记录不全"), 21: (Decimal("8"), "")}
    assert not membership.is_submitted  # a sheet is a draft: the expert submits on the page


@pytest.mark.parametrize(("values", "problem"), [
    ({3: (3, "口径不一")}, "第7行“专家评分”列（G列）：万元工业增加值用水量降幅只能评0、2、4或6分，不能评3分"),
    ({2: (6.5, "")}, "第6行“专家评分”列（G列）：万元国内生产总值用水量降幅只能评0至6分，不能评6.5分"),
    ({19: (7.1, "多给")}, "第23行“专家评分”列（G列）：节水管理机构与制度只能评0至7分，不能评7.1分"),
    ({19: (6, None)}, "第23行“评分理由”列（H列）：节水管理机构与制度评6分，低于满分7分，须写明扣分理由"),
    ({5: ("四分", "")}, "第9行“专家评分”列（G列）：“四分”不是数字"),
    ({21: (None, "没有评分")}, "第25行“专家评分”列（G列）：节水宣传教育写了评分理由但没有评分"),
])
def test_wrong_points_or_missing_reasons_are_refused_by_row_and_column(technical, zhang, client_for, values,
                                                                       problem):
    client = client_for(zhang.user)
    content = fill(download(client, technical), {**values, 1: (0, None)})
    preview, url = upload(client, technical, content)
    page = preview.content.decode()
    assert problem in page
    assert "确认并保存为我的草稿" not in page
    assert client.post(url).status_code == 200  # confirming is refused too
    assert not ExpertScore.objects.exists()


def test_the_bounds_of_each_rule_pass_in_the_sheet(technical, zhang, client_for):
    client = client_for(zhang.user)
    content = fill(download(client, technical), {3: (6, None), 2: (0, "降幅不足"), 19: (7, None), 4: (0, "未达标")})
    preview, url = upload(client, technical, content)
    assert preview.context["problems"] == []
    client.post(url)
    assert ExpertScore.objects.count() == 4


def test_a_sheet_for_another_county_is_refused_naming_the_cell(technical, world, campaign, zhang, wang, client_for):
    other = Creation.objects.create(campaign=campaign, batch=campaign.batches.get(), region=world.other_district,
                                    stage=Stage.TECHNICAL, stage_since=technical.stage_since, assessment_year=2025)
    group = ExpertGroup.objects.create(creation=other, formed_on=technical.expert_group.formed_on)
    Membership.objects.create(group=group, expert=zhang, is_leader=True)
    client = client_for(zhang.user)
    content = fill(download(client, other), {19: (7, None)})
    response = client.post(reverse("campaigns:score_sheet", args=[technical.pk]),
                           {"file": SimpleUploadedFile("评分表.xlsx", content)}, follow=True)
    page = response.content.decode()
    assert "第2行B列（县（区））：这是黔江区的评分表，不是武隆区的，未导入任何内容。" in page
    assert not ExpertScore.objects.exists()


def test_a_sheet_of_another_expert_is_refused_naming_the_cell(technical, zhang, li, client_for):
    content = fill(download(client_for(li.user), technical), {19: (7, None)})
    response = client_for(zhang.user).post(reverse("campaigns:score_sheet", args=[technical.pk]),
                                           {"file": SimpleUploadedFile("评分表.xlsx", content)}, follow=True)
    assert "第2行D列（评分专家）：这是李研究员的评分表，不是张教授的，未导入任何内容。" in response.content.decode()
    assert not ExpertScore.objects.exists()


def test_a_sheet_of_another_standard_is_refused_naming_the_cell(technical, zhang, county_standard):
    other = IndicatorSet.objects.create(code="OTHER", version="2020", name="另一评价标准", min_points=60)
    membership = member(technical, zhang)
    rows = [(indicator, None, None) for indicator in county_standard.indicators.order_by("number")]
    content = score_sheet.build(creation=technical, expert=zhang, indicator_set=other, rows=rows)
    with pytest.raises(Exception) as refused:
        score_sheet.read(content, creation=technical, expert=membership.expert, indicator_set=county_standard,
                         indicators=list(county_standard.indicators.all()))
    assert str(refused.value).startswith("第2行F列（评价标准）：这是按另一评价标准（2020）制作的评分表")


def test_an_edited_stamp_is_refused(technical, zhang, client_for):
    workbook = openpyxl.load_workbook(io.BytesIO(download(client_for(zhang.user), technical)))
    workbook["_meta"]["A1"] = workbook["_meta"]["A1"].value[:-3] + "xyz"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = client_for(zhang.user).post(reverse("campaigns:score_sheet", args=[technical.pk]),
                                           {"file": SimpleUploadedFile("评分表.xlsx", buffer.getvalue())},
                                           follow=True)
    assert "模板标识被修改过或已损坏" in response.content.decode()


def test_after_submitting_a_sheet_changes_nothing(technical, zhang, client_for):
    client = client_for(zhang.user)
    content = fill(download(client, technical), {19: (5, "制度执行记录不全")})
    score(technical, zhang)
    preview, url = upload(client, technical, content)
    assert "您已于" in preview.content.decode()
    client.post(url)
    assert member(technical, zhang).scores.get(indicator__number=19).points == Decimal("7")


def test_only_the_member_downloads_or_uploads_a_sheet(technical, supervisor, reviewer, wang, client_for):
    for user in (supervisor, reviewer, wang.user):
        assert client_for(user).get(reverse("campaigns:score_sheet", args=[technical.pk])).status_code == 404
        assert client_for(user).post(reverse("campaigns:score_sheet", args=[technical.pk])).status_code == 404


def test_another_users_pending_sheet_is_not_found(technical, zhang, li, client_for):
    client = client_for(zhang.user)
    _preview, url = upload(client, technical, fill(download(client, technical), {19: (7, None)}))
    assert client_for(li.user).get(url).status_code == 404
    assert client_for(li.user).post(url).status_code == 404
    assert not ExpertScore.objects.exists()


def test_scores_changed_on_the_page_after_the_upload_refuse_the_sheet(technical, zhang, client_for):
    client = client_for(zhang.user)
    _preview, url = upload(client, technical, fill(download(client, technical), {19: (5, "制度执行记录不全")}))
    score(technical, zhang, {19: 6}, {19: "页面上改的"}, submit=False)
    response = client.post(url)
    assert "评分已在评分页面修改" in response.content.decode()
    assert member(technical, zhang).scores.get(indicator__number=19).reason == "页面上改的"
