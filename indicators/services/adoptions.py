"""Which standards a region is evaluated against, changed through the pages.

Adding a standard (or moving the year it is adopted since) recomputes the region's values
and scores from that year on. Removing one stops its recomputes and keeps everything
computed under it: the values, the verdicts and the experts' judgements stay stored and
shown (the board lists the standard as no longer adopted), because a verdict a district
reported upward must not vanish with a change of mind. Only an administrator removes;
the pages list what is kept before the removal is confirmed."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.periods import Quarter

from ..models import Adoption, ComputedValue, Judgement
from .compute import quarters_since, recompute_since_after_commit


def adoption_save(*, region, indicator_set, since_year):
    """Adopt ``indicator_set`` for ``region`` since ``since_year``, or change that year;
    returns (Adoption, created). Once committed, the region is recomputed from the earlier
    of the old and the new year."""
    if not region.is_county:
        raise ValidationError(_("Only a district or county is evaluated against a standard."))
    with transaction.atomic():
        adoption = Adoption.objects.select_for_update().filter(region=region, indicator_set=indicator_set).first()
        created = adoption is None
        first = since_year if created else min(since_year, adoption.since_year)
        if created:
            adoption = Adoption(region=region, indicator_set=indicator_set, since_year=since_year)
            adoption.full_clean()
            adoption.save()
        elif adoption.since_year != since_year:
            adoption.since_year = since_year
            adoption.save(update_fields=["since_year"])
        else:
            return adoption, False  # nothing changed: nothing to recompute
        _recompute_since(region, Quarter(first, 1))
    return adoption, created


def adoption_remove(*, region, indicator_set):
    """Stop evaluating ``region`` against ``indicator_set``; returns ``kept_under`` of it
    (what stays stored). Nothing computed is deleted. The current quarter's scores are
    recomputed, so the scorecards stop counting the standard's items from now on; earlier
    quarters keep what they were computed with."""
    from reports.services import region_scores_stale  # reports reads this app's models

    with transaction.atomic():
        deleted, _rows = Adoption.objects.filter(region=region, indicator_set=indicator_set).delete()
        if not deleted:
            raise ValidationError(_("The region does not adopt this standard."))
        region_scores_stale(region, [Quarter.containing(timezone.localdate())])
    return kept_under(region, indicator_set)


def kept_under(region, indicator_set):
    """What is stored for ``region`` under ``indicator_set``: {"values": count, "first",
    "last": Quarter or None, "verdicts": [RegionVerdict, newest first], "judgements": count}."""
    from reports.models import RegionVerdict

    values = ComputedValue.objects.filter(region=region, indicator__indicator_set=indicator_set)
    first = values.order_by("year", "quarter").values_list("year", "quarter").first()
    last = values.order_by("-year", "-quarter").values_list("year", "quarter").first()
    return {
        "values": values.count(),
        "first": Quarter(*first) if first else None,
        "last": Quarter(*last) if last else None,
        "verdicts": list(RegionVerdict.objects.filter(region=region, indicator_set=indicator_set)
                         .order_by("-year", "-quarter")),
        "judgements": Judgement.objects.filter(region=region, indicator__indicator_set=indicator_set).count(),
    }


def _recompute_since(region, first):
    from reports.services import region_scores_stale

    recompute_since_after_commit(region, first)
    region_scores_stale(region, quarters_since(first, today=timezone.localdate()))
