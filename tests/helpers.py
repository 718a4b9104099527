"""Helpers shared by the tests."""

import hashlib
import io
import re
import zipfile
from contextlib import contextmanager
from decimal import Decimal
from urllib.parse import urlsplit

from django.apps import apps
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.forms import BaseForm
from django.urls import resolve

from demo.tables import build_bytes
from indicators.models import DataElement, DataReport, DataValue, UtilityFigures
from org.models import Department
from tasks.imports import preview_task_table
from tasks.models import Assignment, Plan, TaskNode
from tasks.services import plan_import


def new_plan(region, title="测试方案", year=2019):
    return Plan.objects.create(region=region, title=title, start_year=year, end_year=year)


def import_table(region, table, plan=None):
    plan = plan or new_plan(region)
    preview = preview_task_table(region=region, data=build_bytes(table))
    assert not preview.problems and not preview.unknown, (preview.problems, preview.unknown)
    return plan, plan_import(plan=plan, preview=preview)


def level_counts(plan):
    return [TaskNode.objects.filter(plan=plan, level=level).count() for level in (1, 2, 3)]


def item(plan, text_start):
    return TaskNode.objects.get(plan=plan, level=3, text__startswith=text_start)


def parties(node):
    leads = [a.department.short_name for a in node.assignments.filter(role=Assignment.Role.LEAD)]
    cooperators = [a.department.short_name for a in node.assignments.filter(role=Assignment.Role.COOPERATING)]
    return leads, cooperators


def enter_figures(region, quarter, *, department=None, state=DataReport.State.APPROVED, **values):
    """Store raw figures for ``region`` and ``quarter`` in a department's report (any
    department of the region unless named), as if entered and approved."""
    department = department or Department.objects.filter(region=region).order_by("pk").first()
    report, _created = DataReport.objects.get_or_create(
        department=department, year=quarter.year, quarter=quarter.number, defaults={"region": region, "state": state}
    )
    for code, value in values.items():
        DataValue.objects.update_or_create(
            region=region, element=DataElement.objects.get(code=code), year=quarter.year, quarter=quarter.number,
            defaults={"value": Decimal(str(value)), "report": report},
        )
    return report


def enter_utility(region, quarter, name, **figures):
    report = enter_figures(region, quarter)
    return UtilityFigures.objects.create(
        region=region, report=report, utility=name, year=quarter.year, quarter=quarter.number, **figures
    )


# --- uploads as a clerk sends them (the bad-file corpus and the template corpus) ---------------

CHINESE = re.compile(r"[\u4e00-\u9fff]")
APPS = ("org", "tasks", "indicators", "carriers", "reports")
PREVIEWS = {"import_preview", "progress_template_preview", "data_upload_preview", "bulk_preview"}


def snapshot():
    """Every row of every table of the portal's apps, as a count and a digest per table."""
    found = {}
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            rows = list(model.objects.order_by("pk").values_list())
            found[model._meta.label] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return found


def said(response):
    """What the page tells the user: messages, form errors (with the field's label and help,
    which name what they are about) and the preview's problems or errors."""
    texts = [str(message) for message in get_messages(response.wsgi_request)]
    for context in response.context or []:
        for layer in context.dicts:
            for key, value in layer.items():
                if isinstance(value, BaseForm) and value.is_bound:
                    texts += [_form_error(value, name, error) for name, errors in value.errors.items()
                              for error in errors]
                elif key in ("problems", "errors") and isinstance(value, list):
                    texts += [str(problem) for problem in value or []]
                elif isinstance(getattr(value, "problems", None), list):  # a preview object
                    texts += [str(problem) for problem in value.problems]
    return texts


def _form_error(form, name, error):
    field = form.fields.get(name)
    if field is None:  # an error of the whole form
        return str(error)
    return f"{field.label}（{field.help_text}）：{error}" if field.help_text else f"{field.label}：{error}"


def journey(client, url, data, name, content):
    """Upload ``content`` as the file ``name`` to ``url`` (with the form fields ``data``),
    open the preview, try to confirm; returns (what was said, status codes)."""
    texts, statuses = [], []

    def step(response):
        statuses.append(response.status_code)
        texts.extend(said(response))
        return response

    response = step(client.post(url, {**data, "file": SimpleUploadedFile(name, content)}))
    for _attempt in range(3):  # upload → preview → (refused: back to the upload page) or confirm
        if response.status_code != 302:
            break
        target = response["Location"]
        response = step(client.get(target))
        if response.status_code == 200 and resolve(urlsplit(target).path).url_name in PREVIEWS:
            response = step(client.post(target, {"confirm_warnings": "on"}))
    return texts, statuses


def raw_value(data, sheet_index, ref, text):
    """``data`` with the stored value of cell ``ref`` replaced by ``text`` as written in the
    file's XML: what another program writes for NaN or an overflowing float (openpyxl
    itself writes an empty value)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == f"xl/worksheets/sheet{sheet_index + 1}.xml":
                body, count = re.subn(rf'(<c r="{ref}"[^>]*>)<v>[^<]*</v>'.encode(), rb"\g<1><v>" + text.encode()
                                      + b"</v>", body)
                assert count == 1, ref
            target.writestr(info, body)
    return out.getvalue()


DEMO_PASSWORD = "demo-pass-1"  # of the demo that the modules reading it share (conftest's demo_of_today)


@contextmanager
def kept_for_module(django_db_blocker):
    """For a module-scoped fixture: what is written inside is made once for the module's
    tests (each test's own changes are rolled back as usual) and rolled back after the last."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)
