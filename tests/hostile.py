"""A district whose every free-text field holds what an attacker would type, stored the way
the portal stores it: task tables, water users and carriers uploaded through the import
pages, progress, statistics, reviews, evidence, audits and targets posted through their
forms, the catalogue and the computed texts written as an administrator or a job would.

``build(say)`` fills it: ``say(label)`` gives the text for the field named
"app.Model.field", or ``UPLOAD_NAME`` for the name of an uploaded table as its preview
shows it (``say(label, filename=True)`` for a file's name, which a browser sends without
"/"). tests/test_xss.py fills it with HTML and script, and
tests/test_export_formulas.py with spreadsheet formulas. Call it inside a transaction the
caller rolls back, with the clock moved to ``NOW`` (and left running: history is ordered
by the time of each change).
"""

import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from campaigns import score_sheet
from campaigns.models import (
    AnnualSummary,
    Batch,
    Campaign,
    Creation,
    Expert,
    ExpertGroup,
    FundingRound,
    JointMeeting,
    Rectification,
    SelfAssessment,
    Stage,
    SupervisionVisit,
)
from campaigns.services import city_work
from carriers import registry_layout
from carriers.credit_code import check_character
from carriers.models import (
    Carrier,
    CarrierKind,
    EvaluationStandard,
    LeakRepair,
    MonitoringRule,
    UserYear,
    WaterAudit,
    WaterRules,
    WaterUser,
)
from core.audit import record
from core.excel import write_text
from core.models import JobRun
from core.periods import Quarter
from demo.tables import build_bytes
from indicators.models import (
    Adoption,
    ChecklistAnswer,
    ComputedValue,
    DataElement,
    DataReport,
    Indicator,
    IndicatorSet,
    ReferenceValue,
)
from indicators.services import compute_region_quarter
from org.models import ApiToken, Department, DepartmentAlias, DepartmentGroup, Region, User
from org.services import notification_send
from org.services.tokens import system_account_create, token_create
from reports import services as report_services
from reports.models import QuarterlyReport, RegionVerdict
from tasks.models import PlanPhase, ProgressReport, TaskNode, TaskTarget
from tasks.services import contribution_save
from tests.api_support import ApiClient
from tests.conftest import make_user

QUARTER = Quarter(2023, 2)
PREVIOUS = QUARTER.previous()
NOW = "2023-07-05 10:00 +0800"  # just after QUARTER: its reports are due, so pages open on it
PDF = b"%PDF-1.4\n%%EOF\n"
# The departments' own spellings, kept as aliases, so the catalogue's lead units and the
# uploaded tables still name them once their names are hostile.
URBAN, WATER = "区城管局", "区水利局"
UPLOAD_NAME = "upload.filename"


@dataclass
class Hostile:
    """The district and its records; the builder fills in the records step by step."""

    district: Region
    other_district: Region
    urban: Department  # the reporter's department, every name of it hostile
    water: Department  # the reviewer's department
    users: dict  # role -> User
    plan: object = None
    item: TaskNode = None  # led by ``urban``, ``water`` cooperates
    returned: ProgressReport = None  # QUARTER's entry of ``item``, returned with a comment
    approved: ProgressReport = None  # PREVIOUS quarter's entry of ``item``
    data_report: DataReport = None  # QUARTER's statistics of ``urban``, approved
    returned_data: DataReport = None  # PREVIOUS quarter's statistics of ``urban``, returned
    # "formula" | "leakage" | "checklist" | "unresolved" | "judged" (of a second standard, in points)
    indicators: dict = field(default_factory=dict)
    water_user: WaterUser = None
    carrier: Carrier = None  # an education base, named without a water user
    leak_repair: LeakRepair = None
    audit: WaterAudit = None
    report: QuarterlyReport = None  # built
    failed_report: QuarterlyReport = None
    # The city's creation campaign (campaigns/views/campaign.py, city_work.py), set up through its pages.
    campaign: object = None
    meeting: object = None
    visit: object = None
    summary: object = None  # built
    failed_summary: object = None
    audit_entry: object = None  # core.models.AuditEntry
    previews: dict = field(default_factory=dict)  # name -> HTML of an import preview seen before confirming
    creation: object = None  # the district's record in the city's creation campaign, named, re-checked, returned
    rectification: object = None  # the acceptance's item, sent back once, then closed
    objection: object = None  # received during the publicity, settled
    # 自评 and 技术评估 (campaigns/views/assessment.py, experts.py), taken through their pages.
    assessed: object = None  # the district's record in a third campaign, at 技术评估 with the group concluded
    computed_score: object = None  # its self-assessed item filled from the portal's computed value
    answered_score: object = None  # its self-assessed item answered by hand, with evidence
    expert: object = None  # in the register, with an account (``users["expert"]``), leading the group
    api_token: object = None  # org.models.ApiToken of a system account of ``urban``, made through its page


def build(say):
    h = _org(say)
    clients = {role: _client(user) for role, user in h.users.items()}
    _plan(h, say, clients)
    _progress(h, say, clients)
    _targets(h, say)
    _catalogue(h, say)
    _statistics(h, say, clients)
    _bulk_preview(h, say, clients)
    _registry(h, say, clients)
    _reports(h, say)
    _audit(h, say)
    notification_send(user=h.users["reporter"], key="hostile", title=say("org.Notification.title"),
                      body=say("org.Notification.body"), url=say("org.Notification.url"))
    _points(h, say, clients)  # the fields asked for before keep their order (test_export_formulas)
    _campaign_pages(h, say, clients)  # after _points: the campaign's standard is the one in points
    _creation_stages(h, say, clients)
    _assessment(h, say, clients)
    _department_list(h, say, clients)
    _api_tokens(h, say, clients)
    return h


