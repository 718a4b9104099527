"""Every spreadsheet the portal writes keeps user text as text: a clerk's “=HYPERLINK(…)”,
“=cmd|' /C calc'!A0”, “+1”, “-1”, “@SUM” or a text starting with a tab or a carriage
return is stored as a string cell, never a formula, and reads back as it was stored.

The district of tests/hostile.py is filled with such texts (every field starts with one
of ``TRIGGERS``), then every export is downloaded as the role that downloads it: the task
table (streamed through ``core.styled_rows``' own XML), the offline progress and
statistics templates, the bulk statistics file, the water-user and carrier registries,
the quarterly report workbook, the annual summary's annex and an expert's score sheet.
``core.excel.write_text`` and ``core.styled_rows`` escape nothing: they store the text
unchanged with the string type (``t="s"`` / ``t="inlineStr"``), which Excel and WPS show
as text and never evaluate. So the check is exactly that: no ``<f>`` element in any
worksheet's XML, no cell of type "f", and each stored text found unchanged in a string
cell.
"""

import io
import re
import zipfile

import openpyxl
import pytest
import time_machine
from django.apps import apps
from django.db import transaction
from django.urls import reverse

from tests import hostile as world
from tests.conftest import signed_in

TYPED = ("=", "+", "-", "@", '=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0")
# Forms and imports strip leading whitespace, so a tab or a carriage return only reaches a
# field written directly (as tests/hostile.py writes these): they carry those two.
DIRECT = {"tasks.TaskNode.number": "\t", "tasks.TaskNode.target_text": "\r", "indicators.Indicator.unit": "\r"}
TRIGGERS = (*TYPED, "\t", "\r")
LABELS = {}  # field label -> its number, in the order the builder first asks for it


def say(label, *, n=0, filename=False):
    """``label``'s text: one of the triggers, then the field's name and number; the typed
    triggers go round the fields, so every export meets several of them."""
    number = LABELS.setdefault(label, len(LABELS))
    trigger = DIRECT.get(label) or TYPED[number % len(TYPED)]
    text = f"{trigger}{label.rsplit('.', 1)[-1]}{number}" + (f" {n}" if n else "")
    if len(text) > _max_length(label):  # PostgreSQL refuses what SQLite would keep
        text = f"{trigger}{number}"[: _max_length(label)]
    return text if label != "org.Notification.url" else "/"


def _max_length(label):
    """The column's length for a label "app.Model.field"; any other label is no column."""
    if label.count(".") != 2:
        return 10**6
    app_model, name = label.rsplit(".", 1)
    return apps.get_model(app_model)._meta.get_field(name).max_length or 10**6


@pytest.fixture(scope="module")
def hostile(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), time_machine.travel(world.NOW), transaction.atomic():
        yield world.build(say)
        transaction.set_rollback(True)


Q, DISTRICT = str(world.QUARTER), "500156"
FOLLOWING = world.QUARTER.next()

# (export, role, path, the stored texts it must carry)
EXPORTS = [
    ("task table", "reviewer", lambda h: reverse("tasks:plan_export", args=[h.plan.pk]),
     ("tasks.Plan.title", "tasks.TaskNode.number", "tasks.TaskNode.text", "org.Department.short_name")),
    ("a department's task table", "reporter",
     lambda h: f"{reverse('tasks:plan_export', args=[h.plan.pk])}?department={h.urban.pk}",
     ("tasks.Plan.title", "tasks.TaskNode.text", "org.Department.short_name")),
    ("progress template", "reporter", lambda h: f"{reverse('tasks:progress_template')}?quarter={Q}",
     ("org.Department.name", "tasks.Plan.title", "tasks.TaskNode.text", "tasks.TaskNode.target_text",
      "tasks.ProgressReport.work_done", "tasks.ProgressReport.problems", "tasks.ProgressReport.next_plan")),
    ("statistics template", "reporter", lambda h: f"{reverse('indicators:data_template')}?quarter={Q}",
     ("org.Department.name", "indicators.Indicator.name", "indicators.DataElement.name", "indicators.DataElement.unit",
      "indicators.DataValue.comment", "indicators.UtilityFigures.utility", "indicators.UtilityFigures.comment")),
    ("bulk statistics file", "administrator",
     lambda h: f"{reverse('indicators:bulk_template')}?year={FOLLOWING.year}&quarter={FOLLOWING.number}&region=500000",
     ("org.Region.name", "indicators.DataElement.name", "indicators.DataElement.unit")),
    ("water users", "reviewer", lambda h: f"{reverse('carriers:export_users')}?region={DISTRICT}",
     ("org.Region.name", "carriers.WaterUser.name", "carriers.WaterUser.industry")),
    ("carriers", "reviewer", lambda h: f"{reverse('carriers:export_carriers')}?region={DISTRICT}",
     ("org.Region.name", "carriers.WaterUser.name", "carriers.Carrier.entity_name", "carriers.Carrier.notes")),
    ("quarterly report", "reviewer", lambda h: reverse("reports:quarterly_file", args=[h.report.pk, "xlsx"]),
     ("org.Region.name", "tasks.Plan.title", "reports.RegionVerdict.reason", "tasks.TaskNode.text",
      "tasks.ProgressReport.work_done", "tasks.ProgressReport.problems", "org.Department.short_name",
      "indicators.Indicator.name", "indicators.Indicator.unit", "indicators.Indicator.target_text",
      "indicators.ComputedValue.explanation", "carriers.CarrierTarget.text")),
    ("annual summary annex", "supervisor", lambda h: reverse("campaigns:summary_download", args=[h.summary.pk, "xlsx"]),
     ("org.Region.name", "campaigns.Batch.name", "campaigns.Allocation.note")),
    ("expert's score sheet", "expert", lambda h: reverse("campaigns:score_sheet", args=[h.assessed.pk]),
     ("org.Region.name", "campaigns.Expert.name", "campaigns.Expert.affiliation", "indicators.IndicatorSet.name",
      "indicators.Indicator.name", "indicators.Indicator.category", "campaigns.ExpertScore.reason")),
]


def download(hostile, role, path):
    response = signed_in(hostile.users[role]).get(path)
    assert response.status_code == 200, (role, path, response.status_code)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    return b"".join(response.streaming_content) if response.streaming else response.content


def text_cells(content):
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row
            if isinstance(cell.value, str)]


