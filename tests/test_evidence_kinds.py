"""The four kinds of evidence (progress entries, checklist answers, carriers, water audit
reports) go through core.evidence: the same cases give the same answers for each."""

import io
import zipfile
from dataclasses import dataclass
from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.periods import Quarter
from org.models import User
from tests.conftest import make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
QUARTER = Quarter(2023, 1)


def docx(*extra):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        for name in extra:
            archive.writestr(name, b"\x00" * 32)
    return buffer.getvalue()


# --- one record of each kind in a district, and who may change it --------------------------


def progress_entry(world, region):
    from tasks.models import Assignment, Plan, TaskNode
    from tasks.services import progress_open

    bureau = region.departments.get(short_name="区水利局")
    plan = Plan.objects.create(region=region, title="佐证测试方案", start_year=2023, end_year=2023)
    key = TaskNode.objects.create(plan=plan, level=1, position=1, number="一、", text="佐证测试重点任务")
    item = TaskNode.objects.create(plan=plan, parent=key, level=3, position=2, text="佐证测试工作事项")
    Assignment.objects.create(node=item, department=bureau, role="lead")
    return progress_open(item=item, department=bureau, quarter=QUARTER)


def checklist_answer(world, region):
    from indicators.models import Adoption, ChecklistAnswer, Indicator, IndicatorSet
    from indicators.services import data_report_open

    indicator = Indicator.objects.filter(code="EVIDENCE_CHECK").first()
    if indicator is None:
        standard = IndicatorSet.objects.create(code="EVIDENCE", version="1", name="佐证测试指标体系")
        indicator = Indicator.objects.create(
            indicator_set=standard, number=1, code="EVIDENCE_CHECK", name="佐证测试核查", category="综合类",
            kind="guiding", method="checklist", checklist=["无黑臭水体"], lead_text="区水利局",
        )
    Adoption.objects.get_or_create(region=region, indicator_set=indicator.indicator_set, defaults={"since_year": 2023})
    report = data_report_open(department=region.departments.get(short_name="区水利局"), quarter=QUARTER)
    return ChecklistAnswer.objects.create(report=report, indicator=indicator, item=0, answer=True)


def water_user(region):
    from carriers.models import WaterUser

    return WaterUser.objects.get_or_create(region=region, name="佐证测试小区", defaults={"kind": "community"})[0]


def carrier(world, region):
    from carriers.models import Carrier

    return Carrier.objects.create(region=region, carrier_type="community", level="county", user=water_user(region))


def water_audit(world, region):
    from carriers.models import WaterAudit

    return WaterAudit.objects.create(user=water_user(region), year=2023, over_percent=30,
                                     ordered_on=date(2024, 2, 1), due_on=date(2024, 5, 1))


def approve(report):
    type(report).objects.filter(pk=report.pk).update(state="approved")


@dataclass
class Kind:
    record: object  # (world, region) -> a record of the region
    upload: str
    delete: str
    download: str
    files: str  # the record's related manager of its evidence
    changer: str  # "clerk" (a reporter of the record's department) or "reviewer" (the district's)
    lock: object = None  # record -> None: makes the record's evidence unchangeable, if anything does

    def evidence(self, record):
        return getattr(record, self.files)


KINDS = {
    "progress": Kind(progress_entry, "tasks:evidence_upload", "tasks:evidence_delete", "tasks:evidence_download",
                     "evidence", "clerk", lock=approve),
    "checklist": Kind(checklist_answer, "indicators:checklist_evidence_upload", "indicators:checklist_evidence_delete",
                      "indicators:checklist_evidence_download", "evidence", "clerk",
                      lock=lambda answer: approve(answer.report)),
    "carrier": Kind(carrier, "carriers:carrier_evidence_upload", "carriers:carrier_evidence_delete",
                    "carriers:carrier_evidence_download", "evidence", "reviewer"),
    "audit report": Kind(water_audit, "carriers:audit_file_upload", "carriers:audit_file_delete",
                         "carriers:audit_file_download", "files", "reviewer"),
}


@pytest.fixture(params=sorted(KINDS))
def kind(request):
    return KINDS[request.param]


@pytest.fixture
def clerk(world):
    """A reporter of the district's 区水利局, which leads the progress item and reports the checklist."""
    return make_user("clerk", world.water_bureau, User.Role.REPORTER)


