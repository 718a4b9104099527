"""Background jobs of ``indicators``: thin wrappers around services."""

from celery import shared_task
from django.utils import timezone

from core.periods import Quarter
from org.models import Region

from . import services
from .models import IndicatorSet


@shared_task(name="indicators.jobs.recompute_region_quarter")
def recompute_region_quarter(region_id, quarter, indicator_set_id):
    """Recompute one region × quarter (safe to run twice: it upserts)."""
    return len(
        services.compute_region_quarter(
            Region.objects.get(pk=region_id), Quarter.parse(quarter), IndicatorSet.objects.get(pk=indicator_set_id)
        )
    )


@shared_task(name="indicators.jobs.recompute_region_since")
def recompute_region_since(region_id, first_quarter, indicator_set_id):
    """Recompute a region from ``first_quarter`` to the current quarter (upserts)."""
    return services.recompute(
        regions=[Region.objects.get(pk=region_id)],
        quarters=services.quarters_since(Quarter.parse(first_quarter), today=timezone.localdate()),
        indicator_set=IndicatorSet.objects.get(pk=indicator_set_id),
    )


@shared_task(name="indicators.jobs.recompute_regions_quarter")
def recompute_regions_quarter(region_ids, quarter, indicator_set_id):
    """Recompute many regions for ``quarter`` and the same quarter next year (whose
    year-on-year rules read it), after a bulk import; it upserts, so it may run twice."""
    first = Quarter.parse(quarter)
    return services.recompute(
        regions=list(Region.objects.filter(pk__in=region_ids).order_by("code")),
        quarters=[first, first.shift(4)],
        indicator_set=IndicatorSet.objects.get(pk=indicator_set_id),
    )


@shared_task(name="indicators.jobs.recompute_stale_values")
def recompute_stale_values():
    """Every few minutes: the region × quarters whose recompute the broker could not take
    when their figures changed, recomputed in bulk (it upserts, so it may run twice)."""
    return services.stale_values_recompute()
