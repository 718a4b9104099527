"""Plan pages: list, tree with filters, export, import (upload → preview → confirm) and a
department's own work. Every queryset starts from the user's scope."""


from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from carriers.selectors import carrier_counts
from core import staged_import
from core.audit import audited
from core.errors import FileUnreadable
from core.history import record_history
from core.periods import Quarter
from core.views import xlsx_response
from org.models import Department
from org.scoping import visible_to

from .. import exports
from ..forms import (
    NEW_DEPARTMENT,
    NEW_GROUP,
    ImportUploadForm,
    LeadAssignmentForm,
    NodeForm,
    PlanCopyForm,
    PlanCreateForm,
    PlanFilterForm,
    PlanForm,
    UnknownNamesForm,
    target_formset,
)
from ..imports import check_task_table, describe_plan_import, read_task_table, targets_as_read, without_lead_warning
from ..models import Plan, TaskNode
from ..selectors import archived_nodes, plan_tree, plans_for, records_under, unassigned_items, walk
from ..services import (
    ALIAS,
    ARCHIVED,
    GROUP,
    MAP,
    NEW,
    NODE_FIELDS,
    EditConflict,
    node_create,
    node_delete,
    node_move,
    node_restore,
    node_update,
    plan_copy,
    plan_import,
    plan_import_diff,
    plan_update,
    subtree,
)
from ..services.targets import node_update_with_targets
from ..word_plans import WordChoice

PLANS_PER_PAGE = 30
TASK_TABLE = "task_table"
WORD_PROSE = "prose"


@require_safe
@login_required
def plan_list(request):
    scope = visible_to(request.user)
    page = Paginator(plans_for(scope), PLANS_PER_PAGE).get_page(request.GET.get("page"))
    can_import = scope.regions(change=True).exists()
    return render(request, "tasks/plan_list.html", {"page": page, "can_import": can_import})


def _visible_plan(request, pk):
    scope = visible_to(request.user)
    return scope, scope.get_or_404(Plan.objects.select_related("region"), region="region", pk=pk)


def _filtered_tree(request, plan, scope):
    key_tasks = TaskNode.objects.current().filter(plan=plan, level=TaskNode.Level.KEY_TASK).order_by("position")
    departments = Department.objects.filter(region=plan.region, is_active=True).filter(scope.department_q())
    form = PlanFilterForm(request.GET or None, departments=departments.order_by("short_name"), key_tasks=key_tasks)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    key_task = next((n for n in key_tasks if n.pk == filters.get("key_task")), None)
    roots = plan_tree(
        plan,
        key_task=key_task,
        department=filters.get("department"),
        role=filters.get("role") or None,
        search=(filters.get("q") or "").strip(),
    )
    return form, roots, filters


@require_safe
@login_required
def plan_detail(request, pk):
    scope, plan = _visible_plan(request, pk)
    form, roots, filters = _filtered_tree(request, plan, scope)
    rows = list(walk(roots))
    return render(
        request,
        "tasks/plan_detail.html",
        {
            "plan": plan,
            "form": form,
            "rows": rows,
            "item_count": sum(1 for row in rows if row.node.is_work_item),
            "filtered": any(filters.values()) if filters else False,
            "query": request.GET.urlencode(),
            "phases": plan.phases.all(),
            "can_edit": scope.can_review_region(plan.region),
            "archived": archived_nodes(plan),
            "unassigned_count": unassigned_items(plan).count(),
            "carrier_counts": carrier_counts(
                plan, [row.node for row in rows if row.node.is_work_item], today=timezone.localdate()
            ),
        },
    )


@require_safe
@login_required
def plan_export(request, pk):
    scope, plan = _visible_plan(request, pk)
    _, roots, filters = _filtered_tree(request, plan, scope)
    if plan.source_layout and request.GET.get("layout") != "official":
        # The table as the plan's source wrote it: its label, title, headers and words.
        name = exports.source_file_name(plan)
        if filters.get("department"):  # not the whole table's name: the file holds one department's rows
            name = f"{name.removesuffix('.xlsx')}（{filters['department'].short_name}）.xlsx"
        return xlsx_response(exports.build_source_workbook(plan, roots), name)
    title = None
    if filters.get("department"):
        title = f"{exports.official_title(plan)}（{filters['department'].short_name}）"
    return xlsx_response(exports.build_workbook(plan, roots, title=title), f"{exports.official_title(plan)}.xlsx")


