"""Pages of the registry: water users and their years, the key-monitoring list, planned-use
gaps and water audits, carrier certifications with the year's targets."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core import evidence as evidence_files
from core.audit import audited
from core.history import record_history
from core.views import requested_district
from core.workflow import EditConflict
from org.scoping import visible_to

from .. import selectors
from ..forms import (
    CarrierForm,
    CarrierTargetForm,
    RegistryFilterForm,
    UserYearForm,
    WaterAuditForm,
    WaterUserForm,
)
from ..models import (
    AuditReport,
    Carrier,
    CarrierEvidence,
    CarrierKind,
    CarrierTarget,
    UserYear,
    WaterAudit,
    WaterUser,
)
from ..services import audit_order, carrier_save, record_save

USERS_PER_PAGE = 50
CARRIERS_PER_PAGE = 50


# --- which region, and may the user change it ------------------------------------------------


def _region_context(request, scope):
    region, regions = requested_district(request, scope)
    return {"region": region, "regions": regions, "can_change": scope.can_review_region(region)}


def changeable_region(request):
    scope = visible_to(request.user)
    region, _regions = requested_district(request, scope)
    if not scope.can_review_region(region):
        raise Http404
    return region


def _registry_url(region, name="carriers:registry"):
    return f"{reverse(name)}?region={region.code}"


def requested_year(request, default):
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return default
    return year if 1990 <= year <= 2100 else default


def _latest_year(region):
    latest = UserYear.objects.filter(user__region=region).order_by("-year").values_list("year", flat=True).first()
    return latest or timezone.localdate().year - 1


def _save(request, form, save, *, success, template, context):
    """The one POST path of every form here: validate, save through ``save(form)``, show a
    conflict or a model rule as a form error, or redirect with a message."""
    current = None
    if request.method == "POST" and form.is_valid():
        try:
            record = save(form)
        except EditConflict as conflict:
            current = conflict.current
            form.show_conflict(current)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, success)
            return redirect(record)
    return render(request, template, {**context, "form": form, "current": current})


# --- water users -------------------------------------------------------------------------


@require_safe
@login_required
def registry(request):
    scope = visible_to(request.user)
    context = _region_context(request, scope)
    filters = RegistryFilterForm(request.GET or None)
    query = kind = ""
    if filters.is_valid():
        query, kind = filters.cleaned_data["q"].strip(), filters.cleaned_data["kind"]
    users = selectors.registry(context["region"], query=query, kind=kind)
    page = Paginator(users, USERS_PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "carriers/registry.html",
                  {**context, "filters": filters, "page": page, "query": params.urlencode(),
                   "total": page.paginator.count, "filtered": bool(query or kind)})


def _visible_user(request, pk, *, change=False):
    scope = visible_to(request.user)
    return scope.get_or_404(WaterUser.objects.select_related("region"), region="region", change=change, pk=pk)


@require_safe
@login_required
def user_detail(request, pk):
    user = _visible_user(request, pk)
    scope = visible_to(request.user)
    figure = selectors.water_rules(user.region).plan_figure
    years = list(user.years.order_by("-year"))
    for year in years:
        year.over = year.over_plan_percent(figure)  # on the figure the district's rules compare with the plan
    return render(request, "carriers/user_detail.html", {
        "water_user": user, "years": years,
        "carriers": user.carriers.select_related("carrier_type").order_by("carrier_type", "level"),
        "audits": user.audits.order_by("-year"),
        "can_change": scope.can_review_region(user.region), "changes": record_history(user),
    })


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Add a water user"))
def user_create(request):
    region = changeable_region(request)
    form = WaterUserForm(request.POST or None, instance=WaterUser(region=region))
    return _save(request, form, lambda f: record_save(f.instance, user=request.user),
                 success=_("Water user added."), template="carriers/user_form.html",
                 context={"region": region, "cancel_url": _registry_url(region)})


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Edit a water user"), "carriers.WaterUser")
def user_edit(request, pk):
    user = _visible_user(request, pk, change=True)
    form = WaterUserForm(request.POST or None, instance=user)
    return _save(request, form,
                 lambda f: record_save(f.instance, version=f.cleaned_data["version"], fields=list(f.changed_data),
                                       user=request.user),
                 success=_("Water user saved."), template="carriers/user_form.html",
                 context={"region": user.region, "water_user": user,
                          "cancel_url": user.get_absolute_url()})


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Add a water user's yearly figures"), "carriers.WaterUser")
def year_create(request, pk):
    user = _visible_user(request, pk, change=True)
    year = UserYear(user=user, year=_latest_year(user.region))
    form = UserYearForm(request.POST or None, instance=year)
    return _save(request, form, lambda f: _year_saved(f, request),
                 success=_("Yearly figures saved."), template="carriers/year_form.html",
                 context={"water_user": user, "cancel_url": user.get_absolute_url()})


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Edit a water user's yearly figures"), "carriers.UserYear")
def year_edit(request, pk):
    scope = visible_to(request.user)
    year = scope.get_or_404(UserYear.objects.select_related("user__region"), region="user__region", change=True, pk=pk)
    before = year.year
    form = UserYearForm(request.POST or None, instance=year)
    return _save(request, form, lambda f: _year_saved(f, request, before),
                 success=_("Yearly figures saved."), template="carriers/year_form.html",
                 context={"water_user": year.user, "figures": year,
                          "cancel_url": year.user.get_absolute_url()})


def _year_saved(form, request, before=None):
    record_save(form.instance, user=request.user, affects=[form.instance.year, before])
    return form.instance.user


# --- key monitoring, planned use and audits ------------------------------------------------------


def _year_context(request):
    """The district and the year (?year=, else the latest with figures) a list page is about."""
    context = _region_context(request, visible_to(request.user))
    context["year"] = requested_year(request, _latest_year(context["region"]))
    return context, context["region"], context["year"]


@require_safe
@login_required
def key_monitoring(request):
    context, region, year = _year_context(request)
    return render(request, "carriers/key_monitoring.html", {
        **context, "listed": selectors.key_monitoring(region, year), "rules": region.monitoring_rules.all(),
    })


@require_safe
@login_required
def planned_use(request):
    context, region, year = _year_context(request)
    due, stray = selectors.audits_required(region, year)
    return render(request, "carriers/planned_use.html", {
        **context, "rules": selectors.water_rules(region),
        "gaps": selectors.planned_use_gaps(region, year), "due": due, "stray": stray,
        "today": timezone.localdate(),
    })


@require_POST
@login_required
@audited(gettext_lazy("Order a water audit"), "carriers.UserYear")
def audit_order_view(request, pk):
    scope = visible_to(request.user)
    figures = scope.get_or_404(UserYear.objects.select_related("user__region"), region="user__region", change=True,
                               pk=pk)
    rules = selectors.water_rules(figures.user.region)
    over = figures.over_plan_percent(rules.plan_figure)
    limit = rules.audit_over_percent
    if not figures.over_plan_by_at_least(limit, rules.plan_figure):
        messages.error(request, _("%(name)s is less than %(limit)s%% over its plan in %(year)s.") % {
            "name": figures.user.name, "limit": limit, "year": figures.year})
    else:
        audit, created = audit_order(figures=figures, over_percent=over, user=request.user,
                                     today=timezone.localdate())
        if created:
            messages.success(request, _("Water audit ordered for %(name)s; report due %(due)s.") % {
                "name": figures.user.name, "due": date_format(audit.due_on)})
    return redirect(f"{_registry_url(figures.user.region, 'carriers:planned_use')}&year={figures.year}")


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Edit a water audit"), "carriers.WaterAudit")
def audit_edit(request, pk):
    scope = visible_to(request.user)
    audit = scope.get_or_404(WaterAudit.objects.select_related("user__region"), region="user__region", change=True,
                             pk=pk)
    form = WaterAuditForm(request.POST or None, instance=audit)

    def save(f):
        record_save(f.instance, version=f.cleaned_data["version"], fields=list(f.changed_data), user=request.user)
        return f.instance.user

    return _save(request, form, save, success=_("Water audit saved."), template="carriers/audit_form.html",
                 context={"audit": audit, "changes": record_history(audit), "files": audit.files.all(),
                          "cancel_url": _registry_url(audit.user.region, "carriers:planned_use")})


# --- carriers and targets ---------------------------------------------------------------------


@require_safe
@login_required
def carriers(request):
    scope = visible_to(request.user)
    context = _region_context(request, scope)
    region = context["region"]
    today = timezone.localdate()
    years = list(CarrierTarget.objects.filter(region=region).order_by("-year").values_list("year", flat=True)
                 .distinct())
    year = requested_year(request, years[0] if years else today.year)
    wanted_type = request.GET.get("type", "")
    listing = Carrier.objects.filter(region=region).select_related("user", "carrier_type", "standard")
    listing = listing.order_by(selectors.TYPE_ORDER, "-accepted_on", "pk")
    types = list(CarrierKind.objects.values_list("code", "name"))
    if wanted_type in dict(types):
        listing = listing.filter(carrier_type=wanted_type)
    page = Paginator(listing, CARRIERS_PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "carriers/carriers.html", {
        **context, "year": year, "years": years, "progress": selectors.target_progress(region, year, today=today),
        "page": page, "query": params.urlencode(), "types": types, "wanted_type": wanted_type,
    })


def _visible_carrier(request, pk, *, change=False):
    scope = visible_to(request.user)
    carriers = Carrier.objects.select_related("region", "user", "carrier_type", "standard")
    return scope.get_or_404(carriers, region="region", change=change, pk=pk)


@require_safe
@login_required
def carrier_detail(request, pk):
    carrier = _visible_carrier(request, pk)
    scope = visible_to(request.user)
    return render(request, "carriers/carrier_detail.html", {
        "carrier": carrier, "evidence": scope.records(carrier.evidence.all(), region="carrier__region"),
        "can_change": scope.can_review_region(carrier.region),
        "changes": record_history(carrier),
    })


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Add a carrier"))
def carrier_create(request):
    region = changeable_region(request)
    initial = {"user": request.GET.get("user")} if request.GET.get("user") else None
    form = CarrierForm(request.POST or None, instance=Carrier(region=region), region=region, initial=initial)
    return _save(request, form, lambda f: carrier_save(f.instance, user=request.user),
                 success=_("Carrier added."), template="carriers/carrier_form.html",
                 context={"region": region, "cancel_url": _registry_url(region, "carriers:carriers")})


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Edit a carrier"), "carriers.Carrier")
def carrier_edit(request, pk):
    carrier = _visible_carrier(request, pk, change=True)
    form = CarrierForm(request.POST or None, instance=carrier, region=carrier.region)
    return _save(request, form,
                 lambda f: carrier_save(f.instance, version=f.cleaned_data["version"], fields=list(f.changed_data),
                                        user=request.user),
                 success=_("Carrier saved."), template="carriers/carrier_form.html",
                 context={"region": carrier.region, "carrier": carrier,
                          "cancel_url": carrier.get_absolute_url()})


# --- files attached to a carrier or a water audit ----------------------------------------------


def _stored(request, queryset, region, pk, *, change=False):
    """A carrier's or an audit's file: the water bureau's record of the district, so not a
    regional object every reporter of the district reads."""
    return visible_to(request.user).record_or_404(queryset, region=region, change=change, pk=pk)


@require_POST
@login_required
@audited(gettext_lazy("Attach carrier evidence"), "carriers.Carrier")
def carrier_evidence_upload(request, pk):
    carrier = _visible_carrier(request, pk, change=True)
    return evidence_files.attach(request, carrier.evidence, back=carrier.get_absolute_url())


@require_POST
@login_required
@audited(gettext_lazy("Remove carrier evidence"), "carriers.CarrierEvidence")
def carrier_evidence_delete(request, pk):
    evidence = _stored(request, CarrierEvidence.objects.select_related("carrier"), "carrier__region", pk, change=True)
    return evidence_files.remove(request, evidence, back=evidence.carrier.get_absolute_url(),
                                 kept_reason=evidence.carrier.files_kept_reason())


@require_safe
@login_required
def carrier_evidence_download(request, pk):
    return evidence_files.download(_stored(request, CarrierEvidence.objects.all(), "carrier__region", pk))


@require_POST
@login_required
@audited(gettext_lazy("Attach a water audit report"), "carriers.WaterAudit")
def audit_file_upload(request, pk):
    scope = visible_to(request.user)
    audit = scope.get_or_404(WaterAudit.objects.all(), region="user__region", change=True, pk=pk)
    return evidence_files.attach(request, audit.files, back=reverse("carriers:audit_edit", args=[audit.pk]))


@require_POST
@login_required
@audited(gettext_lazy("Remove a water audit report"), "carriers.AuditReport")
def audit_file_delete(request, pk):
    stored = _stored(request, AuditReport.objects.select_related("audit"), "audit__user__region", pk, change=True)
    return evidence_files.remove(request, stored, back=reverse("carriers:audit_edit", args=[stored.audit_id]),
                                 kept_reason=stored.audit.files_kept_reason())


@require_safe
@login_required
def audit_file_download(request, pk):
    return evidence_files.download(_stored(request, AuditReport.objects.all(), "audit__user__region", pk))


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Add a carrier target"))
def target_create(request):
    region = changeable_region(request)
    target = CarrierTarget(region=region, year=timezone.localdate().year)
    form = CarrierTargetForm(request.POST or None, instance=target, region=region)
    return _save(request, form, lambda f: _target_saved(f, request), success=_("Target saved."),
                 template="carriers/target_form.html",
                 context={"region": region, "cancel_url": _registry_url(region, "carriers:carriers")})


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Edit a carrier target"), "carriers.CarrierTarget")
def target_edit(request, pk):
    scope = visible_to(request.user)
    target = scope.get_or_404(CarrierTarget.objects.select_related("region"), region="region", change=True, pk=pk)
    form = CarrierTargetForm(request.POST or None, instance=target, region=target.region)
    return _save(request, form, lambda f: _target_saved(f, request), success=_("Target saved."),
                 template="carriers/target_form.html",
                 context={"region": target.region, "target": target,
                          "cancel_url": _registry_url(target.region, "carriers:carriers")})


def _target_saved(form, request):
    form.instance.full_clean()
    form.instance.save()
    target = form.instance
    return f"{_registry_url(target.region, 'carriers:carriers')}&year={target.year}"
