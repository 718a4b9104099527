"""自评: the county scores itself item by item under the campaign's standard.

Items the portal computes from approved figures (formula and leakage items with a computed
value in points for the assessed year) are filled from that value, with its award sentence
and lineage; the others (checklists, items judged by experts, items without computed
points) are answered by the county's water bureau with an explanation and evidence.
Submitting freezes the assessment and declares the county (申报) in one transaction;
only the city returning the county to an earlier stage reopens it (``stages.return_to``).

Every change bumps the assessment's ``version``, so a page opened before someone else's
change is refused (``EditConflict``) instead of saving over it."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core import evidence as evidence_files
from core.numbers import plain
from core.workflow import EditConflict, TransitionRefused
from indicators.lineage import expanded
from indicators.models import ComputedValue, Indicator
from indicators.scoring_rules import allowed_points

from .. import stages
from ..models import SelfAssessment, SelfScore, Stage

# Items whose points the portal works out from the figures; the rest are answered by hand.
COMPUTED_METHODS = (Indicator.Method.FORMULA, Indicator.Method.LEAKAGE)


def computed_values(creation, year, indicators):
    """{indicator id: ComputedValue} of the county's year for ``indicators``: the fourth
    quarter's when it has points, else the latest quarter of the year that has them."""
    wanted = [indicator.pk for indicator in indicators if indicator.method in COMPUTED_METHODS]
    found = {}
    rows = (ComputedValue.objects.filter(region=creation.region_id, indicator__in=wanted, year=year,
                                         points__isnull=False)
            .order_by("indicator", "-quarter"))
    for row in rows:
        found.setdefault(row.indicator_id, row)
    expanded(found.values())  # their lineages are copied: the rows they name read once for all
    return found


def _lineage(computed):
    """The computed value's lineage as it is now, with where it came from, so the page can
    link to the live lineage and the frozen copy still says what it was."""
    return {**computed.lineage, "computed_value": computed.pk, "period": f"{computed.year}Q{computed.quarter}",
            "status": computed.status, "explanation": computed.explanation}


def _fill(score, computed):
    """Fill ``score`` from ``computed`` (or, with None, hand it back to the county); returns
    whether anything changed."""
    before = (score.computed, score.points, score.value, score.award, score.lineage)
    if computed is not None:
        score.computed, score.points, score.value = True, computed.points, computed.value
        score.award, score.lineage = computed.award[:300], _lineage(computed)
    elif score.computed:  # its computed value is gone: the county answers it now
        score.computed, score.points, score.value, score.award, score.lineage = False, None, None, "", {}
    return before != (score.computed, score.points, score.value, score.award, score.lineage)


def _locked(assessment, version=None):
    stored = SelfAssessment.objects.select_for_update(of=("self",)).select_related("creation").get(pk=assessment.pk)
    if version is not None and stored.version != version:
        raise EditConflict(stored)
    return stored


def _require_open(stored):
    if stored.is_frozen:
        raise TransitionRefused(_("The self-assessment was submitted on %(date)s and can no longer be changed.")
                                % {"date": date_format(timezone.localtime(stored.submitted_at).date())})
    if stored.creation.stage != Stage.SELF_ASSESSMENT:
        raise TransitionRefused(_("The county is at %(stage)s: the self-assessment is changed only during the "
                                  "self-assessment stage.") % {"stage": stored.creation.get_stage_display()})


def _bump(stored, user):
    stored.version += 1
    stored._history_user = user
    stored.save()


def start(creation, *, user, version=None):
    """Move ``creation`` from 计划创建 to 自评 and prepare its self-assessment: one row per
    item of the campaign's standard, the computed ones filled. A county sent back to 计划创建
    keeps its earlier answers; the computed items are filled again."""
    with transaction.atomic():
        stored = stages.advance(creation, user=user, to=Stage.SELF_ASSESSMENT, version=version)
        indicator_set = stored.campaign.indicator_set
        assessment = SelfAssessment.objects.filter(creation=stored).first()
        if assessment is None:
            assessment = SelfAssessment(creation=stored, indicator_set=indicator_set, year=stored.assessment_year)
            assessment._history_user = user
            assessment.save()
        indicators = list(indicator_set.indicators.order_by("number"))
        existing = set(assessment.scores.values_list("indicator", flat=True))
        SelfScore.objects.bulk_create([SelfScore(assessment=assessment, indicator=indicator)
                                       for indicator in indicators if indicator.pk not in existing])
        _refresh(assessment, user)
        return assessment