@require_safe
@login_required
def my_work(request):
    """The work items the user's department leads or supports, across visible plans."""
    scope = visible_to(request.user)
    department = request.user.department
    if department is None:
        raise Http404
    sections = []
    quarter = Quarter.containing(timezone.localdate())
    for plan in plans_for(scope).filter(region=department.region_id):
        roots = plan_tree(plan, department=department)
        items = [row for row in walk(roots) if row.node.is_work_item]
        if items:
            # A contribution goes to a quarter the plan runs in; a finished plan offers none.
            contribute = quarter if plan.covers(quarter) else None
            sections.append({"plan": plan, "rows": list(walk(roots)), "count": len(items), "contribute": contribute})
    return render(request, "tasks/my_work.html", {"department": department, "sections": sections, "quarter": quarter})


def _import_regions(scope):
    # Plans belong to districts and counties; a city or province has none of its own.
    return scope.districts(change=True)


@dataclass
class _TaskTableTarget:
    region: object
    plan: object  # the plan imported into: a stored one, or a new one saved by the commit
    meta: dict
    word: object = None  # word_plans.WordChoice: what to read of a Word document


class TaskTableImporter(staged_import.Importer):
    """A task table into a new or an existing plan of a district; unknown department names
    are settled on the preview before it can be confirmed."""

    kind = TASK_TABLE
    preview_route = "tasks:import_preview"
    template = "tasks/import_preview.html"

    def target(self, request, meta):
        region = get_object_or_404(_import_regions(visible_to(request.user)), pk=meta["region"])
        if meta["plan"]:
            plan = get_object_or_404(Plan, pk=meta["plan"], region=region)
        else:
            plan = Plan(region=region, title=meta["title"], kind=meta["kind_of_plan"], start_year=meta["start_year"],
                        end_year=meta["end_year"])
        return _TaskTableTarget(region, plan, meta, _word_choice(request, meta))

    def read(self, data, target):
        def read(word):
            return read_task_table(data, sheet=target.meta["sheet"] or None,
                                   split_circled=target.meta["split_circled"], word=word)

        uploaded = _uploaded_choice(target.meta)
        if target.word == uploaded:
            return read(uploaded)
        # A choice made on the preview that cannot be read keeps the upload: the preview shows
        # why, over what the upload page's choice reads, and cannot be confirmed.
        try:
            return read(target.word)
        except FileUnreadable as error:
            fallback = read(uploaded)
            fallback.table.problems.insert(0, _("The choice could not be read: %(reason)s") % {"reason": error})
            return fallback

    def check(self, read, target):
        preview = check_task_table(read, region=target.region, default_year=target.plan.start_year)
        diff = plan_import_diff(plan=target.plan, preview=preview)
        changes, removals = describe_plan_import(diff)
        counts = preview.counts()
        without_lead = preview.without_lead()
        return staged_import.Check(
            data=preview, problems=preview.problems, changes=changes, removals=removals, added=len(diff.tree.added),
            warnings=[*preview.warnings, *([without_lead_warning(len(without_lead))] if without_lead else [])],
            facts=[(_("Key tasks"), counts[1]), (_("Sub-tasks"), counts[2]), (_("Work items"), counts[3]),
                   (_("Added"), len(diff.tree.added)), (_("Changed"), len(changes)), (_("Removed"), len(removals))],
        )

    def confirm_form(self, check, target, data):
        return UnknownNamesForm(data, unknown=check.data.unknown, departments=_region_departments(target.region),
                                single_department_column=_column_name(check.data.table))

    def commit(self, read, target, confirmation):
        # the region's names as they are now
        preview = check_task_table(read, region=target.region, default_year=target.plan.start_year)
        plan = target.plan
        if plan.pk is None:
            plan.full_clean()
            plan.save()
        return plan_import(plan=plan, preview=preview, mapping=_mapping(confirmation.form, target.region),
                           user=confirmation.user, single_role=confirmation.form.cleaned_data.get("single_role"))

    def done(self, request, result, target):
        message = _("Imported into “%(plan)s”: %(created)d added, %(updated)d updated, %(deleted)d removed, "
                    "%(unchanged)d unchanged.") % {
            "plan": target.plan, "created": result.created, "updated": result.updated, "deleted": result.deleted,
            "unchanged": result.unchanged}
        if result.archived or result.restored:
            message += " " + _("%(archived)d archived with their records, %(restored)d restored.") % {
                "archived": result.archived, "restored": result.restored}
        return message, target.plan.get_absolute_url()

    def context(self, target, check):
        return {"region": target.region, "plan": target.plan, "preview": check.data,
                "rows": targets_as_read(check.data.table, default_year=target.plan.start_year),
                "word": check.data.word, "word_read": _word_read_value(check.data.word)}


