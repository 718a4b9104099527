"""Plan pages: list, tree with filters, export, import (upload → preview → confirm) and a
department's own work. Every queryset starts from the user's scope."""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import DatabaseError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from carriers.selectors import carrier_counts
from core import pending_uploads
from core.periods import Quarter
from core.views import import_failed_in_database, xlsx_response
from org.models import Department
from org.scoping import visible_to

from . import exports
from .forms import (
    NEW_DEPARTMENT,
    ImportUploadForm,
    NodeForm,
    PlanCopyForm,
    PlanCreateForm,
    PlanFilterForm,
    PlanForm,
    UnknownNamesForm,
)
from .imports import ImportRefused, preview_task_table
from .models import Plan, TaskNode
from .selectors import plan_tree, plans_for, walk
from .services import (
    ALIAS,
    MAP,
    NEW,
    NODE_FIELDS,
    EditConflict,
    ImportBlocked,
    node_create,
    node_delete,
    node_move,
    node_update,
    plan_copy,
    plan_import,
    plan_update,
)

PLANS_PER_PAGE = 30
TASK_TABLE = "task_table"


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
    key_tasks = TaskNode.objects.filter(plan=plan, level=TaskNode.Level.KEY_TASK).order_by("position")
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
    title = None
    if filters.get("department"):
        title = f"{plan.title}任务分解表（{filters['department'].short_name}）"
    return xlsx_response(exports.build_workbook(plan, roots, title=title), f"{plan.title}任务分解表.xlsx")


@require_safe
@login_required
def my_work(request):
    """The work items the user's department leads or supports, across visible plans."""
    scope = visible_to(request.user)
    department = request.user.department
    if department is None:
        raise Http404
    sections = []
    for plan in plans_for(scope).filter(region=department.region_id):
        roots = plan_tree(plan, department=department)
        items = [row for row in walk(roots) if row.node.is_work_item]
        if items:
            sections.append({"plan": plan, "rows": list(walk(roots)), "count": len(items)})
    quarter = Quarter.containing(timezone.localdate())
    return render(request, "tasks/my_work.html", {"department": department, "sections": sections, "quarter": quarter})


def _import_regions(scope):
    # Plans belong to districts and counties; a city or province has none of its own.
    return scope.districts(change=True)