def _api_tokens(h, say, clients):
    """A system account and its token, named by the administrator on the pages."""
    admin = clients["administrator"]
    _ok(admin.post(reverse("org:api_account_create"), {
        "username": "hostile_system", "display_name": say("org.User.display_name"), "role": User.Role.REPORTER,
        "department": h.urban.pk}))
    account = User.objects.get(username="hostile_system")
    page = admin.post(reverse("org:api_token_create", args=[account.pk]),
                      {"name": say("org.ApiToken.name"), "validity": "90d"})
    assert page.status_code == 200, page.content.decode()[:3000]
    h.api_token = ApiToken.objects.get(account=account)


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _ok(response):
    """A form post the page accepted: it redirects. Anything else shows the page's errors."""
    assert response.status_code == 302, response.content.decode()[:3000]
    return response


def _system(h, say):
    """The reporter's department's own system (named as hostile as its people), signing with
    a fresh token."""
    account = User.objects.filter(username="urban_system").first() or system_account_create(
        username="urban_system", display_name=say("org.User.display_name"), role=User.Role.REPORTER,
        department=h.urban)
    row, token = token_create(account=account, name="业务系统")
    return ApiClient(token, row=row, account=account)


def _api_ok(response):
    """A write the API accepted; anything else names what it refused."""
    assert response.status_code == 200, response.content.decode()[:3000]
    return response


def _file(name, content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _org(say):
    city = Region.objects.create(code="500000", name=say("org.Region.name", n=1), level=Region.Level.PROVINCE)
    district = Region.objects.create(code="500156", name=say("org.Region.name"), level=Region.Level.COUNTY,
                                     parent=city)
    other = Region.objects.create(code="500114", name="黔江区", level=Region.Level.COUNTY, parent=city)
    water = Department.objects.create(region=district, short_name=WATER, name="重庆市武隆区水利局")
    urban = Department.objects.create(region=district, short_name=say("org.Department.short_name"),
                                      name=say("org.Department.name"))
    for name in (URBAN, say("org.DepartmentAlias.name")):
        DepartmentAlias.objects.create(region=district, department=urban, name=name)
    DepartmentGroup.objects.create(region=district, name=say("org.DepartmentGroup.name"), kinds=["bureau"],
                                   aliases=[say("org.DepartmentGroup.aliases")])
    city_bureau = Department.objects.create(region=city, short_name="市水利局", name="重庆市水利局")
    other_bureau = Department.objects.create(region=other, short_name=WATER, name="重庆市黔江区水利局")
    person = {name: say(f"org.User.{name}") for name in ("display_name", "phone")}
    users = {
        "reporter": make_user("reporter", urban, User.Role.REPORTER, email=say("org.User.email"), **person),
        "reviewer": make_user("reviewer", water, User.Role.REVIEWER),
        "supervisor": make_user("supervisor", city_bureau, User.Role.SUPERVISOR),
        "outsider": make_user("outsider", other_bureau, User.Role.REVIEWER),
        "administrator": make_user("administrator", None, User.Role.ADMIN, is_staff=True, is_superuser=True),
    }
    return Hostile(district=district, other_district=other, urban=urban, water=water, users=users)


def _department_list(h, say, clients):
    """The reviewer uploads the district's list of departments, one row every cell of which is
    hostile, and looks at the preview without confirming it (the world keeps its departments)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["名称", "简称", "类别", "别称"])
    values = [say("org.Department.name", n=3), say("org.Department.short_name", n=3), "部门",
              say("org.DepartmentAlias.name", n=3)]
    for column, value in enumerate(values, start=1):
        write_text(sheet.cell(row=2, column=column), value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile(say(UPLOAD_NAME, filename=True) + ".xlsx", buffer.getvalue())
    preview = _ok(clients["reviewer"].post(reverse("org:department_upload", args=[h.district.code]),
                                           {"file": upload})).url
    h.previews["departments import"] = clients["reviewer"].get(preview).content.decode()


def _plan(h, say, clients):
    """The reviewer imports a task table whose every cell is hostile, the second item's lead
    written as the department's own hostile name (the preview asks what its pieces mean,
    suggesting the stored spellings), then the plan's other texts are edited in."""
    table = {
        "label": "附件", "title": say("tasks.Plan.title", n=1), "sheet": "附件",
        "header": ["重点任务", "工作内容", "牵头单位", "配合单位"], "header_merges": [],
        "rows": [[f"一、{say('tasks.TaskNode.text', n=1)}", say("tasks.TaskNode.text"), URBAN, WATER],
                 [None, say("tasks.TaskNode.text", n=2), h.urban.short_name, ""]],
    }
    reviewer = clients["reviewer"]
    upload = SimpleUploadedFile(say(UPLOAD_NAME, filename=True) + ".xlsx", build_bytes(table))
    preview = _ok(reviewer.post(reverse("tasks:import_upload"), {
        "file": upload, "region": h.district.pk, "title": say("tasks.Plan.title"), "kind": "annual",
        "start_year": QUARTER.year,
    })).url
    page = h.previews["task table import"] = reviewer.get(preview).content.decode()
    unknown = page.count('name="name_')  # a choice per name the district does not know
    _ok(reviewer.post(preview, {f"name_{index}": h.urban.pk for index in range(unknown)}))
    h.plan = h.district.plans.get()
    h.item = h.plan.nodes.filter(level=TaskNode.Level.WORK_ITEM).order_by("position").first()
    TaskNode.objects.filter(pk=h.item.pk).update(
        number=say("tasks.TaskNode.number"), due_text=say("tasks.TaskNode.due_text"),
        target_unit=say("tasks.TaskNode.target_unit"), target_text=say("tasks.TaskNode.target_text"),
        target_value=10, target_comparator="ge",
        lead_text=say("tasks.TaskNode.lead_text"), cooperating_text=say("tasks.TaskNode.cooperating_text"),
    )
    h.item.refresh_from_db()
    type(h.plan).objects.filter(pk=h.plan.pk).update(document_number=say("tasks.Plan.document_number"))
    h.plan.refresh_from_db()
    PlanPhase.objects.create(plan=h.plan, position=1, name=say("tasks.PlanPhase.name"),
                             starts_on=date(2023, 1, 1), ends_on=date(2023, 12, 31),
                             description=say("tasks.PlanPhase.description"))


