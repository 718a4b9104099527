"""Indicator pages: the catalogue, a region's board with lineage, one indicator across
districts and over time."""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from core.views import requested_quarter, requested_region
from org.scoping import visible_to
from reports.models import RegionVerdict

from .. import selectors
from ..models import Adoption, ComputedValue, Indicator, IndicatorSet
from ..scoring_rules import describe


def adopted_regions(scope):
    """The regions this user sees that are evaluated against an indicator set."""
    return scope.regions().filter(pk__in=Adoption.objects.values("region")).order_by("code")


def board_region(request, scope):
    """The region asked for (?region=500114) among those the user sees, else their own."""
    regions = adopted_regions(scope)
    return requested_region(request, regions, scope.home_region), regions


@require_safe
@login_required
def catalogue(request):
    sets = list(IndicatorSet.objects.prefetch_related(
        Prefetch("indicators", queryset=Indicator.objects.order_by("number"))
    ).order_by("code", "-version"))
    for indicator_set in sets:
        indicator_set.full = sum((i.points for i in indicator_set.indicators.all()), Decimal("0"))
        for indicator in indicator_set.indicators.all():
            # The standard's own words where they were recorded, else the rule told in words.
            indicator.scoring_words = indicator.scoring_text or describe(indicator.scoring, full=indicator.points,
                                                                         unit=indicator.unit)
    return render(request, "indicators/catalogue.html",
                  {"sets": sets, "can_import": visible_to(request.user).is_admin,
                   "names": selectors.names_of()})


@require_safe
@login_required
def board(request):
    """One board per standard the region answers to (``?standard=``), with a tab for each."""
    scope = visible_to(request.user)
    region, regions = board_region(request, scope)
    if region is None:
        return render(request, "indicators/board.html", {"region": None})
    standards = selectors.standards_of(region)
    standard = selectors.pick_standard(standards, request.GET.get("standard"))
    indicator_set = standard.indicator_set
    default = selectors.latest_computed_quarter(region, indicator_set)
    quarter = requested_quarter(request, default=default)
    rows = selectors.board(region, indicator_set, quarter)
    counts = {status: sum(1 for row in rows if row.computed and row.computed.status == status)
              for status in ComputedValue.Status.values}
    vetoed = [row for row in rows if row.indicator.kind == Indicator.Kind.BOTTOM_LINE and row.computed
              and row.computed.status == ComputedValue.Status.NOT_MET]
    verdict = RegionVerdict.objects.filter(region=region, indicator_set=indicator_set, year=quarter.year,
                                           quarter=quarter.number).first()
    judged = [row.indicator for row in rows if row.indicator.method == Indicator.Method.JUDGED]
    return render(
        request,
        "indicators/board.html",
        {
            "region": region, "regions": regions, "standards": standards, "standard": standard,
            "indicator_set": indicator_set, "scored": indicator_set.is_scored, "quarter": quarter,
            "previous": quarter.previous(), "next": quarter.next(), "rows": rows, "counts": counts,
            "vetoed": vetoed, "computed_any": any(row.computed for row in rows), "verdict": verdict,
            # Nothing computed and no verdict: no total to show, only that nothing is computed.
            "points": selectors.points_of(indicator_set, rows, verdict)
            if verdict is not None or any(row.computed for row in rows) else None,
            "prerequisites": selectors.prerequisites(rows),
            "judgements": selectors.judgements_in_force(region, judged, quarter) if judged else {},
            "can_judge": standard.adopted and scope.can_review_region(region),
            "can_adopt": region.is_county and scope.can_review_region(region),
        },
    )


@require_safe
@login_required
def lineage(request, pk):
    scope = visible_to(request.user)
    computed = scope.get_or_404(ComputedValue.objects.select_related("indicator__indicator_set", "region"),
                                region="region", pk=pk)
    context = {
        "computed": computed,
        **selectors.lineage_page(computed),
        "can_judge": scope.can_review_region(computed.region)
        and Adoption.objects.filter(region=computed.region, indicator_set=computed.indicator.indicator_set_id).exists(),
        # The figures are the aggregate's; the reports and files behind them are their departments'.
        "readable": set(scope.departments().filter(region=computed.region).values_list("pk", flat=True)),
    }
    template = "indicators/_lineage.html" if request.headers.get("HX-Request") else "indicators/lineage.html"
    return render(request, template, context)


@require_safe
@login_required
def indicator_detail(request, pk):
    """One indicator: this quarter across the districts the user sees, and a line chart of
    the last eight quarters."""
    scope = visible_to(request.user)
    indicator = get_object_or_404(Indicator.objects.select_related("indicator_set"), pk=pk)
    regions = list(
        adopted_regions(scope).filter(pk__in=Adoption.objects.filter(indicator_set=indicator.indicator_set_id)
                                      .values("region"))
    )
    quarter = requested_quarter(
        request, default=selectors.latest_computed_quarter(regions[0], indicator.indicator_set) if regions else None
    )
    quarters = selectors.last_quarters(quarter)
    series = selectors.indicator_series(indicator, regions, quarters)
    chart = {
        "kind": "line", "categories": [q.label for q in quarters], "unit": indicator.unit,
        "series": [{"name": region.name, "values": series[region.pk]} for region in regions],
    }
    return render(
        request,
        "indicators/indicator_detail.html",
        {
            "indicator": indicator, "quarter": quarter, "previous": quarter.previous(), "next": quarter.next(),
            "across": selectors.indicator_across(indicator, regions, quarter),
            "chart": chart, "has_chart": any(
                v is not None for values in series.values() for v in values),
        },
    )