@require_http_methods(["GET", "POST"])
@login_required
def import_upload(request):
    scope = visible_to(request.user)
    regions = _import_regions(scope)
    if not regions.exists():
        raise Http404
    plans = Plan.objects.filter(region__in=regions).order_by("-start_year", "title")
    posted = request.method == "POST"
    form = ImportUploadForm(
        request.POST if posted else None, request.FILES if posted else None, regions=regions, plans=plans
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        token = pending_uploads.keep(
            request,
            kind=TASK_TABLE,
            data=form.cleaned_data["file"].workbook_bytes,
            filename=data["file"].name,
            region=data["region"].pk,
            plan=data["plan"].pk if data["plan"] else None,
            title=data["title"],
            kind_of_plan=data["kind"],
            start_year=data["start_year"],
            end_year=data["end_year"] or data["start_year"],
            sheet=data["sheet"],
            split_circled=data["split_circled"],
        )
        return redirect("tasks:import_preview", token=token)
    return render(request, "tasks/import_upload.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
def import_preview(request, token):
    scope = visible_to(request.user)
    found = pending_uploads.find(request, kind=TASK_TABLE, token=token)
    if found is None:
        raise Http404
    pending, content = found
    region = get_object_or_404(_import_regions(scope), pk=pending["region"])
    plan = get_object_or_404(Plan, pk=pending["plan"], region=region) if pending["plan"] else None
    try:
        preview = preview_task_table(
            region=region, data=content, sheet=pending["sheet"] or None, split_circled=pending["split_circled"]
        )
    except ImportRefused as error:
        pending_uploads.discard(request, token)
        messages.error(request, _("The file could not be read: %(reason)s") % {"reason": error})
        return redirect("tasks:import_upload")
    departments = Department.objects.filter(region=region, is_active=True).order_by("short_name")
    data = request.POST if request.method == "POST" else None
    names_form = UnknownNamesForm(data, unknown=preview.unknown, departments=departments)
    if request.method == "POST" and not preview.problems and names_form.is_valid():
        mapping = _mapping(names_form, departments)
        if plan is None:
            plan = Plan(
                region=region,
                title=pending["title"],
                kind=pending["kind_of_plan"],
                start_year=pending["start_year"],
                end_year=pending["end_year"],
            )
        try:
            result = _commit(plan, preview, mapping)
        except ImportBlocked as error:
            messages.error(request, str(error))
        except DatabaseError:
            import_failed_in_database(request)
        else:
            pending_uploads.discard(request, token)
            messages.success(
                request,
                _("Imported into “%(plan)s”: %(created)d added, %(updated)d updated, %(deleted)d removed, "
                  "%(unchanged)d unchanged.")
                % {"plan": plan, "created": result.created, "updated": result.updated, "deleted": result.deleted,
                   "unchanged": result.unchanged},
            )
            return redirect(plan)
    return render(
        request,
        "tasks/import_preview.html",
        {
            "pending": pending,
            "plan": plan,
            "region": region,
            "preview": preview,
            "counts": preview.counts(),
            "rows": list(_preview_rows(preview.table.roots)),
            "names_form": names_form,
        },
    )


def _commit(plan, preview, mapping):
    with transaction.atomic():
        if plan.pk is None:
            plan.full_clean()
            plan.save()
        return plan_import(plan=plan, preview=preview, mapping=mapping)


def _mapping(names_form, departments):
    by_pk = {str(d.pk): d for d in departments}
    use = ALIAS if names_form.cleaned_data.get("remember") else MAP
    mapping = {}
    for name, field in names_form.fields.items():
        if not hasattr(field, "unknown_key"):
            continue
        choice = names_form.cleaned_data[name]
        if choice == NEW_DEPARTMENT:
            mapping[field.unknown_key] = (NEW, Department.Kind.BUREAU)
        else:
            mapping[field.unknown_key] = (use, by_pk[choice])
    return mapping


def _preview_rows(roots):
    for root in roots:
        yield from root.walk()


# --- editing (reviewers of the district and administrators) --------------------------------


def _changeable_plan(request, pk):
    scope = visible_to(request.user)
    return scope.get_or_404(Plan.objects.select_related("region"), region="region", change=True, pk=pk)


def _changeable_node(request, pk):
    scope = visible_to(request.user)
    return scope.get_or_404(
        TaskNode.objects.select_related("plan__region", "parent"), region="plan__region", change=True, pk=pk
    )


@require_http_methods(["GET", "POST"])
@login_required
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
def node_create_view(request, pk):
    plan = _changeable_plan(request, pk)
    parent = None
    if request.GET.get("parent"):
        parent = get_object_or_404(
            TaskNode, plan=plan, pk=request.GET["parent"] if request.GET["parent"].isdigit() else 0
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
def node_edit(request, pk):
    node = _changeable_node(request, pk)
    form = NodeForm(
        request.POST if request.method == "POST" else None,
        instance=node,
        departments=_region_departments(node.plan.region_id),
        level=node.level,
    )
    current = None
    if request.method == "POST" and form.is_valid():
        try:
            node_update(
                node=form.instance, version=form.cleaned_data["version"],
                leads=form.cleaned_data.get("leads"), cooperators=form.cleaned_data.get("cooperators"),
            )
        except EditConflict as conflict:
            current = conflict.current
            form.show_conflict(current)
        else:
            messages.success(request, _("Task saved."))
            return redirect(node.plan)
    return render(request, "tasks/node_form.html", {"form": form, "plan": node.plan, "node": node, "current": current,
                                                    "level": node.level})


@require_http_methods(["GET", "POST"])
@login_required
def node_delete_view(request, pk):
    node = _changeable_node(request, pk)
    descendants = TaskNode.objects.filter(plan=node.plan_id, position__gt=node.position).order_by("position")
    below = []
    for other in descendants:  # depth-first order: the subtree is the run of deeper levels
        if other.level <= node.level:
            break
        below.append(other)
    if request.method == "POST":
        plan = node.plan
        node_delete(node=node)
        messages.success(request, _("Task deleted."))
        return redirect(plan)
    return render(request, "tasks/node_delete.html", {"node": node, "below": below, "plan": node.plan})


@require_POST
@login_required
def node_move_view(request, pk):
    node = _changeable_node(request, pk)
    node_move(node=node, offset=-1 if request.POST.get("direction") == "up" else 1)
    return redirect(f"{node.plan.get_absolute_url()}#node-{node.pk}")