def _word_choice(request, meta):
    """What to read of a Word upload: the preview's choice (``?read=2``, ``?read=prose&section=…``),
    else what the upload page said."""
    read = request.GET.get("read", "")
    if read == WORD_PROSE:
        return WordChoice(prose=True, section=request.GET.get("section", "").strip()[:50])
    if read.isdigit():
        return WordChoice(table=int(read))
    return _uploaded_choice(meta)


def _uploaded_choice(meta):
    return WordChoice(table=meta.get("table"), prose=bool(meta.get("prose")), section=meta.get("section") or "")


def _word_read_value(word):
    if word is None:
        return ""
    return WORD_PROSE if word.table is None else str(word.table)


TASK_TABLE_IMPORT = TaskTableImporter()


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Upload a task table"))
def import_upload(request):
    regions = _import_regions(visible_to(request.user))
    if not regions.exists():
        raise Http404
    plans = Plan.objects.filter(region__in=regions).order_by("-start_year", "title")
    posted = request.method == "POST"
    form = ImportUploadForm(
        request.POST if posted else None, request.FILES if posted else None, regions=regions, plans=plans
    )
    if posted and form.is_valid():
        data = form.cleaned_data
        return staged_import.keep_upload(
            request, TASK_TABLE_IMPORT, data["file"], region=data["region"].pk,
            plan=data["plan"].pk if data["plan"] else None, title=data["title"], kind_of_plan=data["kind"],
            start_year=data["start_year"], end_year=data["end_year"] or data["start_year"], sheet=data["sheet"],
            split_circled=data["split_circled"], table=data["table"], prose=data["prose"], section=data["section"],
        )
    return render(request, "tasks/import_upload.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Import a task table"))
def import_preview(request, token):
    return staged_import.preview(request, TASK_TABLE_IMPORT, token)


def _column_name(table):
    """The header of a table's one department column as written, or None when it has a 牵头 column."""
    column = table.single_department_column
    if column is None:
        return None
    return table.layout["columns"][column - 1]["header"] or column


def _mapping(names_form, region):
    by_pk = {str(d.pk): d for d in _region_departments(region)}
    use = ALIAS if names_form.cleaned_data.get("remember") else MAP
    mapping = {}
    for key, choice, kind, group_kinds in names_form.answers():
        if choice == NEW_DEPARTMENT:
            mapping[key] = (NEW, kind)
        elif choice == NEW_GROUP:
            mapping[key] = (GROUP, group_kinds)
        else:
            mapping[key] = (use, by_pk[choice])
    return mapping


# --- editing (reviewers of the district and administrators) --------------------------------


def _changeable_plan(request, pk):
    scope = visible_to(request.user)
    return scope.get_or_404(Plan.objects.select_related("region"), region="region", change=True, pk=pk)


