"""A year's funding (资金奖补) shared among the campaign's counties, "weighed by each
county's progress" (seed 000): a suggestion from stage and score, the bureau's adjustments
with a reason each, and its approval once the amounts add up to the total, after which
nothing changes.

The suggestion, in numbers:

    weight  = stage weight × score factor (to 0.0001)
    suggested = total × weight ÷ Σ weights, rounded to 0.01 万元 (half up); what rounding
                leaves over (a few 0.01) goes to the largest share, so the amounts add
                up to the total exactly.

Stage weight: how far the county has gone (STAGE_WEIGHTS). Score factor: the expert
group's total once it concluded, else the self-assessment's total, else the standard's full
points (nothing scored yet: the stage alone decides), divided by the full points."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.numbers import plain
from core.workflow import EditConflict, TransitionRefused

from .. import selectors
from ..models import Allocation, Creation, FundingRound, Stage

CENT = Decimal("0.01")
WEIGHT = Decimal("0.0001")
STAGE_WEIGHTS = {
    Stage.PLANNED: Decimal("0.2"),
    Stage.SELF_ASSESSMENT: Decimal("0.4"),
    Stage.DECLARED: Decimal("0.5"),
    Stage.TECHNICAL: Decimal("0.6"),
    Stage.ACCEPTANCE: Decimal("0.8"),
    Stage.PUBLICITY: Decimal("1.0"),
    Stage.REPORTED: Decimal("1.0"),
    Stage.NAMED: Decimal("1.0"),
    Stage.RECHECKED: Decimal("1.0"),
}
# Where the score factor came from, as the page says it.
BY_GROUP, BY_SELF, BY_NONE = "group", "self", "none"


@dataclass
class Weighing:
    """How one county's weight was made."""

    creation: Creation
    stage_weight: Decimal
    score: Decimal
    full: Decimal
    basis: str  # BY_GROUP | BY_SELF | BY_NONE

    @property
    def factor(self):
        return self.score / self.full if self.full else Decimal("1")

    @property
    def weight(self):
        return (self.stage_weight * self.factor).quantize(WEIGHT, rounding=ROUND_HALF_UP)


def funded_creations(campaign, year):
    """The counties the round of ``year`` shares among, at the stage they had reached by the
    end of it (today, for the running year): those of the batches up to that year still
    creating in it — not revoked, not a later batch's, not named in an earlier year (a county
    named before the campaign, its date unknown, counts as named before)."""
    as_of = min(timezone.localdate(), date(year, 12, 31))
    stood = selectors.as_they_stood(
        [c for c in selectors.creations_with_steps(campaign) if c.batch.year <= year], as_of)
    return sorted((creation for creation in stood
                   if creation.stage != Stage.REVOKED and not _named_before(creation, year)),
                  key=lambda creation: creation.region.code)


def _named_before(creation, year):
    if not creation.is_named or creation.batch.year >= year:
        return False
    return creation.named_on is None or creation.named_on.year < year


def weighings(campaign, year, creations=None):
    """{creation id: Weighing} for the counties the round of ``year`` shares among."""
    creations = funded_creations(campaign, year) if creations is None else creations
    full = campaign.indicator_set.full_points
    groups = selectors.group_totals(creations)
    own = selectors.self_totals(creations)
    found = {}
    for creation in creations:
        if creation.pk in groups:
            score, basis = groups[creation.pk], BY_GROUP
        elif creation.pk in own:
            score, basis = own[creation.pk], BY_SELF
        else:
            score, basis = full, BY_NONE
        found[creation.pk] = Weighing(creation, STAGE_WEIGHTS[creation.stage], score, full, basis)
    return found


def split(total, weights):
    """``total`` shared in proportion to ``weights`` (a list of Decimals), each share to
    0.01, the rounding's remainder added to the largest share (the first of equals), so
    the shares add up to ``total``. Raises ValueError when every weight is 0."""
    whole = sum(weights, Decimal("0"))
    if not weights or whole <= 0:
        raise ValueError("nothing to weigh")
    shares = [(total * weight / whole).quantize(CENT, rounding=ROUND_HALF_UP) for weight in weights]
    remainder = total - sum(shares, Decimal("0"))
    if remainder:
        largest = max(range(len(shares)), key=lambda index: (shares[index], -index))
        shares[largest] += remainder
    return shares


def _refuse_if_approved(funding):
    if funding.is_approved:
        raise TransitionRefused(_("The %(year)d funding was approved on %(day)s: its amounts no longer change.") % {
            "year": funding.year, "day": date_format(timezone.localtime(funding.approved_at).date())})


