"""Forms of ``indicators``. The data-entry form only collects what was typed; the checks
live in ``validation`` and ``services.data_prepare`` so that the form and the Excel
template are judged by the same rules."""

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from core.forms import WorkbookField
from core.numbers import plain
from core.periods import Quarter
from org.models import Region

from .models import IndicatorSet
from .services import Entry, UtilityEntry
from .validation import UTILITY_FIELDS

EXTRA_UTILITY_ROWS = 2


class DataEntryForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    confirm_warnings = forms.BooleanField(
        label=_("I have checked the figures with warnings and they are right"), required=False
    )

    def __init__(self, *args, groups, utilities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = groups
        self.codes = [row.element.code for _indicator, rows in groups for row in rows]
        for _indicator, rows in groups:
            for row in rows:
                code = row.element.code
                self.fields[f"value_{code}"] = forms.CharField(
                    label=row.element.name, required=False, max_length=40,
                    initial=plain(row.value.value) if row.value else "",
                )
                self.fields[f"comment_{code}"] = forms.CharField(
                    label=_("Remarks"), required=False, max_length=300,
                    initial=row.value.comment if row.value else "",
                )
        self.utility_count = None
        if utilities is not None:
            self.utility_count = len(utilities) + EXTRA_UTILITY_ROWS
            for index in range(self.utility_count):
                stored = utilities[index] if index < len(utilities) else None
                self.fields[f"u{index}_utility"] = forms.CharField(
                    label=_("Water utility"), required=False, max_length=100,
                    initial=stored.utility if stored else "",
                )
                for key, label in UTILITY_FIELDS:
                    self.fields[f"u{index}_{key}"] = forms.CharField(
                        label=label, required=False, max_length=40,
                        initial=plain(getattr(stored, key)) if stored else "",
                    )
                self.fields[f"u{index}_comment"] = forms.CharField(
                    label=_("Remarks"), required=False, max_length=300, initial=stored.comment if stored else ""
                )

    def entries(self):
        data = self.cleaned_data
        return [
            Entry(code=c, raw=data.get(f"value_{c}") or None, comment=data.get(f"comment_{c}", "")) for c in self.codes
        ]

    def utility_entries(self):
        if self.utility_count is None:
            return None
        data, result = self.cleaned_data, []
        self.utility_positions = {}
        for index in range(self.utility_count):
            raw = {key: data.get(f"u{index}_{key}") or None for key, _label in UTILITY_FIELDS}
            name = data.get(f"u{index}_utility", "").strip()
            if name or any(raw.values()):
                self.utility_positions[len(result)] = index
                result.append(UtilityEntry(utility=name, raw=raw, comment=data.get(f"u{index}_comment", "")))
        return result

    def field_for(self, key):
        """The field a finding key (``IND_NEW_WATER``, ``utility-0-supply``) belongs to."""
        if key in self.codes:
            return f"value_{key}"
        if key.startswith("utility-"):
            parts = key.split("-", 2)
            index = getattr(self, "utility_positions", {}).get(int(parts[1]))
            if index is not None:
                return f"u{index}_{parts[2] if len(parts) > 2 else 'utility'}"
        return None

    def value_rows(self):
        """(indicator, [(SheetRow, value field, comment field)]) for the template."""
        return [
            (indicator, [(row, self[f"value_{row.element.code}"], self[f"comment_{row.element.code}"]) for row in rows])
            for indicator, rows in self.groups
        ]

    def utility_rows(self):
        if self.utility_count is None:
            return []
        return [
            [self[f"u{index}_utility"], *[self[f"u{index}_{key}"] for key, _ in UTILITY_FIELDS],
             self[f"u{index}_comment"]]
            for index in range(self.utility_count)
        ]


class DataUploadForm(forms.Form):
    file = WorkbookField(label=_("Filled-in template (.xlsx, .xls, .ods)"))


class ChecklistAnswerForm(forms.Form):
    answer = forms.TypedChoiceField(
        label=_("Answer"), choices=[("yes", _("Yes")), ("no", _("No"))], coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Explanation"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )




class QuarterForm(forms.Form):
    """A quarter chosen as year + quarter, as officials name it."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2099)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"), coerce=int,
        choices=[(1, _("First quarter")), (2, _("Second quarter")), (3, _("Third quarter")), (4, _("Fourth quarter"))],
    )

    def __init__(self, *args, period=None, **kwargs):
        super().__init__(*args, **kwargs)
        if period is not None:
            self.initial.update({"year": period.year, "quarter": period.number})

    @property
    def period(self):
        return Quarter(self.cleaned_data["year"], self.cleaned_data["quarter"])


class _AboveCounty(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


class BulkTemplateForm(QuarterForm):
    region = _AboveCounty(
        label=_("Counties of"), required=False, to_field_name="code", empty_label=_("All regions"),
        queryset=Region.objects.exclude(level=Region.Level.COUNTY).order_by("code"),
        help_text=_("A province or city limits the file to its counties."),
    )


class BulkUploadForm(QuarterForm):
    file = WorkbookField(label=_("Filled-in statistics file (.xlsx, .xls, .ods)"))


class StandardUploadForm(forms.Form):
    file = WorkbookField(label=_("Filled-in standard workbook (.xlsx, .xls, .ods)"))


class JudgementForm(forms.Form):
    """The experts' points for an item and why; ``version`` is the version of the quarter's
    judgement the page showed (empty when it showed none)."""

    points = forms.DecimalField(label=_("Points awarded"), min_value=0, max_digits=5, decimal_places=1)
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the experts found: the documents, the checks made, what is missing."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, indicator, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["points"].max_value = indicator.points
        self.fields["points"].validators.append(MaxValueValidator(indicator.points))
        self.fields["points"].help_text = _("From 0 to %(full)s, the item's full points.") % {
            "full": plain(indicator.points)}

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why the item earns these points."))
        return reason

    def show_conflict(self, current):
        """After a refused save: keep what was typed, say what is stored now, and let a
        second submit knowingly replace it."""
        self.add_error(None, _("Someone else judged this item for the quarter after you opened the page: "
                               "%(points)s points, “%(reason)s”. Submit again to replace it with yours, or cancel.")
                       % {"points": plain(current.points), "reason": current.reason})
        data = self.data.copy()
        data["version"] = current.version
        self.data = data


class AdoptionForm(forms.Form):
    """A standard for a region to adopt (or the year it is adopted since, changed)."""

    indicator_set = forms.ModelChoiceField(label=_("Standard"), queryset=None)
    since_year = forms.IntegerField(label=_("Adopted since (year)"), min_value=2000, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator_set"].queryset = IndicatorSet.objects.order_by("code", "-version")