def _changeable_node(request, pk, *, archived=False):
    """A node the user may change: a current one, or (``archived``) an archived one to restore."""
    scope = visible_to(request.user)
    nodes = TaskNode.objects.archived() if archived else TaskNode.objects.current()
    return scope.get_or_404(nodes.select_related("plan__region", "parent"), region="plan__region", change=True, pk=pk)


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Create a plan"))
def plan_create(request):
    regions = _import_regions(visible_to(request.user))
    if not regions.exists():
        raise Http404
    form = PlanCreateForm(request.POST if request.method == "POST" else None, regions=regions)
    if request.method == "POST" and form.is_valid():
        plan = form.save()
        messages.success(request, _("Plan “%(plan)s” created. Add its key tasks, or import its task table.") % {
            "plan": plan})
        return redirect(plan)
    return render(request, "tasks/plan_form.html", {"form": form, "plan": None})


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Edit a plan"), "tasks.Plan")
def plan_edit(request, pk):
    plan = _changeable_plan(request, pk)
    form = PlanForm(request.POST if request.method == "POST" else None, instance=plan)
    current = None
    if request.method == "POST" and form.is_valid():
        try:
            plan_update(plan=form.instance, version=form.cleaned_data["version"])
        except EditConflict as conflict:
            current = conflict.current
            form.show_conflict(current)
        else:
            messages.success(request, _("Plan saved."))
            return redirect(plan)
    return render(request, "tasks/plan_form.html", {"form": form, "plan": plan, "current": current})


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Copy a plan to a later year"), "tasks.Plan")
def plan_copy_view(request, pk):
    plan = _changeable_plan(request, pk)
    initial = {"title": plan.title.replace(str(plan.start_year), str(plan.start_year + 1)), "years_later": 1}
    form = PlanCopyForm(request.POST if request.method == "POST" else None, plan=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        copy = plan_copy(plan=plan, title=data["title"], years_later=data["years_later"])
        note = _("Copied to “%(plan)s”: the same tasks and departments, no progress, dates moved on.")
        messages.success(request, note % {"plan": copy})
        return redirect(copy)
    return render(request, "tasks/plan_copy.html", {"form": form, "plan": plan})


def _region_departments(region):
    return Department.objects.filter(region=region, is_active=True).order_by("kind", "short_name")


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Add a task"), "tasks.Plan")
def node_create_view(request, pk):
    plan = _changeable_plan(request, pk)
    parent = None
    if request.GET.get("parent"):
        parent = get_object_or_404(
            TaskNode.objects.current(), plan=plan, pk=request.GET["parent"] if request.GET["parent"].isdigit() else 0
        )
        if parent.is_work_item:
            raise Http404
    level = _child_level(parent, request.GET.get("level"))
    form = NodeForm(
        request.POST if request.method == "POST" else None,
        instance=TaskNode(plan=plan, parent=parent, level=level),
        departments=_region_departments(plan.region_id),
        level=level,
    )
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in NODE_FIELDS if name in form.cleaned_data}
        node_create(
            plan=plan, parent=parent, level=level, fields=fields,
            leads=form.cleaned_data.get("leads", []), cooperators=form.cleaned_data.get("cooperators", []),
        )
        messages.success(request, _("Task added."))
        return redirect(plan)
    return render(request, "tasks/node_form.html", {"form": form, "plan": plan, "parent": parent, "level": level})


def _child_level(parent, requested):
    """A key task at the top; below a key task a sub-task or (asked for) a work item."""
    if parent is None:
        return TaskNode.Level.KEY_TASK
    if parent.level == TaskNode.Level.KEY_TASK and requested != "item":
        return TaskNode.Level.SUB_TASK
    return TaskNode.Level.WORK_ITEM


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Edit a task"), "tasks.TaskNode")
def node_edit(request, pk):
    node = _changeable_node(request, pk)
    form = NodeForm(
        request.POST if request.method == "POST" else None,
        instance=node,
        departments=_region_departments(node.plan.region_id),
        level=node.level,
    )
    targets = target_formset(node, request.POST if request.method == "POST" else None) if node.is_work_item else None
    current = None
    if request.method == "POST" and form.is_valid() and (targets is None or not targets.is_bound or targets.is_valid()):
        try:
            node_update_with_targets(
                node=form.instance, version=form.cleaned_data["version"],
                leads=form.cleaned_data.get("leads"), cooperators=form.cleaned_data.get("cooperators"),
                targets=_targets_posted(targets), user=request.user,
            )
        except EditConflict as conflict:
            current = conflict.current
            form.show_conflict(current)
        else:
            messages.success(request, _("Task saved."))
            return redirect(node.plan)
    return render(request, "tasks/node_form.html", {"form": form, "plan": node.plan, "node": node, "current": current,
                                                    "level": node.level, "changes": record_history(node),
                                                    "targets": targets})