def _targets(h, say):
    """After the entries (typed with the item's one quantity): a target whose words are all hostile."""
    h.item.targets.all().delete()
    TaskTarget.objects.create(node=h.item, kind="count", comparator="ge", value=3, unit=say("tasks.TaskTarget.unit"),
                              due_text=say("tasks.TaskTarget.due_text"), wording=say("tasks.TaskTarget.wording"))


def _progress(h, say, clients):
    """The reporter fills two quarters through the entry form, with evidence; the reviewer
    approves the first and returns the second with a comment; the cooperating department
    adds its contribution."""
    reporter, reviewer = clients["reporter"], clients["reviewer"]
    texts = {name: say(f"tasks.ProgressReport.{name}") for name in ("work_done", "problems", "next_plan")}
    for quarter in (PREVIOUS, QUARTER):
        url = reverse("tasks:progress_entry", args=[h.item.pk, str(quarter)])
        _ok(reporter.post(url, {"status": "in_progress", "percent": 40, "work_done": "初稿", "version": 1,
                                "save": "1"}))
        report = ProgressReport.objects.get(item=h.item, year=quarter.year, quarter=quarter.number)
        _ok(reporter.post(reverse("tasks:evidence_upload", args=[report.pk]),
                          {"file": _file(say("tasks.Evidence.name", filename=True) + ".pdf")}))
        report.refresh_from_db()
        entry = {"status": "in_progress", "percent": 40, "quantity": 5, "version": report.version}
        if quarter == QUARTER:  # the department's own system sends it: the API keeps the texts as a page does
            _api_ok(_system(h, say).post(reverse("api:progress_write"), {
                "quarter": str(quarter), "submit": True, "entries": [{"item": h.item.pk, **entry, **texts}]}))
        else:
            _ok(reporter.post(url, {**entry, "submit": "1", **texts}))
    h.approved, h.returned = ProgressReport.objects.filter(item=h.item).order_by("year", "quarter")
    _ok(reviewer.post(reverse("tasks:progress_review", args=[h.approved.pk]),
                      {"action": "approve", "version": h.approved.version}))
    _ok(reviewer.post(reverse("tasks:progress_review", args=[h.returned.pk]),
                      {"action": "return", "comment": say("tasks.ProgressReport.review_comment"),
                       "version": h.returned.version}))
    h.approved.refresh_from_db()
    h.returned.refresh_from_db()
    assert h.returned.state == "returned" and h.returned.evidence.exists(), h.returned.state
    contribution_save(item=h.item, department=h.water, quarter=QUARTER, note=say("tasks.Contribution.note"),
                      user=h.users["reviewer"])


def _catalogue(h, say):
    """The indicator catalogue as an administrator enters it: a formula indicator whose
    target compares a figure with a reference value, a leakage indicator, a checklist, and
    one whose lead unit names no department (so it is listed as unresolved)."""
    element = DataElement.objects.create(
        code="XSS_A", name=say("indicators.DataElement.name"), unit=say("indicators.DataElement.unit"),
        description=say("indicators.DataElement.description"), cumulative=False,
    )
    # Last year's national figure: the one published by the quarter's end.
    ReferenceValue.objects.create(code="XSS_REF", name=say("indicators.ReferenceValue.name"), year=QUARTER.year - 1,
                                  value=2, unit=say("indicators.ReferenceValue.unit"),
                                  source=say("indicators.ReferenceValue.source"))
    # Judged on points (a pass at 0 points), so the catalogue shows each item's scoring as written.
    standard = IndicatorSet.objects.create(code="XSS", version=say("indicators.IndicatorSet.version"),
                                           name=say("indicators.IndicatorSet.name"),
                                           source=say("indicators.IndicatorSet.source"),
                                           source_note=say("indicators.IndicatorSet.source_note"), min_points=0)
    texts = {name: say(f"indicators.Indicator.{name}") for name in
             ("name", "category", "unit", "definition", "target_text", "responsible_text", "scoring_text")}
    common = {"indicator_set": standard, "kind": "guiding", "target": {"kind": "bound", "op": "ge", "value": "1"}}
    h.indicators = {
        "formula": Indicator.objects.create(number=1, code="XSS_FORMULA", formula=element.code, lead_text=URBAN,
                                            indicator_set=standard, kind="guiding", **texts,
                                            target={"kind": "relative", "op": "gt", "factor": "1",
                                                    "reference": "XSS_REF"}),
        "leakage": Indicator.objects.create(number=2, code="XSS_LEAKAGE", name="漏损率", category="供水",
                                            method="leakage", lead_text=URBAN, **common),
        "checklist": Indicator.objects.create(number=3, code="XSS_CHECK", name="水环境", category="环境",
                                              method="checklist", checklist=[say("indicators.Indicator.checklist")],
                                              lead_text=URBAN, indicator_set=standard, kind="guiding"),
        "unresolved": Indicator.objects.create(number=4, code="XSS_NOBODY", name="无人填报", category="其他",
                                               formula=element.code, lead_text=say("indicators.Indicator.lead_text"),
                                               **common),
    }
    for region in (h.district, h.other_district):
        Adoption.objects.create(region=region, indicator_set=standard, since_year=2020)


