"""Forms of the campaign's set-up and of the city's own work: the campaign, a year's batch
with its counties and deadlines, joint meetings, supervision visits, funding and the
annual summary's year."""

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from core.forms import VersionedForm
from indicators.models import IndicatorSet
from org.models import Department, Region

from .models import Batch, Campaign, Creation, FundingRound, JointMeeting, Stage, SupervisionVisit
from .selectors import counties_under
from .services.campaign import DEADLINE_STAGES, latest_change

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YEARS = [MinValueValidator(2000), MaxValueValidator(2100)]


class SeenForm(forms.ModelForm):
    """Remembers the newest change of the record when the form was opened, so that a save
    over someone else's later change is refused (these records carry no version number)."""

    seen = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["seen"] = latest_change(self.instance)

    def show_conflict(self, current):
        self.add_error(None, _("Someone else saved this record after you opened it. Their values are shown below; "
                               "submit again to replace them with yours, or cancel."))
        data = self.data.copy()
        data[self.add_prefix("seen")] = latest_change(current)
        self.data = data


class CampaignForm(SeenForm):
    class Meta:
        model = Campaign
        fields = ["region", "name", "indicator_set", "goal_text", "goal_year", "goal_share", "goal_count",
                  "county_total", "source"]
        help_texts = {
            "goal_text": _("As the document writes it, e.g. 全市30%以上县（区）级行政区达到节水型社会标准."),
            "goal_share": _("The share of the county-level regions under the region; the number needed is rounded "
                            "up."),
            "goal_count": _("A number of counties, where the goal names one (with a share: whichever is more)."),
        }

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = scope.regions().exclude(level=Region.Level.COUNTY).order_by("code")
        self.fields["indicator_set"].queryset = IndicatorSet.objects.filter(min_points__isnull=False).order_by(
            "name", "version")
        self.fields["indicator_set"].help_text = _("A standard judged on points (县域节水型社会评价标准).")
        self.fields["goal_year"].validators += YEARS
        if self.instance.pk is not None:
            self.fields["region"].disabled = True


class BatchForm(SeenForm):
    """A year's batch: its name, year, counties and the deadline of each stage."""

    counties = forms.ModelMultipleChoiceField(label=_("Counties of the batch"), queryset=Region.objects.none(),
                                              required=False, widget=forms.CheckboxSelectMultiple)
    assessment_year = forms.IntegerField(
        label=_("Counties added are assessed on the figures of"), required=False, validators=YEARS,
        help_text=_("Empty: the year before the batch's."))

    class Meta:
        model = Batch
        fields = ["name", "year"]

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["year"].validators += YEARS
        others = Creation.objects.filter(campaign=campaign).exclude(batch=self.instance.pk)
        self.elsewhere = list(others.select_related("region", "batch").order_by("region__code"))
        self.fields["counties"].queryset = counties_under(campaign.region).exclude(
            pk__in=[creation.region_id for creation in self.elsewhere])
        self.fields["counties"].label_from_instance = lambda region: f"{region.name}（{region.code}）"
        stored = {}
        if self.instance.pk is not None:
            stored = {row.stage: row.due for row in self.instance.deadlines.all()}
            self.initial.setdefault("counties", list(self.instance.creations.values_list("region", flat=True)))
        for stage in DEADLINE_STAGES:
            self.fields[f"due_{stage}"] = forms.DateField(
                label=_("%(stage)s by") % {"stage": Stage(stage).label}, required=False, widget=DATE,
                initial=stored.get(stage))

    def clean_year(self):
        year = self.cleaned_data["year"]
        taken = Batch.objects.filter(campaign=self.campaign, year=year).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("The campaign already has a batch for %(year)d.") % {"year": year})
        return year

    def clean(self):
        cleaned = super().clean()
        previous = None
        for stage in DEADLINE_STAGES:
            due = cleaned.get(f"due_{stage}")
            if due is None:
                continue
            if previous is not None and due < previous[1]:
                self.add_error(f"due_{stage}", _("%(stage)s cannot be due before %(earlier)s (%(day)s).") % {
                    "stage": Stage(stage).label, "earlier": Stage(previous[0]).label,
                    "day": date_format(previous[1])})
            previous = (stage, due)
        return cleaned

    @property
    def deadlines(self):
        return {stage: self.cleaned_data.get(f"due_{stage}") for stage in DEADLINE_STAGES}

    def deadline_fields(self):
        return [self[f"due_{stage}"] for stage in DEADLINE_STAGES]


