"""Setting up a campaign: its goal and standard, and each year's batch of counties with the
stage deadlines. Adding a county opens its creation record at 计划创建; a county that has
moved on is never taken out of its batch, and a planned one only once the supervisor has
seen the list and confirmed."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.workflow import EditConflict
from org.models import Region

from ..models import Batch, BatchDeadline, Campaign, Creation, Stage, StageStep
from ..selectors import counties_q

# The stages a batch may set a deadline for: every stage after the plan up to the name.
DEADLINE_STAGES = [Stage.SELF_ASSESSMENT, Stage.DECLARED, Stage.TECHNICAL, Stage.ACCEPTANCE, Stage.PUBLICITY,
                   Stage.REPORTED, Stage.NAMED]


def latest_change(instance):
    """The id of the newest history row of ``instance`` (None for an unsaved one): what a
    form remembers to refuse a save over a change made after it was opened, for the
    campaign's records that carry no version number."""
    if instance.pk is None:
        return None
    return instance.history.order_by("-history_id").values_list("history_id", flat=True).first()


def locked_unchanged(model, pk, seen):
    """The row ``pk`` of ``model``, locked; EditConflict when its history has a newer entry
    than ``seen`` (call inside a transaction)."""
    current = model.objects.select_for_update().get(pk=pk)
    if seen is not None and latest_change(current) != seen:
        raise EditConflict(current)
    return current


def campaign_save(*, campaign, user, seen=None):
    """Create or change ``campaign`` (a form's instance, already validated). The standard
    cannot change once a county has gone past 计划创建: its self-assessment and the
    experts' scores are kept under it."""
    with transaction.atomic():
        if campaign.pk is not None:
            stored = locked_unchanged(Campaign, campaign.pk, seen)
            if stored.indicator_set_id != campaign.indicator_set_id and \
                    stored.creations.exclude(stage=Stage.PLANNED).exists():
                raise ValidationError({"indicator_set": _(
                    "Counties of this campaign are already assessed under %(standard)s: the standard cannot "
                    "change.") % {"standard": stored.indicator_set.name}})
            campaign.region_id = stored.region_id  # the region is fixed once set up
        campaign.full_clean()
        campaign._history_user = user
        campaign.save()
    return campaign


class ConfirmRemoval(Exception):
    """Counties at 计划创建 would leave the batch: nothing was written; the page lists them
    and asks the supervisor to confirm."""

    def __init__(self, creations):
        super().__init__(_("Confirm taking these counties out of the batch."))
        self.creations = creations


def _removal_refusals(creations):
    """Why each of ``creations`` cannot leave its batch: it moved past the plan (or was
    returned to it), or money was allocated to it."""
    refusals = []
    for creation in creations:
        if creation.stage != Stage.PLANNED:
            refusals.append(_("%(county)s is at %(stage)s: a county that has moved on stays in its batch.") % {
                "county": creation.region.name, "stage": creation.get_stage_display()})
        elif creation.steps.exclude(from_stage="").exists():
            refusals.append(_("%(county)s has been through later stages and was returned: its record stays.")
                            % {"county": creation.region.name})
        elif creation.allocations.exists():
            refusals.append(_("%(county)s has funding allocated: it stays in its batch.")
                            % {"county": creation.region.name})
    return refusals


def batch_save(*, campaign, batch, counties, deadlines, user, assessment_year=None, seen=None, confirm=False,
               today=None):
    """Create or change ``batch`` (a form's instance) of ``campaign``: its counties are
    ``counties`` (regions under the campaign's region) and its deadlines ``deadlines``
    ({stage: date or None}). A county added gets its creation record at 计划创建, assessed
    on ``assessment_year`` (the year before the batch's by default). Returns (batch, added,
    removed) creation records.

    Refused, with nothing written (ValidationError), when a county to take out has moved
    on; ConfirmRemoval when planned counties would be taken out and ``confirm`` is not set."""
    today = today or timezone.localdate()
    wanted = {region.pk: region for region in counties}
    with transaction.atomic():
        if batch.pk is not None:
            stored = locked_unchanged(Batch, batch.pk, seen)
            current = {creation.region_id: creation for creation in
                       stored.creations.select_related("region").order_by("region__code")}
        else:
            stored, current = None, {}
        under = set(Region.objects.filter(counties_q(campaign.region), pk__in=list(wanted))
                    .values_list("pk", flat=True))
        outside = [region for region_id, region in wanted.items() if region_id not in under]
        if outside:
            raise ValidationError({"counties": _("%(counties)s are not counties under %(region)s.") % {
                "counties": "、".join(region.name for region in outside), "region": campaign.region.name}})
        elsewhere = list(Creation.objects.filter(campaign=campaign, region__in=list(wanted))
                         .exclude(batch=batch.pk).select_related("region", "batch"))
        if elsewhere:
            raise ValidationError({"counties": _("Already in another batch of the campaign: %(counties)s.") % {
                "counties": "、".join(f"{c.region.name}（{c.batch.name}）" for c in elsewhere)}})
        leaving = [creation for region_id, creation in current.items() if region_id not in wanted]
        refusals = _removal_refusals(leaving)
        if stored is not None and stored.year != batch.year:
            moved = [c.region.name for c in current.values() if c.stage != Stage.PLANNED]
            if moved:
                refusals.append(_("The year cannot change: %(counties)s have moved past the plan.")
                                % {"counties": "、".join(moved)})
        if refusals:
            raise ValidationError(refusals)
        if leaving and not confirm:
            raise ConfirmRemoval(leaving)
        batch.campaign = campaign
        batch.full_clean()
        batch._history_user = user
        batch.save()
        _save_deadlines(batch, deadlines)
        year = assessment_year or batch.year - 1
        added = []
        for region_id, region in sorted(wanted.items(), key=lambda item: item[1].code):
            if region_id in current:
                continue
            creation = Creation(campaign=campaign, batch=batch, region=region, stage=Stage.PLANNED,
                                stage_since=today, assessment_year=year)
            creation.full_clean()
            creation._history_user = user
            creation.save()
            StageStep.objects.create(creation=creation, from_stage="", to_stage=Stage.PLANNED, taken_on=today,
                                     taken_by=user, reason=_("Planned in %(batch)s") % {"batch": batch.name})
            added.append(creation)
        for creation in leaving:
            creation._history_user = user
            creation.delete()
    return batch, added, leaving


def _save_deadlines(batch, deadlines):
    stored = {row.stage: row for row in batch.deadlines.all()}
    for stage, due in deadlines.items():
        row = stored.get(stage)
        if due is None:
            if row is not None:
                row.delete()
        elif row is None:
            BatchDeadline.objects.create(batch=batch, stage=stage, due=due)
        elif row.due != due:
            row.due = due
            row.save(update_fields=["due"])
