"""技术评估: the city's register of experts and their sign-in accounts, the group it assigns to
a county, each expert's scores and opinion, the leader's consensus and the group's
conclusion.

An expert's scores are theirs alone until they submit them; after that nothing of them
changes. The group's score of an item is the mean of the submitted members' points, or the
consensus the leader recorded (dissent kept as written); once the group concludes, its
scores, consensus and opinion are final."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.numbers import plain
from core.workflow import EditConflict, TransitionRefused
from org.models import User

from .. import stages
from ..models import Creation, ExpertGroup, ExpertScore, GroupScore, Membership, Stage
from .self_assessment import check_points

REASON_LIMIT = 2000


# --- the register ----------------------------------------------------------------------------


def may_keep_register(user):
    """City supervisors and administrators keep the register of experts."""
    return user.is_authenticated and (user.is_administrator or user.role == User.Role.SUPERVISOR)


def save_expert(expert, *, user):
    expert.full_clean(exclude=["user"])
    expert._history_user = user
    expert.save()
    return expert


def create_account(expert, *, username, password, user):
    """A sign-in account of the expert role, without a department, for ``expert``; the
    password was checked by the form against the project's password validators."""
    with transaction.atomic():
        stored = type(expert).objects.select_for_update().get(pk=expert.pk)
        if stored.user_id is not None:
            raise TransitionRefused(_("%(name)s already signs in as %(username)s.") % {
                "name": stored.name, "username": stored.user.username})
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": _("The username %(username)s is taken.") % {"username": username}})
        account = User(username=username, role=User.Role.EXPERT, department=None, display_name=stored.name[:50])
        account.set_password(password)
        account.save()
        stored.user = account
        stored._history_user = user
        stored.save()
        return account


# --- the group -------------------------------------------------------------------------------


def _require_group_open(group):
    if group is not None and group.concluded_at is not None:
        raise TransitionRefused(_("The expert group concluded its assessment on %(date)s; it no longer changes.")
                                % {"date": date_format(timezone.localtime(group.concluded_at).date())})


def save_group(creation, *, user, formed_on, assessed_on, experts, leader):
    """Assign the group of ``experts`` (``leader`` among them) to the county, or change it.
    The city forms it once the county has declared, until the group concludes; an expert who
    has scored stays in it."""
    experts = list(experts)
    if not experts:
        raise ValidationError({"experts": _("Choose at least one expert.")})
    if leader is None or leader not in experts:
        raise ValidationError({"leader": _("The leader must be one of the group's experts.")})
    with transaction.atomic():
        stored = (Creation.objects.select_for_update(of=("self",)).select_related("campaign__region__parent")
                  .get(pk=creation.pk))
        if not stages.is_city_actor(user, stored.campaign):
            raise TransitionRefused(_("Only the city's water bureau assigns the expert group."))
        if stored.stage not in (Stage.DECLARED, Stage.TECHNICAL):
            raise TransitionRefused(_("The expert group is assigned once the county has declared, and changed "
                                      "until the technical assessment ends; %(county)s is at %(stage)s.") % {
                "county": stored.region, "stage": stored.get_stage_display()})
        group = ExpertGroup.objects.select_for_update().filter(creation=stored).first()
        _require_group_open(group)
        if group is None:
            group = ExpertGroup(creation=stored)
        group.formed_on, group.assessed_on = formed_on, assessed_on
        group._history_user = user
        group.save()
        kept = {expert.pk for expert in experts}
        leaving = list(group.members.exclude(expert__in=kept).select_related("expert"))
        scored = [member for member in leaving if member.is_submitted or member.scores.exists()]
        if scored:
            raise TransitionRefused(_("%(names)s already scored the county and stay in the group.") % {
                "names": "、".join(member.expert.name for member in scored)})
        for member in leaving:
            member.delete()
        group.members.filter(is_leader=True).exclude(expert=leader).update(is_leader=False)
        present = set(group.members.values_list("expert", flat=True))
        for expert in experts:
            if expert.pk not in present:
                Membership.objects.create(group=group, expert=expert, is_leader=expert.pk == leader.pk)
        group.members.filter(expert=leader, is_leader=False).update(is_leader=True)
        return group


