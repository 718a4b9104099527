"""The water utilities' leak-repair ledgers (漏损记录台账) of a district: the rows of a year
with their per-quarter totals, and the form to add or correct a row."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from core.audit import audited
from indicators.leakage_ledger import leak_repair_ledger
from org.scoping import visible_to

from ..forms import LeakRepairForm
from ..models import LeakRepair
from ..services import record_save
from .registry import _region_context, _registry_url, _save, changeable_region, requested_year


@require_safe
@login_required
def leak_repairs(request):
    scope = visible_to(request.user)
    context = _region_context(request, scope)
    region = context["region"]
    latest = LeakRepair.objects.filter(region=region).order_by("-year").values_list("year", flat=True).first()
    year = requested_year(request, latest or timezone.localdate().year)
    rows = LeakRepair.objects.filter(region=region, year=year).order_by("utility", "quarter", "month")
    return render(request, "carriers/leak_repairs.html",
                  {**context, "year": year, "rows": rows, "ledger": leak_repair_ledger(region, year)})


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Add a leak-repair record"))
def leak_repair_create(request):
    region = changeable_region(request)
    form = LeakRepairForm(request.POST or None, instance=LeakRepair(region=region), region=region)
    return _save(request, form, lambda f: record_save(f.instance, user=request.user),
                 success=_("Leak-repair record added."), template="carriers/leak_repair_form.html",
                 context={"region": region, "cancel_url": _registry_url(region, "carriers:leak_repairs")})


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Edit a leak-repair record"), "carriers.LeakRepair")
def leak_repair_edit(request, pk):
    scope = visible_to(request.user)
    record = scope.get_or_404(LeakRepair.objects.select_related("region"), region="region", change=True, pk=pk)
    form = LeakRepairForm(request.POST or None, instance=record, region=record.region)
    return _save(request, form,
                 lambda f: record_save(f.instance, version=f.cleaned_data["version"], fields=list(f.changed_data),
                                       user=request.user),
                 success=_("Leak-repair record saved."), template="carriers/leak_repair_form.html",
                 context={"region": record.region, "record": record, "cancel_url": record.get_absolute_url()})
