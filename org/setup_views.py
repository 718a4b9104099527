"""Setting up a district through pages: activate it from the national division list, give
its departments (typed, pasted or uploaded), its group names and its accounts.

An administrator activates districts and makes accounts; departments and groups are also
the district's own reviewer's (``regions(change=True)``), who knows what its bureaus are
called."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core import staged_import
from core.audit import audited
from core.errors import ImportBlocked
from core.workflow import EditConflict

from .forms import (
    AccountForm,
    DepartmentAddForm,
    DepartmentEditForm,
    DepartmentPasteForm,
    DepartmentUploadForm,
    DivisionSearchForm,
    GroupForm,
)
from .models import Department, DepartmentGroup, Division, Region
from .scoping import visible_to
from .selectors import division_parents, divisions_search
from .services.accounts import account_create
from .services.departments import (
    DepartmentRow,
    department_update,
    departments_check,
    departments_commit,
    departments_read_text,
    departments_read_workbook,
    group_save,
    kind_words,
)
from .services.divisions import ActivationRefused, region_activate

DIVISIONS_PER_PAGE = 30
REGIONS_PER_PAGE = 50
DEPARTMENT_UPLOAD = "departments"


def _administrator(request):
    scope = visible_to(request.user)
    if not scope.is_admin:
        raise Http404
    return scope


def _changeable_region(request, code):
    return get_object_or_404(visible_to(request.user).regions(change=True), code=code)


# --- the division list -----------------------------------------------------------------------


@require_safe
@login_required
def divisions(request):
    """Search the national list and activate a county; the active regions below."""
    _administrator(request)
    form = DivisionSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page, active = None, set()
    if query:
        page = Paginator(divisions_search(query), DIVISIONS_PER_PAGE).get_page(request.GET.get("page"))
        places = division_parents(page.object_list)
        for division in page.object_list:
            division.place = places[division.code]
        codes = [division.code for division in page.object_list]
        active = set(Region.objects.filter(code__in=codes).values_list("code", flat=True))
    return render(request, "org/divisions.html", {
        "form": form, "query": query, "page": page, "active": active,
        # Without a search, the regions already active (thousands at national scale: paged).
        "regions": None if query else Paginator(Region.objects.select_related("parent").order_by("code"),
                                                REGIONS_PER_PAGE).get_page(request.GET.get("page")),
        "loaded": Division.objects.exists(),
    })


@require_POST
@login_required
@audited(gettext_lazy("Activate a district"))
def division_activate(request):
    _administrator(request)
    try:
        region = region_activate(code=request.POST.get("code", ""))
    except ActivationRefused as refused:
        messages.error(request, str(refused))
        return redirect(f"{reverse('org:divisions')}?{urlencode({'q': request.POST.get('code', '')[:50]})}")
    messages.success(request, _("Activated %(region)s (%(code)s). Now give its departments.")
                     % {"region": region.name, "code": region.code})
    return redirect(region)


# --- departments -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Add departments"), "org.Region", key="code")
def department_add(request, code):
    """One department typed, or a pasted list: checked and written by the same code as an
    uploaded list."""
    region = _changeable_region(request, code)
    posted = request.method == "POST"
    single = DepartmentAddForm(request.POST if posted and "one-name" in request.POST else None, prefix="one")
    paste = DepartmentPasteForm(request.POST if posted and "text" in request.POST else None)
    problems, rows = [], None
    if posted and single.is_bound and single.is_valid():
        data = single.cleaned_data
        rows = [DepartmentRow(where=_("the form"), name=data["name"], short_name=data["short_name"],
                              kind_text=data["kind"], aliases_text=data["aliases"])]
    elif posted and paste.is_bound and paste.is_valid():
        rows = departments_read_text(paste.cleaned_data["text"])
    if rows is not None:
        try:
            done = departments_commit(region=region, rows=rows)
        except ImportBlocked as blocked:
            problems = blocked.problems  # listed on the page, row by row
        else:
            messages.success(request, _("Departments added: %(added)d; changed: %(changed)d.")
                             % {"added": done.added, "changed": done.changed})
            return redirect(reverse("org:region_detail", args=[region.code]) + "#departments")
    return _add_page(request, region, single=single, paste=paste, problems=problems)


def _add_page(request, region, *, single=None, paste=None, upload=None, problems=()):
    return render(request, "org/department_add.html", {
        "region": region, "single": single or DepartmentAddForm(prefix="one"), "paste": paste or DepartmentPasteForm(),
        "upload": upload or DepartmentUploadForm(), "problems": problems, "kind_words": kind_words(),
    })


class DepartmentImporter(staged_import.Importer):
    """A district's own list of departments: 名称 (required), 简称, 类别, 别称."""

    kind = DEPARTMENT_UPLOAD
    preview_route = "org:department_upload_preview"
    template = "org/department_preview.html"
    title = gettext_lazy("Departments import preview")
    confirm_label = gettext_lazy("Confirm and add the departments")

    def target(self, request, meta):
        return get_object_or_404(visible_to(request.user).regions(change=True), pk=meta["region"])

    def read(self, data, target):
        return departments_read_workbook(data)

    def check(self, read, target):
        check = departments_check(region=target, rows=read)
        changes = [
            staged_import.Change(p.row.where, p.row.name, [
                (_("short name"), "", p.row.shown_short_name), (_("kind"), "", Department.Kind(p.kind).label),
                *([(_("Other spellings"), "", "、".join(p.new_aliases))] if p.new_aliases else []),
            ]) for p in check.added
        ] + [
            staged_import.Change(p.row.where, p.row.name, [
                *p.changes, *([(_("Other spellings"), "", "、".join(p.new_aliases))] if p.new_aliases else []),
            ]) for p in check.changed
        ]
        facts = [(_("Rows read"), len(read))]
        if not check.problems:  # with a problem nothing is added: no counts that suggest otherwise
            facts += [(_("Departments added"), len(check.added)), (_("Departments changed"), len(check.changed)),
                      (_("Unchanged"), len(check.planned) - len(check.added) - len(check.changed))]
        return staged_import.Check(data=check, problems=check.problems, changes=changes, facts=facts)

    def commit(self, read, target, confirmation):
        return departments_commit(region=target, rows=read)

    def done(self, request, result, target):
        return (_("Departments added: %(added)d; changed: %(changed)d.")
                % {"added": result.added, "changed": result.changed},
                reverse("org:region_detail", args=[target.code]) + "#departments")

    def context(self, target, check):
        return {"region": target}


