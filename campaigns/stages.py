"""Which stage follows which, who may take each step, and what must be in place first.

A county moves one stage at a time: the county's water bureau (a reviewer of the county)
starts and submits its self-assessment; everything after 申报 is the city's (a supervisor of
the campaign's region). Only the city returns a county to an earlier stage, always with a
reason; 撤销 comes only from a re-check of a named county. An administrator may take any
step. Each step is a ``StageStep`` row; the record's history keeps the rest."""

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.workflow import EditConflict, TransitionRefused

from .models import STAGE_ORDER, Creation, Rectification, Stage, StageStep, stage_rank

COUNTY = "county"
CITY = "city"

# The stage each stage leads to, and whose step it is.
NEXT = {
    Stage.PLANNED: Stage.SELF_ASSESSMENT,
    Stage.SELF_ASSESSMENT: Stage.DECLARED,
    Stage.DECLARED: Stage.TECHNICAL,
    Stage.TECHNICAL: Stage.ACCEPTANCE,
    Stage.ACCEPTANCE: Stage.PUBLICITY,
    Stage.PUBLICITY: Stage.REPORTED,
    Stage.REPORTED: Stage.NAMED,
    Stage.NAMED: Stage.RECHECKED,
}
ACTOR = {
    Stage.SELF_ASSESSMENT: COUNTY,
    Stage.DECLARED: COUNTY,
    Stage.TECHNICAL: CITY,
    Stage.ACCEPTANCE: CITY,
    Stage.PUBLICITY: CITY,
    Stage.REPORTED: CITY,
    Stage.NAMED: CITY,
    Stage.RECHECKED: CITY,
    Stage.REVOKED: CITY,
}


def is_city_actor(user, campaign):
    """A supervisor of the campaign's region (or of a region above it), or an administrator."""
    if user.is_administrator:
        return True
    if user.role != user.Role.SUPERVISOR or user.department_id is None:
        return False
    home = user.department.region_id
    region = campaign.region
    return home in (region.pk, region.parent_id, region.parent.parent_id if region.parent_id else None)


def is_county_actor(user, creation):
    """A reviewer of the creating county's own bureau, or an administrator."""
    if user.is_administrator:
        return True
    return (user.role == user.Role.REVIEWER and user.department_id is not None
            and user.department.region_id == creation.region_id)


def may_take(user, creation, to):
    actor = ACTOR.get(to)
    if actor == COUNTY:
        return is_county_actor(user, creation)
    if actor == CITY:
        return is_city_actor(user, creation.campaign)
    return False


def next_stage(creation):
    return NEXT.get(creation.stage)


def problems(creation, to, on):
    """What stops ``creation`` from entering ``to`` on ``on``: sentences, empty when nothing does."""
    found = []
    if to == Stage.DECLARED:
        assessment = getattr(creation, "self_assessment", None)
        if assessment is None:
            found.append(_("The self-assessment has not been started."))
        else:
            missing = [score.indicator for score in assessment.scores.select_related("indicator")
                       if score.points is None]
            if missing:
                found.append(_("%(count)d items of the self-assessment have no points: %(items)s.") % {
                    "count": len(missing), "items": "、".join(f"{i.number}. {i.name}" for i in missing[:5])})
    elif to == Stage.TECHNICAL:
        group = getattr(creation, "expert_group", None)
        if group is None or not group.members.exists():
            found.append(_("Assign an expert group with at least one expert first."))
        elif not group.members.filter(is_leader=True).exists():
            found.append(_("Name the group's leader first."))
    elif to == Stage.ACCEPTANCE:
        group = getattr(creation, "expert_group", None)
        if group is None or group.concluded_at is None:
            found.append(_("The expert group has not concluded its assessment."))
    elif to == Stage.PUBLICITY:
        acceptance = getattr(creation, "acceptance", None)
        if acceptance is None or not acceptance.conclusion:
            found.append(_("Record the on-site acceptance and its conclusion first."))
        elif acceptance.conclusion == acceptance.Conclusion.FAILED:
            found.append(_("The county did not pass the on-site acceptance."))
        else:
            still = acceptance.rectifications.exclude(state=Rectification.State.CLOSED).count()
            if still:
                found.append(_("%(count)d rectification items are not closed yet.") % {"count": still})
        if getattr(creation, "publicity", None) is None:
            found.append(_("Set the publicity's dates first."))
    elif to in (Stage.REPORTED, Stage.NAMED):
        publicity = getattr(creation, "publicity", None)
        if publicity is None:
            found.append(_("The county has not been publicised."))
        else:
            if to == Stage.REPORTED and publicity.ends_on >= on:
                found.append(_("The publicity runs until %(date)s.") % {"date": date_format(publicity.ends_on)})
            open_count = publicity.objections.filter(settled_on__isnull=True).count()
            if open_count:
                found.append(_("%(count)d objections received during the publicity are not settled.")
                             % {"count": open_count})
        if to == Stage.NAMED and not (creation.named_batch and creation.named_on and creation.named_document):
            found.append(_("Give the naming batch, date and document number."))
    elif to in (Stage.RECHECKED, Stage.REVOKED) and not creation.rechecks.exists():
        found.append(_("Record the re-check first."))
    return found


