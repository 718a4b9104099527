"""Reads of the campaign: how far the goal is (counties named, in progress, planned, by batch
year), who is late for their stage, the supervisor's home panel, the figures a funding
suggestion weighs and the facts the annual summary is written from. Each reads a fixed
number of queries whatever the number of counties."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from django.db.models import Prefetch, Q
from django.utils import timezone

from carriers.models import MonitoringRule, UserYear
from org.models import Region

from . import stages
from .models import (
    STAGE_ORDER,
    Batch,
    BatchDeadline,
    Campaign,
    Creation,
    ExpertGroup,
    ExpertScore,
    GroupScore,
    SelfScore,
    Stage,
    group_mean,
    stage_rank,
)

NAMED_STAGES = (Stage.NAMED, Stage.RECHECKED)
# Between the plan and the name: 自评 … 报上级复核.
IN_PROGRESS_STAGES = tuple(stage for stage in STAGE_ORDER if stage_rank(Stage.PLANNED) < stage_rank(stage)
                           < stage_rank(Stage.NAMED))


def counties_q(region, prefix=""):
    """The county-level regions under ``region``: the goal's denominator."""
    return Q(**{f"{prefix}level": Region.Level.COUNTY}) & (
        Q(**{f"{prefix}parent": region.pk}) | Q(**{f"{prefix}parent__parent": region.pk}))


def counties_under(region):
    return Region.objects.filter(counties_q(region)).order_by("code")


def goal_needs(*, counties, share=None, count=None):
    """How many counties the goal needs: the share of ``counties`` rounded up (30% of 38 is
    11.4, so 12; 30% of 10 is exactly 3) and the count, whichever is more; None without
    either."""
    needs = []
    if share is not None:
        exact = Decimal(share) * counties / 100
        needs.append(int(exact.to_integral_value(rounding=ROUND_CEILING)))
    if count is not None:
        needs.append(count)
    return max(needs) if needs else None


@dataclass
class YearRow:
    """One batch year: its counties by where they stand, and the named so far up to it."""

    batch: Batch
    named: int = 0
    in_progress: int = 0
    planned: int = 0
    revoked: int = 0
    cumulative_named: int = 0
    cumulative_counties: int = 0

    @property
    def year(self):
        return self.batch.year

    @property
    def counties(self):
        return self.named + self.in_progress + self.planned + self.revoked


@dataclass
class Late:
    creation: Creation
    stage: str
    due: object

    @property
    def stage_label(self):
        return Stage(self.stage).label


@dataclass
class Progress:
    """How far a campaign is, as of ``today``."""

    campaign: Campaign
    counties: int  # the goal's denominator: the official count, else the county-level regions entered
    entered: int  # county-level regions entered in the portal under the campaign's region
    needed: int | None
    creations: list
    years: list  # [YearRow], by batch year
    late: list  # [Late]
    today: object

    @property
    def named(self):
        return sum(1 for creation in self.creations if creation.stage in NAMED_STAGES)

    @property
    def in_progress(self):
        return sum(1 for creation in self.creations if creation.stage in IN_PROGRESS_STAGES)

    @property
    def planned(self):
        return sum(1 for creation in self.creations if creation.stage == Stage.PLANNED)

    @property
    def revoked(self):
        return sum(1 for creation in self.creations if creation.stage == Stage.REVOKED)

    @property
    def still_needed(self):
        """Counties still to be named for the goal (0 once it is met)."""
        return None if self.needed is None else max(0, self.needed - self.named)

    @property
    def unplanned(self):
        """Counties the goal needs that no batch plans yet: needed − (named + in progress + planned)."""
        if self.needed is None:
            return None
        return max(0, self.needed - self.named - self.in_progress - self.planned)

    @property
    def percent(self):
        """Named, as a whole percentage of what the goal needs (for the progress bar)."""
        if not self.needed:
            return 100 if self.needed == 0 else 0
        return min(100, round(self.named * 100 / self.needed))

    @property
    def met(self):
        return self.needed is not None and self.named >= self.needed

    @property
    def late_ids(self):
        return {row.creation.pk for row in self.late}


def _deadlines(batch_ids):
    """{batch id: {stage: due}}."""
    found = defaultdict(dict)
    for batch_id, stage, due in BatchDeadline.objects.filter(batch__in=batch_ids).values_list("batch", "stage", "due"):
        found[batch_id][stage] = due
    return found