@pytest.fixture
def setup(world, kind, clerk, reviewer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    record = kind.record(world, world.district)
    return record, {"clerk": clerk, "reviewer": reviewer}[kind.changer]


def post_file(client, kind, record, name, content):
    return client.post(reverse(kind.upload, args=[record.pk]), {"file": SimpleUploadedFile(name, content)})


def said(client, response):
    """The messages the view left for the next page, in order, as (level tag, text); read,
    as the next page would, so that the client's next request says only its own."""
    client.cookies.pop("messages", None)
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def attached(kind, client, record, name="验收单.pdf", content=PDF):
    response = post_file(client, kind, record, name, content)
    assert said(client, response) == [("success", f"已附加“{name}”。")]
    return kind.evidence(record).get(name=name)


# --- upload ---------------------------------------------------------------------------------


def test_a_file_is_attached_and_listed(kind, setup, client_for):
    record, changer = setup
    client = client_for(changer)
    response = post_file(client, kind, record, "验收单.pdf", PDF)
    assert response.status_code == 302
    assert said(client, response) == [("success", "已附加“验收单.pdf”。")]
    stored = kind.evidence(record).get()
    assert (stored.name, stored.size, len(stored.sha256), stored.uploaded_by) == ("验收单.pdf", len(PDF), 64, changer)
    page = client.get(response.url).content.decode()  # the page the upload went back to lists it
    assert "验收单.pdf" in page and reverse(kind.download, args=[stored.pk]) in page
    assert reverse(kind.delete, args=[stored.pk]) in page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("程序.exe", b"MZ\x90\x00", "“程序.exe”不是可接受的类型。可接受：docx、jpeg、jpg、pdf、png、xlsx。"),
        ("照片.pdf", PNG, "“照片.pdf”并不是真正的 pdf 文件（内容与文件名不符）。"),
        ("空.pdf", b"", "“空.pdf”是空文件。"),
        ("宏.docx", docx("word/vbaProject.bin"), "“宏.docx”：该文件含有宏"),
        ("伪装.docx", PDF, "“伪装.docx”并不是真正的 docx 文件（内容与文件名不符）。"),
    ],
    ids=["wrong type", "content not matching the name", "empty", "macro-carrying docx", "pdf named docx"],
)
def test_a_bad_file_is_refused_saying_why(kind, setup, client_for, name, content, message):
    record, changer = setup
    client = client_for(changer)
    response = post_file(client, kind, record, name, content)
    assert response.status_code == 302
    [(level, text)] = said(client, response)
    assert level == "error" and text.startswith(message), text
    assert not kind.evidence(record).exists()


def test_a_plain_docx_is_accepted(kind, setup, client_for):
    record, changer = setup
    attached(kind, client_for(changer), record, "说明.docx", docx())


def test_a_file_over_the_limit_is_refused(kind, setup, client_for, settings):
    settings.EVIDENCE_MAX_MB = 1
    record, changer = setup
    client = client_for(changer)
    response = post_file(client, kind, record, "大.pdf", PDF + b"0" * (1024 * 1024))
    assert said(client, response) == [("error", "“大.pdf”大小为 1.0 MB，上限为 1 MB。")]
    assert not kind.evidence(record).exists()


def test_the_same_file_twice_is_refused(kind, setup, client_for):
    record, changer = setup
    client = client_for(changer)
    attached(kind, client, record, "一.pdf")
    response = post_file(client, kind, record, "二.pdf", PDF)
    assert said(client, response) == [("error", "“二.pdf”已附加在此记录上。")]
    assert list(kind.evidence(record).values_list("name", flat=True)) == ["一.pdf"]


def test_no_file_chosen_says_so(kind, setup, client_for):
    record, changer = setup
    client = client_for(changer)
    response = client.post(reverse(kind.upload, args=[record.pk]), {})
    assert said(client, response) == [("error", "请选择要上传的文件。")]


# --- delete ----------------------------------------------------------------------------------


def test_a_file_is_removed_with_its_stored_copy(kind, setup, client_for, django_capture_on_commit_callbacks):
    record, changer = setup
    client = client_for(changer)
    stored = attached(kind, client, record)
    storage, path = stored.file.storage, stored.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(kind.delete, args=[stored.pk]))
    assert response.status_code == 302
    assert said(client, response) == [("success", "已移除“验收单.pdf”。")]
    assert not kind.evidence(record).exists() and not storage.exists(path)


def test_someone_who_may_not_change_the_record_cannot_remove_its_file(kind, setup, client_for, world, reporter,
                                                                     supervisor, outsider):
    """The district's reporter of another department, the city's supervisor and another
    district's reviewer all get the portal's 404."""
    record, changer = setup
    stored = attached(kind, client_for(changer), record)
    for user in (reporter, supervisor, outsider):
        assert client_for(user).post(reverse(kind.delete, args=[stored.pk])).status_code == 404, user
    assert kind.evidence(record).get() == stored and stored.file.storage.exists(stored.file.name)


