"""Evidence on the progress entry page without losing what is typed: attached and removed
in place (htmx answers the entry's evidence section alone, with its message), or, without
script, posted with the entry form as a draft save of what was typed."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import AuditEntry
from tasks.models import Evidence, ProgressReport, TaskNode
from tasks.services import progress_open
from tests.test_progress_evidence import PDF, Q3, setup, user  # noqa: F401 (setup: a fixture)

HTMX = {"HTTP_HX_REQUEST": "true"}
REFUSED = "alert-danger alert-dismissible"  # a message said (the section's failure notice is another)


@pytest.fixture
def report(setup):  # noqa: F811 (the fixture, by name)
    """区城管局's open entry of 2019Q3 (test_progress_evidence's ``setup``)."""
    return setup


@pytest.fixture
def clerk(client_for):
    return client_for(user("wulong_cgj"))


def entry_url(report):
    return reverse("tasks:progress_entry", args=[report.item_id, str(Q3)])


def upload(report):
    return reverse("tasks:evidence_upload", args=[report.pk])


def in_place(client, url, data, *, refused=False):
    """The answer to an htmx post: the section, sent as 422 for a refusal (htmx swaps it in
    all the same); the audit log says how it ended."""
    response = client.post(url, data, **HTMX)
    assert response.status_code == (422 if refused else 200)
    assert AuditEntry.objects.latest("pk").outcome == ("failed" if refused else "success")
    return response.content.decode()


def assert_section_alone(page):
    """The entry's evidence section and nothing of the page around it."""
    assert page.lstrip().startswith('<div class="card shadow-sm mt-3" id="entry-evidence"')
    assert "<html" not in page and 'id="entry-form"' not in page and "<nav" not in page


@pytest.mark.parametrize("field", ["evidence", "file"])  # the entry form's own name, or a plain evidence form's
def test_attach_in_place_answers_the_section_with_its_message(report, clerk, field):
    page = in_place(clerk, upload(report), {field: SimpleUploadedFile("验收单 第2批.pdf", PDF)})
    assert_section_alone(page)
    assert "已附加“验收单 第2批.pdf”" in page and "alert-success" in page and REFUSED not in page
    evidence = Evidence.objects.get(report=report)
    assert f'name="remove_evidence" value="{evidence.pk}"' in page  # its remove button, in place too
    # The message was said in place: the next page does not say it again.
    assert "已附加" not in clerk.get(entry_url(report)).content.decode()
    stored = ProgressReport.objects.get(pk=report.pk)
    assert (stored.version, stored.work_done) == (report.version, report.work_done)  # the entry is not saved


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [("程序.exe", b"MZ\x90\x00", "“程序.exe”不是可接受的类型"), ("扫描件.pdf", b"", "“扫描件.pdf”是空文件")],
)
def test_a_refused_file_is_named_in_place(report, clerk, name, content, problem):
    page = in_place(clerk, upload(report), {"evidence": SimpleUploadedFile(name, content)}, refused=True)
    assert_section_alone(page)
    assert problem in page and REFUSED in page
    assert not Evidence.objects.exists()


def test_no_file_chosen_says_so_in_place(report, clerk):
    page = in_place(clerk, upload(report), {}, refused=True)
    assert_section_alone(page)
    assert "请选择要上传的文件" in page and REFUSED in page


def test_remove_in_place(report, clerk):
    in_place(clerk, upload(report), {"evidence": SimpleUploadedFile("一.pdf", PDF)})
    evidence = Evidence.objects.get()
    page = in_place(clerk, reverse("tasks:evidence_delete", args=[evidence.pk]), {})
    assert_section_alone(page)
    assert "已移除“一.pdf”" in page and "尚未上传佐证材料" in page
    assert not Evidence.objects.exists()


def test_in_place_requests_keep_their_scoping(report, clerk, client_for):
    in_place(clerk, upload(report), {"evidence": SimpleUploadedFile("一.pdf", PDF)})
    evidence = Evidence.objects.get()
    for outsider in ("wulong_reviewer", "qianjiang_cgj"):
        client = client_for(user(outsider))
        attached = client.post(upload(report), {"evidence": SimpleUploadedFile("二.pdf", PDF + b" ")}, **HTMX)
        removed = client.post(reverse("tasks:evidence_delete", args=[evidence.pk]), **HTMX)
        assert (attached.status_code, removed.status_code) == (404, 404), outsider
    assert list(Evidence.objects.values_list("name", flat=True)) == ["一.pdf"]
    assert clerk.get(upload(report), **HTMX).status_code == 405  # no GET writes, in place or not