def _county_counts(regions):
    """{region id: how many county-level regions lie under it}, in one query."""
    ids = [region.pk for region in regions]
    counts = dict.fromkeys(ids, 0)
    rows = Region.objects.filter(Q(parent__in=ids) | Q(parent__parent__in=ids), level=Region.Level.COUNTY)
    for parent, grandparent in rows.values_list("parent", "parent__parent"):
        for above in {parent, grandparent}:
            if above in counts:
                counts[above] += 1
    return counts


def progress_of(campaigns, today, *, creations=None):
    """{campaign id: Progress} of ``campaigns`` in four queries, whatever their number of
    counties; ``creations``: the records to count instead of the stored ones (as they stood on
    an earlier day, ``as_they_stood``)."""
    campaigns = list(campaigns)
    if not campaigns:
        return {}
    counts = _county_counts({campaign.region for campaign in campaigns})
    batches = defaultdict(list)
    for batch in Batch.objects.filter(campaign__in=campaigns).order_by("year"):
        batches[batch.campaign_id].append(batch)
    deadlines = _deadlines([batch.pk for found in batches.values() for batch in found])
    found = creations
    if found is None:
        found = (Creation.objects.filter(campaign__in=campaigns).select_related("region", "batch")
                 .order_by("batch__year", "region__code"))
    creations = defaultdict(list)
    for creation in found:
        creations[creation.campaign_id].append(creation)
    result = {}
    for campaign in campaigns:
        own = creations[campaign.pk]
        years = {batch.pk: YearRow(batch) for batch in batches[campaign.pk]}
        late = []
        for creation in own:
            row = years[creation.batch_id]
            if creation.stage in NAMED_STAGES:
                row.named += 1
            elif creation.stage == Stage.REVOKED:
                row.revoked += 1
            elif creation.stage == Stage.PLANNED:
                row.planned += 1
            else:
                row.in_progress += 1
            found = stages.late(creation, deadlines.get(creation.batch_id, {}), today)
            if found is not None:
                late.append(Late(creation, *found))
        named = counties = 0
        for row in years.values():
            named += row.named
            counties += row.counties
            row.cumulative_named, row.cumulative_counties = named, counties
        # The official count when the campaign gives it (the portal may hold only some counties yet).
        entered = counts[campaign.region_id]
        total = campaign.county_total or entered
        result[campaign.pk] = Progress(
            campaign=campaign, counties=total, entered=entered,
            needed=goal_needs(counties=total, share=campaign.goal_share, count=campaign.goal_count),
            creations=own, years=list(years.values()), late=late, today=today)
    return result


def progress(campaign, today, *, creations=None):
    return progress_of([campaign], today, creations=creations)[campaign.pk]


def as_they_stood(creations, day):
    """``creations`` (with their steps prefetched, ``creations_with_steps``) as they stood at
    the end of ``day``, each at the stage its last step up to that day took it to. Before any
    step a record is at the stage it was entered at (计划创建, or 命名 for a county named before
    the campaign came to the portal), and counts only if its batch is of that year or the next
    (a campaign plans a year ahead; a record entered later for a past batch still counts).
    Copies, never saved: a summary of a past year says what was so then."""
    if day >= timezone.localdate():
        return list(creations)  # as they stand now: the stored stages
    first = dict(Creation.history.filter(id__in=[c.pk for c in creations], history_type="+")
                 .values_list("id", "stage"))
    stood = []
    for creation in creations:
        steps = [step for step in creation.steps.all() if step.taken_on <= day]
        if not steps and creation.batch.year > day.year + 1:
            continue
        copy = copy_of(creation)
        copy.stage = steps[-1].to_stage if steps else first.get(creation.pk, Stage.PLANNED)
        copy.stage_since = steps[-1].taken_on if steps else copy.stage_since
        stood.append(copy)
    return stood


def copy_of(creation):
    """An unsaved copy sharing the prefetched relations (region, batch, steps)."""
    copy = Creation(**{field.attname: getattr(creation, field.attname) for field in Creation._meta.concrete_fields})
    copy._state.fields_cache = dict(creation._state.fields_cache)
    copy._prefetched_objects_cache = getattr(creation, "_prefetched_objects_cache", {})
    return copy


def deadlines_of(batch):
    """The batch's deadlines as {stage: due}."""
    return _deadlines([batch.pk]).get(batch.pk, {})


# --- the supervisor's home ---------------------------------------------------------------------

HOME_CAMPAIGNS = 5  # a supervisor runs one or two; an administrator sees the first few


