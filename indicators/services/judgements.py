"""Recording the points experts gave an item judged by experts (制度建设, 宣传教育 …) for a
region and quarter: one judgement per region, item and quarter, edited (with its history
kept) rather than duplicated, refused when the page was opened on an older version."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.workflow import EditConflict, save_versioned

from ..models import Indicator, Judgement
from .compute import recompute_since_after_commit


def judgement_save(*, region, indicator, quarter, points, reason, user, version):
    """Store the experts' ``points`` and written ``reason`` for ``indicator`` in ``region``
    from ``quarter`` on; returns the Judgement. ``version`` is the version of the judgement
    of that quarter the page showed (None when it showed none): a judgement saved by someone
    else since is refused with EditConflict carrying it, nothing written. Once committed,
    the region's values from ``quarter`` on are recomputed (a judgement holds until a later
    one replaces it)."""
    if indicator.method != Indicator.Method.JUDGED:
        raise ValidationError(_("Only an item judged by experts takes a judgement; this one is computed."))
    with transaction.atomic():
        stored = (Judgement.objects.select_for_update()
                  .filter(region=region, indicator=indicator, year=quarter.year, quarter=quarter.number).first())
        if stored is None:
            judgement = _create(region, indicator, quarter, points, reason, user)
        else:
            if version != stored.version:
                raise EditConflict(stored)
            stored.points, stored.reason, stored.judged_by = points, (reason or "").strip(), user
            stored.full_clean()
            stored._history_user = user
            judgement = save_versioned(stored, version=version, fields=["points", "reason", "judged_by"])
        recompute_since_after_commit(region, quarter)
    return judgement


def _create(region, indicator, quarter, points, reason, user):
    judgement = Judgement(region=region, indicator=indicator, year=quarter.year, quarter=quarter.number,
                          points=points, reason=(reason or "").strip(), judged_by=user)
    judgement.full_clean(validate_unique=False)  # the row lock above cannot lock a row not there yet
    judgement._history_user = user
    try:
        with transaction.atomic():  # a savepoint: the outer transaction survives a lost race
            judgement.save()
    except IntegrityError:
        # Someone judged the same quarter in the moment between the read and the write.
        raise EditConflict(Judgement.objects.get(region=region, indicator=indicator, year=quarter.year,
                                                 quarter=quarter.number)) from None
    return judgement
