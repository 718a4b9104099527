"""The city's creation campaign (seed 000): a multi-year goal, yearly batches of counties,
and each county's creation record through the stages 计划创建 → 自评 → 申报 → 技术评估 →
现场验收 → 公示 → 报上级复核 → 命名 → 复核 (or 撤销), with the self-assessment, the expert
group's scores, the joint acceptance and its rectification items, the publicity and its
objections; and the city's own work: joint meetings, supervision visits, funding.

Which step follows which and who may take it lives in ``campaigns.stages``; cross-model
work in ``campaigns.services``."""

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import EvidenceFile
from core.numbers import plain
from indicators.models import Indicator, IndicatorSet
from org.models import Department, Region

POINTS = {"max_digits": 5, "decimal_places": 1}


class Stage(models.TextChoices):
    PLANNED = "planned", _("Planned")
    SELF_ASSESSMENT = "self_assessment", _("Self-assessment")
    DECLARED = "declared", _("Declared")
    TECHNICAL = "technical", _("Technical assessment")
    ACCEPTANCE = "acceptance", _("On-site acceptance")
    PUBLICITY = "publicity", _("Publicity")
    REPORTED = "reported", _("Reported for re-examination")
    NAMED = "named", _("Named")
    RECHECKED = "rechecked", _("Re-checked")
    REVOKED = "revoked", _("Name revoked")


# The stages in the order a county goes through them; 撤销 ends the record from 命名 or 复核.
STAGE_ORDER = [Stage.PLANNED, Stage.SELF_ASSESSMENT, Stage.DECLARED, Stage.TECHNICAL, Stage.ACCEPTANCE,
               Stage.PUBLICITY, Stage.REPORTED, Stage.NAMED, Stage.RECHECKED]


def stage_rank(stage):
    return len(STAGE_ORDER) if stage == Stage.REVOKED else STAGE_ORDER.index(stage)


class Campaign(models.Model):
    """A city's or province's multi-year creation campaign under one standard, with its goal
    as the document states it ("全市30%以上县（区）级行政区达到节水型社会标准") and as figures."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="campaigns")
    name = models.CharField(_("name"), max_length=200)
    indicator_set = models.ForeignKey(IndicatorSet, verbose_name=_("standard"), on_delete=models.PROTECT,
                                      related_name="campaigns")
    goal_text = models.CharField(_("goal as written"), max_length=300)
    goal_year = models.PositiveSmallIntegerField(_("goal year"))
    goal_share = models.DecimalField(_("share of counties (%)"), max_digits=5, decimal_places=1, null=True,
                                     blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)])
    goal_count = models.PositiveSmallIntegerField(_("number of counties"), null=True, blank=True)
    # The official number of county-level divisions the share is of (重庆: 38). The portal may
    # hold only some of them yet; blank: the county-level regions entered under the region.
    county_total = models.PositiveSmallIntegerField(
        _("county-level divisions in the region"), null=True, blank=True,
        help_text=_("The official count the goal's share is of; leave blank to count the districts and counties "
                    "entered in the portal under the region."))
    source = models.CharField(_("source document"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("creation campaign")
        verbose_name_plural = _("creation campaigns")
        ordering = ["region__code", "-goal_year"]
        constraints = [
            models.CheckConstraint(condition=Q(goal_share__isnull=False) | Q(goal_count__isnull=False),
                                   name="campaign_has_goal"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.goal_share is None and self.goal_count is None:
            raise ValidationError({"goal_share": _("Set the goal as a share of counties, a number of counties, "
                                                   "or both.")})
        if self.region_id and self.region.is_county:
            raise ValidationError({"region": _("A campaign is run by a city or a province, not a county.")})


class Batch(models.Model):
    """The counties a campaign has create in one year (2019: 合川、大足、潼南、荣昌)."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE,
                                 related_name="batches")
    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=100)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["campaign", "year"]
        constraints = [models.UniqueConstraint(fields=["campaign", "year"], name="batch_one_per_year")]

    def __str__(self):
        return self.name


