"""What the pages of 自评 and 技术评估 read: the self-assessment's rows and total against the
pass score, the group's table of scores (each member's, the mean or the consensus), an
expert's assignments and the summary the creation page shows."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from core.numbers import plain
from indicators.models import ComputedValue
from indicators.scoring_rules import allowed_points
from org.scoping import visible_to

from . import stages
from .models import Membership, SelfAssessment, Stage, group_mean
from .services.experts import may_lead, may_see_scores

ZERO = Decimal("0")


def shortfall(total, needed, *, label):
    """“自评得分88分，少于达标要求的90分，差2分” (``label`` names whose points they are)."""
    if needed is None:
        return _("%(label)s %(total)s points.") % {"label": label, "total": plain(total)}
    if total >= needed:
        return _("%(label)s %(total)s points, reaching the pass score of %(needed)s.") % {
            "label": label, "total": plain(total), "needed": plain(needed)}
    return _("%(label)s %(total)s points, below the pass score of %(needed)s by %(short)s.") % {
        "label": label, "total": plain(total), "needed": plain(needed), "short": plain(needed - total)}


# --- 自评 ------------------------------------------------------------------------------------


@dataclass
class SelfRow:
    score: object
    indicator: object
    allowed: str  # what the rule allows, in words
    lineage_url_pk: int | None  # the live computed value the user may open, if any
    files: list = field(default_factory=list)


@dataclass
class SelfSummary:
    assessment: object
    rows: list
    total: Decimal
    needed: Decimal | None
    full: Decimal
    missing: list  # rows without points, or answered by hand without an explanation
    sentence: str

    @property
    def passes(self):
        return self.needed is None or self.total >= self.needed


def readable_lineage(score, user):
    """The pk of the live computed value behind ``score`` when ``user`` may open its lineage
    (the county's people and the city; an expert reads the copy kept with the score)."""
    pk = score.lineage.get("computed_value")
    if not pk:
        return None
    found = visible_to(user).filter(ComputedValue.objects.filter(pk=pk), region="region").exists()
    return pk if found else None


def self_assessment(assessment, user):
    """The rows of ``assessment`` in the standard's order, with what ``user`` may open."""
    scores = list(assessment.scores.select_related("indicator").prefetch_related("evidence__uploaded_by")
                  .order_by("indicator__number"))
    linked = [score.lineage.get("computed_value") for score in scores if score.lineage.get("computed_value")]
    readable = set(visible_to(user).filter(ComputedValue.objects.filter(pk__in=linked), region="region")
                   .values_list("pk", flat=True))
    rows = []
    for score in scores:
        indicator = score.indicator
        pk = score.lineage.get("computed_value")
        rows.append(SelfRow(score, indicator, allowed_points(indicator.scoring, full=indicator.points).text,
                            pk if pk in readable else None, list(score.evidence.all())))
    total = sum((row.score.points or ZERO for row in rows), ZERO)
    needed = assessment.indicator_set.min_points
    missing = [row for row in rows if row.score.points is None
               or (not row.score.computed and not row.score.explanation.strip())]
    sentence = shortfall(total, needed, label=_("Self-assessed"))
    if missing:
        sentence += _(" %(count)d items are not answered yet.") % {"count": len(missing)}
    return SelfSummary(assessment, rows, total, needed, sum((row.indicator.points for row in rows), ZERO), missing,
                       sentence)


# --- 技术评估 ---------------------------------------------------------------------------------


@dataclass
class GroupRow:
    indicator: object
    self_points: Decimal | None
    points: list  # each shown member's points (None: not scored), in ``GroupTable.shown`` order
    reasons: list  # (name, reason) of each shown member
    mean: Decimal | None
    consensus: object  # GroupScore or None
    allowed: str

    @property
    def group_points(self):
        return self.consensus.points if self.consensus is not None else self.mean


@dataclass
class GroupTable:
    group: object
    members: list  # every Membership
    shown: list  # the members whose scores the viewer sees (submitted ones, for one who may see)
    rows: list
    total: Decimal | None
    needed: Decimal | None
    sees_scores: bool
    may_lead: bool

    @property
    def all_submitted(self):
        return bool(self.members) and all(member.is_submitted for member in self.members)

    @property
    def submitted_count(self):
        return sum(1 for member in self.members if member.is_submitted)

    @property
    def passes(self):
        return self.total is not None and (self.needed is None or self.total >= self.needed)

    @property
    def sentence(self):
        if self.total is None:
            return _("No expert has submitted scores yet.")
        return shortfall(self.total, self.needed, label=_("The group scored"))

    @property
    def lost(self):
        """The rows whose group score is below the item's full points."""
        return [row for row in self.rows if row.group_points is not None and row.group_points < row.indicator.points]


def group_table(group, user, membership=None, *, everything=False):
    """The scores of ``group`` as ``user`` may see them: each submitted member's points, the
    mean, the consensus. ``everything``: as the city sees it (for the Word opinion)."""
    sees = everything or may_see_scores(user, group, membership)
    members = list(group.members.select_related("expert__user").order_by("-is_leader", "expert__name"))
    shown = [member for member in members if member.is_submitted] if sees else []
    indicators = list(group.creation.campaign.indicator_set.indicators.order_by("number"))
    scores = {}
    for member in shown:
        for score in member.scores.all():
            scores[member.pk, score.indicator_id] = score
    consensus = {row.indicator_id: row for row in group.consensus.select_related("recorded_by")} if sees else {}
    assessment = SelfAssessment.objects.filter(creation=group.creation_id).first()
    own = dict(assessment.scores.values_list("indicator", "points")) if assessment else {}
    rows = []
    for indicator in indicators:
        given = [scores.get((member.pk, indicator.pk)) for member in shown]
        points = [score.points if score else None for score in given]
        reasons = [(member.expert.name, score.reason if score else "")
                   for member, score in zip(shown, given, strict=True)]
        allowed = allowed_points(indicator.scoring, full=indicator.points).text
        rows.append(GroupRow(indicator, own.get(indicator.pk), points, reasons, group_mean(points),
                             consensus.get(indicator.pk), allowed))
    total = sum((row.group_points for row in rows if row.group_points is not None), ZERO) if shown else None
    return GroupTable(group, members, shown, rows, total, group.creation.campaign.indicator_set.min_points, sees,
                      may_lead(user, group, membership) and not everything)


def draft_opinion(table):
    """The group's opinion drafted from the scores and the members' opinions, for the
    leader to edit."""
    creation = table.group.creation
    parts = [_("The group assessed %(county)s under %(standard)s and scored it %(total)s points (pass score "
               "%(needed)s).") % {"county": creation.region.name,
                                  "standard": f"《{creation.campaign.indicator_set.name}》",
                                  "total": plain(table.total or ZERO), "needed": plain(table.needed) or "—"}]
    if table.lost:
        parts.append(_("Points were lost on: %(items)s.") % {"items": "；".join(
            f"{row.indicator.name}（{plain(row.group_points)}/{plain(row.indicator.points)}）" for row in table.lost)})
    for member in table.shown:
        if member.opinion:
            parts.append(f"{member.expert.name}：{member.opinion}")
    parts.append(_("The group considers that the county passes the technical assessment.") if table.passes
                 else _("The group considers that the county does not pass the technical assessment yet."))
    return "\n".join(parts)


# --- an expert's work ---------------------------------------------------------------------------


def assignments_of(user):
    """The memberships of ``user``'s expert record, the counties to assess first."""
    return list(Membership.objects.filter(expert__user=user)
                .select_related("group__creation__region", "group__creation__campaign", "expert")
                .order_by("submitted_at", "-group__creation__stage_since", "group__creation__region__code"))


def membership_of(user, creation):
    if not user.is_authenticated:
        return None
    return (Membership.objects.filter(group__creation=creation, expert__user=user)
            .select_related("group__creation__campaign__indicator_set", "expert").first())


# --- the creation page's panel -----------------------------------------------------------------


def panel(creation, user):
    """What the creation page says of 自评 and 技术评估, with the links ``user`` may follow."""
    assessment = SelfAssessment.objects.filter(creation=creation).select_related("indicator_set").first()
    group = getattr(creation, "expert_group", None)
    membership = membership_of(user, creation) if group is not None else None
    city = stages.is_city_actor(user, creation.campaign)
    summary = self_assessment(assessment, user) if assessment is not None else None
    table = group_table(group, user, membership) if group is not None else None
    return {
        "assessment": assessment, "summary": summary, "group": group, "table": table, "membership": membership,
        "can_start": creation.stage == Stage.PLANNED and stages.is_county_actor(user, creation),
        "can_form_group": city, "sees_group": city or (membership is not None and
                                                        (membership.is_leader or membership.is_submitted)),
    }
