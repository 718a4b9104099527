"""The demo built from the source documents: complete and idempotent. (Loud on bad data:
test_demo_refusals.py, which needs an empty database.)"""

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry, JobRun, StaleMark
from demo import regions
from indicators.models import DataReport
from org.models import Department, Region, User
from org.selectors import DepartmentResolver
from tasks.models import ProgressReport
from tests.fixtures.source_department_names import (
    EXPECTED_SPLITS,
    QIANJIANG_DEPARTMENT_CELLS,
    WULONG_DEPARTMENT_CELLS,
)
from tests.helpers import APPS, kept_for_module


def load(password="demo-pass-1"):
    call_command("load_demo", password=password, stdout=io.StringIO())


@pytest.fixture(scope="module")
def _demo_once(django_db_setup, django_db_blocker):
    """The demo loaded once for this module's tests, which only read it (each test's own
    changes are rolled back as usual), and rolled back after the last of them."""
    with kept_for_module(django_db_blocker):
        load()
        yield


@pytest.fixture
def demo_loaded(_demo_once, db):
    """The demo, loaded (see ``_demo_once``)."""


def test_demo_password_comes_from_the_environment_setting(demo_loaded, settings):
    """Loaded again without a password, the demo takes the settings' (its accounts' hashes
    change; everything else is as it was)."""
    settings.DEMO_PASSWORD = "from-settings-9"
    call_command("load_demo", stdout=io.StringIO())
    assert User.objects.get(username="wulong_cgj").check_password("from-settings-9")


def test_regions_and_users(demo_loaded):
    assert {r.code: r.name for r in Region.objects.all()} == {
        "500000": "重庆市",
        "500114": "黔江区",
        "500156": "武隆区",
    }
    expected = {
        "wulong_reviewer": ("500156", "区水利局", "reviewer"),
        "wulong_cgj": ("500156", "区城管局", "reporter"),
        "qianjiang_reviewer": ("500114", "区水利局", "reviewer"),
        "qianjiang_cgj": ("500114", "区城市管理局", "reporter"),
        "cq_city": ("500000", "市水利局", "supervisor"),
    }
    for username, (code, short_name, role) in expected.items():
        user = User.objects.select_related("department__region").get(username=username)
        assert (user.department.region.code, user.department.short_name, user.role) == (code, short_name, role)
    admin = User.objects.get(username="admin")
    assert admin.role == "admin" and admin.is_superuser and admin.department is None


# Caches the demo recomputes from its data on every load: the same rows, a new computed_at.
RECOMPUTED = {"indicators.ComputedValue", "reports.Scorecard", "reports.RegionVerdict"}


def every_row():
    """{model: its rows as dicts} of every model of the portal's apps, the historical
    (simple_history) models included; the recomputed caches without their timestamps."""
    found = {}
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            stamps = {f.attname for f in model._meta.concrete_fields if getattr(f, "auto_now", False)}
            fields = [f.attname for f in model._meta.concrete_fields
                      if model._meta.label not in RECOMPUTED or f.attname not in stamps]
            found[model._meta.label] = list(model.objects.order_by("pk").values(*fields))
    return found


def test_loading_twice_writes_nothing_the_second_time(demo_loaded):
    """Nothing is added, removed or changed by a second load: no history row as if someone
    had edited the data, no recompute job queued, only the audit entry of the run itself."""
    before, audit, jobs, stale = every_row(), AuditEntry.objects.count(), JobRun.objects.count(), \
        StaleMark.objects.count()
    assert any(model.endswith("HistoricalProgressReport") for model in before)
    load()
    after = every_row()
    assert {model: len(rows) for model, rows in after.items()} == {model: len(rows) for model, rows in before.items()}
    assert [model for model in after if after[model] != before[model]] == []
    assert (AuditEntry.objects.count(), JobRun.objects.count(), StaleMark.objects.count()) == (audit + 1, jobs, stale)


def test_every_demo_user_signs_in_and_lands_on_home(demo_loaded):
    for username, *_ in [*regions.DEMO_USERS, *regions.department_reporters()]:
        client = Client()
        response = client.post(reverse("login"), {"username": username, "password": "demo-pass-1"})
        assert response.status_code == 302 and response.url == reverse("home"), username
        assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize(
    ("code", "cells"), [("500156", WULONG_DEPARTMENT_CELLS), ("500114", QIANJIANG_DEPARTMENT_CELLS)]
)
def test_every_department_cell_of_the_source_documents_resolves(demo_loaded, code, cells):
    resolver = DepartmentResolver.for_region(Region.objects.get(code=code))
    for cell in cells:
        assert resolver.resolve_cell(cell), cell


def test_aliases_resolve_to_one_department(demo_loaded):
    wulong = DepartmentResolver.for_region(Region.objects.get(code="500156"))
    assert wulong.resolve_cell("区城市管理局") == wulong.resolve_cell("区城管局")
    qianjiang = DepartmentResolver.for_region(Region.objects.get(code="500114"))
    assert qianjiang.resolve_cell("区机关事务中心") == qianjiang.resolve_cell("区机关事务管理中心")


def test_group_names_resolve_to_sets(demo_loaded):
    qianjiang = DepartmentResolver.for_region(Region.objects.get(code="500114"))
    streets = qianjiang.resolve_name("各街道办事处")
    assert len(streets) == 6 and all(d.kind == Department.Kind.SUBDISTRICT for d in streets)
    wulong = DepartmentResolver.for_region(Region.objects.get(code="500156"))
    everyone = wulong.resolve_name("区级各部门和单位")
    assert len(everyone) > 15 and all(d.kind == Department.Kind.BUREAU for d in everyone)


@pytest.mark.parametrize(("cell", "names"), list(EXPECTED_SPLITS.items()))
def test_expected_splits(demo_loaded, cell, names):
    region = "500156" if cell in WULONG_DEPARTMENT_CELLS else "500114"
    resolver = DepartmentResolver.for_region(Region.objects.get(code=region))
    expected = []
    for name in names:
        for department in resolver.resolve_name(name):
            if department not in expected:
                expected.append(department)
    assert resolver.resolve_cell(cell) == expected


def test_no_demo_record_is_dated_in_the_future(demo_loaded):
    now = timezone.now()
    for model in (ProgressReport, DataReport):
        assert not model.objects.filter(submitted_at__gt=now).exists(), model.__name__
        assert not model.objects.filter(reviewed_at__gt=now).exists(), model.__name__