def _statistics(h, say, clients):
    """The reporter enters both quarters through the form (a figure with its remark, a water
    utility), answers the checklist with evidence and submits; the reviewer returns the
    first quarter with a comment and approves the second, which is then computed."""
    reporter, reviewer = clients["reporter"], clients["reviewer"]
    check = h.indicators["checklist"]
    for quarter, value in ((PREVIOUS, "3"), (QUARTER, "4")):
        entry = f"{reverse('indicators:data_entry')}?quarter={quarter}"
        comment, utility = say("indicators.DataValue.comment"), say("indicators.UtilityFigures.utility")
        figures = {"supply": "100", "registered": "90", "resident_metered": "50", "pipe_km": "7", "pressure": "0.4",
                   "frost_depth": "0"}
        utility_comment = say("indicators.UtilityFigures.comment")
        if quarter == QUARTER:  # sent by the department's (and its utility's) system, through the API
            _api_ok(_system(h, say).post(reverse("api:data_report_write"), {
                "quarter": str(quarter), "confirm_warnings": True,
                "values": [{"element": "XSS_A", "value": value, "comment": comment}],
                "utilities": [{"utility": utility, **figures, "comment": utility_comment}]}))
        else:
            _ok(reporter.post(entry, {
                "version": 1, "value_XSS_A": value, "comment_XSS_A": comment, "u0_utility": utility,
                **{f"u0_{key}": figure for key, figure in figures.items()}, "u0_comment": utility_comment,
                "confirm_warnings": "on", "save": "1",
            }))
        report = DataReport.objects.get(department=h.urban, year=quarter.year, quarter=quarter.number)
        _ok(reporter.post(reverse("indicators:checklist_answer", args=[report.pk, check.pk, 0]),
                          {"answer": "yes", "note": say("indicators.ChecklistAnswer.note")}))
        answer = ChecklistAnswer.objects.get(report=report, indicator=check, item=0)
        _ok(reporter.post(reverse("indicators:checklist_evidence_upload", args=[answer.pk]),
                          {"file": _file(say("indicators.ChecklistEvidence.name", filename=True) + ".pdf")}))
        report.refresh_from_db()
        _ok(reporter.post(reverse("indicators:data_submit", args=[report.pk]), {"version": report.version}))
    h.returned_data, h.data_report = DataReport.objects.filter(department=h.urban).order_by("year", "quarter")
    _ok(reviewer.post(reverse("indicators:data_review", args=[h.returned_data.pk]),
                      {"action": "return", "comment": say("indicators.DataReport.review_comment"),
                       "version": h.returned_data.version}))
    _ok(reviewer.post(reverse("indicators:data_review", args=[h.data_report.pk]),
                      {"action": "approve", "version": h.data_report.version}))
    h.returned_data.refresh_from_db()
    h.data_report.refresh_from_db()
    assert (h.returned_data.state, h.data_report.state) == ("returned", "approved")
    for value in compute_region_quarter(h.district, QUARTER, h.indicators["formula"].indicator_set):
        # The explanation is the engine's words, which quote the catalogue's texts.
        type(value).objects.filter(pk=value.pk).update(explanation=say("indicators.ComputedValue.explanation"))


def _points(h, say, clients):
    """A standard judged in points beside the first, adopted by the district: an item judged
    by experts with its rule as the standard words it, the experts' reason posted through
    the judgement page, and the award words the engine writes."""
    standard = IndicatorSet.objects.create(code="XSS_POINTS", version="2017", name="县域节水型社会评价标准",
                                           min_points=1, source_note=say("indicators.IndicatorSet.source_note"))
    h.indicators["judged"] = judged = Indicator.objects.create(
        indicator_set=standard, number=1, code="XSS_JUDGED", name="节水宣传教育", category="管理", kind="guiding",
        method="judged", scoring={"kind": "judged"}, points=5, scoring_text=say("indicators.Indicator.scoring_text"),
        lead_text=URBAN,
    )
    Adoption.objects.create(region=h.district, indicator_set=standard, since_year=2020)
    _ok(clients["reviewer"].post(reverse("indicators:judgement", args=[h.district.code, judged.pk, str(QUARTER)]),
                                 {"points": "3", "reason": say("indicators.Judgement.reason"), "version": ""}))
    for value in compute_region_quarter(h.district, QUARTER, standard):
        type(value).objects.filter(pk=value.pk).update(award=say("indicators.ComputedValue.award"))


def _bulk_preview(h, say, clients):
    """An administrator downloads the bulk statistics file of the next quarter for the city,
    fills in the district's figure and uploads it: the preview is kept, nothing confirmed."""
    admin = clients["administrator"]
    following = QUARTER.next()
    quarter = {"year": following.year, "quarter": following.number}
    template = admin.get(reverse("indicators:bulk_template"), {**quarter, "region": h.district.parent.code})
    workbook = openpyxl.load_workbook(io.BytesIO(template.getvalue()))
    sheet = workbook.active
    row = next(row for row in sheet.iter_rows(min_row=4) if row[0].value == h.district.code)
    row[5].value = 7
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile(say(UPLOAD_NAME, filename=True) + ".xlsx", buffer.getvalue())
    preview = _ok(admin.post(f"{reverse('indicators:bulk_statistics')}?quarter={following}",
                             {**quarter, "file": upload})).url
    h.previews["bulk statistics import"] = admin.get(preview).content.decode()


