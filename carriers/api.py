"""/api/v1/ routes of the carrier registry: the water users with their yearly figures, and
the carrier certifications, with the fields as the registry records them."""

from typing import Literal

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from ninja import Router, Schema

from core.api import Page, Refused, paged
from core.api import decimal_text as _text
from core.api import iso as _day
from org.api import in_region
from org.scoping import visible_to

from . import selectors
from .models import Carrier, CarrierEvidence, CarrierKind, UserKind, WaterUser

router = Router(tags=[_("Water users and carriers")])

Kind = Literal[tuple(UserKind.values)]
Status = Literal[tuple(Carrier.Status.values)]

YEAR_FIGURES = ("surface_withdrawal", "ground_withdrawal", "public_supply", "total_use", "reused_water",
                "planned_quota", "irrigated_area_mu")


class UserYearOut(Schema):
    year: int
    surface_withdrawal: str
    ground_withdrawal: str
    public_supply: str
    total_use: str
    reused_water: str
    planned_quota: str | None
    households: int | None
    irrigated_area_mu: str | None


class WaterUserOut(Schema):
    id: int
    region: str
    name: str
    credit_code: str
    kind: str
    industry: str
    uses_surface: bool
    uses_ground: bool
    uses_public: bool
    sources: str
    notes: str
    updated_at: str
    version: int
    years: list[UserYearOut]
    carriers: list[int]


def water_user_out(user):
    return {
        "id": user.pk, "region": user.region.code, "name": user.name, "credit_code": user.credit_code,
        "kind": user.kind, "industry": user.industry, "uses_surface": user.uses_surface,
        "uses_ground": user.uses_ground, "uses_public": user.uses_public, "sources": user.sources_text,
        "notes": user.notes, "updated_at": user.updated_at.isoformat(), "version": user.version,
        "years": [{"year": row.year, "households": row.households,
                   **{name: _text(getattr(row, name)) for name in YEAR_FIGURES}} for row in user.years.all()],
        "carriers": [carrier.pk for carrier in user.carriers.all()],
    }


@router.get("/water-users", response=Page[WaterUserOut], summary=_("Water users of the registry"))
def water_user_list(request, region: str = "", year: int | None = None, kind: Kind | None = None, page: int = 1,
                    page_size: int = 100):
    """The registry's water users (everyone of the district reads them, as the registry
    page); ``year``: only those with figures of that year, with those figures."""
    users = visible_to(request.user).filter(WaterUser.objects.select_related("region"), region="region")
    users = in_region(request, users, region, "region")
    if year is not None:
        users = users.filter(years__year=year)
    if kind:
        users = users.filter(kind=kind)
    users = selectors.with_years_and_carriers(users, year=year)
    return paged(users, page=page, page_size=page_size, ordering=("region__code", selectors.KIND_ORDER, "name", "pk"),
                 row=water_user_out)


class EvidenceOut(Schema):
    id: int
    name: str
    size: int
    sha256: str
    uploaded_at: str


class CarrierOut(Schema):
    id: int
    region: str
    carrier_type: str
    carrier_type_name: str
    level: str
    name: str
    water_user_id: int | None
    credit_code: str
    entity_name: str
    holder: str
    standard: str | None
    status: str
    applied_on: str | None
    accepted_on: str | None
    published_on: str | None
    recheck_due: str | None
    ended_on: str | None
    notes: str
    updated_at: str
    version: int
    evidence: list[EvidenceOut]


def carrier_out(carrier):
    standard = carrier.standard
    return {
        "id": carrier.pk, "region": carrier.region.code, "carrier_type": carrier.carrier_type_id,
        "carrier_type_name": carrier.carrier_type.name, "level": carrier.level, "name": carrier.name,
        "water_user_id": carrier.user_id, "credit_code": carrier.user.credit_code if carrier.user_id else "",
        "entity_name": carrier.entity_name, "holder": carrier.holder,
        "standard": None if standard is None else str(standard), "status": carrier.status,
        "applied_on": _day(carrier.applied_on), "accepted_on": _day(carrier.accepted_on),
        "published_on": _day(carrier.published_on), "recheck_due": _day(carrier.recheck_due),
        "ended_on": _day(carrier.ended_on), "notes": carrier.notes, "updated_at": carrier.updated_at.isoformat(),
        "version": carrier.version,
        "evidence": [{"id": f.pk, "name": f.name, "size": f.size, "sha256": f.sha256,
                      "uploaded_at": f.uploaded_at.isoformat()} for f in carrier.evidence.all()],
    }


@router.get("/carriers", response=Page[CarrierOut], summary=_("Carrier certifications of the registry"))
def carrier_list(request, region: str = "", year: int | None = None, type: str = "", status: Status | None = None,
                 page: int = 1, page_size: int = 100):
    """The registry's carriers (everyone of the district reads them); their evidence files
    are the water bureau's, listed only to whoever oversees the district, as on the
    carrier's page. ``year``: only those accepted in that year."""
    scope = visible_to(request.user)
    evidence = scope.records(CarrierEvidence.objects.order_by("pk"), region="carrier__region")
    carriers = scope.filter(
        Carrier.objects.select_related("region", "user", "carrier_type", "standard")
        .prefetch_related(Prefetch("evidence", queryset=evidence)), region="region")
    carriers = in_region(request, carriers, region, "region")
    if year is not None:
        carriers = carriers.filter(accepted_on__year=year)
    if type:
        if not CarrierKind.objects.filter(code=type).exists():
            raise Refused(_("Nothing was read: %(field)s names no carrier type.") % {"field": "type"},
                          [("type", _("no carrier type has the code %(value)s") % {"value": type})])
        carriers = carriers.filter(carrier_type=type)
    if status:
        carriers = carriers.filter(status=status)
    return paged(carriers, page=page, page_size=page_size,
                 ordering=("region__code", selectors.TYPE_ORDER, "-accepted_on", "pk"), row=carrier_out)
