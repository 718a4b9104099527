"""自评: the county scores itself under the campaign's standard, the computed items filled
from the portal's own values (with their lineage), the others answered by hand within the
item's rule and with an explanation; submitting freezes it and declares the county."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from campaigns import stages
from campaigns.models import SelfAssessment, SelfScore, Stage, StageStep
from campaigns.services import self_assessment as services
from core.workflow import EditConflict, TransitionRefused
from indicators.models import ComputedValue
from indicators.scoring_rules import allowed_points
from tests.test_xss import read

PDF = b"%PDF-1.4\n%%EOF\n"


# --- allowed_points: for each rule shape, the bounds pass and just outside fails -----------------


def test_all_or_nothing_allows_zero_or_full():
    allowed = allowed_points({}, full=Decimal("4"))
    assert allowed.choices == (Decimal("0"), Decimal("4"))
    assert Decimal("0") in allowed and Decimal("4") in allowed
    assert Decimal("2") not in allowed and Decimal("4.1") not in allowed and Decimal("-0.1") not in allowed
    assert allowed.text == "0或4分"


def test_steps_allow_zero_or_a_steps_points():
    rule = {"kind": "steps", "better": "higher", "steps": [{"from": "3", "to": "5", "points": "2"},
                                                            {"from": "5", "to": "8", "points": "4"},
                                                            {"from": "8", "points": "6"}]}
    allowed = allowed_points(rule, full=6)
    for points in ("0", "2", "4", "6"):
        assert Decimal(points) in allowed
    for points in ("1.9", "3", "5.9", "6.1", "-0.1"):
        assert Decimal(points) not in allowed
    assert allowed.text == "0、2、4或6分"


def test_per_unit_allows_the_floor_to_full_in_tenths():
    rule = {"kind": "per_unit", "better": "higher", "line": "90", "at_line": "6", "unit": "5", "penalty": "1",
            "floor": "2"}
    allowed = allowed_points(rule, full=6)
    assert Decimal("2") in allowed and Decimal("6") in allowed and Decimal("3.5") in allowed
    assert Decimal("1.9") not in allowed and Decimal("6.1") not in allowed
    assert Decimal("3.55") not in allowed  # points carry one decimal place
    assert allowed.text == "2至6分"
    no_floor = allowed_points({**rule, "floor": "0"}, full=6)
    assert Decimal("0") in no_floor and Decimal("-0.1") not in no_floor


def test_judged_allows_zero_to_full():
    allowed = allowed_points({"kind": "judged"}, full=7)
    assert Decimal("0") in allowed and Decimal("7") in allowed and Decimal("6.5") in allowed
    assert Decimal("7.1") not in allowed and Decimal("-0.1") not in allowed
    assert allowed.text == "0至7分"


def test_an_item_without_points_allows_only_zero():
    allowed = allowed_points({}, full=0)
    assert Decimal("0") in allowed and Decimal("0.1") not in allowed
    assert allowed.text == "0分"


# --- helpers --------------------------------------------------------------------------------------


def item(standard, number):
    return standard.indicators.get(number=number)


def computed(creation, indicator, quarter, points, *, value="12.5", award=None, status="met"):
    return ComputedValue.objects.create(
        region=creation.region, indicator=indicator, year=creation.assessment_year, quarter=quarter,
        value=Decimal(value), status=status, points=None if points is None else Decimal(points),
        award=award or f"{indicator.name}{value}，得{points}分",
        lineage={"method": "formula", "formula": "A / B * 100", "inputs": {"A": {"value": "5"}, "B": {"value": "40"}}})


@pytest.fixture
def values(creation, county_standard):
    """The county's computed values of the assessed year for the formula items 2, 3 and 12
    (full points), item 6 in Q3 only, and item 18 with a Q4 row without points."""
    rows = {}
    for number in (2, 3, 12):
        indicator = item(county_standard, number)
        computed(creation, indicator, 3, "0", award="三季度")
        rows[number] = computed(creation, indicator, 4, indicator.points)
    rows[6] = computed(creation, item(county_standard, 6), 3, "5", value="85")
    computed(creation, item(county_standard, 18), 4, None, status="incomplete")
    return rows


def begin(creation, user):
    return services.start(creation, user=user, version=creation.version)


def answer_all(assessment, user, *, points=None):
    """Answer every item still without points with its full points (or ``points``)."""
    for score in assessment.scores.select_related("indicator").filter(points__isnull=True):
        assessment.refresh_from_db()
        services.save_score(score, user=user, points=points if points is not None else score.indicator.points,
                            explanation="已落实，见佐证材料", version=assessment.version)
    assessment.refresh_from_db()
    return assessment


# --- starting -------------------------------------------------------------------------------------


def test_starting_creates_one_row_per_item_with_the_computed_ones_filled(creation, reviewer, values, county_standard):
    assessment = begin(creation, reviewer)
    creation.refresh_from_db()
    assert creation.stage == Stage.SELF_ASSESSMENT
    assert (assessment.indicator_set, assessment.year) == (county_standard, creation.assessment_year)
    assert assessment.scores.count() == 21
    filled = {score.indicator.number: score for score in assessment.scores.filter(computed=True)
              .select_related("indicator")}
    assert sorted(filled) == [2, 3, 6, 12]
    # Q4 when it has points, else the latest quarter of the year with points.
    assert filled[2].points == Decimal("6") and filled[2].lineage["computed_value"] == values[2].pk
    assert filled[2].lineage["period"] == f"{creation.assessment_year}Q4"
    assert filled[2].award == values[2].award and filled[2].value == Decimal("12.5")
    assert filled[6].points == Decimal("5") and filled[6].lineage["period"] == f"{creation.assessment_year}Q3"
    assert filled[2].lineage["formula"] == "A / B * 100"  # the value's own lineage comes with it
    # Judged, checklist and items without computed points are the county's to answer.
    by_hand = {score.indicator.number: score for score in assessment.scores.filter(computed=False)
               .select_related("indicator")}
    assert by_hand[18].points is None and by_hand[19].points is None and by_hand[5].points is None


def test_only_the_countys_water_bureau_starts_it(creation, supervisor, outsider, reporter, values):
    for user in (supervisor, outsider, reporter):
        with pytest.raises(TransitionRefused):
            begin(creation, user)
    creation.refresh_from_db()
    assert creation.stage == Stage.PLANNED
    assert not SelfAssessment.objects.exists() and not StageStep.objects.exists()


def test_refresh_takes_corrected_figures_and_hands_back_an_item_whose_value_is_gone(creation, reviewer, values):
    assessment = begin(creation, reviewer)
    values[3].points, values[3].award = Decimal("4"), "降幅6%，得4分"
    values[3].save()
    values[6].delete()
    changed = services.refresh(assessment, user=reviewer, version=assessment.version)
    assert changed == 2
    three = assessment.scores.get(indicator__number=3)
    assert (three.points, three.award) == (Decimal("4"), "降幅6%，得4分")
    six = assessment.scores.get(indicator__number=6)
    assert (six.computed, six.points, six.lineage) == (False, None, {})


# --- answering by hand ------------------------------------------------------------------------------


@pytest.mark.parametrize(("number", "good", "bad"), [
    (5, ["0", "4"], ["2", "4.1", "3.9"]),  # checklist, all or nothing
    (19, ["0", "7", "3.5"], ["7.1", "3.55"]),  # judged 0..7
    (18, ["0", "1", "2", "4"], ["3", "4.1", "0.5"]),  # steps 1, 2, 4 (no computed points)
])
def test_hand_points_must_fit_the_rule(creation, reviewer, values, number, good, bad):
    assessment = begin(creation, reviewer)
    score = assessment.scores.get(indicator__number=number)
    for points in bad:
        assessment.refresh_from_db()
        with pytest.raises(Exception) as refused:
            services.save_score(score, user=reviewer, points=Decimal(points), explanation="说明",
                                version=assessment.version)
        assert "只能评" in str(refused.value)
        score.refresh_from_db()
        assert score.points is None
    for points in good:
        assessment.refresh_from_db()
        services.save_score(score, user=reviewer, points=Decimal(points), explanation="说明",
                            version=assessment.version)
        score.refresh_from_db()
        assert score.points == Decimal(points)


def test_per_unit_item_answered_by_hand_stays_within_its_floor_and_full(creation, reviewer, county_standard):
    # Item 14 is per unit (4 points, floor 0); without a computed value the county answers it.
    assessment = begin(creation, reviewer)
    score = assessment.scores.get(indicator__number=14)
    for points, ok in (("0", True), ("4", True), ("2.5", True), ("4.1", False)):
        assessment.refresh_from_db()
        if ok:
            services.save_score(score, user=reviewer, points=Decimal(points), explanation="按建成率核算",
                                version=assessment.version)
        else:
            with pytest.raises(Exception, match="0至4分"):
                services.save_score(score, user=reviewer, points=Decimal(points), explanation="按建成率核算",
                                    version=assessment.version)


def test_an_explanation_is_required_and_a_computed_item_is_not_typed(creation, reviewer, values):
    assessment = begin(creation, reviewer)
    score = assessment.scores.get(indicator__number=5)
    with pytest.raises(Exception, match="说明") as refused:
        services.save_score(score, user=reviewer, points=Decimal("4"), explanation="  ", version=assessment.version)
    assert "explanation" in refused.value.message_dict
    with pytest.raises(TransitionRefused, match="计算"):
        services.save_score(assessment.scores.get(indicator__number=2), user=reviewer, points=Decimal("6"),
                            explanation="手工", version=assessment.version)


def test_a_stale_page_is_refused_and_writes_nothing(creation, reviewer, values):
    assessment = begin(creation, reviewer)
    seen = assessment.version
    one, two = assessment.scores.get(indicator__number=5), assessment.scores.get(indicator__number=7)
    services.save_score(one, user=reviewer, points=Decimal("4"), explanation="已落实", version=seen)
    with pytest.raises(EditConflict):
        services.save_score(two, user=reviewer, points=Decimal("5"), explanation="已落实", version=seen)
    two.refresh_from_db()
    assert two.points is None


# --- submitting -------------------------------------------------------------------------------------


def test_submitting_with_items_missing_is_refused_naming_them(creation, reviewer, values):
    assessment = begin(creation, reviewer)
    with pytest.raises(TransitionRefused, match=r"1\. 用水总量") as refused:
        services.submit(assessment, user=reviewer, version=assessment.version)
    assert "项尚未作答" in str(refused.value)
    assessment.refresh_from_db()
    creation.refresh_from_db()
    assert assessment.submitted_at is None and creation.stage == Stage.SELF_ASSESSMENT


def test_submitting_freezes_it_and_declares_the_county(creation, reviewer, values):
    assessment = answer_all(begin(creation, reviewer), reviewer)
    services.submit(assessment, user=reviewer, version=assessment.version)
    assessment.refresh_from_db()
    creation.refresh_from_db()
    assert assessment.is_frozen and assessment.submitted_by == reviewer
    assert creation.stage == Stage.DECLARED
    assert creation.steps.last().to_stage == Stage.DECLARED
    # Frozen: no answer, no refresh, no evidence changes; the copied lineage stays as it was.
    score = assessment.scores.get(indicator__number=5)
    with pytest.raises(TransitionRefused, match="已提交"):
        services.save_score(score, user=reviewer, points=Decimal("0"), explanation="改", version=assessment.version)
    with pytest.raises(TransitionRefused):
        services.refresh(assessment, user=reviewer, version=assessment.version)
    with pytest.raises(TransitionRefused):
        services.attach_evidence(score, upload=SimpleUploadedFile("证明.pdf", PDF), user=reviewer)
    kept = values[2].award
    values[2].points, values[2].award = Decimal("0"), "重算后不得分"
    values[2].save()
    two = assessment.scores.get(indicator__number=2)
    assert (two.points, two.award, two.lineage["computed_value"]) == (Decimal("6"), kept, values[2].pk)


def test_submitting_is_refused_when_a_computed_item_changed_since_the_page(creation, reviewer, values):
    assessment = answer_all(begin(creation, reviewer), reviewer)
    values[12].points = Decimal("4")
    values[12].save()
    with pytest.raises(TransitionRefused, match=r"12\. 节水型企业建成率"):
        services.submit(assessment, user=reviewer, version=assessment.version)
    creation.refresh_from_db()
    assert creation.stage == Stage.SELF_ASSESSMENT


def test_the_city_sending_the_county_back_reopens_it(creation, reviewer, supervisor, values):
    assessment = answer_all(begin(creation, reviewer), reviewer)
    services.submit(assessment, user=reviewer, version=assessment.version)
    stages.return_to(creation, user=supervisor, to=Stage.SELF_ASSESSMENT, reason="佐证材料不全")
    assessment.refresh_from_db()
    assert not assessment.is_frozen
    score = assessment.scores.get(indicator__number=5)
    services.save_score(score, user=reviewer, points=Decimal("0"), explanation="补充说明", version=assessment.version)
    score.refresh_from_db()
    assert score.points == Decimal("0")


# --- the pages --------------------------------------------------------------------------------------


def test_the_county_starts_on_the_page_and_the_city_cannot(creation, reviewer, supervisor, client_for, values):
    url = reverse("campaigns:self_assessment", args=[creation.pk])
    page = client_for(reviewer).get(url).content.decode()
    assert "尚未开始自评" in page and 'name="action" value="start"' in page
    assert 'name="action" value="start"' not in client_for(supervisor).get(url).content.decode()
    assert client_for(supervisor).post(url, {"action": "start", "version": creation.version}).status_code == 404
    response = client_for(reviewer).post(url, {"action": "start", "version": creation.version})
    assert response.status_code == 302
    creation.refresh_from_db()
    assert creation.stage == Stage.SELF_ASSESSMENT


def test_the_page_lists_the_items_and_says_what_is_missing(creation, reviewer, reporter, supervisor, outsider,
                                                            client_for, values):
    assessment = begin(creation, reviewer)
    # 88 of 100: every item at full points but 6 (5 of 6, computed), 16 (6 of 10), 19 (3 of 7), 21 (5 of 8).
    for score in assessment.scores.select_related("indicator"):
        if not score.computed:
            score.points, score.explanation = score.indicator.points, "已落实"
            score.save()
    SelfScore.objects.filter(assessment=assessment, indicator__number=16).update(points=Decimal("6"))
    SelfScore.objects.filter(assessment=assessment, indicator__number=19).update(points=Decimal("3"))
    SelfScore.objects.filter(assessment=assessment, indicator__number=21).update(points=Decimal("5"))
    assessment.refresh_from_db()
    assert assessment.total == Decimal("88")
    url = reverse("campaigns:self_assessment", args=[creation.pk])
    page = client_for(reviewer).get(url).content.decode()
    assert "自评得分88分，少于达标要求的90分，差2分" in page
    assert "提交自评并申报" in page
    assert reverse("indicators:lineage", args=[values[2].pk]) in page
    assert "万元国内生产总值用水量降幅" in page and "评分标准" in page and "佐证材料" in page
    for user in (reporter, supervisor):  # they read it, without the buttons
        other = client_for(user).get(url).content.decode()
        assert "自评得分88分" in other and "提交自评并申报" not in other
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(reporter).post(url, {"action": "submit", "version": assessment.version}).status_code == 404


def test_the_item_page_refuses_points_outside_the_rule_by_field(creation, reviewer, client_for, values):
    assessment = begin(creation, reviewer)
    score = assessment.scores.get(indicator__number=5)
    url = reverse("campaigns:self_score", args=[score.pk])
    response = client_for(reviewer).post(url, {"points": "3", "explanation": "已落实", "version": assessment.version})
    assert response.status_code == 200
    assert "用水定额管理只能评0或4分，不能评3分" in response.content.decode()
    score.refresh_from_db()
    assert score.points is None
    response = client_for(reviewer).post(url, {"points": "4", "explanation": "", "version": assessment.version})
    assert "请说明本县如何落实该项" in response.content.decode()
    response = client_for(reviewer).post(url, {"points": "4", "explanation": "定额已公布",
                                               "version": assessment.version})
    assert response.status_code == 302
    score.refresh_from_db()
    assert (score.points, score.explanation) == (Decimal("4"), "定额已公布")


def test_a_stale_item_page_says_so_and_saves_nothing(creation, reviewer, client_for, values):
    assessment = begin(creation, reviewer)
    score = assessment.scores.get(indicator__number=5)
    stale = assessment.version
    services.save_score(assessment.scores.get(indicator__number=7), user=reviewer, points=Decimal("5"),
                        explanation="已落实", version=stale)
    response = client_for(reviewer).post(reverse("campaigns:self_score", args=[score.pk]),
                                         {"points": "4", "explanation": "定额已公布", "version": stale})
    assert response.status_code == 200
    assert "在您打开页面之后修改了自评" in response.content.decode()
    score.refresh_from_db()
    assert score.points is None


def test_evidence_is_attached_listed_and_kept_after_submission(creation, reviewer, supervisor, client_for, values):
    assessment = begin(creation, reviewer)
    score = assessment.scores.get(indicator__number=5)
    upload = reverse("campaigns:self_score_evidence_upload", args=[score.pk])
    assert client_for(supervisor).post(upload, {"file": SimpleUploadedFile("定额.pdf", PDF)}).status_code == 404
    client_for(reviewer).post(upload, {"file": SimpleUploadedFile("定额.pdf", PDF)})
    evidence = score.evidence.get()
    assert evidence.name == "定额.pdf"
    page = client_for(supervisor).get(reverse("campaigns:self_score", args=[score.pk])).content.decode()
    assert "定额.pdf" in page
    download = client_for(supervisor).get(reverse("campaigns:self_score_evidence", args=[evidence.pk]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    answer_all(assessment, reviewer)
    assessment.refresh_from_db()
    services.submit(assessment, user=reviewer, version=assessment.version)
    response = client_for(reviewer).post(reverse("campaigns:self_score_evidence_delete", args=[evidence.pk]),
                                         follow=True)
    assert "已提交" in response.content.decode()
    assert score.evidence.count() == 1


def test_submitting_on_the_page(creation, reviewer, client_for, values):
    assessment = answer_all(begin(creation, reviewer), reviewer)
    url = reverse("campaigns:self_assessment", args=[creation.pk])
    response = client_for(reviewer).post(url, {"action": "submit", "version": assessment.version}, follow=True)
    assert "自评已提交，本县（区）已申报" in response.content.decode()
    creation.refresh_from_db()
    assert creation.stage == Stage.DECLARED


def test_hostile_explanations_are_printed_as_text(creation, reviewer, supervisor, client_for, values):
    payload = '"><img src=x onerror=alert(1)><script>alert(1)</script>'
    assessment = begin(creation, reviewer)
    score = assessment.scores.get(indicator__number=19)
    services.save_score(score, user=reviewer, points=Decimal("7"), explanation=payload, version=assessment.version)
    with transaction.atomic():
        for url in (reverse("campaigns:self_assessment", args=[creation.pk]),
                    reverse("campaigns:self_score", args=[score.pk])):
            page = read(client_for(supervisor).get(url).content.decode())
            assert payload in page.text



def test_a_county_sent_back_to_planning_starts_again_with_its_answers(creation, reviewer, supervisor, values):
    assessment = answer_all(begin(creation, reviewer), reviewer)
    services.submit(assessment, user=reviewer, version=assessment.version)
    stages.return_to(creation, user=supervisor, to=Stage.PLANNED, reason="自评依据的数据有误")
    creation.refresh_from_db()
    again = begin(creation, reviewer)
    creation.refresh_from_db()
    assert again.pk == assessment.pk and not again.is_frozen and creation.stage == Stage.SELF_ASSESSMENT
    assert again.scores.count() == 21
    assert again.scores.get(indicator__number=5).explanation == "已落实，见佐证材料"