def _code(number):
    first17 = f"91500156MA{number:07d}"
    return first17 + check_character(first17)


def _book(sheet, columns, rows):
    """A registry file as a clerk types it: the texts are text cells, whatever they start with."""
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(["名录"])
    worksheet.append([column.header for column in columns])
    for number, row in enumerate(rows, start=3):
        for index, column in enumerate(columns, start=1):
            write_text(worksheet.cell(row=number, column=index), row.get(column.key))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _import(h, client, what, data, name):
    url = f"{reverse('carriers:import_upload', args=[what])}?region={h.district.code}"
    preview = _ok(client.post(url, {"file": SimpleUploadedFile("名录.xlsx", data)})).url
    h.previews[name] = client.get(preview).content.decode()
    _ok(client.post(preview))


def _registry(h, say, clients):
    """The reviewer imports a water user over its plan and two carriers, orders the audit and
    fills it in with its report, edits the user's notes, attaches carrier evidence and sets
    a carrier target; the thresholds are an administrator's."""
    reviewer = clients["reviewer"]
    WaterRules.objects.create(region=h.district, planned_use_from=100, audit_over_percent=30)
    MonitoringRule.objects.create(region=h.district, name=say("carriers.MonitoringRule.name"), measure="new_water",
                                  threshold=100)
    name = say("carriers.WaterUser.name")
    _import(h, reviewer, "users", _book(registry_layout.USERS_SHEET, registry_layout.USER_COLUMNS, [{
        "name": name, "credit_code": _code(1), "kind": "工业企业", "industry": say("carriers.WaterUser.industry"),
        "sources": "公共供水", "year": QUARTER.year, "public_supply": 2000, "total_use": 2000, "planned_quota": 1000,
    }]), "water users import")
    h.water_user = WaterUser.objects.get(region=h.district)
    _ok(reviewer.post(reverse("carriers:user_edit", args=[h.water_user.pk]), {
        "name": name, "credit_code": h.water_user.credit_code, "kind": "industry",
        "industry": h.water_user.industry, "uses_public": "on", "notes": say("carriers.WaterUser.notes"),
        "version": h.water_user.version,
    }))
    # An administrator's standard and kind (the admin pages): the file names the standard by its title.
    standard = EvaluationStandard.objects.create(
        code=say("carriers.EvaluationStandard.code"), title=say("carriers.EvaluationStandard.title"),
        issuer=say("carriers.EvaluationStandard.issuer"), year=2020)
    CarrierKind.objects.create(code="xss_kind", name=say("carriers.CarrierKind.name"), tied_to_user=False)
    _import(h, reviewer, "carriers", _book(registry_layout.CARRIERS_SHEET, registry_layout.CARRIER_COLUMNS, [
        {"carrier_type": "节水型企业", "level": "区县级", "status": "已验收", "user_name": name,
         "accepted_on": "2023-03-01"},
        {"carrier_type": "节水教育基地", "level": "区县级", "status": "已验收",
         "entity_name": say("carriers.Carrier.entity_name"), "accepted_on": "2023-03-01",
         "notes": say("carriers.Carrier.notes"), "holder": say("carriers.Carrier.holder"),
         "standard": standard.title},
    ]), "carriers import")
    h.carrier = Carrier.objects.get(region=h.district, user=None)
    _ok(reviewer.post(reverse("carriers:carrier_evidence_upload", args=[h.carrier.pk]),
                      {"file": _file(say("carriers.CarrierEvidence.name", filename=True) + ".pdf")}))
    _ok(reviewer.post(reverse("carriers:audit_order", args=[UserYear.objects.get(user=h.water_user).pk])))
    h.audit = WaterAudit.objects.get(user=h.water_user)
    _ok(reviewer.post(reverse("carriers:audit_edit", args=[h.audit.pk]), {
        "auditor": say("carriers.WaterAudit.auditor"), "ordered_on": h.audit.ordered_on.isoformat(),
        "due_on": h.audit.due_on.isoformat(),
        "notes": say("carriers.WaterAudit.notes"), "version": h.audit.version,
    }))
    h.audit.refresh_from_db()
    _ok(reviewer.post(reverse("carriers:audit_file_upload", args=[h.audit.pk]),
                      {"file": _file(say("carriers.AuditReport.name", filename=True) + ".pdf")}))
    _ok(reviewer.post(f"{reverse('carriers:target_create')}?region={h.district.code}", {
        "year": QUARTER.year, "carrier_type": "education_base", "min_count": 1, "department": h.urban.pk,
        "text": say("carriers.CarrierTarget.text"),
    }))
    _import(h, reviewer, "leak_repairs", _book(registry_layout.LEAKS_SHEET, registry_layout.LEAK_COLUMNS, [
        {"utility": say("carriers.LeakRepair.utility"), "year": str(QUARTER.year), "quarter": str(QUARTER.number),
         "inspected_km": "3", "leaks_found": "2", "leaks_repaired": "1", "repair_hours": "6", "volume_lost": "40",
         "notes": say("carriers.LeakRepair.notes")},
    ]), "leak repairs import")
    h.leak_repair = LeakRepair.objects.get(region=h.district)