def stored(label):
    """The text the field holds: what the builder gave it, less what a form or an import
    strips (leading and trailing whitespace)."""
    return say(label).strip()


@pytest.mark.parametrize(("name", "role", "path", "labels"), EXPORTS, ids=[export[0] for export in EXPORTS])
def test_user_text_is_never_a_formula(hostile, db, name, role, path, labels):
    content = download(hostile, role, path(hostile))
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets and not any(re.search(r"<f[ >]", xml) for xml in sheets), "a formula element in the XML"
    cells = text_cells(content)
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    values = [cell.value for cell in cells]
    missing = [label for label in labels if not any(stored(label) in value for value in values)]
    assert not missing, f"the {name} lacks these texts as stored: {missing}"
    # A text that starts like a formula is in the file unchanged, as a string cell.
    risky = [cell for cell in cells if cell.value.startswith(TRIGGERS)]
    assert risky and all(cell.data_type == "s" for cell in risky)


def test_every_trigger_reaches_an_export_unchanged(hostile, db):
    """Each kind of formula start is met by some export and read back as stored, the
    carriage return included (written as &#13;, not folded into a line feed)."""
    starts = set()
    for _name, role, path, _labels in EXPORTS:
        for cell in text_cells(download(hostile, role, path(hostile))):
            starts |= {trigger for trigger in TRIGGERS if cell.value.startswith(trigger)}
    assert starts == set(TRIGGERS)
