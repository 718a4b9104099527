"""The stage machine of a county's creation record: one stage at a time, each by its role,
returns only with a reason, and who is late for their stage."""

from datetime import date

import pytest
from django.db import transaction

from campaigns import stages
from campaigns.models import Creation, Publicity, Recheck, SelfAssessment, Stage, StageStep
from core.workflow import EditConflict, TransitionRefused
from org.models import User
from org.scoping import visible_to
from tests.conftest import make_user


def move(creation, user, to, **extra):
    with transaction.atomic():
        return stages.advance(creation, user=user, to=to, **extra)


def test_the_county_starts_its_self_assessment_and_a_city_supervisor_may_not(creation, reviewer, supervisor):
    with pytest.raises(TransitionRefused, match="区县水行政主管部门"):
        move(creation, supervisor, Stage.SELF_ASSESSMENT)
    moved = move(creation, reviewer, Stage.SELF_ASSESSMENT)
    assert moved.stage == Stage.SELF_ASSESSMENT
    step = StageStep.objects.get(creation=creation)
    assert (step.from_stage, step.to_stage, step.taken_by) == (Stage.PLANNED, Stage.SELF_ASSESSMENT, reviewer)


def test_a_stage_cannot_be_skipped(creation, reviewer, supervisor):
    with pytest.raises(TransitionRefused):
        move(creation, reviewer, Stage.DECLARED)
    with pytest.raises(TransitionRefused):
        move(creation, supervisor, Stage.TECHNICAL)
    creation.refresh_from_db()
    assert creation.stage == Stage.PLANNED
    assert not StageStep.objects.exists()


def test_another_countys_reviewer_cannot_take_its_step(creation, outsider):
    with pytest.raises(TransitionRefused):
        move(creation, outsider, Stage.SELF_ASSESSMENT)


def test_declaring_needs_every_item_scored(creation, reviewer, county_standard):
    move(creation, reviewer, Stage.SELF_ASSESSMENT)
    SelfAssessment.objects.create(creation=creation, indicator_set=county_standard, year=creation.assessment_year)
    creation.self_assessment.scores.create(indicator=county_standard.indicators.first(), points=None)
    with pytest.raises(TransitionRefused, match="未填得分"):
        move(creation, reviewer, Stage.DECLARED)


def test_a_stale_page_cannot_move_the_record(creation, reviewer):
    with pytest.raises(EditConflict):
        move(creation, reviewer, Stage.SELF_ASSESSMENT, version=creation.version + 1)


def test_returning_needs_a_reason_and_the_city(creation, reviewer, supervisor):
    move(creation, reviewer, Stage.SELF_ASSESSMENT)
    with pytest.raises(TransitionRefused):
        stages.return_to(creation, user=supervisor, to=Stage.PLANNED, reason="  ")
    with pytest.raises(TransitionRefused):
        stages.return_to(creation, user=reviewer, to=Stage.PLANNED, reason="材料不全")
    back = stages.return_to(creation, user=supervisor, to=Stage.PLANNED, reason="材料不全")
    assert back.stage == Stage.PLANNED
    step = back.steps.last()
    assert step.is_return and step.reason == "材料不全"


def test_naming_waits_for_every_objection_to_be_settled(creation, supervisor):
    creation.stage = Stage.REPORTED
    creation.named_batch, creation.named_on, creation.named_document = "第二批", date(2020, 5, 1), "水节约〔2020〕1号"
    creation.save()
    publicity = Publicity.objects.create(creation=creation, starts_on=date(2020, 1, 1), ends_on=date(2020, 1, 7))
    objection = publicity.objections.create(received_on=date(2020, 1, 3), content="用水计量数据存疑")
    with pytest.raises(TransitionRefused, match="异议尚未处理"):
        move(creation, supervisor, Stage.NAMED)
    objection.settlement, objection.settled_on = "经核实数据无误", date(2020, 1, 10)
    objection.save()
    assert move(creation, supervisor, Stage.NAMED).stage == Stage.NAMED


def test_only_a_named_county_is_revoked_and_only_after_a_recheck(creation, supervisor):
    with pytest.raises(TransitionRefused):
        move(creation, supervisor, Stage.REVOKED)
    creation.stage = Stage.NAMED
    creation.save()
    with pytest.raises(TransitionRefused):
        move(creation, supervisor, Stage.REVOKED)
    Recheck.objects.create(creation=creation, checked_on=date(2025, 6, 1), outcome=Recheck.Outcome.REVOKED,
                           note="用水总量连续两年超控制指标")
    assert move(creation, supervisor, Stage.REVOKED).stage == Stage.REVOKED


def test_late_is_the_first_missed_deadline(creation):
    deadlines = {d.stage: d.due for d in creation.batch.deadlines.all()}
    declared = deadlines[Stage.DECLARED]
    assert stages.late(creation, deadlines, declared) is None  # on the day itself: not yet late
    assert stages.late(creation, deadlines, date.fromordinal(declared.toordinal() + 1)) == (Stage.DECLARED, declared)
    creation.stage = Stage.TECHNICAL
    assert stages.late(creation, deadlines, date.fromordinal(declared.toordinal() + 1)) is None


def test_scope_expert_sees_only_assigned_counties(creation, world, supervisor, reviewer, outsider, reporter):
    from campaigns.models import Expert, ExpertGroup, Membership

    expert_user = make_user("expert1", None, User.Role.EXPERT)
    other_user = make_user("expert2", None, User.Role.EXPERT)
    expert = Expert.objects.create(name="张教授", affiliation="重庆大学", user=expert_user)
    Expert.objects.create(name="李研究员", affiliation="西南大学", user=other_user)
    group = ExpertGroup.objects.create(creation=creation, formed_on=date(2026, 10, 1))
    Membership.objects.create(group=group, expert=expert, is_leader=True)
    assert list(visible_to(expert_user).creations()) == [creation]
    assert not visible_to(other_user).creations().exists()
    assert list(visible_to(supervisor).creations()) == [creation]
    assert list(visible_to(reviewer).creations(change=True)) == [creation]
    assert list(visible_to(reporter).creations()) == [creation]
    assert not visible_to(reporter).creations(change=True).exists()
    assert not visible_to(outsider).creations().exists()
    assert Creation.objects.count() == 1