def _targets_posted(formset):
    """[(target, changed)] kept by a posted targets formset, in order; None when not posted."""
    if formset is None or not formset.is_bound:
        return None
    kept = []
    for target_form in formset.forms:
        if target_form in formset.deleted_forms or (target_form.instance.pk is None and not target_form.has_changed()):
            continue
        kept.append((target_form.instance, target_form.has_changed()))
    return kept


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Delete a task"), "tasks.TaskNode")
def node_delete_view(request, pk):
    """Lists every record kept under the node; with records the node is archived, not deleted."""
    node = _changeable_node(request, pk)
    nodes = [n for n in subtree(node) if n.archived_at is None]
    nodes.sort(key=lambda n: n.position)
    below = nodes[1:]
    records = records_under([n.pk for n in nodes])
    lines = [(n, records[n.pk]) for n in nodes if records.get(n.pk)]
    if request.method == "POST":
        plan = node.plan
        if node_delete(node=node, user=request.user) == ARCHIVED:
            messages.success(request, _("Task archived: records are kept under it, so it stays with them, out of "
                                        "new quarters. It can be restored from the plan page."))
        else:
            messages.success(request, _("Task deleted."))
        return redirect(plan)
    return render(request, "tasks/node_delete.html", {
        "node": node, "below": below, "plan": node.plan, "lines": lines,
        "record_count": sum(len(found) for _n, found in lines)})


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Choose the leads of unassigned work items"), "tasks.Plan")
def plan_unassigned(request, pk):
    """The plan's work items no department leads yet, each with a form to choose its lead and
    cooperating departments; one item is saved per submit."""
    plan = _changeable_plan(request, pk)
    departments = _region_departments(plan.region_id)
    forms = [LeadAssignmentForm(node=node, departments=departments) for node in unassigned_items(plan)]
    if request.method == "POST":
        posted = next((form for form in forms if str(form.node.pk) == request.POST.get("item")), None)
        if posted is None:
            messages.warning(request, _("That work item has a lead department already, or is no longer in the plan."))
            return redirect("tasks:plan_unassigned", pk=plan.pk)
        bound = LeadAssignmentForm(request.POST, node=posted.node, departments=departments)
        if bound.is_valid():
            try:
                chosen = bound.cleaned_data
                node_update(node=posted.node, version=chosen["version"], leads=list(chosen["leads"]),
                            cooperators=list(chosen["cooperators"]))
            except EditConflict:
                messages.error(request, _("Someone changed this work item meanwhile; choose its departments again."))
            else:
                messages.success(request, _("Departments of “%(item)s” saved.") % {"item": posted.node.label})
            return redirect("tasks:plan_unassigned", pk=plan.pk)
        forms[forms.index(posted)] = bound
    return render(request, "tasks/plan_unassigned.html", {"plan": plan, "forms": forms})


@require_POST
@login_required
@audited(gettext_lazy("Restore an archived task"), "tasks.TaskNode")
def node_restore_view(request, pk):
    node = _changeable_node(request, pk, archived=True)
    node_restore(node=node, user=request.user)
    messages.success(request, _("Task restored with the records kept under it."))
    return redirect(f"{node.plan.get_absolute_url()}#node-{node.pk}")


@require_POST
@login_required
@audited(gettext_lazy("Move a task"), "tasks.TaskNode")
def node_move_view(request, pk):
    node = _changeable_node(request, pk)
    node_move(node=node, offset=-1 if request.POST.get("direction") == "up" else 1)
    return redirect(f"{node.plan.get_absolute_url()}#node-{node.pk}")
