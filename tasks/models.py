"""Plans and their task-decomposition tree.

A plan's tree is key task (重点任务 / 事项 / 任务类别) → optional sub-task → work item
(工作内容 / 主要任务). Work items are the leaves that departments lead or support and
that quarterly progress is reported on. Some tables have no sub-task level (黔江's 28
tasks sit directly under their key tasks), so a work item's parent is either level.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.links import object_url
from core.models import EvidenceFile
from core.periods import LATEST_DUE_DAYS, DeadlineRule, Quarter
from core.workflow import Reviewed
from org.models import Department, DepartmentGroup, Region

from .wording import target_label


class Plan(models.Model):
    class Kind(models.TextChoices):
        COUNTY_STANDARD = "county_standard", _("County water-saving society standard")
        WATER_SAVING_CITY = "water_saving_city", _("Water-saving city creation")
        ANNUAL = "annual", _("Annual water-saving work")
        OTHER = "other", _("Other")

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="plans")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ANNUAL)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    start_year = models.PositiveSmallIntegerField(
        _("first year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    end_year = models.PositiveSmallIntegerField(
        _("last year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    # The quarterly reporting deadline (core.periods.DeadlineRule), stored as its two numbers.
    report_window_days = models.PositiveSmallIntegerField(
        _("reporting window (days)"), default=5, validators=[MinValueValidator(1), MaxValueValidator(92)]
    )
    report_due_offset_days = models.SmallIntegerField(
        _("due date relative to quarter end (days)"),
        default=0,
        validators=[MinValueValidator(-LATEST_DUE_DAYS), MaxValueValidator(LATEST_DUE_DAYS)],
        help_text=_("0 = the last day of the quarter; 10 = ten days after it ends; -5 = five days before."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Bumped on every edit through the pages, so a stale form is refused, not saved over.
    version = models.PositiveIntegerField(_("version"), default=1)
    # The imported table's own layout (``table_parsing.source_layout``): its label, title,
    # header cells as written with their columns' roles, merges and sheet name. The
    # default export gives it back; a plan made by hand has none and exports officially.
    source_layout = models.JSONField(_("layout of the source table"), default=dict, blank=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["region__code", "-start_year", "title"]
        constraints = [
            models.UniqueConstraint(fields=["region", "title"], name="plan_unique_title_in_region"),
            models.CheckConstraint(condition=Q(end_year__gte=F("start_year")), name="plan_years_in_order"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return object_url("tasks:plan_detail", self.pk)

    @property
    def deadline_rule(self):
        return DeadlineRule(window_days=self.report_window_days, due_offset_days=self.report_due_offset_days)

    def covers(self, quarter):
        """Whether ``quarter`` is one the plan runs in (one of its years)."""
        return self.start_year <= quarter.year <= self.end_year

    @property
    def period_label(self):
        if self.start_year == self.end_year:
            return f"{self.start_year}"
        return f"{self.start_year}–{self.end_year}"

    def clean(self):
        if self.start_year and self.end_year and self.end_year < self.start_year:
            raise ValidationError({"end_year": _("The last year cannot be before the first year.")})


class PlanPhase(models.Model):
    """A stage of a plan with its dates (黔江: 制定方案 / 组织实施 / 检查完善)."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="phases")
    position = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("plan phase")
        verbose_name_plural = _("plan phases")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="phase_unique_position"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="phase_dates_in_order"),
        ]

    def __str__(self):
        return self.name


class TaskNodeQuerySet(models.QuerySet):
    def current(self):
        """Nodes not archived: what the plan holds now, and what new quarters are reported on."""
        return self.filter(archived_at__isnull=True)

    def in_quarter(self, quarter):
        """Nodes that are part of ``quarter``: not archived, or archived after it ended."""
        return self.filter(TaskNode.in_quarter_q(quarter))

    def archived(self):
        return self.filter(archived_at__isnull=False)


