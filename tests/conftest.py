"""Shared fixtures: a small world of one city with two districts, and a user of every
kind that permission tests need (a member, a reviewer, a supervisor, an outsider)."""

import io
import os
import shutil
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import translation

from campaigns.models import Batch, BatchDeadline, Campaign, Creation, Stage
from demo import regions as org_demo
from org.models import Department, DepartmentAlias, DepartmentGroup, Region, User
from tests.helpers import DEMO_PASSWORD, kept_for_module

# Modules whose SQL the two databases may answer differently (row locks, upserts, constraints,
# aggregates, migrations, the demo's bulk loads). Under CI the PostgreSQL run takes these with
# the integration and PostgreSQL-only tests; the rest run once, on SQLite.
ON_BOTH_DATABASES = {
    "test_recompute", "test_recompute_migration", "test_indicator_compute", "test_scorecards",
    "test_quarterly_report", "test_progress", "test_review_decisions", "test_task_import", "test_task_archive",
    "test_task_editing", "test_carrier_import", "test_indicator_upload", "test_jobs", "test_scale_data",
    "test_staged_import", "test_scoping", "test_reminders", "test_query_counts",
    # the campaign's steps lock their rows (FOR UPDATE OF the row, not the joined regions)
    "test_campaign_stages", "test_campaign_acceptance", "test_campaign_experts", "test_campaign_self_assessment",
    "test_campaign_city_work",
    # the division list's bulk upsert; a district's chain and department list under row locks
    "test_divisions", "test_department_setup",
    # the vectorised engines read their inputs with COPY on PostgreSQL
    "test_vector_values", "test_vector_leakage_checklists", "test_lineage_trace", "test_provided_frame",
    "test_vector_scores_read",
    # fingerprints of a recompute's inputs: summed by PostgreSQL, hashed here on SQLite
    "test_recompute_inputs",
    # /api/v1/: its scoped queries and writes, and its throttle counting in Redis
    "test_api", "test_api_matrix", "test_api_tasks", "test_api_reads", "test_api_writes",
}
# The demo's loads on PostgreSQL are CI's load run and deploy proof, which load it there.


# Modules that only read the demo as loaded today (their tests' own writes are rolled back as
# usual): they share one load, a minute of the run each (``demo_of_today``).
ON_THE_DEMO_OF_TODAY = {"test_api_journey", "test_demo", "test_english_pages", "test_vector_demo",
                        "test_vector_scores_demo", "test_recompute_inputs_demo"}


def module_name(item):
    module = getattr(item, "module", None)
    return module.__name__.rsplit(".", 1)[-1] if module else None


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(items):
    for item in items:  # before -m selects by them
        if module_name(item) in ON_BOTH_DATABASES:
            item.add_marker(pytest.mark.both_databases)
    result = yield
    # After pytest-django's order (the database tests first, then the transactional ones): the
    # demo's readers one after another where the first of them was, so that one load serves them.
    readers = [item for item in items if module_name(item) in ON_THE_DEMO_OF_TODAY]
    if readers:
        for item in readers:
            if "transactional_db" in item.fixturenames or "live_server" in item.fixturenames or \
                    any(mark.kwargs.get("transaction") for mark in item.iter_markers("django_db")):
                raise pytest.UsageError(f"{item.nodeid}: a transactional test would flush the shared demo")
            if "demo_of_today" not in item.fixturenames:  # it would run beside the demo, unblocked
                raise pytest.UsageError(f"{item.nodeid}: a module of ON_THE_DEMO_OF_TODAY takes demo_of_today")
        first = items.index(readers[0])
        others = [item for item in items if module_name(item) not in ON_THE_DEMO_OF_TODAY]
        items[:] = others[:first] + readers + others[first:]
    return result


_next_item = [None]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    _next_item[0] = nextitem  # for ``demo_of_today``, whose teardown runs inside this hook
    return (yield)


_demo_of_today = []  # the open transaction holding the load, while its readers run


@pytest.fixture(scope="module")
def demo_of_today(django_db_setup, django_db_blocker):
    """The demo as ``load_demo`` leaves it today (password ``DEMO_PASSWORD``), loaded by the first
    module of ON_THE_DEMO_OF_TODAY inside a transaction kept open until the last of them ends,
    then rolled back: the modules between see it, every other test an empty database. A test
    takes it with ``db``, so that its own changes are rolled back after it."""
    if not _demo_of_today:
        with ExitStack() as kept:
            kept.enter_context(kept_for_module(django_db_blocker))
            call_command("load_demo", password=DEMO_PASSWORD, stdout=io.StringIO())
            _demo_of_today.append(kept.pop_all())
    yield
    if module_name(_next_item[0]) not in ON_THE_DEMO_OF_TODAY:  # also at the end of the run (None)
        _demo_of_today.pop().close()