def test_submitted_entry_refuses_in_place(report, clerk):
    in_place(clerk, upload(report), {"evidence": SimpleUploadedFile("一.pdf", PDF)})
    kept = Evidence.objects.get()
    ProgressReport.objects.filter(pk=report.pk).update(state="submitted")
    attached = in_place(clerk, upload(report), {"evidence": SimpleUploadedFile("二.pdf", PDF + b" ")}, refused=True)
    removed = in_place(clerk, reverse("tasks:evidence_delete", args=[kept.pk]), {}, refused=True)
    for page in (attached, removed):
        assert_section_alone(page)
        assert REFUSED in page and "状态为“已报送”，不能修改" in page
    assert list(Evidence.objects.all()) == [kept]


def typed(report, **more):
    return {"status": "in_progress", "percent": "45", "work_done": "完成管网改造 3.2 公里", "problems": "资金未到位",
            "next_plan": "四季度完成验收", "version": report.version, **more}


def test_without_script_attaching_saves_the_draft_with_what_was_typed(report, clerk):
    response = clerk.post(entry_url(report), typed(report, save="", evidence=SimpleUploadedFile("现场.pdf", PDF)))
    assert response.status_code == 302 and response.url == entry_url(report)
    stored = ProgressReport.objects.get(pk=report.pk)
    assert (stored.percent, stored.work_done, stored.problems, stored.next_plan, stored.state) == (
        45, "完成管网改造 3.2 公里", "资金未到位", "四季度完成验收", "draft")
    assert stored.evidence.get().name == "现场.pdf"
    page = clerk.get(response.url).content.decode()
    assert "草稿已保存，已附加“现场.pdf”" in page and "完成管网改造 3.2 公里" in page


def test_without_script_removing_saves_the_draft_with_what_was_typed(report, clerk, client_for):
    in_place(clerk, upload(report), {"evidence": SimpleUploadedFile("一.pdf", PDF)})
    evidence = Evidence.objects.get()
    response = clerk.post(entry_url(report), typed(report, remove_evidence=str(evidence.pk)))
    assert response.status_code == 302 and response.url == entry_url(report)
    stored = ProgressReport.objects.get(pk=report.pk)
    assert stored.work_done == "完成管网改造 3.2 公里" and not stored.evidence.exists()
    assert "草稿已保存，已移除“一.pdf”" in clerk.get(response.url).content.decode()
    entry = AuditEntry.objects.filter(route="tasks:progress_entry").latest("pk")
    assert entry.action == "保存进展草稿并移除佐证材料"


def test_without_script_another_entrys_file_is_not_removed(report, clerk):
    other = progress_open(item=TaskNode.objects.exclude(pk=report.item_id).filter(
        plan=report.item.plan, assignments__department=report.department, assignments__role="lead").first(),
        department=report.department, quarter=Q3)
    clerk.post(upload(other), {"file": SimpleUploadedFile("别处.pdf", PDF)})
    theirs = Evidence.objects.get(report=other)
    for value in (str(theirs.pk), "x"):
        response = clerk.post(entry_url(report), typed(report, remove_evidence=value))
        assert response.status_code == 404
    assert Evidence.objects.filter(pk=theirs.pk).exists()
    assert ProgressReport.objects.get(pk=report.pk).work_done == ""  # nothing saved either


def test_the_entry_page_wires_evidence_in_place(report, clerk):
    page = clerk.get(entry_url(report)).content.decode()
    assert 'data-warn-unsaved=""' in page and "vendor/htmx/htmx.min.js" in page
    assert f'hx-post="{upload(report)}"' in page and 'hx-params="csrfmiddlewaretoken,evidence"' in page
    assert 'form="entry-form"' in page  # without script the same buttons post the entry form
    # A page answering a refused save holds what was typed, unsaved: leaving it warns at once.
    refused = clerk.post(entry_url(report), typed(report, percent="150", save="")).content.decode()
    assert 'data-warn-unsaved="posted"' in refused


def test_a_hostile_file_name_is_text_in_place(report, clerk):
    name = '<img src=x onerror="alert(1)">.pdf'
    page = in_place(clerk, upload(report), {"evidence": SimpleUploadedFile(name, PDF)})
    assert "<img" not in page and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;.pdf" in page