def start_technical(creation, *, user, version):
    """申报 → 技术评估: the group (members and leader) must be in place."""
    with transaction.atomic():
        return stages.advance(creation, user=user, to=Stage.TECHNICAL, version=version)


# --- an expert's scores ----------------------------------------------------------------------


@dataclass
class Entry:
    """What an expert gave one item: points (None: not yet) and the reason."""

    indicator: object
    points: Decimal | None
    reason: str


class ScoresRefused(ValueError):
    """Some entries break their item's rule; ``errors`` maps indicator ids to {field: message}.
    Nothing was saved."""

    def __init__(self, errors, general=()):
        super().__init__("scores refused")
        self.errors = errors
        self.general = list(general)


def entry_problems(indicator, points, reason):
    """{field: message} of what is wrong with one entry (empty when nothing is)."""
    problems = {}
    if points is None:
        return problems
    try:
        check_points(indicator, points)
    except ValidationError as error:
        problems["points"] = error.messages[0]
        return problems
    if points < indicator.points and not (reason or "").strip():
        problems["reason"] = _("Say why %(item)s loses points (%(points)s of %(full)s).") % {
            "item": indicator.name, "points": plain(points), "full": plain(indicator.points)}
    elif len(reason or "") > REASON_LIMIT:
        problems["reason"] = _("Keep the reason under %(limit)d characters.") % {"limit": REASON_LIMIT}
    return problems


def _locked_membership(membership, version):
    stored = (Membership.objects.select_for_update(of=("self",)).select_related("group__creation", "expert")
              .get(pk=membership.pk))
    if version is not None and stored.version != version:
        raise EditConflict(stored)
    return stored


def require_scoring_open(membership):
    if membership.is_submitted:
        raise TransitionRefused(_("You submitted your scores on %(date)s; they no longer change.") % {
            "date": date_format(timezone.localtime(membership.submitted_at).date())})
    _require_group_open(membership.group)
    creation = membership.group.creation
    if creation.stage != Stage.TECHNICAL:
        raise TransitionRefused(_("%(county)s is at %(stage)s: experts score during the technical assessment.") % {
            "county": creation.region, "stage": creation.get_stage_display()})


def save_scores(membership, *, user, entries, opinion, version, submit=False):
    """Save the expert's ``entries`` (those with points None clear the item) and opinion,
    as a draft or, with ``submit``, as final: then every item needs points and the opinion
    must be written. All or nothing; ``ScoresRefused`` names each entry in the wrong."""
    opinion = (opinion or "").strip()
    with transaction.atomic():
        stored = _locked_membership(membership, version)
        require_scoring_open(stored)
        indicators = list(stored.group.creation.campaign.indicator_set.indicators.order_by("number"))
        known = {indicator.pk for indicator in indicators}
        errors = {}
        for entry in entries:
            if entry.indicator.pk not in known:
                raise TransitionRefused(_("%(item)s is not an item of the county's standard.") % {
                    "item": entry.indicator})
            found = entry_problems(entry.indicator, entry.points, entry.reason)
            if found:
                errors[entry.indicator.pk] = found
        general = []
        if submit:
            given = {entry.indicator.pk: entry for entry in entries}
            stored_points = dict(stored.scores.values_list("indicator", "points"))
            blank = [indicator for indicator in indicators
                     if (given[indicator.pk].points if indicator.pk in given else stored_points.get(indicator.pk))
                     is None]
            for indicator in blank:
                errors.setdefault(indicator.pk, {})["points"] = _("Score %(item)s before submitting.") % {
                    "item": indicator.name}
            if not opinion:
                general.append(_("Write your overall opinion before submitting."))
        if errors or general:
            raise ScoresRefused(errors, general)
        for entry in entries:
            if entry.points is None:
                stored.scores.filter(indicator=entry.indicator).delete()
                continue
            score = stored.scores.filter(indicator=entry.indicator).first() or \
                ExpertScore(membership=stored, indicator=entry.indicator)
            if score.pk and score.points == entry.points and score.reason == entry.reason.strip():
                continue
            score.points, score.reason = entry.points, entry.reason.strip()
            score._history_user = user
            score.save()
        stored.opinion = opinion
        if submit:
            stored.submitted_at = timezone.now()
        stored.version += 1
        stored._history_user = user
        stored.save()
        return stored