def pytest_runtest_setup(item):
    # CI deselects these from the SQLite run (-m "not postgresql") and runs them on
    # PostgreSQL; a developer's SQLite-only run skips them with the reason.
    if item.get_closest_marker("postgresql") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL)")


@pytest.fixture(autouse=True)
def _chromium_only_for_pdf_tests(request, settings):
    """Chromium prints a report's PDF only in the tests marked ``pdf``: elsewhere it would
    spend 2–3 s a build on a file nobody reads, and those builds go as on a machine without
    Chromium (the PDF noted as missing). A ``pdf`` test is skipped with the reason where
    Chromium or poppler-utils is missing, and fails under CI, which installs them."""
    if request.node.get_closest_marker("pdf") is None:
        settings.CHROMIUM = ""
        return
    missing = [path for path in (settings.CHROMIUM, *PDF_TOOLS) if not shutil.which(path)]
    if missing:
        message = f"{', '.join(missing)} missing (`make test` installs chromium, fonts, poppler-utils)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


PDF_TOOLS = ("pdfinfo", "pdffonts", "pdftotext")


@pytest.fixture(autouse=True)
def _portal_language_after_each_test():
    """A request in English leaves the test's thread in English (the locale middleware activates
    a language and nothing deactivates it), and Quarter.label follows the active language: the
    next test starts in the portal's Chinese whatever the last one asked for."""
    yield
    translation.deactivate()


PASSWORD = "test-password-123"


@dataclass
class World:
    city: Region
    district: Region
    other_district: Region
    water_bureau: Department
    urban_bureau: Department
    economy_bureau: Department
    street: Department
    other_water_bureau: Department
    other_urban_bureau: Department
    city_bureau: Department


