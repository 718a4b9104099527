"""Forms of a county's creation record and of the stages from 现场验收 to 复核. Dates of what
happened cannot be later than today nor earlier than what they follow; each error names
its field. Who may post each form and in which stage is the services' and the stage
machine's to say."""

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .models import Acceptance, Recheck, Stage

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _text(rows=3):
    return forms.Textarea(attrs={"rows": rows})


class VersionField(forms.IntegerField):
    """The version of the record the page showed: a stale page is refused, not saved over."""

    def __init__(self, **kwargs):
        super().__init__(widget=forms.HiddenInput, **kwargs)


class DatedForm(forms.Form):
    """A form of something that happened: its dates are not in the future and not before
    ``earliest`` (field name → (date, why))."""

    past_dates = ()  # names of the date fields of events that have happened

    def __init__(self, *args, today, earliest=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.earliest = earliest or {}

    def clean(self):
        cleaned = super().clean()
        for name in self.past_dates:
            day = cleaned.get(name)
            if day is None:
                continue
            if day > self.today:
                self.add_error(name, _("%(field)s cannot be later than today (%(today)s).") % {
                    "field": self.fields[name].label, "today": date_format(self.today)})
            elif name in self.earliest and self.earliest[name][0] is not None and day < self.earliest[name][0]:
                bound, why = self.earliest[name]
                self.add_error(name, _("%(field)s cannot be earlier than %(date)s (%(why)s).") % {
                    "field": self.fields[name].label, "date": date_format(bound), "why": why})
        return cleaned


# --- the record ----------------------------------------------------------------------------------


class ReturnForm(forms.Form):
    """The city sends the county back; the reason is checked by the stage machine, which
    refuses without one."""

    to = forms.ChoiceField(label=_("Back to"), widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    reason = forms.CharField(label=_("Reason for returning"), required=False,
                             widget=forms.Textarea(attrs={"rows": 1, "class": "form-control form-control-sm"}))
    version = VersionField()

    def __init__(self, *args, stages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(stage, Stage(stage).label) for stage in stages]


class DocumentStageForm(forms.Form):
    """The stage a stage document is filed under (the file itself is ``core.evidence``'s)."""

    stage = forms.ChoiceField(label=_("Filed under"),
                              widget=forms.Select(attrs={"class": "form-select form-select-sm"}))

    def __init__(self, *args, stages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [(stage, Stage(stage).label) for stage in stages]
        if stages:
            self.fields["stage"].initial = stages[-1]


# --- 现场验收 --------------------------------------------------------------------------------------


class AcceptanceStartForm(DatedForm):
    held_on = forms.DateField(label=_("Held on"), widget=DATE)
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments of the joint group"), queryset=None, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one department of the joint group.")})
    members_text = forms.CharField(
        label=_("Joint group as written"), max_length=300, required=False,
        help_text=_("As the acceptance's documents write it, e.g. 市水利局、市经信委、市城管局、市机关事务局; it signs "
                    "the acceptance opinion. Empty: the departments chosen above."))
    version = VersionField()
    past_dates = ("held_on",)

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = departments


class FindingForm(DatedForm):
    finding = forms.CharField(label=_("Finding"), widget=_text(2))
    owner = forms.ModelChoiceField(label=_("Responsible department"), queryset=None)
    due = forms.DateField(label=_("Rectify by"), widget=DATE)

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = departments

    def clean(self):
        cleaned = super().clean()
        due, (held_on, _why) = cleaned.get("due"), self.earliest.get("due", (None, ""))
        if due is not None and held_on is not None and due < held_on:
            self.add_error("due", _("The deadline cannot be before the acceptance (%(date)s).") % {
                "date": date_format(held_on)})
        return cleaned


class ConclusionForm(forms.Form):
    conclusion = forms.ChoiceField(label=_("Conclusion"), choices=Acceptance.Conclusion.choices,
                                   widget=forms.RadioSelect)
    opinion = forms.CharField(label=_("Acceptance opinion"), widget=_text(5),
                              help_text=_("What the group found and decided, as the acceptance opinion says it."))
    version = VersionField()


class RectificationReportForm(forms.Form):
    report = forms.CharField(label=_("What was done"), widget=_text(4))
    version = VersionField()


class RectificationCloseForm(DatedForm):
    closed_on = forms.DateField(label=_("Closed on"), widget=DATE)
    version = VersionField()
    past_dates = ("closed_on",)


class RectificationSendBackForm(forms.Form):
    comment = forms.CharField(label=_("What is still missing"), widget=_text(2))
    version = VersionField()


# --- 公示 ----------------------------------------------------------------------------------------


class PublicityForm(DatedForm):
    starts_on = forms.DateField(label=_("Publicity from"), widget=DATE)
    ends_on = forms.DateField(label=_("Publicity until"), widget=DATE,
                              help_text=_("The last day of the publicity: the county is reported upward the day "
                                          "after at the earliest."))
    channel = forms.CharField(label=_("Where published"), max_length=200,
                              help_text=_("e.g. 重庆市水利局门户网站"))
    version = VersionField()
    past_dates = ("starts_on",)

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The publicity cannot end before it starts."))
        return cleaned


class ObjectionForm(DatedForm):
    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    content = forms.CharField(label=_("Objection"), widget=_text(3))
    past_dates = ("received_on",)


class SettlementForm(DatedForm):
    settlement = forms.CharField(label=_("How it was settled"), widget=_text(3))
    settled_on = forms.DateField(label=_("Settled on"), widget=DATE)
    past_dates = ("settled_on",)


# --- 报上级复核, 命名, 复核 ------------------------------------------------------------------------


class ReportUpwardForm(DatedForm):
    reported_on = forms.DateField(label=_("Reported upward on"), widget=DATE)
    reported_document = forms.CharField(label=_("Report's document number"), max_length=100,
                                        help_text=_("e.g. 渝水〔2019〕123号"))
    version = VersionField()
    past_dates = ("reported_on",)


class NamingForm(DatedForm):
    named_batch = forms.CharField(
        label=_("Naming batch"), max_length=200,
        help_text=_("As the naming document writes it, e.g. 第三批县域节水型社会达标建设名单"))
    named_on = forms.DateField(label=_("Named on"), widget=DATE)
    named_document = forms.CharField(label=_("Naming document number"), max_length=100)
    version = VersionField()
    past_dates = ("named_on",)


class RecheckForm(DatedForm):
    checked_on = forms.DateField(label=_("Checked on"), widget=DATE)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Recheck.Outcome.choices, widget=forms.RadioSelect)
    document = forms.CharField(label=_("Document number"), max_length=100, required=False)
    note = forms.CharField(label=_("Findings"), required=False, widget=_text(3),
                           help_text=_("Required when the name is revoked."))
    version = VersionField()
    past_dates = ("checked_on",)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == Recheck.Outcome.REVOKED and not cleaned.get("note", "").strip():
            self.add_error("note", _("Give the re-check's findings: a name is not revoked without them."))
        return cleaned