def _reports(h, say):
    """The jobs' records: scores and the verdict computed, a quarterly report built and one
    that failed, and a failed job run with its error."""
    report_services.scores_compute(h.district, QUARTER)
    RegionVerdict.objects.filter(region=h.district).update(reason=say("reports.RegionVerdict.reason"))
    h.report = report_services.report_build(
        report_services.report_request(region=h.district, quarter=QUARTER, user=h.users["reviewer"], enqueue=False)
    )
    h.failed_report = QuarterlyReport.objects.create(region=h.district, year=QUARTER.year, quarter=QUARTER.number,
                                                     state="failed", reason=say("reports.QuarterlyReport.reason"))
    JobRun.objects.create(name="recompute_scores", arguments={"regions": [h.district.pk], "quarters": [str(QUARTER)]},
                          state="done", result=say("core.JobRun.result"))
    JobRun.objects.create(name="build_report", arguments={"report": h.failed_report.pk}, state="failed",
                          error=say("core.JobRun.error"))


def _audit(h, say):
    """An audit entry as the audit log writes one, its texts hostile (the requests above
    wrote real ones too: the objects' names and the uploaded files' names they name are
    hostile already)."""
    h.audit_entry = record(
        user=h.users["reviewer"], username="reviewer", region_id=h.district.pk, origin=say("core.AuditEntry.origin"),
        method="POST", path=say("core.AuditEntry.path"), route="tasks:plan_edit", action=say("core.AuditEntry.action"),
        target={"pk": h.plan.pk}, object_repr=say("core.AuditEntry.object_repr"), status=302, outcome="success",
    )


def _campaign_pages(h, say, clients):
    """The city's supervisor sets up a campaign under the standard in points through its pages,
    with a batch of both districts, a joint meeting, a supervision visit and the year's
    funding with an adjusted amount; the annual summary is built (and one failed)."""
    supervisor = clients["supervisor"]
    city = h.district.parent
    _ok(supervisor.post(reverse("campaigns:campaign_new"), {
        "region": city.pk, "name": say("campaigns.Campaign.name"), "goal_text": say("campaigns.Campaign.goal_text"),
        "indicator_set": IndicatorSet.objects.get(code="XSS_POINTS").pk, "goal_year": QUARTER.year + 2,
        "goal_share": "30", "source": say("campaigns.Campaign.source")}))
    h.campaign = campaign = Campaign.objects.get()
    _ok(supervisor.post(reverse("campaigns:batch_new", args=[campaign.pk]), {
        "name": say("campaigns.Batch.name"), "year": QUARTER.year, "counties": [h.district.pk, h.other_district.pk],
        "due_declared": date(QUARTER.year, 3, 31).isoformat()}))  # passed: the district is late
    _ok(supervisor.post(reverse("campaigns:meetings", args=[campaign.pk]), {
        "held_on": date(QUARTER.year, 4, 10).isoformat(), "title": say("campaigns.JointMeeting.title"),
        "departments": [city.departments.get().pk], "attendance_text": say("campaigns.JointMeeting.attendance_text"),
        "decisions": say("campaigns.JointMeeting.decisions")}))
    h.meeting = JointMeeting.objects.get()
    _ok(supervisor.post(reverse("campaigns:visits", args=[campaign.pk]), {
        "visited_on": date(QUARTER.year, 5, 20).isoformat(), "counties": [h.district.pk],
        "purpose": say("campaigns.SupervisionVisit.purpose"), "findings": say("campaigns.SupervisionVisit.findings"),
        "follow_up": say("campaigns.SupervisionVisit.follow_up")}))
    h.visit = SupervisionVisit.objects.get()
    funding_url = reverse("campaigns:funding", args=[campaign.pk, QUARTER.year])
    _ok(supervisor.post(funding_url, {"action": "open", "total": "10", "basis": say("campaigns.FundingRound.basis")}))
    funding = FundingRound.objects.get()
    changed = {"action": "adjust", "version": funding.version}
    for allocation in funding.allocations.all():
        changed[f"amount_{allocation.pk}"] = allocation.amount
        changed[f"note_{allocation.pk}"] = ""
    first = funding.allocations.order_by("pk").first()
    changed[f"amount_{first.pk}"], changed[f"note_{first.pk}"] = "4", say("campaigns.Allocation.note")
    _ok(supervisor.post(funding_url, changed))
    h.summary = city_work.summary_build(city_work.summary_request(campaign=campaign, year=QUARTER.year,
                                                                  user=h.users["supervisor"], enqueue=False))
    h.failed_summary = AnnualSummary.objects.create(campaign=campaign, year=QUARTER.year - 1, state="failed",
                                                    reason=say("campaigns.AnnualSummary.reason"))