def make_user(username, department, role, **extra):
    user = User(username=username, department=department, role=role, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def world(db):
    city = Region.objects.create(code="500000", name="重庆市", level=Region.Level.PROVINCE)
    district = Region.objects.create(code="500156", name="武隆区", level=Region.Level.COUNTY, parent=city)
    other = Region.objects.create(code="500114", name="黔江区", level=Region.Level.COUNTY, parent=city)

    def dept(region, short_name, name, kind=Department.Kind.BUREAU, aliases=()):
        department = Department.objects.create(region=region, short_name=short_name, name=name, kind=kind)
        for alias in aliases:
            DepartmentAlias.objects.create(region=region, department=department, name=alias)
        return department

    world = World(
        city=city,
        district=district,
        other_district=other,
        water_bureau=dept(district, "区水利局", "重庆市武隆区水利局"),
        urban_bureau=dept(district, "区城管局", "重庆市武隆区城市管理局", aliases=["区城市管理局"]),
        economy_bureau=dept(district, "区经济信息委", "重庆市武隆区经济和信息化委员会", aliases=["区经信委"]),
        street=dept(district, "凤山街道", "重庆市武隆区凤山街道办事处", Department.Kind.SUBDISTRICT),
        other_water_bureau=dept(other, "区水利局", "重庆市黔江区水利局"),
        other_urban_bureau=dept(other, "区城市管理局", "重庆市黔江区城市管理局"),
        city_bureau=dept(city, "市水利局", "重庆市水利局"),
    )
    DepartmentGroup.objects.create(region=district, name="各街道办事处", kinds=["subdistrict"], aliases=["各街道"])
    return world


@pytest.fixture
def reporter(world):
    return make_user("reporter", world.urban_bureau, User.Role.REPORTER)


@pytest.fixture
def colleague(world):
    """A reporter of another department of the reporter's district: reads the district's
    plans and aggregates, no other department's records."""
    return make_user("colleague", world.economy_bureau, User.Role.REPORTER)


@pytest.fixture
def reviewer(world):
    return make_user("reviewer", world.water_bureau, User.Role.REVIEWER)


@pytest.fixture
def supervisor(world):
    return make_user("supervisor", world.city_bureau, User.Role.SUPERVISOR)


@pytest.fixture
def outsider(world):
    """A reviewer of the other district: sees everything there, nothing here."""
    return make_user("outsider", world.other_water_bureau, User.Role.REVIEWER)


@pytest.fixture
def administrator(world):
    return make_user("administrator", None, User.Role.ADMIN, is_staff=True, is_superuser=True)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_for():
    return signed_in


@pytest.fixture
def regions(db):
    """The demo's real regions and departments (from the source documents)."""
    org_demo.load(password="pw-for-tests-1")
    return {"wulong": Region.objects.get(code="500156"), "qianjiang": Region.objects.get(code="500114")}


@pytest.fixture
def jobs_inline(django_capture_on_commit_callbacks):
    """A context manager: jobs enqueued after a commit inside it run in this process when
    it ends, as in the embedded default, even when the suite runs against a real broker."""
    from config.celery import app

    @contextmanager
    def run():
        before = app.conf.task_always_eager
        app.conf.task_always_eager = True
        try:
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                yield callbacks
        finally:
            app.conf.task_always_eager = before

    return run


# --- the creation campaign: the city of ``world`` runs one under the county standard (loaded
# as the demo loads it), with a batch this year in which ``world``'s district creates.
CAMPAIGN_YEAR = date.today().year


@pytest.fixture
def county_standard(db):
    from demo.catalogue import load_catalogue
    from demo.county_standard import load_standard

    load_catalogue()  # the data elements the standard's formulas use
    return load_standard()


@pytest.fixture
def campaign(world, county_standard):
    campaign = Campaign.objects.create(
        region=world.city, name="重庆市县域节水型社会达标建设", indicator_set=county_standard,
        goal_text="全市30%以上县（区）级行政区达到节水型社会标准", goal_year=CAMPAIGN_YEAR + 2,
        goal_share=Decimal("30"), source="重庆市水利局关于2019年度重庆市县域节水型社会达标建设工作总结的报告",
    )
    batch = Batch.objects.create(campaign=campaign, year=CAMPAIGN_YEAR, name=f"{CAMPAIGN_YEAR}年度创建")
    for stage, day in ((Stage.DECLARED, date(CAMPAIGN_YEAR, 9, 30)), (Stage.ACCEPTANCE, date(CAMPAIGN_YEAR, 11, 30)),
                       (Stage.NAMED, date(CAMPAIGN_YEAR, 12, 31))):
        BatchDeadline.objects.create(batch=batch, stage=stage, due=day)
    return campaign


@pytest.fixture
def creation(campaign, world):
    return Creation.objects.create(campaign=campaign, batch=campaign.batches.get(), region=world.district,
                                   stage=Stage.PLANNED, stage_since=date(CAMPAIGN_YEAR, 1, 1),
                                   assessment_year=CAMPAIGN_YEAR - 1)


# --- 技术评估: experts of the register, and ``creation`` declared, then in 技术评估 with a group --


def _expert(name, affiliation, username, **extra):
    from campaigns.models import Expert

    return Expert.objects.create(name=name, affiliation=affiliation,
                                 user=make_user(username, None, User.Role.EXPERT, display_name=name), **extra)


@pytest.fixture
def zhang(world):
    return _expert("张教授", "重庆大学", "zhang", field="水资源管理", title="教授")


@pytest.fixture
def li(world):
    return _expert("李研究员", "西南大学", "li", title="研究员")


@pytest.fixture
def wang(world):
    """An expert in the register, in no group of ``world``'s county."""
    return _expert("王工", "重庆市水利发展研究中心", "wang")


@pytest.fixture
def declared(creation, county_standard, reviewer):
    """``creation`` has declared: its self-assessment submitted with every item at full points
    but 19 (5 of 7)."""
    from django.utils import timezone

    from campaigns.models import SelfAssessment, SelfScore

    assessment = SelfAssessment.objects.create(creation=creation, indicator_set=county_standard,
                                               year=creation.assessment_year, submitted_at=timezone.now(),
                                               submitted_by=reviewer)
    for indicator in county_standard.indicators.all():
        SelfScore.objects.create(assessment=assessment, indicator=indicator, explanation="已落实",
                                 points=Decimal("5") if indicator.number == 19 else indicator.points)
    Creation.objects.filter(pk=creation.pk).update(stage=Stage.DECLARED)
    creation.refresh_from_db()
    return creation


@pytest.fixture
def technical(declared, supervisor, zhang, li):
    """张 (leader) and 李 assess ``creation``, in 技术评估."""
    from campaigns.services import experts

    experts.save_group(declared, user=supervisor, formed_on=date(CAMPAIGN_YEAR, 10, 8),
                       assessed_on=date(CAMPAIGN_YEAR, 10, 20), experts=[zhang, li], leader=zhang)
    experts.start_technical(declared, user=supervisor, version=declared.version)
    declared.refresh_from_db()
    return declared