def _locked(funding, version):
    stored = (FundingRound.objects.select_for_update(of=("self",)).select_related("campaign__indicator_set")
              .get(pk=funding.pk))
    if version is not None and stored.version != version:
        raise EditConflict(stored)
    _refuse_if_approved(stored)
    return stored


def _suggest(funding, user):
    """Write the suggestion: every funded county's weight and suggested amount; an amount
    the bureau has not adjusted (no reason given) follows the suggestion."""
    weighed = weighings(funding.campaign, funding.year)
    if not weighed:
        raise TransitionRefused(_("The campaign has no county to share the funding among."))
    rows = list(weighed.values())
    shares = split(funding.total, [row.weight for row in rows])
    stored = {allocation.creation_id: allocation for allocation in funding.allocations.all()}
    for row, share in zip(rows, shares, strict=True):
        allocation = stored.pop(row.creation.pk, None)
        if allocation is None:
            allocation = Allocation(round=funding, creation=row.creation, amount=share)
        allocation.weight, allocation.suggested = row.weight, share
        if not allocation.note:
            allocation.amount = share
        allocation._history_user = user
        allocation.save()
    for gone in stored.values():  # a county revoked since: its unapproved share goes
        gone.delete()


def funding_open(*, campaign, year, total, basis, user):
    """A new round for ``year`` with its suggested allocation."""
    with transaction.atomic():
        if FundingRound.objects.filter(campaign=campaign, year=year).exists():
            raise TransitionRefused(_("The %(year)d funding is already set up.") % {"year": year})
        funding = FundingRound(campaign=campaign, year=year, total=total, basis=basis)
        funding.full_clean()
        funding._history_user = user
        funding.save()
        _suggest(funding, user)
    return funding


def funding_change(*, funding, total, basis, user, version):
    """Change the amount to share or its basis; the suggestion follows the new total."""
    with transaction.atomic():
        stored = _locked(funding, version)
        stored.total, stored.basis = total, basis
        stored.version += 1
        stored.full_clean()
        stored._history_user = user
        stored.save()
        _suggest(stored, user)
    return stored


def funding_suggest(*, funding, user, version):
    """Weigh again (stages and scores moved since): the suggestion is rewritten; adjusted
    amounts stay as the bureau set them."""
    with transaction.atomic():
        stored = _locked(funding, version)
        stored.version += 1
        stored._history_user = user
        stored.save(update_fields=["version"])
        _suggest(stored, user)
    return stored


def funding_adjust(*, funding, amounts, user, version):
    """The bureau's amounts: ``amounts`` is {allocation id: (amount, reason)}. An amount
    other than the suggestion needs its reason; one back at the suggestion drops it.
    Refused whole (nothing written) when a row lacks its reason."""
    with transaction.atomic():
        stored = _locked(funding, version)
        allocations = {a.pk: a for a in stored.allocations.select_related("creation__region")}
        problems, changed = [], []
        for pk, (amount, note) in amounts.items():
            allocation = allocations.get(pk)
            if allocation is None:
                continue
            note = (note or "").strip()
            if amount < 0:
                problems.append(_("%(county)s: the amount cannot be negative.") % {
                    "county": allocation.creation.region.name})
                continue
            if amount != allocation.suggested and not note:
                problems.append(_("%(county)s: say why the amount differs from the suggested %(suggested)s 万元.")
                                % {"county": allocation.creation.region.name,
                                   "suggested": plain(allocation.suggested)})
                continue
            if amount == allocation.suggested:
                note = ""
            if (amount, note) != (allocation.amount, allocation.note):
                allocation.amount, allocation.note = amount, note
                changed.append(allocation)
        if problems:
            raise ValidationError(problems)
        for allocation in changed:
            allocation.full_clean()
            allocation._history_user = user
            allocation.save()
        stored.version += 1
        stored.save(update_fields=["version"])
    return changed


def funding_approve(*, funding, user, version):
    """Approve the amounts once they add up to the total; after that they are frozen."""
    with transaction.atomic():
        stored = _locked(funding, version)
        allocated = sum((a.amount for a in stored.allocations.all()), Decimal("0"))
        if not stored.allocations.exists():
            raise TransitionRefused(_("There is nothing to approve: no county has an amount."))
        if allocated != stored.total:
            difference = allocated - stored.total
            raise TransitionRefused(_(
                "The amounts add up to %(allocated)s 万元, %(difference)s 万元 %(direction)s the %(total)s 万元 to "
                "share: adjust them first.") % {
                "allocated": plain(allocated), "difference": plain(abs(difference)), "total": plain(stored.total),
                "direction": _("more than") if difference > 0 else _("less than")})
        stored.approved_at, stored.approved_by = timezone.now(), user
        stored.version += 1
        stored._history_user = user
        stored.save()
    return stored
