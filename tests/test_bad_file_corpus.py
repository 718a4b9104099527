"""The bad-file corpus (tests/fixtures/bad) against every upload endpoint.

Each file goes through an endpoint as a clerk would send it: upload, open the preview,
try to confirm. Whatever the file, no answer is a server error, the portal says in
Chinese what is wrong (the container's fault in the same words everywhere; for evidence,
naming the file, and for what it carries, why), and the database is exactly as before: the same rows with the same
values in every table of the portal's apps.
"""

import datetime
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.urls import reverse

from carriers.models import Carrier, UserKind, WaterAudit, WaterUser
from demo import catalogue as indicator_demo
from demo import regions as org_demo
from demo import table_data
from indicators.models import Adoption, ChecklistAnswer, DataReport, Indicator, IndicatorSet
from org.models import Department, Region, User
from tasks.models import ProgressReport, TaskNode
from tests.conftest import make_user
from tests.fixtures.bad.make_corpus import CORPUS
from tests.helpers import CHINESE, import_table, journey, kept_for_module, snapshot

HERE = Path(__file__).parent / "fixtures" / "bad"


def test_the_corpus_is_on_disk_and_large_enough():
    on_disk = {path.name for path in HERE.iterdir() if path.suffix in (".xlsx", ".xls", ".ods", ".docx")}
    assert on_disk == set(CORPUS)
    assert len(CORPUS) >= 40


@dataclass
class Endpoint:
    name: str
    username: str
    url: str
    data: dict = field(default_factory=dict)
    evidence: bool = False


@pytest.fixture(scope="module")
def _endpoints_once(django_db_setup, django_db_blocker):
    """The world the uploads need, made once for the module (each test's own changes are
    rolled back as usual) and rolled back after the last test."""
    with kept_for_module(django_db_blocker):
        org_demo.load(password="pw-for-tests-1")
        yield _world(Region.objects.get(code="500156"), Region.objects.get(code="500114"))


@pytest.fixture
def endpoints(_endpoints_once, db):
    return _endpoints_once


def _world(wulong, qianjiang):
    """Every upload of the portal, with a user allowed to use it and what it needs to exist."""
    plan, _ = import_table(wulong, table_data.WULONG_ANNEX1)
    city = Department.objects.get(region=wulong, short_name="区城管局")
    item = TaskNode.objects.filter(plan=plan, level=TaskNode.Level.WORK_ITEM, assignments__department=city).first()
    report = ProgressReport.objects.create(item=item, department=city, year=2019, quarter=1)
    Adoption.objects.create(region=qianjiang, indicator_set=indicator_demo.load_catalogue(),
                            since_year=2022)
    make_user("bad_files_admin", None, User.Role.ADMIN, is_staff=True, is_superuser=True)
    user = WaterUser.objects.create(region=wulong, name="坏文件测试用水户", kind=UserKind.COMMUNITY)
    carrier = Carrier.objects.create(region=wulong, user=user, carrier_type=Carrier.Type.COMMUNITY,
                                     level=Carrier.Level.COUNTY, status=Carrier.Status.CREATING)
    audit = WaterAudit.objects.create(user=user, year=2019, over_percent=35, ordered_on=datetime.date(2020, 2, 1),
                                      due_on=datetime.date(2020, 5, 1))
    standard = IndicatorSet.objects.create(code="BAD_FILES", version="1", name="坏文件测试指标体系")
    checklist = Indicator.objects.create(
        indicator_set=standard, number=1, code="BAD_FILES_CHECK", name="坏文件测试核查", category="综合类",
        kind="guiding", method="checklist", checklist=["无黑臭水体"], lead_text="区城管局",
    )
    data_report = DataReport.objects.create(region=wulong, department=city, year=2019, quarter=1)
    answer = ChecklistAnswer.objects.create(report=data_report, indicator=checklist, item=0, answer=True)
    return [
        Endpoint("task table", "wulong_reviewer", reverse("tasks:import_upload"),
                 {"region": wulong.pk, "title": "坏文件", "kind": "annual", "start_year": 2019}),
        Endpoint("progress template", "wulong_cgj", f"{reverse('tasks:progress_template_upload')}?quarter=2019Q1"),
        Endpoint("raw statistics", "qianjiang_cgj", f"{reverse('indicators:data_upload')}?quarter=2024Q1"),
        Endpoint("bulk statistics", "bad_files_admin", reverse("indicators:bulk_statistics"),
                 {"year": 2024, "quarter": 1}),
        Endpoint("water users", "wulong_reviewer", reverse("carriers:import_upload", args=["users"])),
        Endpoint("carriers", "wulong_reviewer", reverse("carriers:import_upload", args=["carriers"])),
        Endpoint("progress evidence", "wulong_cgj", reverse("tasks:evidence_upload", args=[report.pk]),
                 evidence=True),
        Endpoint("checklist evidence", "wulong_cgj", reverse("indicators:checklist_evidence_upload", args=[answer.pk]),
                 evidence=True),
        Endpoint("carrier evidence", "wulong_reviewer", reverse("carriers:carrier_evidence_upload", args=[carrier.pk]),
                 evidence=True),
        Endpoint("water audit report", "wulong_reviewer", reverse("carriers:audit_file_upload", args=[audit.pk]),
                 evidence=True),
    ]


ENDPOINT_NAMES = ["task table", "progress template", "raw statistics", "bulk statistics", "water users", "carriers",
                  "progress evidence", "checklist evidence", "carrier evidence", "water audit report"]
EVIDENCE = {"progress evidence", "checklist evidence", "carrier evidence", "water audit report"}
# An evidence file is a document, not a table: a well-formed workbook is an acceptable
# evidence document, so only the files refused for their container go to the evidence
# uploads; the "workbook" files (refused by a reader) go to the table endpoints only.
CASES = [
    pytest.param(name, bad, endpoint_name, id=f"{name}-{endpoint_name}")
    for name, bad in sorted(CORPUS.items())
    for endpoint_name in ENDPOINT_NAMES
    if endpoint_name not in EVIDENCE or bad.stage == "container"
]


@pytest.mark.parametrize(("name", "bad", "endpoint_name"), CASES)
def test_a_bad_file_is_refused_in_chinese_and_writes_nothing(endpoints, client_for, endpoint_name, name, bad):
    endpoint = next(e for e in endpoints if e.name == endpoint_name)
    assert endpoint.evidence == (endpoint_name in EVIDENCE)
    client = client_for(User.objects.get(username=endpoint.username))
    if not endpoint.evidence:
        assert client.get(endpoint.url).status_code == 200  # the clerk opens the upload page (opening a report)
    before = snapshot()
    texts, statuses = journey(client, endpoint.url, endpoint.data, name, (HERE / name).read_bytes())
    assert all(status < 500 for status in statuses), statuses
    refusals = [text for text in texts if CHINESE.search(text)]
    assert refusals, f"nothing said in Chinese about {name}: {texts}"
    if endpoint.evidence:
        assert any(name in text and bad.evidence_says in text for text in refusals), refusals
    elif bad.says:
        assert any(bad.says in text for text in refusals), refusals
    assert snapshot() == before