DEPARTMENT_IMPORT = DepartmentImporter()


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Upload a list of departments"), "org.Region", key="code")
def department_upload(request, code):
    region = _changeable_region(request, code)
    posted = request.method == "POST"
    form = DepartmentUploadForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        return staged_import.keep_upload(request, DEPARTMENT_IMPORT, form.cleaned_data["file"], region=region.pk,
                                         back=reverse("org:department_add", args=[region.code]))
    return _add_page(request, region, upload=form)


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Import a list of departments"))
def department_upload_preview(request, token):
    return staged_import.preview(request, DEPARTMENT_IMPORT, token)


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Edit a department"), "org.Department")
def department_edit(request, pk):
    scope = visible_to(request.user)
    department = get_object_or_404(
        Department.objects.filter(region__in=scope.regions(change=True)).select_related("region"), pk=pk
    )
    form = DepartmentEditForm(request.POST or None, instance=department)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            department_update(department=department, version=data["version"], name=data["name"],
                              short_name=data["short_name"], kind=data["kind"], aliases=form.alias_list(),
                              is_active=data["is_active"])
        except EditConflict as conflict:
            form.show_conflict(conflict.current)
        except ImportBlocked as blocked:
            for problem in blocked.problems:
                form.add_error(None, problem)
        else:
            messages.success(request, _("Department saved."))
            return redirect(department)
    return render(request, "org/department_edit.html", {"form": form, "department": department,
                                                        "region": department.region})


# --- groups ----------------------------------------------------------------------------------


def _group_form(request, region, group):
    form = GroupForm(request.POST or None, instance=group, region=region)
    if request.method == "POST" and form.is_valid():
        group = form.save(commit=False)
        try:
            group_save(group=group, kinds=form.cleaned_data["kinds"], members=form.cleaned_data["members"],
                       aliases=form.alias_list())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Group saved: %(name)s.") % {"name": group.name})
            return redirect(reverse("org:region_detail", args=[region.code]) + "#groups")
    members = group.member_departments() if group.pk else []
    if form.is_bound:  # the rule as posted, when the page is shown again
        members = _members_of(region, form.data.getlist("kinds"), form.data.getlist("members"))
    return render(request, "org/group_form.html", {"form": form, "region": region, "group": group,
                                                   "members": members})


def _members_of(region, kinds, member_ids):
    ids = [int(pk) for pk in member_ids if str(pk).isdigit()]
    found = region.departments.filter(Q(kind__in=kinds) | Q(pk__in=ids), is_active=True)
    return found.order_by("kind", "short_name")


@require_safe
@login_required
def group_members(request, code):
    """The members a rule being edited gives (htmx, as the boxes are ticked)."""
    region = _changeable_region(request, code)
    members = _members_of(region, request.GET.getlist("kinds"), request.GET.getlist("members"))
    return render(request, "org/_group_members.html", {"members": members})


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Create a group name"), "org.Region", key="code")
def group_create(request, code):
    region = _changeable_region(request, code)
    return _group_form(request, region, DepartmentGroup(region=region))


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Edit a group name"), "org.DepartmentGroup")
def group_edit(request, pk):
    scope = visible_to(request.user)
    group = get_object_or_404(DepartmentGroup.objects.filter(region__in=scope.regions(change=True)), pk=pk)
    return _group_form(request, group.region, group)


# --- accounts --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@never_cache  # the answer may show a generated password
@login_required
@audited(gettext_lazy("Create an account"), "org.Region", key="code")
def account_new(request, code):
    """An administrator makes a reporter's or reviewer's account; a generated password is
    shown on the page that answers the POST, once."""
    _administrator(request)
    region = get_object_or_404(Region.objects.filter(level=Region.Level.COUNTY), code=code)
    form = AccountForm(request.POST or None, region=region)
    created = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account, password = account_create(username=data["username"], display_name=data["display_name"],
                                               role=data["role"], department=data["department"],
                                               password=data["password"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            created = {"account": account, "password": password if not data["password"] else ""}
            form = AccountForm(region=region)
    return render(request, "org/account_form.html", {"form": form, "region": region, "created": created})