class BatchDeadline(models.Model):
    """By when the batch's counties must have reached a stage; a county still before it
    after that day is late."""

    batch = models.ForeignKey(Batch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="deadlines")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    due = models.DateField(_("due"))

    class Meta:
        verbose_name = _("stage deadline")
        verbose_name_plural = _("stage deadlines")
        ordering = ["batch", "due"]
        constraints = [models.UniqueConstraint(fields=["batch", "stage"], name="deadline_one_per_stage")]

    def __str__(self):
        return f"{self.batch} {self.get_stage_display()} {self.due}"


class Creation(models.Model):
    """One county's creation record in a campaign: where it stands, and (once named) the
    naming batch, date and document number."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE,
                                 related_name="creations")
    batch = models.ForeignKey(Batch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="creations")
    region = models.ForeignKey(Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="creations")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.PLANNED)
    stage_since = models.DateField(_("in this stage since"))
    # The year whose figures the county is assessed on (usually the year before 申报).
    assessment_year = models.PositiveSmallIntegerField(_("assessed on the figures of"))
    reported_on = models.DateField(_("reported upward on"), null=True, blank=True)
    reported_document = models.CharField(_("report's document number"), max_length=100, blank=True)
    named_batch = models.CharField(_("naming batch"), max_length=200, blank=True)
    named_on = models.DateField(_("named on"), null=True, blank=True)
    named_document = models.CharField(_("naming document number"), max_length=100, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("county creation record")
        verbose_name_plural = _("county creation records")
        ordering = ["campaign", "batch__year", "region__code"]
        constraints = [models.UniqueConstraint(fields=["campaign", "region"], name="creation_one_per_county")]

    def __str__(self):
        return f"{self.region}（{self.batch.year}）"

    def clean(self):
        if self.region_id and not self.region.is_county:
            raise ValidationError({"region": _("Only a district or county creates.")})
        if self.batch_id and self.campaign_id and self.batch.campaign_id != self.campaign_id:
            raise ValidationError({"batch": _("The batch belongs to another campaign.")})

    @property
    def rank(self):
        return stage_rank(self.stage)

    @property
    def is_named(self):
        return self.stage in (Stage.NAMED, Stage.RECHECKED)


class StageStep(models.Model):
    """One move of a creation record: forward, back to an earlier stage (with a reason) or
    revoked; with the date it took effect, who took it and the document it rests on."""

    creation = models.ForeignKey(Creation, verbose_name=_("creation record"), on_delete=models.CASCADE,
                                 related_name="steps")
    from_stage = models.CharField(_("from"), max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=20, choices=Stage.choices)
    taken_on = models.DateField(_("date"))
    taken_by = models.ForeignKey("org.User", verbose_name=_("taken by"), null=True, on_delete=models.SET_NULL,
                                 related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    reason = models.TextField(_("reason"), blank=True)
    document = models.CharField(_("document"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("stage step")
        verbose_name_plural = _("stage steps")
        ordering = ["creation", "recorded_at", "pk"]

    def __str__(self):
        return f"{self.creation}: {self.get_from_stage_display()} → {self.get_to_stage_display()}"

    @property
    def is_return(self):
        return bool(self.from_stage) and self.to_stage != Stage.REVOKED and \
            stage_rank(self.to_stage) < stage_rank(self.from_stage)


class StageDocument(EvidenceFile):
    """A file a stage rests on (自评报告, 申报文件, 验收意见, 命名文件 …)."""

    creation = models.ForeignKey(Creation, verbose_name=_("creation record"), on_delete=models.CASCADE,
                                 related_name="documents")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)

    class Meta(EvidenceFile.Meta):
        verbose_name = _("stage document")
        verbose_name_plural = _("stage documents")
        constraints = [models.UniqueConstraint(fields=["creation", "sha256"], name="stage_document_unique_file")]


# --- 自评 -------------------------------------------------------------------------------------


class SelfAssessment(models.Model):
    """The county's self-assessment under its standard, item by item; frozen when submitted
    (申报), after which nothing in it changes."""

    creation = models.OneToOneField(Creation, verbose_name=_("creation record"), on_delete=models.CASCADE,
                                    related_name="self_assessment")
    indicator_set = models.ForeignKey(IndicatorSet, verbose_name=_("standard"), on_delete=models.PROTECT,
                                      related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    summary = models.TextField(_("summary"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey("org.User", verbose_name=_("submitted by"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("self-assessment")
        verbose_name_plural = _("self-assessments")

    def __str__(self):
        return f"{self.creation.region}{self.year}年自评"

    @property
    def is_frozen(self):
        return self.submitted_at is not None

    @property
    def total(self):
        return sum((score.points or Decimal("0") for score in self.scores.all()), Decimal("0"))


class SelfScore(models.Model):
    """The county's points for one item: filled from the portal's own computed value (with
    its lineage, copied when the assessment is frozen) or answered with an explanation and
    evidence."""

    assessment = models.ForeignKey(SelfAssessment, verbose_name=_("self-assessment"), on_delete=models.CASCADE,
                                   related_name="scores")
    indicator = models.ForeignKey(Indicator, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("points"), **POINTS, null=True, blank=True,
                                 validators=[MinValueValidator(Decimal("0"))])
    explanation = models.TextField(_("explanation"), blank=True)
    # Filled from the portal's computed value: its award sentence and lineage as they were
    # when the assessment was frozen (the live value may be recomputed later).
    computed = models.BooleanField(_("from the portal's own figures"), default=False)
    value = models.DecimalField(_("value"), max_digits=24, decimal_places=6, null=True, blank=True)
    award = models.CharField(_("points awarded because"), max_length=300, blank=True)
    lineage = models.JSONField(_("lineage"), default=dict, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("self-assessed item")
        verbose_name_plural = _("self-assessed items")
        ordering = ["assessment", "indicator__number"]
        constraints = [models.UniqueConstraint(fields=["assessment", "indicator"], name="self_score_one_per_item")]

    def __str__(self):
        return f"{self.indicator.name}: {self.points}"


class SelfScoreEvidence(EvidenceFile):
    score = models.ForeignKey(SelfScore, verbose_name=_("self-assessed item"), on_delete=models.CASCADE,
                              related_name="evidence")

    class Meta(EvidenceFile.Meta):
        verbose_name = _("self-assessment evidence")
        verbose_name_plural = _("self-assessment evidence")
        constraints = [models.UniqueConstraint(fields=["score", "sha256"], name="self_score_evidence_unique_file")]


# --- 技术评估 -----------------------------------------------------------------------------------


class Expert(models.Model):
    """A member of technical-assessment groups (重庆大学、西南大学、重庆市水利发展研究中心 …)."""

    name = models.CharField(_("name"), max_length=50)
    affiliation = models.CharField(_("affiliation"), max_length=100)
    field = models.CharField(_("field"), max_length=100, blank=True)
    title = models.CharField(_("professional title"), max_length=50, blank=True)
    user = models.OneToOneField("org.User", verbose_name=_("account"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="expert")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        ordering = ["affiliation", "name"]

    def __str__(self):
        return f"{self.name}（{self.affiliation}）"

    def clean(self):
        if self.user_id and self.user.role != "expert":
            raise ValidationError({"user": _("An expert signs in with an account of the expert role.")})


class ExpertGroup(models.Model):
    """The technical-assessment group assigned to one county; its opinion (技术评估意见) is
    drafted from the members' scores and opinions."""

    creation = models.OneToOneField(Creation, verbose_name=_("creation record"), on_delete=models.CASCADE,
                                    related_name="expert_group")
    formed_on = models.DateField(_("formed on"))
    assessed_on = models.DateField(_("assessed on site"), null=True, blank=True)
    opinion = models.TextField(_("group opinion"), blank=True)
    concluded_at = models.DateTimeField(_("concluded"), null=True, blank=True)
    concluded_by = models.ForeignKey("org.User", verbose_name=_("concluded by"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("expert group")
        verbose_name_plural = _("expert groups")

    def __str__(self):
        return f"{self.creation.region}技术评估组"


class Membership(models.Model):
    """An expert in a group; what they score stays theirs alone until they submit."""

    group = models.ForeignKey(ExpertGroup, verbose_name=_("expert group"), on_delete=models.CASCADE,
                              related_name="members")
    expert = models.ForeignKey(Expert, verbose_name=_("expert"), on_delete=models.PROTECT,
                               related_name="memberships")
    is_leader = models.BooleanField(_("group leader"), default=False)
    opinion = models.TextField(_("opinion"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        ordering = ["group", "-is_leader", "expert__name"]
        constraints = [
            models.UniqueConstraint(fields=["group", "expert"], name="membership_once_per_group"),
            models.UniqueConstraint(fields=["group"], condition=Q(is_leader=True), name="membership_one_leader"),
        ]

    def __str__(self):
        return str(self.expert)

    @property
    def is_submitted(self):
        return self.submitted_at is not None


class ExpertScore(models.Model):
    """One expert's points for one item, within the item's rule, with the reason."""

    membership = models.ForeignKey(Membership, verbose_name=_("group member"), on_delete=models.CASCADE,
                                   related_name="scores")
    indicator = models.ForeignKey(Indicator, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("points"), **POINTS, validators=[MinValueValidator(Decimal("0"))])
    reason = models.TextField(_("reason"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("expert score")
        verbose_name_plural = _("expert scores")
        ordering = ["membership", "indicator__number"]
        constraints = [models.UniqueConstraint(fields=["membership", "indicator"], name="expert_score_one_per_item")]

    def __str__(self):
        return f"{self.membership.expert.name} {self.indicator.name}: {plain(self.points)}"


MEAN_PLACES = Decimal("0.01")


def group_mean(points):
    """The group's score of an item without a consensus: the mean of the submitted members'
    ``points`` to two decimal places (half up); None without any. Every page, document and
    total takes the group's score from here."""
    points = [p for p in points if p is not None]
    if not points:
        return None
    return (sum(points, Decimal("0")) / len(points)).quantize(MEAN_PLACES, ROUND_HALF_UP)


class GroupScore(models.Model):
    """The consensus the group leader recorded for one item, replacing the members' mean,
    with the dissent kept as written."""

    group = models.ForeignKey(ExpertGroup, verbose_name=_("expert group"), on_delete=models.CASCADE,
                              related_name="consensus")
    indicator = models.ForeignKey(Indicator, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("points"), **POINTS, validators=[MinValueValidator(Decimal("0"))])
    note = models.TextField(_("how the group agreed"))
    dissent = models.TextField(_("dissent"), blank=True)
    recorded_by = models.ForeignKey("org.User", verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("group consensus")
        verbose_name_plural = _("group consensus")
        ordering = ["group", "indicator__number"]
        constraints = [models.UniqueConstraint(fields=["group", "indicator"], name="group_score_one_per_item")]

    def __str__(self):
        return f"{self.indicator.name}: {plain(self.points)}"


# --- 现场验收 -----------------------------------------------------------------------------------


class Acceptance(models.Model):
    """The on-site acceptance by a joint group of departments (市水利局、市经信委、市城管局、
    市机关事务局); its findings become rectification items."""

    class Conclusion(models.TextChoices):
        PASSED = "passed", _("Passed")
        RECTIFY = "rectify", _("Passed after rectification")
        FAILED = "failed", _("Not passed")

    creation = models.OneToOneField(Creation, verbose_name=_("creation record"), on_delete=models.CASCADE,
                                    related_name="acceptance")
    held_on = models.DateField(_("held on"))
    departments = models.ManyToManyField(Department, verbose_name=_("joint group"), related_name="+")
    members_text = models.CharField(_("group as written"), max_length=300, blank=True)
    conclusion = models.CharField(_("conclusion"), max_length=10, choices=Conclusion.choices, blank=True)
    opinion = models.TextField(_("acceptance opinion"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("on-site acceptance")
        verbose_name_plural = _("on-site acceptances")

    def __str__(self):
        return f"{self.creation.region}现场验收"


class Rectification(models.Model):
    """A problem the acceptance found, with the county department that must fix it and by
    when; the county reports it fixed, the city closes it (销号)."""

    class State(models.TextChoices):
        OPEN = "open", _("Awaiting rectification")
        REPORTED = "reported", _("Reported fixed")
        CLOSED = "closed", _("Closed")

    acceptance = models.ForeignKey(Acceptance, verbose_name=_("acceptance"), on_delete=models.CASCADE,
                                   related_name="rectifications")
    finding = models.TextField(_("finding"))
    owner = models.ForeignKey(Department, verbose_name=_("responsible department"), on_delete=models.PROTECT,
                              related_name="rectifications")
    due = models.DateField(_("due"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    report = models.TextField(_("what was done"), blank=True)
    reported_at = models.DateTimeField(_("reported"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_by = models.ForeignKey("org.User", verbose_name=_("closed by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    # Why the city sent the county's report back; the earlier ones stay in the history.
    comment = models.TextField(_("city's comment"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("rectification item")
        verbose_name_plural = _("rectification items")
        ordering = ["acceptance", "due", "pk"]

    def __str__(self):
        return self.finding[:40]

    @property
    def is_editable(self):
        """Evidence may be attached or removed while the item waits for the county: once
        reported the city decides on what it was shown (``core.evidence`` asks this)."""
        return self.state == self.State.OPEN

    def clean(self):
        if self.owner_id and self.acceptance_id and self.owner.region_id != self.acceptance.creation.region_id:
            raise ValidationError({"owner": _("The responsible department must be one of the county's.")})


class RectificationEvidence(EvidenceFile):
    rectification = models.ForeignKey(Rectification, verbose_name=_("rectification item"),
                                      on_delete=models.CASCADE, related_name="evidence")

    class Meta(EvidenceFile.Meta):
        verbose_name = _("rectification evidence")
        verbose_name_plural = _("rectification evidence")
        constraints = [models.UniqueConstraint(fields=["rectification", "sha256"],
                                               name="rectification_evidence_unique_file")]


# --- 公示 与 复核 --------------------------------------------------------------------------------


class Publicity(models.Model):
    creation = models.OneToOneField(Creation, verbose_name=_("creation record"), on_delete=models.CASCADE,
                                    related_name="publicity")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    channel = models.CharField(_("where published"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("publicity")
        verbose_name_plural = _("publicity")

    def __str__(self):
        return f"{self.creation.region}公示 {self.starts_on}—{self.ends_on}"

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The publicity cannot end before it starts.")})


class Objection(models.Model):
    """An objection received during the publicity; naming waits until it is settled."""

    publicity = models.ForeignKey(Publicity, verbose_name=_("publicity"), on_delete=models.CASCADE,
                                  related_name="objections")
    received_on = models.DateField(_("received on"))
    content = models.TextField(_("objection"))
    settlement = models.TextField(_("how it was settled"), blank=True)
    settled_on = models.DateField(_("settled on"), null=True, blank=True)
    settled_by = models.ForeignKey("org.User", verbose_name=_("settled by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["publicity", "received_on", "pk"]

    def __str__(self):
        return self.content[:40]

    @property
    def is_open(self):
        return self.settled_on is None


class Recheck(models.Model):
    """A later re-check (复核) of a named county; it keeps the name or revokes it."""

    class Outcome(models.TextChoices):
        KEPT = "kept", _("Kept")
        REVOKED = "revoked", _("Naming revoked")

    creation = models.ForeignKey(Creation, verbose_name=_("creation record"), on_delete=models.CASCADE,
                                 related_name="rechecks")
    checked_on = models.DateField(_("checked on"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    document = models.CharField(_("document number"), max_length=100, blank=True)
    note = models.TextField(_("findings"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("re-check")
        verbose_name_plural = _("re-checks")
        ordering = ["creation", "checked_on"]

    def __str__(self):
        return f"{self.creation.region} {self.checked_on} {self.get_outcome_display()}"


# --- the city's own work ----------------------------------------------------------------------


class JointMeeting(models.Model):
    """A joint meeting (联席会议) the city convened: who came and what was decided."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("held on"))
    title = models.CharField(_("title"), max_length=200)
    departments = models.ManyToManyField(Department, verbose_name=_("departments present"), blank=True,
                                         related_name="+")
    attendance_text = models.CharField(_("attendance as written"), max_length=300, blank=True)
    decisions = models.TextField(_("decisions"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("joint meeting")
        verbose_name_plural = _("joint meetings")
        ordering = ["region", "-held_on"]

    def __str__(self):
        return f"{self.held_on} {self.title}"


class SupervisionVisit(models.Model):
    """A supervision visit (督导检查) to counties: findings and the follow-up asked for."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField(_("visited on"))
    counties = models.ManyToManyField(Region, verbose_name=_("counties visited"), related_name="+")
    purpose = models.CharField(_("purpose"), max_length=300)
    findings = models.TextField(_("findings"))
    follow_up = models.TextField(_("follow-up asked for"), blank=True)
    follow_up_done = models.BooleanField(_("follow-up done"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("supervision visit")
        verbose_name_plural = _("supervision visits")
        ordering = ["region", "-visited_on"]

    def __str__(self):
        return f"{self.visited_on} {self.purpose[:30]}"


class FundingRound(models.Model):
    """A year's funding (资金奖补) the city shares among its creating counties: the amount,
    the suggested allocation weighed by stage and score, the bureau's adjustments and its
    approval, after which the amounts do not change."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE,
                                 related_name="funding_rounds")
    year = models.PositiveSmallIntegerField(_("year"))
    total = models.DecimalField(_("amount to share (万元)"), max_digits=12, decimal_places=2,
                                validators=[MinValueValidator(Decimal("0"))])
    basis = models.TextField(_("basis"), blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey("org.User", verbose_name=_("approved by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("funding round")
        verbose_name_plural = _("funding rounds")
        ordering = ["campaign", "-year"]
        constraints = [models.UniqueConstraint(fields=["campaign", "year"], name="funding_one_per_year")]

    def __str__(self):
        return f"{self.campaign} {self.year}年资金奖补"

    @property
    def is_approved(self):
        return self.approved_at is not None


class Allocation(models.Model):
    """One county's share of a funding round: suggested, then as the bureau set it."""

    round = models.ForeignKey(FundingRound, verbose_name=_("funding round"), on_delete=models.CASCADE,
                              related_name="allocations")
    creation = models.ForeignKey(Creation, verbose_name=_("creation record"), on_delete=models.PROTECT,
                                 related_name="allocations")
    weight = models.DecimalField(_("weight"), max_digits=8, decimal_places=4, default=Decimal("0"))
    suggested = models.DecimalField(_("suggested (万元)"), max_digits=12, decimal_places=2, default=Decimal("0"))
    amount = models.DecimalField(_("allocated (万元)"), max_digits=12, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0"))])
    note = models.CharField(_("why adjusted"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["round", "creation__region__code"]
        constraints = [models.UniqueConstraint(fields=["round", "creation"], name="allocation_one_per_county")]

    def __str__(self):
        return f"{self.creation.region}: {plain(self.amount)}万元"


class AnnualSummary(models.Model):
    """One build of the city's annual summary report (Word 公文 + Excel annex), built by a
    job from stored data only; older builds stay listed."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Building")
        DONE = "done", _("Complete")
        FAILED = "failed", _("Failed")

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE,
                                 related_name="summaries")
    year = models.PositiveSmallIntegerField(_("year"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    reason = models.CharField(_("reason of failure"), max_length=500, blank=True)
    requested_by = models.ForeignKey("org.User", verbose_name=_("requested by"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    document = models.FileField(_("Word report"), upload_to="summaries/%Y/", blank=True)
    workbook = models.FileField(_("Excel annex"), upload_to="summaries/%Y/", blank=True)

    class Meta:
        verbose_name = _("annual summary")
        verbose_name_plural = _("annual summaries")
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.campaign.region}{self.year}年度总结"