def _refresh(assessment, user):
    scores = list(assessment.scores.select_related("indicator"))
    found = computed_values(assessment.creation, assessment.year, [score.indicator for score in scores])
    changed = 0
    for score in scores:
        if _fill(score, found.get(score.indicator_id)):
            score._history_user = user
            score.save()
            changed += 1
    return changed


def refresh(assessment, *, user, version=None):
    """Fill the computed items again from the portal's values as they are now (the figures
    may have been corrected since); returns how many items changed."""
    with transaction.atomic():
        stored = _locked(assessment, version)
        _require_open(stored)
        changed = _refresh(stored, user)
        _bump(stored, user)
        return changed


def check_points(indicator, points):
    """Refuse (ValidationError) points ``indicator``'s rule cannot award."""
    allowed = allowed_points(indicator.scoring, full=indicator.points)
    if points not in allowed:
        raise ValidationError(_("%(item)s allows %(allowed)s, not %(points)s.") % {
            "item": indicator.name, "allowed": allowed.text, "points": plain(points)})


def save_score(score, *, user, points, explanation, version):
    """The county's answer for one item answered by hand: points within the item's rule and
    the explanation (required). Computed items come from the figures and are not typed."""
    explanation = (explanation or "").strip()
    with transaction.atomic():
        stored = _locked(score.assessment, version)
        _require_open(stored)
        score = SelfScore.objects.select_related("indicator").get(pk=score.pk)
        if score.computed:
            raise TransitionRefused(_("%(item)s is computed from the county's approved figures; correct the "
                                      "figures and fill the computed items again.") % {"item": score.indicator.name})
        errors = {}
        if points is None:
            errors["points"] = _("Give the points the county claims for this item.")
        else:
            try:
                check_points(score.indicator, points)
            except ValidationError as error:
                errors["points"] = error.messages[0]
        if not explanation:
            errors["explanation"] = _("Explain how the county meets the item: what was done, which documents show it.")
        if errors:
            raise ValidationError(errors)
        score.points, score.explanation = points, explanation
        score._history_user = user
        score.save()
        _bump(stored, user)
        return score


def attach_evidence(score, *, upload, user):
    """Attach a file to an item answered by hand, while the self-assessment is open."""
    with transaction.atomic():
        stored = _locked(score.assessment)
        _require_open(stored)
        return evidence_files.store(score.evidence, upload=upload, user=user)


def remove_evidence(evidence, *, user):
    with transaction.atomic():
        stored = _locked(evidence.score.assessment)
        _require_open(stored)
        evidence_files.discard(evidence)


def missing(assessment):
    """The items that still stop a submission, in the standard's order."""
    return [score for score in assessment.scores.select_related("indicator").order_by("indicator__number")
            if score.points is None or (not score.computed and not score.explanation.strip())]


def submit(assessment, *, user, version):
    """Freeze the self-assessment as it is and declare the county (申报), in one transaction.
    Refused when an item has no points or no explanation, or when a computed item's points
    changed since the page was shown (fill the computed items again and look first)."""
    with transaction.atomic():
        stored = _locked(assessment, version)
        _require_open(stored)
        gaps = missing(stored)
        if gaps:
            raise TransitionRefused(_("%(count)d items are not answered yet: %(items)s.") % {
                "count": len(gaps), "items": "、".join(f"{s.indicator.number}. {s.indicator.name}" for s in gaps[:5])})
        scores = list(stored.scores.select_related("indicator"))
        found = computed_values(stored.creation, stored.year, [score.indicator for score in scores])
        moved = [score for score in scores if (found.get(score.indicator_id) is not None) != score.computed
                 or (score.computed and found[score.indicator_id].points != score.points)]
        if moved:
            raise TransitionRefused(_("The portal's figures changed since the page was shown for: %(items)s. Fill the "
                                      "computed items again and check the points before submitting.") % {
                "items": "、".join(f"{s.indicator.number}. {s.indicator.name}" for s in moved[:5])})
        for score in scores:  # the award and lineage as they are now, kept from here on
            if score.computed and _fill(score, found[score.indicator_id]):
                score._history_user = user
                score.save()
        stored.submitted_at, stored.submitted_by = timezone.now(), user
        _bump(stored, user)
        stages.advance(stored.creation, user=user, to=Stage.DECLARED)
        return stored


def total(assessment):
    return sum((score.points or Decimal("0") for score in assessment.scores.all()), Decimal("0"))
