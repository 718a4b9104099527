from django import forms
from django.utils.translation import gettext_lazy as _

from core.excel import MAX_UPLOAD_BYTES, WorkbookError, check_upload
from org.models import Department

from .models import Assignment, Plan


class PlanFilterForm(forms.Form):
    """The filters of the plan page; every field optional, bad values are ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False, empty_label=_("All departments")
    )
    role = forms.ChoiceField(
        label=_("Part"),
        required=False,
        choices=[("", _("Leads or cooperates")), *Assignment.Role.choices],
    )
    key_task = forms.TypedChoiceField(label=_("Key task"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, departments, key_tasks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["key_task"].choices = [("", _("All key tasks")), *((n.pk, n.label[:40]) for n in key_tasks)]


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Task table (.xlsx)"),
        help_text=_("An Excel workbook of at most 10 MB. Title rows above the header are fine."),
        error_messages={"empty": _("The file is empty.")},
    )
    region = forms.ModelChoiceField(label=_("Region"), queryset=None, empty_label=None)
    plan = forms.ModelChoiceField(
        label=_("Import into plan"),
        queryset=Plan.objects.none(),
        required=False,
        empty_label=_("— a new plan —"),
    )
    title = forms.CharField(label=_("New plan title"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Plan.Kind.choices, initial=Plan.Kind.ANNUAL)
    start_year = forms.IntegerField(label=_("First year"), min_value=2000, max_value=2100, required=False)
    end_year = forms.IntegerField(label=_("Last year"), min_value=2000, max_value=2100, required=False)
    sheet = forms.CharField(
        label=_("Sheet name"), max_length=100, required=False, help_text=_("Empty: the first sheet.")
    )
    split_circled = forms.BooleanField(label=_("Split ①②③ items in one cell into separate work items"), required=False)

    def __init__(self, *args, regions, plans, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["plan"].queryset = plans

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        data = upload.read()
        try:
            check_upload(data)
        except WorkbookError as error:
            raise forms.ValidationError(str(error)) from None
        self.file_bytes = data
        return upload

    def clean(self):
        cleaned = super().clean()
        plan, region = cleaned.get("plan"), cleaned.get("region")
        if plan is not None:
            if region is not None and plan.region_id != region.pk:
                self.add_error("plan", _("This plan belongs to another region."))
            return cleaned
        if not cleaned.get("title"):
            self.add_error("title", _("Choose a plan, or give the new plan a title."))
        if not cleaned.get("start_year"):
            self.add_error("start_year", _("A new plan needs its first year."))
        start, end = cleaned.get("start_year"), cleaned.get("end_year") or cleaned.get("start_year")
        if start and end and end < start:
            self.add_error("end_year", _("The last year cannot be before the first year."))
        if (
            region is not None
            and cleaned.get("title")
            and Plan.objects.filter(region=region, title=cleaned["title"]).exists()
        ):
            self.add_error("title", _("This region already has a plan with this title; choose it above."))
        return cleaned


NEW_DEPARTMENT = "new"


class UnknownNamesForm(forms.Form):
    """One choice per department name the table uses that the region does not know."""

    def __init__(self, *args, unknown, departments, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— choose —")), (NEW_DEPARTMENT, _("Create it as a new department"))]
        choices += [
            (str(d.pk), _("Same as %(name)s (remember as its alias)") % {"name": d.short_name}) for d in departments
        ]
        self.unknown = unknown
        for index, (key, name) in enumerate(unknown.items()):
            suggestions = "、".join(spelling for spelling, _ in name.suggestions)
            self.fields[f"name_{index}"] = forms.ChoiceField(
                label=name.name,
                choices=choices,
                help_text=_("Rows %(rows)s. Similar: %(similar)s")
                % {"rows": "、".join(map(str, name.rows)), "similar": suggestions or "—"},
            )
            self.fields[f"name_{index}"].unknown_key = key
