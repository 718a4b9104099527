"""Every URL pattern of the project, checked for sign-in and district isolation.

The patterns are enumerated from the URL resolver, so a route added later is covered
without anyone remembering to add it: a route this file cannot classify fails the test.
"""

import re
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Routes anyone may open. /health/ tells anybody only ok or failed per check (details for
# administrators, tests/test_health.py); /metrics answers the monitoring host's address and
# is a 404 for any other (tests/test_metrics.py), signed in or not.
PUBLIC = {"login", "set_language", "health", "metrics"}
# Routes for a signed-in user that name no object: anonymous → login.
SIGNED_IN = {
    "org:notifications",
    "home",
    "org:region_list",
    "password_change",
    "password_change_done",
    "tasks:plan_list",
    "tasks:my_work",
    "indicators:board",
    "indicators:catalogue",
    "indicators:data_home",
    "carriers:registry",
    "carriers:key_monitoring",
    "carriers:planned_use",
    "carriers:carriers",
    "carriers:export_users",
    "carriers:export_carriers",
    "carriers:leak_repairs",
    "carriers:export_leak_repairs",
    "reports:summary",
    "reports:city",
    "reports:quarterly",
    "campaigns:list",
}
# Routes only an administrator may open: anyone else gets 404.
ADMIN_ONLY = {"org:divisions", "reports:jobs", "indicators:bulk_statistics", "indicators:bulk_template",
              "indicators:standard_import", "indicators:standard_template", "org:api_accounts",
              "org:api_account_create"}
# Routes only a district reviewer (or an administrator) may open: anyone else gets 404.
REVIEWER_ONLY = {
    "tasks:import_upload", "tasks:plan_create", "tasks:review_inbox", "carriers:user_create", "carriers:carrier_create",
    "carriers:target_create", "carriers:import_upload", "core:audit_log", "carriers:leak_repair_create",
}
ROUTE_KWARGS = {"carriers:import_upload": {"what": "users"}}
# Routes for users who report for a department: a city supervisor gets 404.
REPORTING_ONLY = {
    "tasks:progress_todo",
    "tasks:progress_template",
    "tasks:progress_template_upload",
    "tasks:progress_batch",
    "indicators:data_entry",
    "indicators:data_template",
    "indicators:data_upload",
}
# Routes naming something kept in the signed-in user's own session.
SESSION_ROUTES = {
    "tasks:import_preview": {"token": "0" * 32},
    "tasks:progress_template_preview": {"token": "0" * 32},
    "indicators:data_upload_preview": {"token": "0" * 32},
    "indicators:bulk_preview": {"token": "0" * 32},
    "indicators:standard_preview": {"token": "0" * 32},
    "carriers:import_preview": {"what": "users", "token": "0" * 32},
    "org:department_upload_preview": {"token": "0" * 32},
}
# Routes that only accept POST from a signed-in user.
POST_ONLY = {
    "logout", "org:division_activate",
    "tasks:progress_bulk_approve", "reports:recompute", "reports:quarterly_build", "reports:job_retry",
}


# Whose the object a route names is (see org/scoping.py), which decides who of the
# district reads it:
REGION = "region"  # a regional object (plan tree, registry, aggregates): everyone of the district
DEPARTMENT = "department"  # a department's record or file: its own reporters and the district's reviewers
BUREAU = "bureau"  # the water bureau's file of the district (carrier, audit): reviewers, no reporter
OWNERS = (REGION, DEPARTMENT, BUREAU)


@dataclass
class ObjectRoute:
    """A route naming an object of a district: ``kwargs(world, region)`` builds the kwargs
    for an object of ``region``; the outsider must get 404 and the district's reviewer 200.
    Every object of these routes belongs to the district's 区水利局 where it belongs to a
    department, so the reporter of another department (``colleague``) must get 404 on every
    ``DEPARTMENT`` and ``BUREAU`` route."""

    kwargs: object
    methods: list = field(default_factory=lambda: ["get"])
    change: bool = False  # only the district's reviewer (and administrators) may open it
    reporting: bool = False  # a department's own entry: no page for an administrator without one
    owner: str = ""  # one of OWNERS; a new route must say which


def a_plan(region):
    from tasks.models import Plan

    plan, _ = Plan.objects.get_or_create(
        region=region, title="路由测试方案", defaults={"start_year": 2023, "end_year": 2023}
    )
    return plan


def an_item(region):
    """A work item led by the region's 区水利局 (the reviewer's and the outsider's department)."""
    from tasks.models import Assignment, TaskNode

    plan = a_plan(region)
    item = TaskNode.objects.filter(plan=plan, level=3).first()
    if item is None:
        key = TaskNode.objects.create(plan=plan, level=1, position=1, number="一、", text="路由测试重点任务")
        item = TaskNode.objects.create(plan=plan, parent=key, level=3, position=2, text="路由测试工作事项")
        bureau = region.departments.get(short_name="区水利局")
        Assignment.objects.create(node=item, department=bureau, role="lead")
    return item


def a_report(region):
    from core.periods import Quarter
    from tasks.services import progress_open

    item = an_item(region)
    return progress_open(item=item, department=item.assignments.get().department, quarter=Quarter(2023, 1))


def an_evidence(region):
    from django.core.files.base import ContentFile

    from tasks.models import Evidence

    report = a_report(region)
    evidence = report.evidence.first()
    if evidence is None:
        evidence = Evidence(report=report, name="证明.pdf", size=8, sha256="0" * 64)
        evidence.file.save("route-test.pdf", ContentFile(b"%PDF-1.4"), save=True)
    return evidence


def a_cooperated_item(region):
    """A work item on which the region's 区水利局 cooperates."""
    from tasks.models import Assignment, TaskNode

    plan = a_plan(region)
    item = TaskNode.objects.filter(plan=plan, level=3, text="路由测试配合事项").first()
    if item is None:
        key = TaskNode.objects.create(plan=plan, level=1, position=10, number="二、", text="路由测试重点任务二")
        item = TaskNode.objects.create(plan=plan, parent=key, level=3, position=11, text="路由测试配合事项")
        lead = region.departments.exclude(short_name="区水利局").first()
        Assignment.objects.create(node=item, department=lead, role="lead")
        Assignment.objects.create(
            node=item, department=region.departments.get(short_name="区水利局"), role="cooperating"
        )
    return item


def a_node(region):
    from tasks.models import TaskNode

    plan = a_plan(region)
    node = TaskNode.objects.current().filter(plan=plan).first()
    return node or TaskNode.objects.create(plan=plan, level=1, position=1, number="一、", text="路由测试任务")


def an_archived_node(region):
    from django.utils import timezone

    from tasks.models import TaskNode

    plan = a_plan(region)
    node = TaskNode.objects.archived().filter(plan=plan).first()
    return node or TaskNode.objects.create(plan=plan, level=1, position=99, number="九、", text="已归档的路由测试任务",
                                           archived_at=timezone.now())


def _pk(factory):
    return lambda world, region: {"pk": factory(region).pk}


def _item_quarter(factory):
    return lambda world, region: {"item_pk": factory(region).pk, "quarter": "2023Q1"}


def a_department(region):
    return region.departments.order_by("pk").first()  # 区水利局


def a_group(region):
    from org.models import DepartmentGroup

    group, _ = DepartmentGroup.objects.get_or_create(region=region, name="区级有关单位", defaults={"kinds": ["bureau"]})
    return group


OBJECT_ROUTES = {
    "tasks:plan_detail": ObjectRoute(_pk(a_plan), owner=REGION),
    "tasks:plan_export": ObjectRoute(_pk(a_plan), owner=REGION),
    "tasks:plan_edit": ObjectRoute(_pk(a_plan), change=True, owner=REGION),
    "tasks:plan_copy": ObjectRoute(_pk(a_plan), change=True, owner=REGION),
    "tasks:plan_unassigned": ObjectRoute(_pk(a_plan), change=True, owner=REGION),
    "tasks:node_create": ObjectRoute(_pk(a_plan), change=True, owner=REGION),
    "tasks:node_edit": ObjectRoute(_pk(a_node), change=True, owner=REGION),
    "tasks:node_delete": ObjectRoute(_pk(a_node), change=True, owner=REGION),
    "tasks:node_move": ObjectRoute(_pk(a_node), methods=["post"], change=True, owner=REGION),
    "tasks:node_restore": ObjectRoute(_pk(an_archived_node), methods=["post"], change=True, owner=REGION),
    "tasks:progress_entry": ObjectRoute(_item_quarter(an_item), reporting=True, owner=DEPARTMENT),
    "tasks:progress_detail": ObjectRoute(_pk(a_report), owner=DEPARTMENT),
    "tasks:progress_review": ObjectRoute(_pk(a_report), ["post"], change=True, owner=DEPARTMENT),
    "tasks:progress_reopen": ObjectRoute(_pk(a_report), ["post"], change=True, owner=DEPARTMENT),
    "tasks:evidence_upload": ObjectRoute(_pk(a_report), ["post"], change=True, owner=DEPARTMENT),
    "tasks:evidence_download": ObjectRoute(_pk(an_evidence), owner=DEPARTMENT),
    "tasks:evidence_delete": ObjectRoute(_pk(an_evidence), ["post"], change=True, owner=DEPARTMENT),
    "tasks:progress_contribution": ObjectRoute(_item_quarter(a_cooperated_item), reporting=True, owner=DEPARTMENT),
    "org:region_detail": ObjectRoute(lambda world, region: {"code": region.code}, owner=REGION),
    "org:region_self_review": ObjectRoute(lambda world, region: {"code": region.code}, ["post"], change=True,
                                          owner=REGION),
    "org:department_detail": ObjectRoute(_pk(a_department), owner=DEPARTMENT),
    "org:department_edit": ObjectRoute(_pk(a_department), ["get", "post"], change=True, owner=DEPARTMENT),
    "org:department_add": ObjectRoute(lambda world, region: {"code": region.code}, ["get", "post"], change=True,
                                      owner=REGION),
    "org:department_upload": ObjectRoute(lambda world, region: {"code": region.code}, ["get", "post"], change=True,
                                         owner=REGION),
    "org:group_create": ObjectRoute(lambda world, region: {"code": region.code}, ["get", "post"], change=True,
                                    owner=REGION),
    "org:group_edit": ObjectRoute(_pk(a_group), ["get", "post"], change=True, owner=REGION),
    "org:group_members": ObjectRoute(lambda world, region: {"code": region.code}, change=True, owner=REGION),
}


# --- indicators: a one-indicator standard led by 区水利局, adopted by both districts -----


@pytest.fixture(autouse=True)
def adopted_standard(world):
    from indicators.models import Adoption, DataElement, Indicator, IndicatorSet

    DataElement.objects.create(code="ROUTE_A", name="路由测试数据项", unit="万m³")
    standard = IndicatorSet.objects.create(code="ROUTE", version="1", name="路由测试指标体系")
    Indicator.objects.create(
        indicator_set=standard, number=1, code="ROUTE_FORMULA", name="路由测试指标", category="综合类",
        kind="guiding", formula="ROUTE_A", target={"kind": "bound", "op": "ge", "value": "1"}, lead_text="区水利局",
    )
    Indicator.objects.create(
        indicator_set=standard, number=2, code="ROUTE_CHECK", name="路由测试核查", category="综合类", kind="guiding",
        method="checklist", checklist=["无黑臭水体"], lead_text="区水利局",
    )
    for region in (world.district, world.other_district):
        Adoption.objects.create(region=region, indicator_set=standard, since_year=2023)
    return standard


def a_data_report(region):
    from core.periods import Quarter
    from indicators.services import data_report_open

    return data_report_open(department=region.departments.get(short_name="区水利局"), quarter=Quarter(2023, 1))


def a_computed_value(region):
    from core.periods import Quarter
    from indicators.models import IndicatorSet
    from indicators.services import compute_region_quarter

    return compute_region_quarter(region, Quarter(2023, 1), IndicatorSet.objects.get(code="ROUTE"))[0]


def a_checklist_answer(region):
    from indicators.models import ChecklistAnswer, Indicator

    report = a_data_report(region)
    answer, _ = ChecklistAnswer.objects.get_or_create(
        report=report, indicator=Indicator.objects.get(code="ROUTE_CHECK"), item=0
    )
    return answer


def a_checklist_evidence(region):
    from django.core.files.base import ContentFile

    from indicators.models import ChecklistEvidence

    answer = a_checklist_answer(region)
    evidence = answer.evidence.first()
    if evidence is None:
        evidence = ChecklistEvidence(answer=answer, name="监测报告.pdf", size=8, sha256="1" * 64)
        evidence.file.save("route-check.pdf", ContentFile(b"%PDF-1.4"), save=True)
    return evidence


def checklist_kwargs(world, region):
    from indicators.models import Indicator

    return {"pk": a_data_report(region).pk, "indicator_pk": Indicator.objects.get(code="ROUTE_CHECK").pk, "item": 0}


def a_judged_item(region):
    """An item judged by experts, of a standard in points of its own that both districts
    adopt (the route-test standard's values are computed by other routes)."""
    from indicators.models import Adoption, Indicator, IndicatorSet
    from org.models import Region

    standard, _ = IndicatorSet.objects.get_or_create(code="ROUTE_POINTS", version="1",
                                                     defaults={"name": "路由测试评分标准", "min_points": 3})
    for district in (region, *Region.objects.filter(level="county").exclude(pk=region.pk)):
        Adoption.objects.get_or_create(region=district, indicator_set=standard, defaults={"since_year": 2023})
    item, _ = Indicator.objects.get_or_create(
        indicator_set=standard, code="ROUTE_JUDGED",
        defaults={"number": 1, "name": "路由测试专家评分项", "category": "综合类", "kind": "guiding",
                  "method": "judged", "scoring": {"kind": "judged"}, "points": 5, "lead_text": "区水利局"},
    )
    return item


def judgement_kwargs(world, region):
    return {"region": region.code, "indicator_pk": a_judged_item(region).pk, "quarter": "2023Q1"}


OBJECT_ROUTES.update({
    "indicators:judgement": ObjectRoute(judgement_kwargs, ["get", "post"], change=True, owner=REGION),
    "indicators:adoptions": ObjectRoute(lambda world, region: {"code": region.code}, ["get", "post"], change=True,
                                        owner=REGION),
    "indicators:lineage": ObjectRoute(_pk(a_computed_value), owner=REGION),
    "indicators:data_report": ObjectRoute(_pk(a_data_report), owner=DEPARTMENT),
    "indicators:data_submit": ObjectRoute(_pk(a_data_report), ["post"], change=True, owner=DEPARTMENT),
    "indicators:data_review": ObjectRoute(_pk(a_data_report), ["post"], change=True, owner=DEPARTMENT),
    "indicators:data_reopen": ObjectRoute(_pk(a_data_report), ["post"], change=True, owner=DEPARTMENT),
    "indicators:checklist_answer": ObjectRoute(checklist_kwargs, ["post"], change=True, owner=DEPARTMENT),
    "indicators:checklist_evidence_upload": ObjectRoute(_pk(a_checklist_answer), ["post"], change=True,
                                                        owner=DEPARTMENT),
    "indicators:checklist_evidence_delete": ObjectRoute(_pk(a_checklist_evidence), ["post"], change=True,
                                                        owner=DEPARTMENT),
    "indicators:checklist_evidence_download": ObjectRoute(_pk(a_checklist_evidence), owner=DEPARTMENT),
})


# --- carriers: a water user with a year over its plan, a carrier with evidence, a target ----


def a_water_user(region):
    from carriers.models import WaterUser

    user, _ = WaterUser.objects.get_or_create(region=region, name="路由测试小区", defaults={"kind": "community"})
    return user


def a_user_year(region):
    from carriers.models import UserYear

    year, _ = UserYear.objects.get_or_create(
        user=a_water_user(region), year=2023, defaults={"total_use": 10000, "planned_quota": 5000}
    )
    return year


def an_audit(region):
    from datetime import date

    from carriers.models import WaterAudit

    audit, _ = WaterAudit.objects.get_or_create(
        user=a_water_user(region), year=2023,
        defaults={"over_percent": 100, "ordered_on": date(2024, 2, 1), "due_on": date(2024, 5, 1)},
    )
    return audit


def an_audit_file(region):
    from django.core.files.base import ContentFile

    from carriers.models import AuditReport

    audit = an_audit(region)
    stored = audit.files.first()
    if stored is None:
        stored = AuditReport(audit=audit, name="审计报告.pdf", size=8, sha256="3" * 64)
        stored.file.save("route-audit.pdf", ContentFile(b"%PDF-1.4"), save=True)
    return stored


def a_carrier(region):
    from carriers.models import Carrier

    carrier, _ = Carrier.objects.get_or_create(
        region=region, carrier_type="community", level="county", user=a_water_user(region)
    )
    return carrier


def a_carrier_evidence(region):
    from django.core.files.base import ContentFile

    from carriers.models import CarrierEvidence

    carrier = a_carrier(region)
    evidence = carrier.evidence.first()
    if evidence is None:
        evidence = CarrierEvidence(carrier=carrier, name="验收文件.pdf", size=8, sha256="2" * 64)
        evidence.file.save("route-carrier.pdf", ContentFile(b"%PDF-1.4"), save=True)
    return evidence


def a_carrier_target(region):
    from carriers.models import CarrierTarget

    target, _ = CarrierTarget.objects.get_or_create(region=region, year=2023, carrier_type="community", min_count=2)
    return target


def a_leak_repair(region):
    from carriers.models import LeakRepair

    record, _ = LeakRepair.objects.get_or_create(region=region, utility="路由测试水厂", year=2023, quarter=1,
                                                 month=None, defaults={"leaks_found": 2, "leaks_repaired": 2})
    return record


OBJECT_ROUTES.update({
    "carriers:leak_repair_edit": ObjectRoute(_pk(a_leak_repair), change=True, owner=REGION),
    "carriers:user_detail": ObjectRoute(_pk(a_water_user), owner=REGION),
    "carriers:user_edit": ObjectRoute(_pk(a_water_user), change=True, owner=REGION),
    "carriers:year_create": ObjectRoute(_pk(a_water_user), change=True, owner=REGION),
    "carriers:year_edit": ObjectRoute(_pk(a_user_year), change=True, owner=REGION),
    "carriers:audit_order": ObjectRoute(_pk(a_user_year), ["post"], change=True, owner=REGION),
    "carriers:audit_edit": ObjectRoute(_pk(an_audit), change=True, owner=REGION),
    "carriers:audit_file_upload": ObjectRoute(_pk(an_audit), ["post"], change=True, owner=REGION),
    "carriers:audit_file_download": ObjectRoute(_pk(an_audit_file), owner=BUREAU),
    "carriers:audit_file_delete": ObjectRoute(_pk(an_audit_file), ["post"], change=True, owner=BUREAU),
    "carriers:carrier_detail": ObjectRoute(_pk(a_carrier), owner=REGION),
    "carriers:carrier_edit": ObjectRoute(_pk(a_carrier), change=True, owner=REGION),
    "carriers:carrier_evidence_upload": ObjectRoute(_pk(a_carrier), ["post"], change=True, owner=REGION),
    "carriers:carrier_evidence_download": ObjectRoute(_pk(a_carrier_evidence), owner=BUREAU),
    "carriers:carrier_evidence_delete": ObjectRoute(_pk(a_carrier_evidence), ["post"], change=True, owner=BUREAU),
    "carriers:target_edit": ObjectRoute(_pk(a_carrier_target), change=True, owner=REGION),
})


# --- reports: a scorecard of the route-test plan -----------------------------------------------


def a_scorecard(region):
    from reports.models import Scorecard

    card, _ = Scorecard.objects.get_or_create(
        plan=a_plan(region), department=region.departments.get(short_name="区水利局"), year=2023, quarter=1
    )
    return card


def a_quarterly_report(region):
    from django.core.files.base import ContentFile

    from reports.models import QuarterlyReport

    report = QuarterlyReport.objects.filter(region=region).first()
    if report is None:
        report = QuarterlyReport(region=region, year=2023, quarter=1, state="done", is_current=True)
        report.workbook.save("route-report.xlsx", ContentFile(b"PK"), save=False)
        report.save()
    return report


OBJECT_ROUTES.update({
    "reports:quarterly_status": ObjectRoute(_pk(a_quarterly_report), owner=REGION),
    "reports:quarterly_file": ObjectRoute(lambda world, region: {"pk": a_quarterly_report(region).pk, "kind": "xlsx"},
                                          owner=REGION),
    "reports:scorecard": ObjectRoute(_pk(a_scorecard), owner=DEPARTMENT),
    "reports:weights": ObjectRoute(_pk(a_plan), change=True, owner=REGION),
})

# --- campaigns: a county's creation record in the city's campaign, its acceptance, publicity ----
# Everyone of the county reads its record (a regional object); the stage pages take posts
# from the city's supervisors and answer anyone else with a refusal that writes nothing.


def a_creation(region):
    from datetime import date

    from campaigns.models import Batch, Campaign, Creation, Stage

    campaign, _ = Campaign.objects.get_or_create(
        region=region.parent, name="路由测试创建工作",
        defaults={"indicator_set": _route_standard(), "goal_text": "路由测试目标", "goal_year": 2030, "goal_count": 2})
    batch, _ = Batch.objects.get_or_create(campaign=campaign, year=2023, defaults={"name": "2023年度创建"})
    creation, _ = Creation.objects.get_or_create(
        campaign=campaign, region=region,
        defaults={"batch": batch, "stage": Stage.ACCEPTANCE, "stage_since": date(2023, 6, 1), "assessment_year": 2022})
    return creation


def an_acceptance(region):
    from datetime import date

    from campaigns.models import Acceptance

    acceptance, _ = Acceptance.objects.get_or_create(creation=a_creation(region),
                                                     defaults={"held_on": date(2023, 6, 1)})
    return acceptance


def a_rectification(region):
    from datetime import date

    acceptance = an_acceptance(region)
    return acceptance.rectifications.first() or acceptance.rectifications.create(
        finding="路由测试问题", owner=region.departments.get(short_name="区水利局"), due=date(2023, 7, 1))


def a_rectification_evidence(region):
    from django.core.files.base import ContentFile

    from campaigns.models import RectificationEvidence

    item = a_rectification(region)
    stored = item.evidence.first()
    if stored is None:
        stored = RectificationEvidence(rectification=item, name="整改照片.pdf", size=8, sha256="4" * 64)
        stored.file.save("route-rectification.pdf", ContentFile(b"%PDF-1.4"), save=True)
    return stored


def a_stage_document(region):
    from django.core.files.base import ContentFile

    from campaigns.models import StageDocument

    creation = a_creation(region)
    stored = creation.documents.first()
    if stored is None:
        stored = StageDocument(creation=creation, stage="planned", name="实施方案.pdf", size=8, sha256="5" * 64)
        stored.file.save("route-stage-document.pdf", ContentFile(b"%PDF-1.4"), save=True)
    return stored


def an_objection(region):
    from datetime import date

    from campaigns.models import Publicity

    publicity, _ = Publicity.objects.get_or_create(
        creation=a_creation(region), defaults={"starts_on": date(2023, 6, 2), "ends_on": date(2023, 6, 8)})
    return publicity.objections.first() or publicity.objections.create(received_on=date(2023, 6, 3),
                                                                        content="路由测试异议")


CAMPAIGN_ROUTES = {
    "campaigns:creation": ObjectRoute(_pk(a_creation), owner=REGION),
    "campaigns:creation_return": ObjectRoute(_pk(a_creation), ["post"], owner=REGION),
    "campaigns:creation_document": ObjectRoute(_pk(a_creation), ["post"], owner=REGION),
    "campaigns:creation_document_download": ObjectRoute(_pk(a_stage_document), owner=REGION),
    "campaigns:acceptance": ObjectRoute(_pk(a_creation), ["get", "post"], owner=REGION),
    "campaigns:acceptance_opinion": ObjectRoute(lambda world, region: {"pk": an_acceptance(region).creation_id},
                                                owner=REGION),
    "campaigns:rectification": ObjectRoute(_pk(a_rectification), ["get", "post"], owner=REGION),
    "campaigns:rectification_evidence_download": ObjectRoute(_pk(a_rectification_evidence), owner=REGION),
    "campaigns:publicity": ObjectRoute(_pk(a_creation), ["get", "post"], owner=REGION),
    "campaigns:objection": ObjectRoute(_pk(an_objection), ["get", "post"], owner=REGION),
    "campaigns:naming": ObjectRoute(_pk(a_creation), ["get", "post"], owner=REGION),
    "campaigns:recheck": ObjectRoute(_pk(a_creation), ["get", "post"], owner=REGION),
}
OBJECT_ROUTES.update(CAMPAIGN_ROUTES)


@pytest.mark.parametrize("name", sorted(CAMPAIGN_ROUTES))
def test_the_campaigns_supervisors_read_a_creation_and_another_provinces_do_not(world, supervisor, client_for, name):
    from org.models import Department, Region, User
    from tests.conftest import make_user

    route = CAMPAIGN_ROUTES[name]
    url = reverse(name, kwargs=route.kwargs(world, world.district))
    if "get" in route.methods:
        assert client_for(supervisor).get(url).status_code in (200, 302)
    sichuan = Region.objects.create(code="510000", name="四川省", level=Region.Level.PROVINCE)
    bureau = Department.objects.create(region=sichuan, short_name="省水利厅", name="四川省水利厅")
    stranger = make_user("sichuan", bureau, User.Role.SUPERVISOR)
    for method in route.methods:
        assert getattr(client_for(stranger), method)(url).status_code == 404


# Routes naming an object of a district that only an administrator may open, GET or POST:
# everyone else, the district's own reviewer included, gets 404.
ADMIN_OBJECT_ROUTES = {
    "org:user_create": lambda world: {"code": world.district.code},
    "indicators:adoption_remove": lambda world: {"code": world.district.code, "set_pk": _route_standard().pk},
    # System accounts and their API tokens (org/api_account_views.py).
    "org:api_token_create": lambda world: {"pk": _route_system_token(world).account_id},
    "org:api_account_active": lambda world: {"pk": _route_system_token(world).account_id},
    "org:api_token_revoke": lambda world: {"pk": _route_system_token(world).pk},
}


def _route_system_token(world):
    from org.models import ApiToken
    from org.services.tokens import token_create
    from tests.api_support import system_account

    found = ApiToken.objects.filter(account__username="route_system").first()
    if found is None:
        found, _token = token_create(account=system_account(world.water_bureau, username="route_system"),
                                     name="路由测试系统")
    return found


def _route_standard():
    from indicators.models import IndicatorSet

    return IndicatorSet.objects.get(code="ROUTE")


# Routes naming an object every signed-in user may see (a standard's indicator); what it
# shows is scoped inside.
SHARED_OBJECT_ROUTES = {"indicators:indicator_detail": lambda world: {"pk": an_indicator().pk}}


def an_indicator():
    from indicators.models import Indicator

    return Indicator.objects.get(code="ROUTE_FORMULA")


# --- the creation campaign: the city's own pages (campaigns/views/campaign.py, city_work.py) -----
# A campaign is the city's: its supervisor (or one above it) and administrators open these
# pages; a county's reviewer or reporter, a supervisor of another province and an expert get
# 404. ``campaigns:list`` is in SIGNED_IN: everyone opens it and sees what is theirs.
CITY_ONLY = {"campaigns:campaign_new"}  # supervisors and administrators; anyone else gets 404


def a_campaign(world):
    from datetime import date

    from campaigns.models import Batch, Campaign, Creation
    from indicators.models import IndicatorSet

    campaign = Campaign.objects.filter(region=world.city).first()
    if campaign is None:
        standard, _ = IndicatorSet.objects.get_or_create(code="ROUTE_CAMPAIGN", version="1",
                                                         defaults={"name": "路由测试创建标准", "min_points": 1})
        campaign = Campaign.objects.create(region=world.city, name="路由测试创建", indicator_set=standard,
                                           goal_text="全市30%以上县（区）达标", goal_year=2025, goal_share=30)
        batch = Batch.objects.create(campaign=campaign, year=2023, name="2023年度创建")
        Creation.objects.create(campaign=campaign, batch=batch, region=world.district, stage_since=date(2023, 1, 1),
                                assessment_year=2022)
    return campaign


def a_meeting(world):
    from datetime import date

    from campaigns.models import JointMeeting

    a_campaign(world)
    meeting, _ = JointMeeting.objects.get_or_create(region=world.city, title="路由测试联席会议",
                                                    defaults={"held_on": date(2023, 6, 1), "decisions": "分解任务"})
    return meeting


def a_visit(world):
    from datetime import date

    from campaigns.models import SupervisionVisit

    a_campaign(world)
    visit, created = SupervisionVisit.objects.get_or_create(
        region=world.city, purpose="路由测试督导", defaults={"visited_on": date(2023, 9, 1), "findings": "无"})
    if created:
        visit.counties.set([world.district])
    return visit


def a_funding(world):
    from campaigns.models import FundingRound

    funding, _ = FundingRound.objects.get_or_create(campaign=a_campaign(world), year=2023, defaults={"total": 10})
    return funding


def a_summary(world):
    from django.core.files.base import ContentFile

    from campaigns.models import AnnualSummary

    campaign = a_campaign(world)
    summary = AnnualSummary.objects.filter(campaign=campaign).first()
    if summary is None:
        summary = AnnualSummary(campaign=campaign, year=2023, state=AnnualSummary.State.DONE)
        summary.document.save("route-summary.docx", ContentFile(b"PK"), save=False)
        summary.workbook.save("route-summary.xlsx", ContentFile(b"PK"), save=False)
        summary.save()
    return summary


def _of(factory):
    return lambda world: {"pk": factory(world).pk}


CITY_OBJECT_ROUTES = {  # name -> (kwargs(world), methods)
    "campaigns:campaign": (_of(a_campaign), ["get"]),
    "campaigns:campaign_edit": (_of(a_campaign), ["get", "post"]),
    "campaigns:batch_new": (_of(a_campaign), ["get", "post"]),
    "campaigns:batch_edit": (lambda world: {"pk": a_campaign(world).batches.get().pk}, ["get", "post"]),
    "campaigns:meetings": (_of(a_campaign), ["get", "post"]),
    "campaigns:meeting": (_of(a_meeting), ["get", "post"]),
    "campaigns:visits": (_of(a_campaign), ["get", "post"]),
    "campaigns:visit": (_of(a_visit), ["get", "post"]),
    "campaigns:funding": (lambda world: {"pk": a_campaign(world).pk, "year": 2023}, ["get", "post"]),
    "campaigns:funding_approve": (_of(a_funding), ["post"]),
    "campaigns:summaries": (_of(a_campaign), ["get", "post"]),
    "campaigns:summary_download": (lambda world: {"pk": a_summary(world).pk, "kind": "docx"}, ["get"]),
}


@pytest.fixture
def province_supervisor(world):
    """A supervisor of another province: none of 重庆市's campaign is theirs."""
    from org.models import Department, Region, User
    from tests.conftest import make_user

    province = Region.objects.create(code="510000", name="四川省", level=Region.Level.PROVINCE)
    bureau = Department.objects.create(region=province, short_name="省水利厅", name="四川省水利厅")
    return make_user("sichuan", bureau, User.Role.SUPERVISOR)


@pytest.fixture
def expert_account(world):
    from org.models import User
    from tests.conftest import make_user

    return make_user("route_expert", None, User.Role.EXPERT)


@pytest.mark.parametrize("name", sorted(CITY_OBJECT_ROUTES))
def test_the_citys_campaign_pages_are_its_supervisors(world, client, supervisor, administrator, reviewer, reporter,
                                                      outsider, province_supervisor, expert_account, client_for,
                                                      name):
    kwargs, methods = CITY_OBJECT_ROUTES[name]
    url = reverse(name, kwargs=kwargs(world))
    assert getattr(client, methods[0])(url).status_code == 302  # anonymous: to the sign-in page
    if "get" in methods:
        assert client_for(supervisor).get(url).status_code == 200
        assert client_for(administrator).get(url).status_code == 200
    for user in (reviewer, reporter, outsider, province_supervisor, expert_account):
        for method in methods:
            refused = getattr(client_for(user), method)(url)
            assert refused.status_code == 404, (user, method)
            assert "页面不存在" in refused.content.decode()
    if methods == ["post"]:
        assert client_for(supervisor).get(url).status_code == 405


@pytest.mark.parametrize("name", sorted(CITY_ONLY))
def test_city_only_routes(world, client, supervisor, administrator, reviewer, reporter, outsider, expert_account,
                          client_for, name):
    assert client.get(reverse(name)).status_code == 302
    assert client_for(supervisor).get(reverse(name)).status_code == 200
    assert client_for(administrator).get(reverse(name)).status_code == 200
    for user in (reviewer, reporter, outsider, expert_account):
        assert client_for(user).get(reverse(name)).status_code == 404, user


# --- the creation campaign: 自评 and 技术评估 ---------------------------------------------------------
# Each district creates in the city's campaign (under a one-item standard in points); its
# record is in 技术评估, with a self-assessment of one item (with a file) and an expert group
# whose leader is the district's own route expert (no department).


def a_creation(region):
    from datetime import date

    from campaigns.models import Batch, Campaign, Creation, ExpertGroup, Membership, SelfAssessment, Stage
    from org.models import User
    from tests.conftest import make_user

    standard = a_judged_item(region).indicator_set
    campaign, _ = Campaign.objects.get_or_create(
        region=region.parent, name="路由测试创建", defaults={"indicator_set": standard, "goal_text": "30%以上",
                                                           "goal_year": 2025, "goal_share": 30})
    batch, _ = Batch.objects.get_or_create(campaign=campaign, year=2024, defaults={"name": "2024年度"})
    creation, created = Creation.objects.get_or_create(
        campaign=campaign, region=region, defaults={"batch": batch, "stage": Stage.TECHNICAL,
                                                    "stage_since": date(2024, 10, 1), "assessment_year": 2023})
    if created:
        assessment = SelfAssessment.objects.create(creation=creation, indicator_set=standard, year=2023)
        assessment.scores.create(indicator=standard.indicators.get(), points=5, explanation="路由测试")
        group = ExpertGroup.objects.create(creation=creation, formed_on=date(2024, 10, 1))
        user = User.objects.filter(username=f"route_expert_{region.code}").first() or \
            make_user(f"route_expert_{region.code}", None, User.Role.EXPERT)
        expert = a_route_expert(user)
        Membership.objects.create(group=group, expert=expert, is_leader=True)
    return creation


def a_route_expert(user):
    from campaigns.models import Expert

    expert, _ = Expert.objects.get_or_create(user=user, defaults={"name": user.username, "affiliation": "路由测试大学"})
    return expert


def a_self_score(region):
    return a_creation(region).self_assessment.scores.get()


def a_self_score_evidence(region):
    from django.core.files.base import ContentFile

    from campaigns.models import SelfScoreEvidence

    score = a_self_score(region)
    evidence = score.evidence.first()
    if evidence is None:
        evidence = SelfScoreEvidence(score=score, name="自评佐证.pdf", size=8, sha256="4" * 64)
        evidence.file.save("route-self.pdf", ContentFile(b"%PDF-1.4"), save=True)
    return evidence


OBJECT_ROUTES.update({
    "campaigns:self_assessment": ObjectRoute(_pk(a_creation), owner=REGION),
    "campaigns:self_score": ObjectRoute(_pk(a_self_score), owner=REGION),
    "campaigns:self_score_evidence": ObjectRoute(_pk(a_self_score_evidence), owner=REGION),
    "campaigns:self_score_evidence_upload": ObjectRoute(_pk(a_self_score), ["post"], change=True, owner=REGION),
    "campaigns:self_score_evidence_delete": ObjectRoute(_pk(a_self_score_evidence), ["post"], change=True,
                                                        owner=REGION),
})
SESSION_ROUTES["campaigns:score_sheet_preview"] = {"pk": 1, "token": "0" * 32}


@dataclass
class RoleRoute:
    """A route only some users open: ``allowed`` among "supervisor" (of the city), "administrator",
    "member" (the route expert of the district's group, its leader, who has not submitted) and
    "other_expert" (the other district's); every other user of the district and the outsiders
    get 404."""

    kwargs: object  # (world) -> kwargs, for ``world.district``
    allowed: tuple
    methods: list = field(default_factory=lambda: ["get"])


def _creation_pk(world):
    return {"pk": a_creation(world.district).pk}


ROLE_ROUTES = {
    "campaigns:experts": RoleRoute(lambda world: None, ("supervisor", "administrator")),
    "campaigns:expert": RoleRoute(lambda world: {"pk": a_creation(world.district).expert_group.members.get()
                                                 .expert_id}, ("supervisor", "administrator")),
    "campaigns:assigned": RoleRoute(lambda world: None, ("member", "other_expert")),  # each their own list
    "campaigns:expert_group": RoleRoute(_creation_pk, ("supervisor", "administrator")),
    "campaigns:scoring": RoleRoute(_creation_pk, ("member",)),
    "campaigns:score_sheet": RoleRoute(_creation_pk, ("member",)),
    "campaigns:group_scores": RoleRoute(_creation_pk, ("supervisor", "administrator", "member")),
    # Its member has not submitted: the scores, and so the opinion, are not theirs to read yet.
    "campaigns:technical_opinion": RoleRoute(_creation_pk, ("supervisor", "administrator")),
}


def all_routes():
    """(name, pattern) for every URL pattern, names qualified by namespace."""

    def walk(patterns, namespace, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace or namespace
                ns = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else ns
                yield from walk(pattern.url_patterns, ns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
                yield name, prefix + str(pattern.pattern)

    return list(walk(get_resolver().url_patterns, None, ""))


ROUTES = all_routes()


def test_every_route_is_classified():
    known = (
        PUBLIC | SIGNED_IN | POST_ONLY | REVIEWER_ONLY | REPORTING_ONLY | set(SESSION_ROUTES) | set(OBJECT_ROUTES)
        | set(SHARED_OBJECT_ROUTES) | ADMIN_ONLY | set(ADMIN_OBJECT_ROUTES) | CITY_ONLY | set(CITY_OBJECT_ROUTES)
        | set(ROLE_ROUTES)
    )
    # /api/v1/'s routes answer a token, not a session: tests/test_api_matrix.py classifies them.
    unclassified = [(name, pattern) for name, pattern in ROUTES
                    if not is_admin(pattern) and not name.startswith("api:") and name not in known]
    assert not unclassified, f"Classify these routes in tests/test_route_matrix.py: {unclassified}"


def test_the_matrix_has_no_stale_entries():
    names = {name for name, _ in ROUTES}
    everything = (
        PUBLIC | SIGNED_IN | POST_ONLY | REVIEWER_ONLY | REPORTING_ONLY | set(SESSION_ROUTES) | set(OBJECT_ROUTES)
        | set(SHARED_OBJECT_ROUTES) | ADMIN_ONLY | set(ADMIN_OBJECT_ROUTES) | CITY_ONLY | set(CITY_OBJECT_ROUTES)
        | set(ROLE_ROUTES)
    )
    assert everything <= names


@pytest.mark.parametrize(
    "name", sorted(SIGNED_IN | REVIEWER_ONLY | REPORTING_ONLY | set(SESSION_ROUTES) | set(OBJECT_ROUTES) | ADMIN_ONLY
                   | set(ADMIN_OBJECT_ROUTES))
)
def test_anonymous_is_redirected_to_login(world, client, name):
    kwargs = OBJECT_ROUTES[name].kwargs(world, world.district) if name in OBJECT_ROUTES else ROUTE_KWARGS.get(name)
    kwargs = SESSION_ROUTES.get(name, kwargs)
    kwargs = ADMIN_OBJECT_ROUTES[name](world) if name in ADMIN_OBJECT_ROUTES else kwargs
    method = OBJECT_ROUTES[name].methods[0] if name in OBJECT_ROUTES else "get"
    response = getattr(client, method)(reverse(name, kwargs=kwargs))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("name", sorted(SIGNED_IN))
def test_signed_in_routes_open_for_every_role(world, reporter, reviewer, supervisor, outsider, client_for, name):
    for user in (reporter, reviewer, supervisor, outsider):
        assert client_for(user).get(reverse(name)).status_code == 200, user


@pytest.mark.parametrize("name", sorted(OBJECT_ROUTES))
def test_outsider_gets_404_and_insider_200(world, reviewer, outsider, reporter, supervisor, administrator, client_for,
                                           name):
    route = OBJECT_ROUTES[name]
    url = reverse(name, kwargs=route.kwargs(world, world.district))
    if "get" in route.methods and not route.reporting:  # an administrator sees everything
        assert client_for(administrator).get(url).status_code in (200, 302)
    for method in route.methods:
        assert getattr(client_for(reviewer), method)(url).status_code in (200, 302)
        if route.change:  # the district's own reporter and the city's supervisor change nothing
            assert getattr(client_for(reporter), method)(url).status_code == 404
            assert getattr(client_for(supervisor), method)(url).status_code == 404
        refused = getattr(client_for(outsider), method)(url)
        assert refused.status_code == 404
        assert "页面不存在" in refused.content.decode()  # the portal's own page, in Chinese
    # And the other way round, so the 404 is about scope, not a broken page.
    other_url = reverse(name, kwargs=route.kwargs(world, world.other_district))
    method = route.methods[0]
    assert getattr(client_for(outsider), method)(other_url).status_code in (200, 302)
    assert getattr(client_for(reviewer), method)(other_url).status_code == 404


def test_every_object_route_says_whose_object_it_names():
    unowned = [name for name, route in OBJECT_ROUTES.items() if route.owner not in OWNERS]
    assert not unowned, f"Say whose object these routes name (owner=REGION, DEPARTMENT or BUREAU): {unowned}"


@pytest.fixture
def bureau_clerk(world):
    """A reporter of 区水利局, the department every record of these routes belongs to."""
    from org.models import User
    from tests.conftest import make_user

    return make_user("bureau_clerk", world.water_bureau, User.Role.REPORTER)


@pytest.mark.parametrize("name", sorted(OBJECT_ROUTES))
def test_a_reporter_of_another_department_gets_404_on_every_record_and_file(world, colleague, bureau_clerk,
                                                                             client_for, name):
    route = OBJECT_ROUTES[name]
    url = reverse(name, kwargs=route.kwargs(world, world.district))
    for method in route.methods:
        response = getattr(client_for(colleague), method)(url)
        if route.owner == REGION and not route.change:  # the plan tree, the registry, district aggregates
            assert response.status_code in (200, 302)
        else:
            assert response.status_code == 404
    # The department's own reporter reads its records, so the 404 above is about the
    # department; the water bureau's registry files are for its reviewers only.
    if "get" in route.methods and not route.change and route.owner != REGION:
        expected = 404 if route.owner == BUREAU else 200
        assert client_for(bureau_clerk).get(url).status_code == expected


@pytest.mark.parametrize("name", sorted(SHARED_OBJECT_ROUTES))
def test_shared_object_routes(world, client, reporter, reviewer, supervisor, outsider, client_for, name):
    url = reverse(name, kwargs=SHARED_OBJECT_ROUTES[name](world))
    assert client.get(url).status_code == 302
    for user in (reporter, reviewer, supervisor, outsider):
        assert client_for(user).get(url).status_code == 200, user


@pytest.mark.parametrize("name", sorted(REVIEWER_ONLY))
def test_reviewer_only_routes(world, reporter, reviewer, supervisor, administrator, client_for, name):
    url = reverse(name, kwargs=ROUTE_KWARGS.get(name))
    assert client_for(reviewer).get(url).status_code == 200
    assert client_for(administrator).get(url).status_code == 200
    assert client_for(reporter).get(url).status_code == 404
    assert client_for(supervisor).get(url).status_code == 404


@pytest.mark.parametrize("name", sorted(ADMIN_ONLY))
def test_admin_only_routes(world, reporter, reviewer, supervisor, administrator, client_for, name):
    assert client_for(administrator).get(reverse(name)).status_code == 200
    for user in (reporter, reviewer, supervisor):
        assert client_for(user).get(reverse(name)).status_code == 404


@pytest.mark.parametrize("name", sorted(ADMIN_OBJECT_ROUTES))
def test_admin_object_routes(world, reporter, reviewer, supervisor, outsider, administrator, client_for, name):
    url = reverse(name, kwargs=ADMIN_OBJECT_ROUTES[name](world))
    assert client_for(administrator).get(url).status_code == 200
    for user in (reporter, reviewer, supervisor, outsider):
        for method in ("get", "post"):
            refused = getattr(client_for(user), method)(url)
            assert refused.status_code == 404, (user, method)
            assert "页面不存在" in refused.content.decode()


@pytest.mark.parametrize("name", sorted(ROLE_ROUTES))
def test_role_routes(world, reporter, colleague, reviewer, supervisor, outsider, administrator, client, client_for,
                     name):
    from org.models import User

    route = ROLE_ROUTES[name]
    a_creation(world.district), a_creation(world.other_district)
    url = reverse(name, kwargs=route.kwargs(world))
    users = {"supervisor": supervisor, "administrator": administrator,
             "member": User.objects.get(username=f"route_expert_{world.district.code}"),
             "other_expert": User.objects.get(username=f"route_expert_{world.other_district.code}"),
             "reviewer": reviewer, "reporter": reporter, "colleague": colleague, "outsider": outsider}
    for method in route.methods:
        assert getattr(client, method)(url).status_code == 302  # anonymous: to the sign-in page
        for role, user in users.items():
            response = getattr(client_for(user), method)(url)
            if role in route.allowed:
                assert response.status_code in (200, 302), (role, response.status_code)
                assert response["X-Content-Type-Options"] == "nosniff"
                if response.has_header("Content-Disposition"):
                    assert response["Content-Disposition"].startswith("attachment")
            else:
                assert response.status_code == 404, (role, response.status_code)
                assert "页面不存在" in response.content.decode()


@pytest.mark.parametrize("name", sorted(REPORTING_ONLY))
def test_reporting_routes(world, reporter, reviewer, supervisor, client_for, name):
    assert client_for(reporter).get(reverse(name)).status_code == 200
    assert client_for(reviewer).get(reverse(name)).status_code == 200
    assert client_for(supervisor).get(reverse(name)).status_code == 404


@pytest.mark.parametrize("name", sorted(SESSION_ROUTES))
def test_session_routes_are_404_without_the_session_entry(world, reviewer, outsider, client_for, name):
    url = reverse(name, kwargs=SESSION_ROUTES[name])
    assert client_for(reviewer).get(url).status_code == 404
    assert client_for(outsider).get(url).status_code == 404


@pytest.mark.parametrize("name", sorted(POST_ONLY))
def test_post_only_routes_refuse_get(world, reviewer, client_for, name):
    assert client_for(reviewer).get(reverse(name)).status_code == 405


def is_admin(pattern):
    return pattern.startswith("admin/")


def sample_url(pattern):
    """A concrete URL for a route pattern, with sample values for its parameters."""
    samples = {"int": "1", "path": "1/change", "uuid": "00000000-0000-0000-0000-000000000000"}
    parts = re.split(r"<(?:(\w+):)?\w+>", pattern)
    url = parts[0]
    for converter, rest in zip(parts[1::2], parts[2::2], strict=True):
        url += samples.get(converter or "str", "x") + rest
    return "/" + url


def admin_urls():
    """A concrete URL for every admin pattern, with sample values for its parameters."""
    urls = []
    for name, pattern in ROUTES:
        if not is_admin(pattern) or name == "admin:login":
            continue
        if "(?P<" in pattern:  # the admin's regex catch-all
            urls.append((name, "/admin/anything/"))
            continue
        urls.append((name, sample_url(pattern)))
    return urls


@pytest.mark.parametrize(("name", "url"), admin_urls())
def test_admin_routes_need_staff(world, reviewer, client, client_for, name, url):
    # Every admin page sends a non-staff visitor to the admin sign-in (logout to the index,
    # which does the same).
    target = reverse("admin:index") if name == "admin:logout" else reverse("admin:login")
    for visitor in (client, client_for(reviewer)):
        response = visitor.get(url)
        assert response.status_code == 302
        assert response.url.startswith(target)


def _served(world, users, name):
    """(user, url) of a GET a permitted user makes to route ``name``, or None."""
    if name in OBJECT_ROUTES and "get" in OBJECT_ROUTES[name].methods:
        route = OBJECT_ROUTES[name]
        return users["reporter" if route.reporting else "reviewer"], reverse(name, kwargs=route.kwargs(world,
                                                                                                        world.district))
    if name in SHARED_OBJECT_ROUTES:
        return users["reviewer"], reverse(name, kwargs=SHARED_OBJECT_ROUTES[name](world))
    if name in ADMIN_OBJECT_ROUTES:
        return users["administrator"], reverse(name, kwargs=ADMIN_OBJECT_ROUTES[name](world))
    for group, role in ((SIGNED_IN, "reviewer"), (REVIEWER_ONLY, "reviewer"), (REPORTING_ONLY, "reporter"),
                        (ADMIN_ONLY, "administrator")):
        if name in group:
            return users[role], reverse(name, kwargs=ROUTE_KWARGS.get(name))
    return None


def _read_with_get():
    """Every route a permitted user reads with GET; object routes that only take POST are
    left out here (nothing to serve), not skipped."""
    grouped = {*SHARED_OBJECT_ROUTES, *SIGNED_IN, *REVIEWER_ONLY, *REPORTING_ONLY, *ADMIN_ONLY, *ADMIN_OBJECT_ROUTES}
    objects = {name for name, route in OBJECT_ROUTES.items() if "get" in route.methods}
    return sorted(grouped | objects)


@pytest.mark.parametrize("name", _read_with_get())
def test_every_page_and_download_is_served_safely(world, reporter, reviewer, administrator, client_for, name):
    """A download is an attachment, never shown inline as a page; no answer may be
    content-sniffed by the browser into something else."""
    served = _served(world, {"reporter": reporter, "reviewer": reviewer, "administrator": administrator}, name)
    assert served is not None, name
    user, url = served
    response = client_for(user).get(url)
    assert response["X-Content-Type-Options"] == "nosniff"
    if response.has_header("Content-Disposition"):
        assert response["Content-Disposition"].startswith("attachment"), response["Content-Disposition"]
        assert not response["Content-Type"].startswith("text/html")