class TaskNode(models.Model):
    """One node of a plan's tree, with its printed number (一、 （一） 1. ①) and text.

    Work items carry the assignment to departments, a due date and a target; the other
    levels only group them.
    """

    class Level(models.IntegerChoices):
        KEY_TASK = 1, _("Key task")
        SUB_TASK = 2, _("Sub-task")
        WORK_ITEM = 3, _("Work item")

    class Comparator(models.TextChoices):
        AT_LEAST = "ge", "≥"
        AT_MOST = "le", "≤"
        EXACTLY = "eq", "="
        MORE_THAN = "gt", ">"
        LESS_THAN = "lt", "<"

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    # Orders the whole tree depth-first, so one ORDER BY reads a plan in print order.
    position = models.PositiveIntegerField(_("order"))
    number = models.CharField(_("number"), max_length=20, blank=True)
    text = models.TextField(_("text"))
    due_on = models.DateField(_("due date"), null=True, blank=True)
    due_text = models.CharField(_("deadline as written"), max_length=100, blank=True)
    target_value = models.DecimalField(_("target value"), max_digits=14, decimal_places=4, null=True, blank=True)
    target_unit = models.CharField(_("target unit"), max_length=20, blank=True)
    target_comparator = models.CharField(_("target comparator"), max_length=2, choices=Comparator.choices, blank=True)
    target_text = models.CharField(_("target as written"), max_length=300, blank=True)
    # The department cells as written (区水利局、各镇（街道）): a group name stays a group
    # here; the assignments are what it stands for now.
    lead_text = models.TextField(_("lead departments as written"), blank=True)
    cooperating_text = models.TextField(_("cooperating departments as written"), blank=True)
    # The source row's cells the tree has no field for (序号, 备注, an inline
    # "（牵头单位：…）"), so the export gives the row back: see ``table_parsing.ParsedNode``.
    source_cells = models.JSONField(_("other cells of the source row"), default=dict, blank=True)
    departments = models.ManyToManyField(
        Department, through="Assignment", verbose_name=_("departments"), related_name="task_nodes"
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    # A node that left the plan while progress, contributions or evidence hang on it is
    # archived, not deleted: its records stay, and it is out of every quarter after this one.
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    archived_by = models.ForeignKey(
        "org.User", verbose_name=_("archived by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    archive_reason = models.CharField(_("reason for archiving"), max_length=200, blank=True)
    history = HistoricalRecords(excluded_fields=["version"])

    objects = TaskNodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["plan", "position"]
        indexes = [models.Index(fields=["plan", "level", "position"], name="tasknode_plan_level_pos")]
        constraints = [
            models.CheckConstraint(condition=Q(level__in=[1, 2, 3]), name="tasknode_level_valid"),
            models.CheckConstraint(
                condition=Q(level=1, parent__isnull=True) | Q(level__gt=1, parent__isnull=False),
                name="tasknode_only_key_tasks_are_roots",
            ),
            models.CheckConstraint(
                condition=Q(target_value__isnull=True) | ~Q(target_comparator=""),
                name="tasknode_target_has_comparator",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.text}".strip()

    @staticmethod
    def in_quarter_q(quarter, via=""):
        """The condition "part of ``quarter``" on nodes, or on what reaches them through
        ``via`` (e.g. "node__"): a node archived during a quarter is out of that quarter."""
        return Q(**{f"{via}archived_at__isnull": True}) | Q(**{f"{via}archived_at__date__gt": quarter.last_day})

    @property
    def is_archived(self):
        return self.archived_at is not None

    @property
    def is_work_item(self):
        return self.level == self.Level.WORK_ITEM

    @property
    def label(self):
        """Number and text as printed, without doubling a number the text already starts with."""
        if self.number and not self.text.startswith(self.number):
            # A 序号 column's bare "3" is not glued to the text it numbers.
            bare = self.number[-1].isascii() and self.number[-1].isalnum()
            return f"{self.number} {self.text}" if bare else f"{self.number}{self.text}"
        return self.text

    def clean(self):
        if self.parent_id is not None:
            if self.parent.plan_id != self.plan_id:
                raise ValidationError({"parent": _("A task belongs to the plan of its parent.")})
            if self.parent.level >= self.level:
                raise ValidationError({"parent": _("A task must sit below a task of a higher level.")})
        if self.level != self.Level.WORK_ITEM and (self.target_value is not None or self.due_on is not None):
            raise ValidationError(_("Only work items have due dates and targets."))


class Assignment(models.Model):
    """A department's part in a work item: lead (牵头) or cooperating (配合/责任/参与)."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        COOPERATING = "cooperating", _("Cooperating")

    node = models.ForeignKey(TaskNode, verbose_name=_("task"), on_delete=models.CASCADE, related_name="assignments")
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    # The group name through which the department has the item (各镇（街道）), null when
    # it is named outright: when the group's members change, only these follow.
    group = models.ForeignKey(
        DepartmentGroup, verbose_name=_("through group"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["node", "-role", "position"]  # leads ("lead" > "cooperating") first
        indexes = [models.Index(fields=["department", "role"], name="assignment_department_role")]
        constraints = [
            # A department either leads or cooperates on an item, never both.
            models.UniqueConstraint(fields=["node", "department"], name="assignment_unique_department"),
        ]

    def __str__(self):
        return f"{self.department} ({self.get_role_display()})"


class ProgressReport(Reviewed):
    """A lead department's quarterly entry for one work item (工作台账).

    ``status`` is how the work stands (未启动 / 推进中 / 已完成 / 滞后); ``state`` is where
    the entry is in review (草稿 → 已报送 → 已通过, or 已退回 → 已报送 again). They are
    separate on purpose: a returned entry can describe finished work, and so on.
    """

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Completed")
        BEHIND = "behind", _("Behind schedule")

    # "Completed means 100 %" is checked on submission, not as a constraint: a draft keeps
    # whatever the clerk typed, half-finished or not.

    item = models.ForeignKey(TaskNode, verbose_name=_("work item"), on_delete=models.CASCADE, related_name="reports")
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="progress_reports"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    status = models.CharField(_("progress"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    percent = models.PositiveSmallIntegerField(
        _("percent complete"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    quantity = models.DecimalField(_("quantity achieved"), max_digits=14, decimal_places=4, null=True, blank=True)
    work_done = models.TextField(_("work done this quarter"), blank=True)
    problems = models.TextField(_("problems"), blank=True)
    next_plan = models.TextField(_("plan for next quarter"), blank=True)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-year", "-quarter", "item__position"]
        indexes = [
            models.Index(fields=["department", "year", "quarter", "state"], name="progress_department_quarter"),
            models.Index(fields=["year", "quarter", "state"], name="progress_quarter_state"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["item", "department", "year", "quarter"], name="progress_one_per_quarter"),
            models.CheckConstraint(condition=Q(percent__gte=0, percent__lte=100), name="progress_percent_range"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="progress_quarter_range"),
        ]

    def __str__(self):
        return f"{self.period} {self.department} {self.item}"

    def get_absolute_url(self):
        return object_url("tasks:progress_detail", self.pk)

    @property
    def is_untouched(self):
        """A draft with nothing in it (evidence attached alone, or one stored before opening a
        page stopped creating drafts), which is not yet the department reporting anything."""
        return (
            self.state == self.State.DRAFT and self.status == self.Status.NOT_STARTED and self.percent == 0
            and self.quantity is None and not (self.work_done or self.problems or self.next_plan)
        )

    @property
    def period(self):
        return Quarter(self.year, self.quarter)

    def deadline_status(self, *, today, rule):
        submitted = timezone.localdate(self.submitted_at) if self.submitted_at else None
        return rule.status(self.period, submitted_on=submitted, today=today, item_due=self.item.due_on)


class Evidence(EvidenceFile):
    report = models.ForeignKey(
        ProgressReport, verbose_name=_("progress report"), on_delete=models.CASCADE, related_name="evidence"
    )

    class Meta(EvidenceFile.Meta):
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        constraints = [models.UniqueConstraint(fields=["report", "sha256"], name="evidence_unique_file_per_report")]


class Contribution(models.Model):
    """A cooperating department's note for a work item and quarter (配合单位的配合情况).
    It sits beside the lead departments' entries and cannot change their fields."""

    item = models.ForeignKey(
        TaskNode, verbose_name=_("work item"), on_delete=models.CASCADE, related_name="contributions"
    )
    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    note = models.TextField(_("contribution"))
    updated_by = models.ForeignKey(
        "org.User", verbose_name=_("updated by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        ordering = ["department__short_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "department", "year", "quarter"], name="contribution_one_per_department_quarter"
            ),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="contribution_quarter_range"),
        ]

    def __str__(self):
        return f"{self.department}: {self.note[:30]}"


class TaskTarget(models.Model):
    """One target of a work item, as read from its words or set by hand: "不得少于2个",
    "12月底前完成1家", "较2015年下降23%". An item may state several, each with its own date.

    TaskNode.target_* keep the item's first target for the pages and checks that read one
    (carrier counts, the quantity's typing-slip check); these are the whole list."""

    class Kind(models.TextChoices):
        COUNT = "count", _("Count")
        SHARE = "share", _("Share")
        RANGE = "range", _("Range")
        CHANGE_VS_BASE = "change_vs_base", _("Change against a base year")
        COVERAGE = "coverage", _("Full coverage")

    node = models.ForeignKey(TaskNode, verbose_name=_("work item"), on_delete=models.CASCADE, related_name="targets")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.COUNT)
    comparator = models.CharField(
        _("target comparator"), max_length=2, choices=TaskNode.Comparator.choices, default=TaskNode.Comparator.AT_LEAST
    )
    # A change against a base year is signed: a fall of at least 23 % is "≤ -23".
    value = models.DecimalField(_("target value"), max_digits=14, decimal_places=4)
    value_max = models.DecimalField(_("upper end"), max_digits=14, decimal_places=4, null=True, blank=True)
    unit = models.CharField(_("target unit"), max_length=20, blank=True)
    base_year = models.PositiveSmallIntegerField(
        _("base year"), null=True, blank=True, validators=[MinValueValidator(1949), MaxValueValidator(2100)]
    )
    due_on = models.DateField(_("due date"), null=True, blank=True)
    due_text = models.CharField(_("deadline as written"), max_length=100, blank=True)
    wording = models.CharField(_("target as written"), max_length=300, blank=True)
    alternative = models.BooleanField(
        _("or the one before"), default=False, help_text=_("Meeting this target or the one before it will do.")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("task target")
        verbose_name_plural = _("task targets")
        ordering = ["node", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(value_max__isnull=True) | Q(value_max__gt=F("value")), name="tasktarget_range_in_order"
            ),
            models.CheckConstraint(
                condition=~Q(kind="change_vs_base") | Q(base_year__isnull=False), name="tasktarget_change_has_base"
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self):
        return target_label(self, default_year=self.node.plan.start_year if self.node_id else None)

    def clean(self):
        if self.kind == self.Kind.RANGE and (self.value_max is None or self.value_max <= self.value):
            raise ValidationError({"value_max": _("A range needs an upper end above its lower end.")})
        if self.kind != self.Kind.RANGE and self.value_max is not None:
            raise ValidationError({"value_max": _("Only a range has an upper end.")})
        if self.kind == self.Kind.CHANGE_VS_BASE and self.base_year is None:
            raise ValidationError({"base_year": _("A change against a base year needs the base year.")})


class ProgressTarget(models.Model):
    """The quantity a progress entry reports against one target of its item. The target's
    label is kept with it, so the entry still says what it was measured against after the
    targets are reworded or removed."""

    report = models.ForeignKey(
        ProgressReport, verbose_name=_("progress report"), on_delete=models.CASCADE, related_name="target_quantities"
    )
    target = models.ForeignKey(
        TaskTarget, verbose_name=_("task target"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_label = models.CharField(_("task target"), max_length=300)
    quantity = models.DecimalField(_("quantity achieved"), max_digits=14, decimal_places=4)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quantity against a target")
        verbose_name_plural = _("quantities against targets")
        ordering = ["report", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["report", "target"], name="progresstarget_one_per_target"),
        ]

    def __str__(self):
        return f"{self.target_label}: {self.quantity}"
