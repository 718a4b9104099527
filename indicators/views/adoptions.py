"""Pages of a region's standards: the experts' judgement of an item, and which standards
the region adopts (added by its reviewer or an administrator, removed by an administrator
only, with what stays stored listed first)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from core.audit import audited
from core.periods import Quarter
from core.workflow import EditConflict
from org.models import Region
from org.scoping import visible_to

from .. import selectors, services
from ..forms import AdoptionForm, JudgementForm
from ..models import Adoption, Indicator, Judgement


def board_url(region, indicator_set=None, quarter=None):
    url = f"{reverse('indicators:board')}?region={region.code}"
    if quarter is not None:
        url += f"&quarter={quarter}"
    return url + (f"&standard={indicator_set.code}" if indicator_set is not None else "")


def _changeable_region(request, code):
    """The region ``code`` if the user may change its regional objects (its reviewer, an
    administrator); 404 for anyone else, as for a region they do not see."""
    return get_object_or_404(visible_to(request.user).regions(change=True), code=code)


# --- the experts' judgement of an item -------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Judge an item"), "indicators.Indicator", key="indicator_pk")
def judgement(request, region, indicator_pk, quarter):
    region = _changeable_region(request, region)
    try:
        quarter = Quarter.parse(quarter)
    except ValueError:
        raise Http404 from None
    adopted = Adoption.objects.filter(region=region).values("indicator_set")
    indicator = get_object_or_404(Indicator.objects.select_related("indicator_set"), pk=indicator_pk,
                                  method=Indicator.Method.JUDGED, indicator_set__in=adopted)
    stored = Judgement.objects.filter(region=region, indicator=indicator, year=quarter.year,
                                      quarter=quarter.number).first()
    in_force = selectors.judgements_in_force(region, [indicator], quarter).get(indicator.pk)
    initial = {"version": stored.version if stored else None}
    if in_force is not None:  # start from the judgement that holds now
        initial.update(points=in_force.points, reason=in_force.reason)
    form = JudgementForm(request.POST or None, indicator=indicator, initial=initial)
    back = board_url(region, indicator.indicator_set, quarter)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.judgement_save(region=region, indicator=indicator, quarter=quarter, points=data["points"],
                                    reason=data["reason"], user=request.user, version=data["version"])
        except EditConflict as conflict:
            form.show_conflict(conflict.current)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Judgement saved; the region's points are being recomputed."))
            return redirect(back)
    history = (Judgement.history.filter(region_id=region.pk, indicator_id=indicator.pk)
               .select_related("history_user", "judged_by").order_by("-history_date", "-history_id"))
    return render(request, "indicators/judgement.html", {
        "region": region, "indicator": indicator, "quarter": quarter, "form": form, "stored": stored,
        "in_force": in_force, "history": history[:50], "cancel_url": back,
    })


# --- the standards a region adopts -----------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Adopt a standard"))
def adoptions(request, code):
    region = _changeable_region(request, code)
    if not region.is_county:
        raise Http404
    scope = visible_to(request.user)
    form = AdoptionForm(request.POST or None, initial={"since_year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        indicator_set, since_year = form.cleaned_data["indicator_set"], form.cleaned_data["since_year"]
        try:
            _adoption, created = services.adoption_save(region=region, indicator_set=indicator_set,
                                                        since_year=since_year)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            text = (_("%(region)s now adopts %(standard)s since %(year)d; its values are being recomputed.")
                    if created else _("%(region)s adopts %(standard)s since %(year)d; its values are being "
                                      "recomputed."))
            messages.success(request, text % {"region": region.name, "standard": indicator_set.name,
                                              "year": since_year})
            return redirect("indicators:adoptions", region.code)
    standards = selectors.standards_of(region)
    return render(request, "indicators/adoptions.html", {
        "region": region, "form": form, "standards": standards, "can_remove": scope.is_admin,
    })


@require_http_methods(["GET", "POST"])
@login_required
@audited(gettext_lazy("Remove a standard from a region"), "indicators.IndicatorSet", key="set_pk")
def adoption_remove(request, code, set_pk):
    """An administrator's removal, confirmed after seeing what stays stored."""
    if not visible_to(request.user).is_admin:
        raise Http404
    region = get_object_or_404(Region, code=code)
    adoption = get_object_or_404(Adoption.objects.select_related("indicator_set"), region=region,
                                 indicator_set=set_pk)
    indicator_set = adoption.indicator_set
    if request.method == "POST":
        try:
            services.adoption_remove(region=region, indicator_set=indicator_set)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("%(region)s no longer adopts %(standard)s. What was computed under it "
                                        "is kept.") % {"region": region.name, "standard": indicator_set.name})
        return redirect("indicators:adoptions", region.code)
    return render(request, "indicators/adoption_remove.html", {
        "region": region, "adoption": adoption, "indicator_set": indicator_set,
        "kept": services.kept_under(region, indicator_set),
    })
