"""Evidence files on progress entries, and cooperating departments' contributions."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.periods import Quarter
from demo import table_data
from org.models import User
from tasks.models import Assignment, Contribution, Evidence, Plan, ProgressReport, TaskNode
from tasks.services import progress_approve, progress_open, progress_save
from tests.helpers import import_table

Q3 = Quarter(2019, 3)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def user(name):
    return User.objects.get(username=name)


@pytest.fixture
def setup(regions, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    plan = Plan.objects.create(region=regions["wulong"], title="2019", start_year=2019, end_year=2019)
    import_table(regions["wulong"], table_data.WULONG_ANNEX1, plan=plan)
    urban = regions["wulong"].departments.get(short_name="区城管局")
    item = TaskNode.objects.filter(plan=plan, assignments__department=urban, assignments__role="lead").first()
    report = progress_open(item=item, department=urban, quarter=Q3)
    return report


def attach(client, report, name, content):
    return client.post(reverse("tasks:evidence_upload", args=[report.pk]), {"file": SimpleUploadedFile(name, content)},
                       follow=True)


def test_attach_download_and_remove(setup, client_for):
    clerk = client_for(user("wulong_cgj"))
    page = attach(clerk, setup, "验收单.pdf", PDF).content.decode()
    assert "已附加" in page and "验收单.pdf" in page
    evidence = Evidence.objects.get(report=setup)
    assert evidence.size == len(PDF) and len(evidence.sha256) == 64 and evidence.uploaded_by.username == "wulong_cgj"
    download = client_for(user("wulong_reviewer")).get(reverse("tasks:evidence_download", args=[evidence.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert (
        client_for(user("qianjiang_reviewer")).get(reverse("tasks:evidence_download", args=[evidence.pk])).status_code
        == 404
    )
    clerk.post(reverse("tasks:evidence_delete", args=[evidence.pk]))
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("程序.exe", b"MZ\x90\x00", "不是可接受的类型"),
        ("照片.pdf", PNG, "内容与文件名不符"),
        ("空.pdf", b"", "空"),
    ],
)
def test_bad_evidence_is_refused(setup, client_for, name, content, message):
    page = attach(client_for(user("wulong_cgj")), setup, name, content).content.decode()
    assert message in page
    assert not Evidence.objects.exists()


def test_too_large_and_duplicate_evidence(setup, client_for, settings):
    settings.EVIDENCE_MAX_MB = 1
    clerk = client_for(user("wulong_cgj"))
    assert "上限为 1 MB" in attach(clerk, setup, "大.pdf", PDF + b"0" * (1024 * 1024)).content.decode()
    attach(clerk, setup, "一.pdf", PDF)
    assert "已附加在此记录上" in attach(clerk, setup, "二.pdf", PDF).content.decode()
    assert Evidence.objects.count() == 1


def test_no_evidence_changes_after_approval(setup, client_for):
    clerk = client_for(user("wulong_cgj"))
    attach(clerk, setup, "一.pdf", PDF)
    report = ProgressReport.objects.get(pk=setup.pk)
    report.status, report.percent, report.work_done = "in_progress", 50, "推进"
    progress_save(report=report, version=report.version, user=user("wulong_cgj"), submit=True)
    progress_approve(report=report, user=user("wulong_reviewer"), version=report.version)
    assert "不能修改" in attach(clerk, setup, "二.png", PNG).content.decode()
    clerk.post(reverse("tasks:evidence_delete", args=[Evidence.objects.get().pk]))
    assert Evidence.objects.count() == 1


def test_other_departments_cannot_attach(setup, client_for):
    response = client_for(user("wulong_reviewer")).post(
        reverse("tasks:evidence_upload", args=[setup.pk]), {"file": SimpleUploadedFile("a.pdf", PDF)}
    )
    assert response.status_code == 404 and not Evidence.objects.exists()


def test_cooperating_department_adds_its_contribution(setup, client_for):
    item = setup.item
    cooperating = Assignment.objects.filter(node=item, role="cooperating").select_related("department").first()
    member = User.objects.create(username="coop", department=cooperating.department, role="reporter")
    client = client_for(member)
    url = reverse("tasks:progress_contribution", args=[item.pk, "2019Q3"])
    assert client.get(url).status_code == 200
    assert "请填写" in client.post(url, {"note": " "}).content.decode()
    assert client.post(url, {"note": "配合完成了管网巡查。"}).status_code == 302
    contribution = Contribution.objects.get()
    assert contribution.item == item and contribution.department == cooperating.department
    assert (contribution.year, contribution.quarter) == (2019, 3)
    report = ProgressReport.objects.get(pk=setup.pk)
    assert report.work_done == "" and report.state == "draft"  # the lead's fields are untouched
    assert "配合完成了管网巡查" in client.get(url).content.decode()  # its own note, on its own form
    # The lead reads it beside its entry; the entry itself is the lead's record, not the cooperator's.
    assert "配合完成了管网巡查" in client_for(user("wulong_cgj")).get(setup.get_absolute_url()).content.decode()
    assert client.get(setup.get_absolute_url()).status_code == 404
    # A department that does not cooperate on the item gets 404.
    assert client_for(user("wulong_cgj")).get(url).status_code == 404