def _creation_stages(h, say, clients):
    """The city's creation campaign with the district in it, taken from 技术评估 through the
    pages: the acceptance and its joint group, a finding reported fixed with evidence, sent
    back with a comment, reported again and closed; the conclusion, the publicity and an
    objection settled, the report upward, the naming, a re-check, a stage document, and a
    return to 命名 with its reason."""
    city, reviewer = clients["supervisor"], clients["reviewer"]
    campaign = Campaign.objects.create(
        region=h.district.parent, name=say("campaigns.Campaign.name"), goal_text=say("campaigns.Campaign.goal_text"),
        source=say("campaigns.Campaign.source"), indicator_set=h.indicators["formula"].indicator_set, goal_year=2025,
        goal_share=30)
    batch = Batch.objects.create(campaign=campaign, year=QUARTER.year, name=say("campaigns.Batch.name"))
    h.creation = creation = Creation.objects.create(campaign=campaign, batch=batch, region=h.district,
                                                    stage=Stage.TECHNICAL, stage_since=date(2023, 5, 1),
                                                    assessment_year=QUARTER.year - 1)
    ExpertGroup.objects.create(creation=creation, formed_on=date(2023, 4, 20), concluded_at=datetime.now(UTC))

    def version():
        creation.refresh_from_db()
        return creation.version

    def stage_page(name, **data):
        return _ok(city.post(reverse(f"campaigns:{name}", args=[creation.pk]), data))

    city_bureau = Department.objects.get(region=h.district.parent, short_name="市水利局")
    stage_page("acceptance", action="start", **{
        "start-held_on": "2023-05-10", "start-departments": [city_bureau.pk],
        "start-members_text": say("campaigns.Acceptance.members_text"), "start-version": version()})
    stage_page("acceptance", action="finding", **{
        "finding-finding": say("campaigns.Rectification.finding"), "finding-owner": h.urban.pk,
        "finding-due": "2023-06-10"})
    h.rectification = item = Rectification.objects.get(acceptance__creation=creation)
    page = reverse("campaigns:rectification", args=[item.pk])

    def on_item(client, action, **data):
        item.refresh_from_db()
        return _ok(client.post(page, {"action": action, f"{action}-version": item.version, **data}))

    _ok(reviewer.post(page, {"action": "attach",
                             "file": _file(say("campaigns.RectificationEvidence.name", filename=True) + ".pdf")}))
    on_item(reviewer, "report", **{"report-report": say("campaigns.Rectification.report")})
    on_item(city, "send_back", **{"send_back-comment": say("campaigns.Rectification.comment")})
    on_item(reviewer, "report", **{"report-report": say("campaigns.Rectification.report")})
    # Reported a month ago, so it is closed before the publicity.
    Rectification.objects.filter(pk=item.pk).update(reported_at=datetime(2023, 6, 5, 2, tzinfo=UTC))
    on_item(city, "close", **{"close-closed_on": "2023-06-06"})
    stage_page("acceptance", action="conclusion", **{
        "conclusion-conclusion": "rectify", "conclusion-opinion": say("campaigns.Acceptance.opinion"),
        "conclusion-version": version()})
    stage_page("publicity", action="start", **{
        "start-starts_on": "2023-06-10", "start-ends_on": "2023-06-16",
        "start-channel": say("campaigns.Publicity.channel"), "start-version": version()})
    stage_page("publicity", action="objection", **{
        "objection-received_on": "2023-06-12", "objection-content": say("campaigns.Objection.content")})
    h.objection = creation.publicity.objections.get()
    _ok(city.post(reverse("campaigns:objection", args=[h.objection.pk]), {
        "settlement": say("campaigns.Objection.settlement"), "settled_on": "2023-06-13"}))
    stage_page("naming", action="report", **{
        "report-reported_on": "2023-06-17", "report-reported_document": say("campaigns.Creation.reported_document"),
        "report-version": version()})
    stage_page("naming", action="name", **{
        "name-named_batch": say("campaigns.Creation.named_batch"), "name-named_on": "2023-06-20",
        "name-named_document": say("campaigns.Creation.named_document"), "name-version": version()})
    stage_page("recheck", action="recheck", checked_on="2023-07-01", outcome="kept",
               document=say("campaigns.Recheck.document"), note=say("campaigns.Recheck.note"), version=version())
    _ok(city.post(reverse("campaigns:creation_document", args=[creation.pk]), {
        "stage": Stage.NAMED, "file": _file(say("campaigns.StageDocument.name", filename=True) + ".pdf")}))
    _ok(city.post(reverse("campaigns:creation_return", args=[creation.pk]), {
        "to": Stage.NAMED, "reason": say("campaigns.StageStep.reason"), "version": version()}))
    creation.refresh_from_db()
    item.refresh_from_db()
    h.objection.refresh_from_db()
    assert (creation.stage, item.state, h.objection.is_open) == (Stage.NAMED, Rectification.State.CLOSED, False)
    assert creation.documents.count() == 1 and item.evidence.count() == 1


