"""Every route of /api/v1/, checked for tokens and scope as tests/test_route_matrix.py checks
the pages: the routes are read from the URL configuration, so a route added later fails
here until it says whose data it serves.

- anonymous, a malformed, unknown, expired or revoked token: 401, nothing written;
- the other district's token: 404 for an object or a region filter of this district;
- a read-only token: 403 on every write, with an audit entry and nothing written;
- a department's record: its own department's token reads it, another department's not.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from org.models import User
from org.services.tokens import token_revoke
from tasks.models import TaskNode
from tests.api_support import anonymous, api_for
from tests.test_route_matrix import (
    a_computed_value,
    a_data_report,
    a_plan,
    a_report,
    a_scorecard,
    adopted_standard,  # noqa: F401 (autouse: the route-test standard the indicator builders compute)
    all_routes,
)

REGION = "region"  # everyone of the district reads it (plans, computed values, the registry)
DEPARTMENT = "department"  # a department's record: its own token and the district's reviewers

# The description and its docs: a person signed in or a token (tests/test_api.py).
DOCS = {"api:openapi-json", "api:openapi-view"}
# ninja's root: always the friendly 404.
NOWHERE = {"api:api-root"}


@dataclass
class ApiRoute:
    """``kwargs(world, region)`` builds the path's arguments for an object of ``region``;
    ``query(world, region)`` a list's filter naming ``region``; ``body(world, region)`` what a
    write sends. A route with neither kwargs nor query is about the caller itself."""

    kwargs: object = None
    query: object = None
    method: str = "get"
    body: object = None
    owner: str = REGION

    @property
    def writes(self):
        return self.method != "get"

    def path(self, name, world, region):
        return reverse(name, kwargs=self.kwargs(world, region) if self.kwargs else None)

    def call(self, api, name, world, region):
        path = self.path(name, world, region)
        if self.writes:
            return api.call(self.method, path, self.body(world, region) if self.body else {})
        return api.get(path, self.query(world, region) if self.query else None)


def _region_code(world, region):
    return {"region": region.code}


def _department(world, region):
    return {"department_id": region.departments.order_by("pk").first().pk}


ROUTES = {
    # --- org ----------------------------------------------------------------------------
    "api:me": ApiRoute(),
    "api:region_list": ApiRoute(),
    "api:department_list": ApiRoute(query=_region_code),
    "api:department_detail": ApiRoute(kwargs=_department, owner=DEPARTMENT),
    # --- tasks --------------------------------------------------------------------------
    "api:plan_list": ApiRoute(query=_region_code),
    "api:plan_detail": ApiRoute(kwargs=lambda world, region: {"plan_id": a_plan(region).pk}),
    # Filtered by the entry's department: a colleague's token naming it gets 404, as a region.
    "api:progress_list": ApiRoute(query=lambda world, region: {"department": a_report(region).department_id},
                                  owner=DEPARTMENT),
    "api:progress_detail": ApiRoute(kwargs=lambda world, region: {"report_id": a_report(region).pk}, owner=DEPARTMENT),
    # --- indicators -------------------------------------------------------------------------
    "api:data_report_list": ApiRoute(query=_region_code),
    "api:data_report_detail": ApiRoute(kwargs=lambda world, region: {"report_id": a_data_report(region).pk},
                                       owner=DEPARTMENT),
    "api:indicator_value_list": ApiRoute(query=_region_code),
    "api:indicator_value_detail": ApiRoute(kwargs=lambda world, region: {"value_id": a_computed_value(region).pk}),
    "api:verdict_list": ApiRoute(query=_region_code),
    # --- reports ----------------------------------------------------------------------------
    "api:scorecard_list": ApiRoute(query=_region_code),
    "api:scorecard_detail": ApiRoute(kwargs=lambda world, region: {"scorecard_id": a_scorecard(region).pk},
                                     owner=DEPARTMENT),
    # --- carriers ---------------------------------------------------------------------------
    "api:carrier_list": ApiRoute(query=_region_code),
    "api:water_user_list": ApiRoute(query=_region_code),
    # --- campaigns --------------------------------------------------------------------------
    "api:campaign_list": ApiRoute(query=_region_code),
    "api:creation_list": ApiRoute(query=_region_code),
    # --- writes ---------------------------------------------------------------------------
    "api:progress_write": ApiRoute(method="post", body=lambda world, region: _progress_body(region),
                                   owner=DEPARTMENT),
    "api:data_report_write": ApiRoute(method="post", owner=DEPARTMENT, body=lambda world, region: {
        "quarter": "2026Q4", "values": [{"element": "RES_WATER", "value": "1"}]}),
    "api:statistics_bulk_write": ApiRoute(method="post", body=lambda world, region: {
        "quarter": "2026Q4", "rows": [{"region": region.code, "element": "RES_WATER", "value": "1"}]}),
}


def _progress_body(region):
    item = TaskNode.objects.filter(plan__region=region).order_by("pk").first()
    return {"quarter": "2026Q4", "entries": [{"item": item.pk if item else 1, "version": None, "percent": 10}]}


def api_route_names():
    return sorted(name for name, _pattern in all_routes() if name and name.startswith("api:"))


def _classified():
    return set(ROUTES) | DOCS | NOWHERE


def test_every_api_route_is_classified():
    unclassified = [name for name in api_route_names() if name not in _classified()]
    assert not unclassified, f"Classify these routes in tests/test_api_matrix.py: {unclassified}"


def test_the_api_matrix_has_no_stale_entries():
    assert _classified() <= set(api_route_names())


def test_every_write_is_classified():
    """Every write the description lists, by path and method, is one of the matrix's."""
    from config.api import api

    described = api.get_openapi_schema()["paths"]
    writes = {(path, method) for path, operations in described.items() for method in operations if method != "get"}
    classified = set()
    for name, route in ROUTES.items():
        if route.writes:
            classified.add((reverse(name), route.method))
    assert writes == classified


