"""/api/v1/ routes of the organisation: who the token is, the regions and departments it sees."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema

from core.api import Page, paged

from .models import Region
from .scoping import visible_to

router = Router(tags=[_("Regions and departments")])


def region_param(request, code, *, county=False):
    """The region a query names by division code, inside the token's scope; None when the
    query names none; a 404 when it names one outside the scope (as the pages answer)."""
    if not code:
        return None
    regions = visible_to(request.user).regions()
    if county:
        regions = regions.filter(level=Region.Level.COUNTY)
    return get_object_or_404(regions, code=code)


def in_region(request, queryset, code, field="region"):
    """``queryset`` of the region a query names by ``code`` (its Region reached through
    ``field``), or all of it when it names none; a 404 outside the scope (``region_param``)."""
    found = region_param(request, code)
    return queryset if found is None else queryset.filter(**{field: found})


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None


class DepartmentOut(Schema):
    id: int
    region: str
    name: str
    short_name: str
    kind: str
    is_active: bool


class MeOut(Schema):
    username: str
    display_name: str
    role: str
    department_id: int | None
    department: str | None
    region: str | None
    token: str
    read_only: bool
    expires_at: str


def region_out(region):
    return {"code": region.code, "name": region.name, "level": region.level,
            "parent": region.parent.code if region.parent_id else None}


def department_out(department):
    return {"id": department.pk, "region": department.region.code, "name": department.name,
            "short_name": department.short_name, "kind": department.kind, "is_active": department.is_active}


@router.get("/me", response=MeOut, summary=_("The token's system account and scope"))
def me(request):
    user, token = request.user, request.auth
    return {
        "username": user.get_username(), "display_name": user.display_name, "role": user.role,
        "department_id": user.department_id, "department": user.department.short_name if user.department_id else None,
        "region": user.region.code if user.department_id else None, "token": f"{token.prefix}…",
        "read_only": token.read_only, "expires_at": token.expires_at.isoformat(),
    }


@router.get("/regions", response=Page[RegionOut], summary=_("Regions the token sees"))
def region_list(request, level: str = "", page: int = 1, page_size: int = 100):
    regions = visible_to(request.user).regions().select_related("parent")
    if level:
        regions = regions.filter(level=level)
    return paged(regions, page=page, page_size=page_size, ordering=("code",), row=region_out)


@router.get("/departments", response=Page[DepartmentOut], summary=_("Departments the token sees"))
def department_list(request, region: str = "", page: int = 1, page_size: int = 100):
    departments = visible_to(request.user).departments()
    departments = in_region(request, departments, region, "region")
    return paged(departments, page=page, page_size=page_size, ordering=("region__code", "pk"), row=department_out)


@router.get("/departments/{department_id}", response=DepartmentOut, summary=_("A department, by its id"))
def department_detail(request, department_id: int):
    return department_out(get_object_or_404(visible_to(request.user).departments(), pk=department_id))