def _assessment(h, say, clients):
    """自评 and 技术评估 through their pages, in a campaign of its own under a standard whose
    items are a formula the portal scores from the district's approved figure and an item
    the experts judge. The reviewer starts the self-assessment (the formula item filled from
    the computed value, whose award sentence is the engine's words), answers the other item
    with an explanation and a file, and submits it (申报); the supervisor registers an expert
    and makes their account, assigns the group and starts the technical assessment; the
    expert scores from the offline sheet (its preview kept), submits with an opinion, records
    the group's consensus with a dissent and concludes with the group's opinion."""
    supervisor, reviewer = clients["supervisor"], clients["reviewer"]
    standard = IndicatorSet.objects.create(code="XSS_ASSESSED", version="2023", name=say("indicators.IndicatorSet.name",
                                                                                         n=2), min_points=6)
    common = {"indicator_set": standard, "category": say("indicators.Indicator.category", n=2), "kind": "guiding",
              "points": 5, "lead_text": URBAN}
    scored = Indicator.objects.create(
        number=1, code="XSS_SCORED", name=say("indicators.Indicator.name", n=3), method="formula", formula="XSS_A",
        target={"kind": "bound", "op": "ge", "value": "1"},
        scoring={"kind": "steps", "better": "higher", "steps": [{"from": "1", "to": "5", "points": "3"},
                                                                  {"from": "5", "points": "5"}]}, **common)
    judged = Indicator.objects.create(number=2, code="XSS_ASKED", name=say("indicators.Indicator.name", n=4),
                                      method="judged", scoring={"kind": "judged"}, **common)
    # The engine's award sentence quotes the item's name and unit as the catalogue gives them, so
    # user text reaches it; it is written here as the engine would, and the self-assessment's
    # start page copies it into the computed item (SelfScore.award).
    assert compute_region_quarter(h.district, QUARTER, standard)[0].points == 3
    ComputedValue.objects.filter(indicator=scored, region=h.district).update(award=say("campaigns.SelfScore.award"))

    _ok(supervisor.post(reverse("campaigns:campaign_new"), {
        "region": h.district.parent.pk, "name": say("campaigns.Campaign.name", n=2),
        "goal_text": say("campaigns.Campaign.goal_text"), "indicator_set": standard.pk, "goal_year": QUARTER.year + 2,
        "goal_share": "30", "source": say("campaigns.Campaign.source")}))
    campaign = Campaign.objects.get(indicator_set=standard)
    _ok(supervisor.post(reverse("campaigns:batch_new", args=[campaign.pk]), {
        "name": say("campaigns.Batch.name", n=2), "year": QUARTER.year, "counties": [h.district.pk],
        "assessment_year": QUARTER.year}))
    h.assessed = creation = campaign.creations.get()

    page = reverse("campaigns:self_assessment", args=[creation.pk])
    _ok(reviewer.post(page, {"action": "start", "version": creation.version}))
    assessment = SelfAssessment.objects.get(creation=creation)
    h.computed_score, h.answered_score = assessment.scores.order_by("indicator__number")
    item = reverse("campaigns:self_score", args=[h.answered_score.pk])
    _ok(reviewer.post(reverse("campaigns:self_score_evidence_upload", args=[h.answered_score.pk]),
                      {"file": _file(say("campaigns.SelfScoreEvidence.name", filename=True) + ".pdf")}))
    assessment.refresh_from_db()
    _ok(reviewer.post(item, {"points": "4", "explanation": say("campaigns.SelfScore.explanation"),
                             "version": assessment.version}))
    assessment.refresh_from_db()
    _ok(reviewer.post(page, {"action": "submit", "version": assessment.version}))

    expert_fields = {name: say(f"campaigns.Expert.{name}") for name in ("name", "affiliation", "field", "title")}
    _ok(supervisor.post(reverse("campaigns:experts"), expert_fields))
    h.expert = expert = Expert.objects.get()
    _ok(supervisor.post(reverse("campaigns:expert", args=[expert.pk]), {
        "action": "account", "username": "expert", "password1": "Jieshui-2026-xss", "password2": "Jieshui-2026-xss"}))
    h.users["expert"] = expert.user = User.objects.get(username="expert")
    group_page = reverse("campaigns:expert_group", args=[creation.pk])
    _ok(supervisor.post(group_page, {"action": "save", "experts": [expert.pk], "leader": expert.pk,
                                     "formed_on": "2023-06-20", "assessed_on": "2023-06-28"}))
    creation.refresh_from_db()
    _ok(supervisor.post(group_page, {"action": "start", "version": creation.version}))

    clients["expert"] = mine = _client(expert.user)
    reasons = {scored: say("campaigns.ExpertScore.reason"), judged: say("campaigns.ExpertScore.reason", n=2)}
    sheet = openpyxl.load_workbook(io.BytesIO(mine.get(reverse("campaigns:score_sheet", args=[creation.pk]))
                                               .content))[score_sheet.SHEET]
    for row, indicator in enumerate((scored, judged), start=score_sheet.HEADER_ROW + 1):
        assert sheet.cell(row=row, column=1).value == indicator.number
        sheet.cell(row=row, column=7, value=3)
        write_text(sheet.cell(row=row, column=8), reasons[indicator])
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    upload = SimpleUploadedFile(say(UPLOAD_NAME, filename=True) + ".xlsx", buffer.getvalue())
    preview = _ok(mine.post(reverse("campaigns:score_sheet", args=[creation.pk]), {"file": upload})).url
    h.previews["score sheet import"] = mine.get(preview).content.decode()
    _ok(mine.post(preview))
    membership = expert.memberships.get()
    scores = {f"points_{indicator.pk}": "3" for indicator in reasons}
    scores.update({f"reason_{indicator.pk}": reason for indicator, reason in reasons.items()})
    _ok(mine.post(reverse("campaigns:scoring", args=[creation.pk]), {
        "action": "submit", "opinion": say("campaigns.Membership.opinion"), "version": membership.version, **scores}))
    group_scores = reverse("campaigns:group_scores", args=[creation.pk])
    _ok(mine.post(group_scores, {"action": "consensus", "indicator": judged.pk, "points": "4",
                                 "note": say("campaigns.GroupScore.note"),
                                 "dissent": say("campaigns.GroupScore.dissent")}))
    _ok(mine.post(group_scores, {"action": "conclude", "opinion": say("campaigns.ExpertGroup.opinion")}))
    creation.refresh_from_db()
    h.computed_score.refresh_from_db()
    membership.refresh_from_db()
    assert (creation.stage, creation.expert_group.concluded_at is not None, membership.is_submitted) == (
        Stage.TECHNICAL, True, True)
    assert h.computed_score.award == say("campaigns.SelfScore.award") and h.answered_score.evidence.count() == 1
    assert [score.reason for score in membership.scores.order_by("indicator__number")] == [
        reason.strip() for reason in reasons.values()]
