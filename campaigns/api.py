"""/api/v1/ routes of the creation campaigns: the campaigns a city or province runs, and each
county's creation record with the stages it went through."""

from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _
from ninja import Router, Schema

from core.api import Page, paged
from core.api import iso as _day
from org.api import region_param
from org.scoping import visible_to

from .models import Batch, Campaign, Creation, StageStep

router = Router(tags=[_("The creation campaign")])


class DeadlineOut(Schema):
    stage: str
    due: str


class BatchOut(Schema):
    id: int
    year: int
    name: str
    deadlines: list[DeadlineOut]


class CampaignOut(Schema):
    id: int
    region: str
    name: str
    standard_id: int
    standard: str
    goal_text: str
    goal_year: int
    goal_share: str | None
    goal_count: int | None
    county_total: int | None
    source: str
    batches: list[BatchOut]


def campaign_out(campaign):
    return {
        "id": campaign.pk, "region": campaign.region.code, "name": campaign.name,
        "standard_id": campaign.indicator_set_id, "standard": campaign.indicator_set.code,
        "goal_text": campaign.goal_text, "goal_year": campaign.goal_year,
        "goal_share": None if campaign.goal_share is None else str(campaign.goal_share),
        "goal_count": campaign.goal_count, "county_total": campaign.county_total, "source": campaign.source,
        "batches": [{"id": batch.pk, "year": batch.year, "name": batch.name,
                     "deadlines": [{"stage": d.stage, "due": d.due.isoformat()} for d in batch.deadlines.all()]}
                    for batch in campaign.batches.all()],
    }


@router.get("/campaigns", response=Page[CampaignOut], summary=_("Creation campaigns"))
def campaign_list(request, region: str = "", page: int = 1, page_size: int = 100):
    """The campaigns the token reads (a city's or province's supervisors, as the campaign
    list); ``region``: those run by the region or with a county of it creating."""
    campaigns = visible_to(request.user).campaigns().select_related("indicator_set").prefetch_related(
        Prefetch("batches", queryset=Batch.objects.order_by("year").prefetch_related("deadlines")))
    found = region_param(request, region)
    if found is not None:
        campaigns = campaigns.filter(
            pk__in=Campaign.objects.filter(Q(region=found) | Q(creations__region=found)).values("pk"))
    return paged(campaigns, page=page, page_size=page_size, ordering=("region__code", "-goal_year", "pk"),
                 row=campaign_out)


class StepOut(Schema):
    from_stage: str
    to_stage: str
    taken_on: str
    taken_by: str | None
    reason: str
    document: str
    is_return: bool


class CreationOut(Schema):
    id: int
    campaign_id: int
    campaign: str
    batch_year: int
    batch: str
    region: str
    stage: str
    stage_since: str
    assessment_year: int
    reported_on: str | None
    reported_document: str
    named_batch: str
    named_on: str | None
    named_document: str
    version: int
    steps: list[StepOut]


def creation_out(creation):
    return {
        "id": creation.pk, "campaign_id": creation.campaign_id, "campaign": creation.campaign.name,
        "batch_year": creation.batch.year, "batch": creation.batch.name, "region": creation.region.code,
        "stage": creation.stage, "stage_since": creation.stage_since.isoformat(),
        "assessment_year": creation.assessment_year, "reported_on": _day(creation.reported_on),
        "reported_document": creation.reported_document, "named_batch": creation.named_batch,
        "named_on": _day(creation.named_on), "named_document": creation.named_document, "version": creation.version,
        "steps": [{"from_stage": step.from_stage, "to_stage": step.to_stage, "taken_on": step.taken_on.isoformat(),
                   "taken_by": None if step.taken_by is None else str(step.taken_by), "reason": step.reason,
                   "document": step.document, "is_return": step.is_return} for step in creation.steps.all()],
    }


@router.get("/creations", response=Page[CreationOut], summary=_("Counties' creation records with their stages"))
def creation_list(request, region: str = "", campaign: int | None = None, page: int = 1, page_size: int = 100):
    """The creation records the token reads, as the creation page: the campaign's
    supervisors, and the county's own people; ``region``: the county, or the counties of a
    city or province."""
    creations = visible_to(request.user).creations(
        Creation.objects.select_related("campaign", "batch", "region").prefetch_related(
            Prefetch("steps", queryset=StageStep.objects.select_related("taken_by").order_by("recorded_at", "pk"))))
    found = region_param(request, region)
    if found is not None:
        creations = creations.filter(found.subtree_q("region__"))
    if campaign is not None:
        creations = creations.filter(campaign_id=campaign)
    return paged(creations, page=page, page_size=page_size, ordering=("campaign_id", "batch__year", "region__code",
                                                                      "pk"), row=creation_out)