@pytest.fixture
def district_api(world):
    """The district's reviewer system: reads every department of the district."""
    return api_for(world.water_bureau, User.Role.REVIEWER)


@pytest.fixture
def outsider_api(world):
    return api_for(world.other_water_bureau, User.Role.REVIEWER)


def _written():
    return AuditEntry.objects.filter(route__startswith="api:").count()


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_anonymous_and_bad_tokens_get_401(world, name):
    route = ROUTES[name]
    callers = [anonymous(), api_for(world.water_bureau, User.Role.REVIEWER)]
    callers[1].token = callers[1].token[:-2] + "xx"  # one the portal never made
    for api in callers:
        response = route.call(api, name, world, world.district)
        assert response.status_code == 401, (name, response.content)
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["detail"]


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_expired_and_revoked_tokens_get_401_naming_why(world, name):
    route = ROUTES[name]
    expired = api_for(world.water_bureau, User.Role.REVIEWER)
    expired.row.__class__.objects.filter(pk=expired.row.pk).update(expires_at=timezone.now() - datetime.timedelta(1))
    revoked = api_for(world.water_bureau, User.Role.REVIEWER)
    token_revoke(token=revoked.row, by=None)
    for api, word in ((expired, "过期"), (revoked, "吊销")):
        response = route.call(api, name, world, world.district)
        assert response.status_code == 401, (name, response.content)
        assert word in response.json()["detail"]


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_the_district_reads_and_the_other_district_gets_404(world, district_api, outsider_api, name):
    route = ROUTES[name]
    if route.writes or not (route.kwargs or route.query):
        pytest.skip("about the caller itself, or a write (its own test)")
    assert route.call(district_api, name, world, world.district).status_code == 200
    response = route.call(outsider_api, name, world, world.district)
    assert response.status_code == 404, (name, response.content)
    assert route.call(outsider_api, name, world, world.other_district).status_code == 200


@pytest.mark.parametrize("name", sorted(n for n, r in ROUTES.items() if r.owner == DEPARTMENT and not r.writes))
def test_a_departments_record_is_its_own_and_not_its_colleagues(world, name):
    route = ROUTES[name]
    own = api_for(world.water_bureau)  # every object of these routes is the 区水利局's
    colleague = api_for(world.urban_bureau)
    assert route.call(own, name, world, world.district).status_code == 200
    assert route.call(colleague, name, world, world.district).status_code == 404


@pytest.mark.parametrize("name", sorted(n for n, r in ROUTES.items() if r.writes))
def test_a_read_only_token_writes_nothing_and_the_refusal_is_logged(world, name):
    route = ROUTES[name]
    api = api_for(world.water_bureau, read_only=True)
    before = _written()
    response = route.call(api, name, world, world.district)
    assert response.status_code == 403, (name, response.content)
    assert "只读" in response.json()["detail"]
    # GET and POST /progress resolve to one route (named after the read): find the call by its path.
    entry = AuditEntry.objects.filter(path=route.path(name, world, world.district), method="POST").latest("pk")
    assert entry.outcome == AuditEntry.Outcome.FAILED and entry.username == api.account.username
    assert _written() == before + 1


@pytest.mark.parametrize("name", sorted(n for n, r in ROUTES.items() if r.writes))
def test_the_other_districts_token_writes_nothing_here(world, outsider_api, name):
    route = ROUTES[name]
    response = route.call(outsider_api, name, world, world.district)
    assert 400 <= response.status_code < 500, (name, response.content)
    entry = AuditEntry.objects.filter(path=route.path(name, world, world.district), method="POST").latest("pk")
    assert entry.outcome == AuditEntry.Outcome.FAILED