def _stored(creation, version):
    stored = (Creation.objects.select_for_update(of=("self",)).select_related("campaign__region__parent")
              .get(pk=creation.pk))
    if version is not None and stored.version != version:
        raise EditConflict(stored)
    return stored


def _step(stored, *, to, user, on, reason="", document=""):
    StageStep.objects.create(creation=stored, from_stage=stored.stage, to_stage=to, taken_on=on, taken_by=user,
                             reason=reason, document=document)
    stored.stage = to
    stored.stage_since = on
    stored.version += 1
    stored._history_user = user
    stored.save()
    return stored


def advance(creation, *, user, to, on=None, version=None, document="", reason=""):
    """Move ``creation`` to ``to``, the stage after its current one (call inside a
    transaction; the services that prepare each stage do). Refused, with nothing written,
    when the stage is not the next, the user may not take it, or something is missing."""
    on = on or timezone.localdate()
    stored = _stored(creation, version)
    expected = Stage.REVOKED if to == Stage.REVOKED else NEXT.get(stored.stage)
    if to == Stage.REVOKED and stored.stage not in (Stage.NAMED, Stage.RECHECKED):
        raise TransitionRefused(_("Only a named county can have its name revoked."))
    if to == Stage.RECHECKED and stored.stage == Stage.RECHECKED:
        expected = Stage.RECHECKED  # a county is re-checked again every few years
    if to != expected:
        raise TransitionRefused(_("%(county)s is at %(stage)s: the next step is %(next)s, not %(to)s.") % {
            "county": stored.region, "stage": stored.get_stage_display(),
            "next": Stage(expected).label if expected else "—", "to": Stage(to).label})
    if not may_take(user, stored, to):
        raise TransitionRefused(_("%(stage)s is taken by %(actor)s.") % {
            "stage": Stage(to).label,
            "actor": _("the county's water bureau") if ACTOR[to] == COUNTY else _("the city's water bureau")})
    found = problems(stored, to, on)
    if found:
        raise TransitionRefused("".join(found))
    return _step(stored, to=to, user=user, on=on, reason=reason, document=document)


def return_to(creation, *, user, to, reason, version=None, on=None):
    """Send ``creation`` back to an earlier stage, with the reason; the city's step."""
    if not (reason or "").strip():
        raise TransitionRefused(_("Say why the county goes back to an earlier stage."))
    on = on or timezone.localdate()
    with transaction.atomic():
        stored = _stored(creation, version)
        if not is_city_actor(user, stored.campaign):
            raise TransitionRefused(_("Only the city's water bureau returns a county to an earlier stage."))
        if stored.stage == Stage.REVOKED or to == Stage.REVOKED or stage_rank(to) >= stage_rank(stored.stage):
            raise TransitionRefused(_("%(to)s is not an earlier stage than %(stage)s.") % {
                "to": Stage(to).label, "stage": stored.get_stage_display()})
        if stage_rank(to) < stage_rank(Stage.DECLARED):
            assessment = getattr(stored, "self_assessment", None)
            if assessment is not None and assessment.is_frozen:
                # Reopened for the county to correct: its submission stays in the history.
                assessment.submitted_at = None
                assessment.submitted_by = None
                assessment.version += 1
                assessment._history_user = user
                assessment.save()
        return _step(stored, to=to, user=user, on=on, reason=reason.strip())


def late(creation, deadlines, today):
    """The first stage ``creation`` should have reached by ``today`` and has not, with its
    due date, from the batch's ``deadlines`` ({stage: date}); None when on time."""
    if creation.stage == Stage.REVOKED:
        return None
    for stage in STAGE_ORDER:
        due = deadlines.get(stage)
        if due is not None and due < today and creation.rank < stage_rank(stage):
            return stage, due
    return None

