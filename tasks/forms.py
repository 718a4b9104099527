from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Div, Layout, Row
from django import forms
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from core.forms import VersionedForm, WorkbookField, WorkbookOrWordField
from core.numbers import plain
from org.models import Department

from .models import Assignment, Plan, ProgressReport, TaskNode, TaskTarget

# A date input reads ISO dates only, whatever the language of the page.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


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

    @cached_property
    def select_options(self):
        """{field name: [(value, label, selected)]} of the three lists, for the page's plain
        markup (partials/filter_field.html): crispy and Django's widget templates rendering
        these four fields took a sixth of the plan page's CPU (bench/bench_page_cpu.py). The
        submitted value stays selected, as the widget would keep it, even when it is not valid."""
        options = {}
        for name in ("key_task", "department", "role"):
            value = self[name].value()
            chosen = "" if value is None else str(value)
            options[name] = [(str(v), label, str(v) == chosen) for v, label in self.fields[name].choices]
        return options


class ImportUploadForm(forms.Form):
    file = WorkbookOrWordField(
        label=_("Task table (.xlsx, .xls, .ods) or plan (.docx)"),
        help_text=_("An Excel workbook or a Word document of at most 10 MB. Title rows above the header are fine; "
                    "from a Word document, a table or the numbered paragraphs are read."),
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
    table = forms.IntegerField(
        label=_("Word: table number"), min_value=1, max_value=200, required=False,
        help_text=_("Empty: the first table. The preview lists the document's tables to choose another."),
    )
    prose = forms.BooleanField(
        label=_("Word: read the numbered paragraphs (一、（一）1.), not a table"), required=False
    )
    section = forms.CharField(
        label=_("Word: part holding the tasks"), max_length=50, required=False,
        help_text=_("A word of its heading, such as 重点任务; its sub-headings become the key tasks."),
    )

    def __init__(self, *args, regions, plans, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["plan"].queryset = plans

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
NEW_GROUP = "group"


class UnknownNamesForm(forms.Form):
    """One choice per department name the table uses that the region does not know: an
    existing department, a new department (of a kind asked beside it) or a new group (of the
    departments of the kinds ticked beside it). With ``single_department_column`` it also
    asks the role of a table's one department column."""

    def __init__(self, *args, unknown, departments, single_department_column=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— choose —")), (NEW_DEPARTMENT, _("Create it as a new department")),
                   (NEW_GROUP, _("Create it as a department group"))]
        choices += [(str(d.pk), _("Same as %(name)s") % {"name": d.short_name}) for d in departments]
        self.unknown = unknown
        if single_department_column is not None:
            self.fields["single_role"] = forms.ChoiceField(
                label=_("The table's one department column (%(column)s) names") % {
                    "column": single_department_column},
                choices=Assignment.Role.choices, initial=Assignment.Role.LEAD, widget=forms.RadioSelect,
                required=False,  # not answered: lead
            )
        for index, (key, name) in enumerate(unknown.items()):
            suggestions = "、".join(spelling for spelling, _ in name.suggestions)
            self.fields[f"name_{index}"] = forms.ChoiceField(
                label=name.name,
                choices=choices,
                initial=NEW_GROUP if name.looks_like_group else "",
                # Rendered as HTML like every help text: the stored spellings are escaped.
                help_text=_("Rows %(rows)s (%(columns)s). Similar: %(similar)s")
                % {"rows": "、".join(map(str, name.rows)), "columns": "、".join(name.columns),
                   "similar": escape(suggestions or "—")},
            )
            self.fields[f"name_{index}"].unknown_key = key
            self.fields[f"kind_{index}"] = forms.ChoiceField(
                label=_("Kind of the new department"), choices=Department.Kind.choices,
                initial=Department.Kind.BUREAU, required=False,
            )
            self.fields[f"group_kinds_{index}"] = forms.MultipleChoiceField(
                label=_("Members of the new group: the departments of these kinds"), choices=Department.Kind.choices,
                required=False, widget=forms.CheckboxSelectMultiple,
                help_text=_("A group with no members yet is kept; departments join it as they are added."),
            )
        if unknown:
            self.fields["remember"] = forms.BooleanField(
                label=_("Remember these names as aliases of the chosen departments, so later imports know them"),
                required=False,
                initial=True,
            )

    def name_rows(self):
        """[(choice, kind of a new department, members of a new group)] bound fields, one per name."""
        return [(self[name], self[f"kind_{name[5:]}"], self[f"group_kinds_{name[5:]}"])
                for name, field in self.fields.items() if hasattr(field, "unknown_key")]

    def answers(self):
        """[(unknown key, choice, kind of a new department, member kinds of a new group)]."""
        return [(field.unknown_key, self.cleaned_data[name], self.cleaned_data.get(f"kind_{name[5:]}")
                 or Department.Kind.BUREAU, self.cleaned_data.get(f"group_kinds_{name[5:]}") or [])
                for name, field in self.fields.items() if hasattr(field, "unknown_key")]


class PlanForm(VersionedForm):
    class Meta:
        model = Plan
        fields = ["title", "kind", "document_number", "start_year", "end_year", "report_window_days",
                  "report_due_offset_days"]


class PlanCreateForm(forms.ModelForm):
    class Meta:
        model = Plan
        fields = ["region", "title", "kind", "document_number", "start_year", "end_year", "report_window_days",
                  "report_due_offset_days"]

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["region"].empty_label = None


class PlanCopyForm(forms.Form):
    title = forms.CharField(label=_("Title of the copy"), max_length=200)
    years_later = forms.IntegerField(label=_("Years later"), min_value=1, max_value=10, initial=1)

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan

    def clean_title(self):
        title = self.cleaned_data["title"]
        if Plan.objects.filter(region=self.plan.region_id, title=title).exists():
            raise forms.ValidationError(_("This region already has a plan with this title."))
        return title


class NodeForm(VersionedForm):
    leads = forms.ModelMultipleChoiceField(
        label=_("Lead departments"), queryset=Department.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    cooperators = forms.ModelMultipleChoiceField(
        label=_("Cooperating departments"), queryset=Department.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = TaskNode
        fields = ["number", "text", "due_on", "due_text", "target_comparator", "target_value", "target_unit",
                  "target_text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 4}), "due_on": DATE}

    def __init__(self, *args, departments, level, **kwargs):
        super().__init__(*args, **kwargs)
        self.level = level
        self.fields["number"].strip = False  # "1. " as printed, its space kept
        self.helper = FormHelper()
        self.helper.form_tag = False
        if level == TaskNode.Level.WORK_ITEM:
            self.helper.layout = Layout(
                Row(Column("number", css_class="col-md-2"), Column("text", css_class="col-md-10")),
                Row(Column("due_on", css_class="col-md-3"), Column("due_text", css_class="col-md-3"),
                    Column("target_comparator", css_class="col-md-2"), Column("target_value", css_class="col-md-2"),
                    Column("target_unit", css_class="col-md-2")),
                "target_text",
                Div("leads", css_class="department-checks"),
                Div("cooperators", css_class="department-checks"),
                "version",
            )
            for name, written in (("leads", self.instance.lead_text), ("cooperators", self.instance.cooperating_text)):
                self.fields[name].queryset = departments
                if written:
                    # Group names stay written while all their members stay ticked. Help text is HTML: escaped.
                    self.fields[name].help_text = _("As written in the table: %(text)s") % {"text": escape(written)}
            if self.instance.pk and not self.is_bound:
                self.initial["leads"] = [a.department_id for a in self.instance.assignments.all() if a.role == "lead"]
                self.initial["cooperators"] = [
                    a.department_id for a in self.instance.assignments.all() if a.role == "cooperating"
                ]
        else:
            for name in ("leads", "cooperators", "due_on", "due_text", "target_comparator", "target_value",
                         "target_unit", "target_text"):
                del self.fields[name]

    def clean(self):
        cleaned = super().clean()
        if self.level != TaskNode.Level.WORK_ITEM:
            return cleaned
        if not cleaned.get("leads"):
            self.add_error("leads", _("A work item needs at least one lead department."))
        if (cleaned.get("target_value") is None) != (not cleaned.get("target_comparator")):
            self.add_error("target_comparator", _("Give both the comparator and the value of a target, or neither."))
        return cleaned


class LeadAssignmentForm(forms.Form):
    """The lead and cooperating departments of one work item that has no lead yet."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    leads = forms.ModelMultipleChoiceField(label=_("Lead departments"), queryset=Department.objects.none())
    cooperators = forms.ModelMultipleChoiceField(
        label=_("Cooperating departments"), queryset=Department.objects.none(), required=False
    )

    def __init__(self, *args, node, departments, **kwargs):
        super().__init__(*args, prefix=f"item-{node.pk}", initial={"version": node.version}, **kwargs)
        self.node = node
        for name in ("leads", "cooperators"):
            self.fields[name].queryset = departments
            self.fields[name].widget.attrs["size"] = 6
        self.initial["cooperators"] = [a.department_id for a in node.assignments.all() if a.role == "cooperating"]


class ProgressForm(VersionedForm):
    class Meta:
        model = ProgressReport
        fields = ["status", "percent", "quantity", "work_done", "problems", "next_plan"]
        widgets = {
            "work_done": forms.Textarea(attrs={"rows": 4}),
            "problems": forms.Textarea(attrs={"rows": 2}),
            "next_plan": forms.Textarea(attrs={"rows": 2}),
        }

    show_targets = True  # one field per target of the item (the batch page keeps the one quantity)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        item = self.instance.item
        self.targets = list(item.targets.all()) if self.show_targets else []
        if self.targets:
            # The quantity against the item's main target is taken from its field on saving.
            del self.fields["quantity"]
            self._add_target_fields(item)
        elif item.target_value is None:
            del self.fields["quantity"]
        else:
            target = item.target_text or item.target_value
            # Help texts are rendered as HTML (Django's convention): the item's words are escaped.
            self.fields["quantity"].help_text = _("Target: %(target)s") % {"target": escape(target)}
            if not self.is_bound and self.instance.quantity is not None:
                # Shown as the clerk typed it (5, not the column's 5.0000). Only unbound: a
                # bound form compares its data with the stored Decimal to see what changed.
                self.initial["quantity"] = plain(self.instance.quantity)
        self.fields["percent"].widget.attrs.update({"min": 0, "max": 100})

    def _add_target_fields(self, item):
        stored = {}
        if self.instance.pk:
            stored = {row.target_id: row.quantity for row in self.instance.target_quantities.all()}
        for target in self.targets:
            name = f"target_{target.pk}"
            change = target.kind == TaskTarget.Kind.CHANGE_VS_BASE  # a fall is negative
            self.fields[name] = forms.DecimalField(
                label=_("Achieved against “%(target)s”") % {"target": target.label}, required=False,
                max_digits=14, decimal_places=4, min_value=None if change else 0,
                help_text=escape(target.wording),  # rendered as HTML: the words are escaped
            )
            if not self.is_bound and target.pk in stored:
                self.initial[name] = plain(stored[target.pk])
        names = list(self.fields)
        first = names.index("percent") + 1
        self.order_fields([*names[:first], *(f"target_{t.pk}" for t in self.targets), *names[first:]])

    def target_quantities(self):
        """[(target, quantity or None)] as entered."""
        return [(target, self.cleaned_data.get(f"target_{target.pk}")) for target in self.targets]




class ContributionForm(forms.Form):
    note = forms.CharField(
        label=_("What your department contributed this quarter"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write what your department contributed.")},
    )


class TemplateUploadForm(forms.Form):
    file = WorkbookField(label=_("Filled-in progress template (.xlsx, .xls, .ods)"))


class BatchProgressForm(ProgressForm):
    """One row of the fill-many page: the same fields, laid out compactly. ``locked``: the
    entry was submitted or approved after the page was shown, so the row is no longer posted."""

    locked = False
    show_targets = False

    class Meta(ProgressForm.Meta):
        widgets = {
            "work_done": forms.Textarea(attrs={"rows": 2}),
            "problems": forms.Textarea(attrs={"rows": 1}),
            "next_plan": forms.Textarea(attrs={"rows": 1}),
        }



class TaskTargetForm(forms.ModelForm):
    class Meta:
        model = TaskTarget
        fields = ["kind", "comparator", "value", "value_max", "unit", "base_year", "due_on", "due_text", "wording",
                  "alternative"]
        widgets = {"due_on": DATE, "wording": forms.TextInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            for name in ("value", "value_max"):  # 5, not the column's 5.0000
                self.initial[name] = plain(getattr(self.instance, name))
        for name, field in self.fields.items():
            if name in ("DELETE", "alternative"):
                css = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                css = "form-select form-select-sm"
            else:
                css = "form-control form-control-sm"
            field.widget.attrs["class"] = css


TaskTargetFormSet = forms.inlineformset_factory(
    TaskNode, TaskTarget, form=TaskTargetForm, extra=1, can_delete=True, max_num=30, validate_max=True,
)


def target_formset(node, data=None):
    """The targets section of a work item's edit page. Bound only when the page posted it
    (a post without it leaves the targets as they are)."""
    bound = data is not None and f"{TARGET_PREFIX}-TOTAL_FORMS" in data
    return TaskTargetFormSet(data if bound else None, instance=node, prefix=TARGET_PREFIX,
                             queryset=node.targets.order_by("position", "pk"))


TARGET_PREFIX = "targets"