# --- the group's scores ----------------------------------------------------------------------


def may_see_scores(user, group, membership=None):
    """Whether ``user`` sees the members' scores of ``group``: the city, and a member once
    they have submitted their own."""
    if stages.is_city_actor(user, group.creation.campaign):
        return True
    return membership is not None and membership.is_submitted


def may_lead(user, group, membership=None):
    """The leader (once they submitted their own scores) or the city records the consensus
    and concludes."""
    if stages.is_city_actor(user, group.creation.campaign):
        return True
    return membership is not None and membership.is_leader and membership.is_submitted



def _require_all_submitted(group):
    waiting = [member.expert.name for member in group.members.select_related("expert") if not member.is_submitted]
    if waiting:
        raise TransitionRefused(_("Waiting for the scores of %(names)s.") % {"names": "、".join(waiting)})


def record_consensus(group, *, indicator, user, points, note, dissent, membership=None):
    """The group's agreed points for one item, replacing the mean, with how it agreed and
    any dissent as written."""
    note, dissent = (note or "").strip(), (dissent or "").strip()
    with transaction.atomic():
        stored = (ExpertGroup.objects.select_for_update(of=("self",)).select_related("creation__campaign")
                  .get(pk=group.pk))
        if not may_lead(user, stored, membership):
            raise TransitionRefused(_("The group's leader or the city's water bureau records the consensus."))
        _require_group_open(stored)
        _require_all_submitted(stored)
        errors = {}
        if points is None:
            errors["points"] = _("Give the points the group agreed on.")
        else:
            try:
                check_points(indicator, points)
            except ValidationError as error:
                errors["points"] = error.messages[0]
        if not note:
            errors["note"] = _("Say how the group agreed on these points.")
        if errors:
            raise ValidationError(errors)
        consensus = GroupScore.objects.filter(group=stored, indicator=indicator).first() or \
            GroupScore(group=stored, indicator=indicator)
        consensus.points, consensus.note, consensus.dissent, consensus.recorded_by = points, note, dissent, user
        consensus._history_user = user
        consensus.save()
        return consensus


def remove_consensus(group, *, indicator, user, membership=None):
    """Go back to the mean for one item."""
    with transaction.atomic():
        stored = (ExpertGroup.objects.select_for_update(of=("self",)).select_related("creation__campaign")
                  .get(pk=group.pk))
        if not may_lead(user, stored, membership):
            raise TransitionRefused(_("The group's leader or the city's water bureau records the consensus."))
        _require_group_open(stored)
        GroupScore.objects.filter(group=stored, indicator=indicator).delete()


def conclude(group, *, user, opinion, membership=None):
    """The group's opinion, written (or edited from the draft) by the leader or the city;
    after it nothing of the assessment changes and the city may send the county on to 现场验收."""
    opinion = (opinion or "").strip()
    with transaction.atomic():
        stored = (ExpertGroup.objects.select_for_update(of=("self",)).select_related("creation__campaign")
                  .get(pk=group.pk))
        if not may_lead(user, stored, membership):
            raise TransitionRefused(_("The group's leader or the city's water bureau concludes the assessment."))
        _require_group_open(stored)
        if stored.creation.stage != Stage.TECHNICAL:
            raise TransitionRefused(_("%(county)s is at %(stage)s: the group concludes during the technical "
                                      "assessment.") % {"county": stored.creation.region,
                                                        "stage": stored.creation.get_stage_display()})
        _require_all_submitted(stored)
        if not opinion:
            raise ValidationError({"opinion": _("Write the group's opinion.")})
        stored.opinion, stored.concluded_at, stored.concluded_by = opinion, timezone.now(), user
        stored._history_user = user
        stored.save()
        return stored