def _grouped_departments(region):
    """The departments of ``region`` and below, grouped by region, the region's own first."""
    departments = Department.objects.filter(region.subtree_q("region__"), is_active=True).select_related("region")
    groups = {}
    for department in sorted(departments, key=lambda d: (d.region_id != region.pk, d.region.code, d.short_name)):
        groups.setdefault(department.region.name, []).append((department.pk, department.name))
    return departments, list(groups.items())


class MeetingForm(SeenForm):
    class Meta:
        model = JointMeeting
        fields = ["held_on", "title", "departments", "attendance_text", "decisions"]
        widgets = {"held_on": DATE, "decisions": forms.Textarea(attrs={"rows": 4}),
                   "departments": forms.SelectMultiple(attrs={"size": 12})}
        # The models' own names of these fields are shared with other records (验收日期).
        labels = {"held_on": _("Meeting held on"), "title": _("Meeting title")}
        help_texts = {
            "attendance_text": _("As the minutes write it, e.g. 市发展改革委、市教委、市城管局等18个市级部门."),
            "departments": _("Hold Ctrl (⌘ on a Mac) to choose several."),
        }

    def __init__(self, *args, region, **kwargs):
        super().__init__(*args, **kwargs)
        queryset, groups = _grouped_departments(region)
        self.fields["departments"].queryset = queryset
        self.fields["departments"].choices = groups


class VisitForm(SeenForm):
    class Meta:
        model = SupervisionVisit
        fields = ["visited_on", "counties", "purpose", "findings", "follow_up", "follow_up_done"]
        widgets = {"visited_on": DATE, "counties": forms.CheckboxSelectMultiple,
                   "findings": forms.Textarea(attrs={"rows": 4}), "follow_up": forms.Textarea(attrs={"rows": 3})}
        labels = {"findings": _("Findings of the visit")}  # the model's "findings" is a re-check's 复核情况 too

    def __init__(self, *args, region, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counties"].queryset = counties_under(region)
        self.fields["counties"].label_from_instance = lambda county: county.name


class FundingForm(VersionedForm):
    class Meta:
        model = FundingRound
        fields = ["total", "basis"]
        widgets = {"basis": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"basis": _("What the amount rests on, e.g. the budget document.")}


class AllocationsForm(forms.Form):
    """The amount of each county of a round and why it differs from the suggestion."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, allocations, **kwargs):
        super().__init__(*args, **kwargs)
        self.allocations = allocations
        for allocation in allocations:
            self.fields[f"amount_{allocation.pk}"] = forms.DecimalField(
                label=_("Amount of %(county)s (万元)") % {"county": allocation.creation.region.name},
                max_digits=12, decimal_places=2, min_value=Decimal("0"), initial=allocation.amount)
            self.fields[f"note_{allocation.pk}"] = forms.CharField(
                label=_("Why %(county)s's amount differs") % {"county": allocation.creation.region.name},
                max_length=300, required=False, initial=allocation.note)

    def rows(self):
        return [(allocation, self[f"amount_{allocation.pk}"], self[f"note_{allocation.pk}"])
                for allocation in self.allocations]

    @property
    def amounts(self):
        return {allocation.pk: (self.cleaned_data[f"amount_{allocation.pk}"],
                                self.cleaned_data[f"note_{allocation.pk}"]) for allocation in self.allocations}


class SummaryYearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), validators=YEARS)