@pytest.mark.parametrize("name", sorted(name for name, kind in KINDS.items() if kind.lock))
def test_nothing_changes_once_the_record_is_approved(name, world, clerk, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    kind = KINDS[name]
    record = kind.record(world, world.district)
    client = client_for(clerk)
    stored = attached(kind, client, record)
    kind.lock(record)
    refused = [("error", "该记录状态为“已通过”，不能修改。")]
    assert said(client, post_file(client, kind, record, "二.png", PNG)) == refused
    assert said(client, client.post(reverse(kind.delete, args=[stored.pk]))) == refused
    assert list(kind.evidence(record).all()) == [stored]


def close_carrier(carrier):
    type(carrier).objects.filter(pk=carrier.pk).update(status="accepted", accepted_on=date(2024, 6, 30))


def close_audit(audit):
    type(audit).objects.filter(pk=audit.pk).update(reported_on=date(2024, 4, 20), rectified_on=date(2024, 6, 1))


@pytest.mark.parametrize(("name", "close", "message"), [
    ("carrier", close_carrier, "该载体状态为“已验收”，其佐证材料予以保留，不能删除。"),
    ("audit report", close_audit, "该用水审计已于2024-06-01整改完成并结案，其材料予以保留，不能删除。"),
])
def test_the_files_of_an_accepted_carrier_or_a_closed_audit_are_kept(name, close, message, world, reviewer,
                                                                      client_for, settings, tmp_path):
    """Not reviewed like progress, but closed all the same: more files may come, none may go."""
    settings.MEDIA_ROOT = tmp_path
    kind = KINDS[name]
    record = kind.record(world, world.district)
    client = client_for(reviewer)
    stored = attached(kind, client, record)
    close(record)
    page = client.get(reverse("carriers:carrier_detail" if name == "carrier" else "carriers:audit_edit",
                              args=[record.pk])).content.decode()
    assert message in page and reverse(kind.delete, args=[stored.pk]) not in page  # said, with no remove button
    assert said(client, client.post(reverse(kind.delete, args=[stored.pk]))) == [("error", message)]
    assert kind.evidence(record).get() == stored and stored.file.storage.exists(stored.file.name)
    assert said(client, post_file(client, kind, record, "二.png", PNG))[0][0] == "success"


# --- download and other districts ---------------------------------------------------------


def test_download_is_an_attachment_under_the_uploaded_name(kind, setup, client_for, supervisor):
    record, changer = setup
    stored = attached(kind, client_for(changer), record, "验收 单.pdf")
    for user in (changer, supervisor):  # the city's supervisor reads the district's files
        response = client_for(user).get(reverse(kind.download, args=[stored.pk]))
        assert response.status_code == 200
        assert response["Content-Disposition"] == "attachment; filename*=utf-8''%E9%AA%8C%E6%94%B6%20%E5%8D%95.pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == PDF


def test_a_missing_stored_copy_is_not_found(kind, setup, client_for):
    record, changer = setup
    stored = attached(kind, client_for(changer), record)
    stored.file.storage.delete(stored.file.name)
    assert client_for(changer).get(reverse(kind.download, args=[stored.pk])).status_code == 404


def test_another_districts_user_gets_404(kind, setup, client_for, outsider):
    record, changer = setup
    stored = attached(kind, client_for(changer), record)
    other = client_for(outsider)
    assert post_file(other, kind, record, "外区.pdf", PNG + PDF).status_code == 404
    assert other.get(reverse(kind.download, args=[stored.pk])).status_code == 404
    assert other.post(reverse(kind.delete, args=[stored.pk])).status_code == 404
    assert list(kind.evidence(record).all()) == [stored]


def test_every_change_is_in_the_audit_log(kind, setup, client_for):
    from core.models import AuditEntry

    record, changer = setup
    client = client_for(changer)
    stored = attached(kind, client, record)
    post_file(client, kind, record, "照片.pdf", PNG)
    client.post(reverse(kind.delete, args=[stored.pk]))
    entries = AuditEntry.objects.order_by("pk")
    assert [(entry.route, entry.outcome, entry.username) for entry in entries] == [
        (kind.upload, "success", changer.username),
        (kind.upload, "failed", changer.username),
        (kind.delete, "success", changer.username),
    ]
    assert [file["name"] for file in entries[0].files] == ["验收单.pdf"]
    assert entries[2].target == {"pk": stored.pk}
