"""The API as another system walks it, on the demo (issue 24's "done when"): an administrator
makes 黔江's 区城市管理局 a system account and a token through the pages; with it the system
reads its district's plan and the indicator values with their lineage, writes this quarter's
progress and figures (which the district's reviewer then finds to review), and is refused
everything outside its scope."""

import re

import pytest
from django.urls import reverse

from core.models import AuditEntry
from demo import dates
from indicators.models import ComputedValue, DataReport
from org.models import Department, User
from tasks.models import ProgressReport, TaskNode
from tasks.selectors import lead_items
from tests.api_support import ApiClient

TOKEN = re.compile(r"jsd_[a-z2-7]{10}_[A-Za-z0-9_-]{43}")


@pytest.fixture
def demo(demo_of_today, db):
    return Department.objects.get(region__code="500114", short_name="区城市管理局")


def token_through_the_pages(client, department, *, read_only=False):
    """What the administrator does on 系统管理 → 系统账号与接口令牌: the account, then its token."""
    client.post(reverse("org:api_account_create"), {
        "username": f"ledger_{department.pk}", "display_name": f"{department.short_name}台账系统",
        "role": "reporter", "department": department.pk})
    account = User.objects.get(username=f"ledger_{department.pk}", is_system=True)
    page = client.post(reverse("org:api_token_create", args=[account.pk]), {
        "name": "台账系统", "validity": "90d", **({"read_only": "on"} if read_only else {})})
    return ApiClient(TOKEN.search(page.content.decode()).group(0), account=account)


@pytest.fixture
def ledger(demo, client_for):
    return token_through_the_pages(client_for(User.objects.get(username="admin")), demo)


def test_a_department_system_reads_its_districts_plan_as_written(ledger, demo):
    plans = ledger.get(reverse("api:plan_list"), {"region": "500114"}).json()
    assert plans["count"] >= 1
    plan = ledger.get(reverse("api:plan_detail", kwargs={"plan_id": plans["results"][0]["id"]})).json()
    stored = {node.pk: node for node in TaskNode.objects.filter(plan_id=plan["id"])}
    assert plan["nodes"] and len(plan["nodes"]) == len(stored)
    for node in plan["nodes"]:  # numbering and words exactly as the source wrote them
        assert (node["number"], node["text"]) == (stored[node["id"]].number, stored[node["id"]].text)


def test_it_reads_the_indicator_values_with_their_lineage(ledger, demo):
    quarter = dates.last_finished_quarter()
    values = ledger.get(reverse("api:indicator_value_list"), {"region": "500114", "quarter": str(quarter)}).json()
    assert values["count"] >= 10
    for row in values["results"][:5]:
        detail = ledger.get(reverse("api:indicator_value_detail", kwargs={"value_id": row["id"]})).json()
        assert detail["lineage"] == ComputedValue.objects.get(pk=row["id"]).lineage and detail["lineage"]


def test_it_writes_this_quarters_progress_which_the_reviewer_finds_to_review(ledger, demo, client_for):
    quarter = dates.current_quarter()
    done = ProgressReport.objects.filter(department=demo, year=quarter.year, quarter=quarter.number,
                                         state__in=["submitted", "approved"]).values_list("item", flat=True)
    item = lead_items(demo, quarter).exclude(pk__in=list(done)).filter(targets__isnull=True).first()
    stored = ProgressReport.objects.filter(item=item, department=demo, year=quarter.year,
                                           quarter=quarter.number).first()
    response = ledger.post(reverse("api:progress_write"), {
        "quarter": str(quarter), "submit": True, "entries": [{
            "item": item.pk, "version": stored.version if stored else None, "status": "in_progress",
            "percent": 70, "work_done": "完成城区老旧管网改造1.2公里（台账系统报送）。"}]})
    assert response.status_code == 200, response.content.decode()
    assert response.json()["entries"][0]["state"] == "submitted"
    reviewer = User.objects.get(username="qianjiang_reviewer")
    inbox = client_for(reviewer).get(reverse("tasks:review_inbox")).content.decode()
    assert "台账系统报送" in inbox or item.text[:20] in inbox
    entry = AuditEntry.objects.filter(method="POST", path=reverse("api:progress_write")).latest("pk")
    assert entry.username == ledger.account.username and entry.outcome == AuditEntry.Outcome.SUCCESS


def test_it_writes_this_quarters_figures_which_the_reviewer_finds_to_review(ledger, demo, client_for):
    quarter = dates.current_quarter()
    last = DataReport.objects.get(department=demo, year=quarter.previous().year, quarter=quarter.previous().number)
    read = ledger.get(reverse("api:data_report_detail", kwargs={"report_id": last.pk})).json()
    utilities = [{key: row[key] for key in ("utility", "supply", "registered", "resident_metered", "pipe_km",
                                            "pressure", "frost_depth")} for row in read["utilities"]]
    response = ledger.post(reverse("api:data_report_write"), {
        "quarter": str(quarter), "submit": True, "confirm_warnings": True,
        "values": [{"element": row["element"], "value": row["value"]} for row in read["values"]],
        "utilities": utilities})
    assert response.status_code == 200, response.content.decode()
    report = DataReport.objects.get(pk=response.json()["id"])
    assert report.state == "submitted" and report.submitted_by == ledger.account
    reviewer = User.objects.get(username="qianjiang_reviewer")
    page = client_for(reviewer).get(reverse("indicators:data_home"), {"region": "500114", "quarter": str(quarter)})
    assert any(found is not None and found.pk == report.pk for _department, found, _count in page.context["rows"])


def test_everything_outside_its_scope_is_refused_and_nothing_is_written(ledger, demo, client_for):
    quarter = dates.current_quarter()
    # Another district: not there.
    assert ledger.get(reverse("api:plan_list"), {"region": "500156"}).status_code == 404
    wulong = Department.objects.get(region__code="500156", short_name="区城管局")
    other_item = lead_items(wulong, quarter).first()
    before = ProgressReport.objects.count(), DataReport.objects.count()
    refused = ledger.post(reverse("api:progress_write"), {
        "quarter": str(quarter), "entries": [{"item": other_item.pk, "version": None, "percent": 10}]})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "entries[0].item"
    # Many counties' figures: a statistics bureau's, not a department's.
    bulk = ledger.post(reverse("api:statistics_bulk_write"), {
        "quarter": str(quarter), "rows": [{"region": "500114", "element": "RES_WATER", "value": "1"}]})
    assert bulk.status_code == 403
    # Another department's records of its own district: not there either.
    colleague = Department.objects.get(region__code="500114", short_name="区水利局")
    their = DataReport.objects.filter(department=colleague).first()
    assert ledger.get(reverse("api:data_report_detail", kwargs={"report_id": their.pk})).status_code == 404
    # A read-only token of the same system reads and writes nothing.
    reader = token_through_the_pages(client_for(User.objects.get(username="admin")),
                                     Department.objects.get(region__code="500114", short_name="区财政局"),
                                     read_only=True)
    assert reader.get(reverse("api:plan_list"), {"region": "500114"}).status_code == 200
    assert reader.post(reverse("api:data_report_write"), {"quarter": str(quarter), "values": []}).status_code == 403
    assert (ProgressReport.objects.count(), DataReport.objects.count()) == before
    assert AuditEntry.objects.filter(path__startswith="/api/v1/", method="POST",
                                     outcome=AuditEntry.Outcome.FAILED).count() == 3