@dataclass
class CountyLine:
    """A county reviewer's own creation record, and whether it is late for its stage."""

    creation: Creation
    late: Late | None


@dataclass
class Home:
    progresses: list = field(default_factory=list)
    more: int = 0  # campaigns not shown
    own: list = field(default_factory=list)  # [CountyLine] for a county's reviewer

    def __bool__(self):
        return bool(self.progresses or self.own)


def home(scope, today):
    """What the home page says about the campaign: for a supervisor or an administrator each
    campaign's progress; for a county's reviewer the county's own record(s)."""
    if scope.is_admin or scope.role == "supervisor":
        campaigns = list(scope.campaigns().order_by("region__code", "-goal_year")[:HOME_CAMPAIGNS + 1])
        shown = campaigns[:HOME_CAMPAIGNS]
        found = progress_of(shown, today)
        return Home(progresses=[found[campaign.pk] for campaign in shown], more=len(campaigns) - len(shown))
    if scope.role == "reviewer" and scope.home_region is not None and scope.home_region.is_county:
        own = list(Creation.objects.filter(region=scope.home_region).select_related("campaign", "batch", "region"))
        deadlines = _deadlines([creation.batch_id for creation in own])
        lines = []
        for creation in own:
            found = stages.late(creation, deadlines.get(creation.batch_id, {}), today)
            lines.append(CountyLine(creation, Late(creation, *found) if found else None))
        return Home(own=lines)
    return Home()


# --- scores, for the funding suggestion and the annual summary -----------------------------------


def self_totals(creations):
    """{creation id: the self-assessment's total} for records with points entered."""
    totals = {}
    rows = SelfScore.objects.filter(assessment__creation__in=creations, points__isnull=False)
    for creation_id, points in rows.values_list("assessment__creation", "points"):
        totals[creation_id] = totals.get(creation_id, Decimal("0")) + points
    return totals


def self_scores(creations):
    """{(creation id, indicator id): points} of the self-assessments."""
    rows = SelfScore.objects.filter(assessment__creation__in=creations, points__isnull=False)
    return {(creation, indicator): points for creation, indicator, points in
            rows.values_list("assessment__creation", "indicator", "points")}


def group_scores(creations, *, concluded_only=False):
    """{(creation id, indicator id): the group's points}: the consensus the leader recorded
    where there is one, else the mean of the submitted experts' points (``group_mean``)."""
    groups = ExpertGroup.objects.filter(creation__in=creations)
    if concluded_only:
        groups = groups.filter(concluded_at__isnull=False)
    group_creation = dict(groups.values_list("pk", "creation"))
    given = defaultdict(list)
    for group_id, indicator_id, points in ExpertScore.objects.filter(
            membership__group__in=group_creation, membership__submitted_at__isnull=False).values_list(
            "membership__group", "indicator", "points"):
        given[(group_creation[group_id], indicator_id)].append(points)
    scores = {key: group_mean(values) for key, values in given.items()}
    for group_id, indicator_id, points in GroupScore.objects.filter(group__in=group_creation).values_list(
            "group", "indicator", "points"):
        scores[(group_creation[group_id], indicator_id)] = points
    return scores


def group_totals(creations):
    """{creation id: the expert group's total} for groups that concluded."""
    totals = {}
    for (creation_id, _indicator), points in group_scores(creations, concluded_only=True).items():
        totals[creation_id] = totals.get(creation_id, Decimal("0")) + points
    return totals


# --- the key-monitoring list of many counties ----------------------------------------------------


def key_monitored(region_ids, year):
    """{region id: how many of its water users are on its key-monitoring list of ``year``},
    each county judged by its own rules (``carriers.selectors.key_monitoring`` for one), in
    two queries."""
    rules = defaultdict(list)
    for rule in MonitoringRule.objects.filter(region__in=region_ids):
        rules[rule.region_id].append(rule)
    counts = dict.fromkeys(region_ids, 0)
    for figures in UserYear.objects.filter(user__region__in=list(rules), year=year).select_related("user"):
        if any(rule.matches(figures.user, figures) for rule in rules[figures.user.region_id]):
            counts[figures.user.region_id] += 1
    return counts


def creations_with_steps(campaign):
    """The campaign's creation records with their steps (oldest first), region and batch."""
    from .models import StageStep

    return list(Creation.objects.filter(campaign=campaign).select_related("region", "batch")
                .prefetch_related(Prefetch("steps", queryset=StageStep.objects.order_by("taken_on", "pk")))
                .order_by("batch__year", "region__code"))
