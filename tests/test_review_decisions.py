"""Decisions are taken on what the reviewer saw: approve / return / bulk approve carry the
version shown; a changed entry is refused with its current content. An account does not
approve what it submitted unless its district allows it (本人审核). Pages that only show
an entry write nothing; the fill-many page refuses a stale row by name."""

# ruff: noqa: F811  (the fixtures of test_progress are imported and named as parameters)

import pytest
from django.urls import reverse

from core.periods import Quarter
from reports.report_workbook import report_data, self_review_text
from tasks.models import Assignment, ProgressReport, TaskNode
from tasks.services import progress_open, progress_save
from tests.test_progress import fill, item, plan, urban, user  # noqa: F401  (fixtures)

Q3 = Quarter(2019, 3)


def submitted(item, department, by="wulong_cgj", **values):
    report = progress_open(item=item, department=department, quarter=Q3)
    progress_save(report=fill(report, **values), version=report.version, user=user(by), submit=True)
    return report


def shown_version(page):
    return page.context["review_form"]["version"].value()


def test_a_stale_approval_is_refused_and_the_current_content_shown(item, urban, client_for):
    report = submitted(item, urban)
    reviewer = client_for(user("wulong_reviewer"))
    page = reviewer.get(report.get_absolute_url())
    version = shown_version(page)
    assert f'name="version" value="{version}"' in page.content.decode()
    # Meanwhile the entry is returned by another reviewer's page and resubmitted with new words.
    other = client_for(user("admin"))
    other.post(reverse("tasks:progress_review", args=[report.pk]),
               {"action": "return", "comment": "补充", "version": version})
    report.refresh_from_db()
    progress_save(report=fill(report, work_done="改写后的内容"), version=report.version, user=user("wulong_cgj"),
                  submit=True)
    response = reviewer.post(reverse("tasks:progress_review", args=[report.pk]),
                             {"action": "approve", "version": version}, follow=True)
    report.refresh_from_db()
    assert report.state == "submitted" and report.reviewed_by == user("admin")
    html = response.content.decode()
    assert "改写后的内容" in html and "未作决定" in html  # the record as it is now, with why
    # Seen now, it can be approved.
    reviewer.post(reverse("tasks:progress_review", args=[report.pk]),
                  {"action": "approve", "version": shown_version(reviewer.get(report.get_absolute_url()))})
    report.refresh_from_db()
    assert report.state == "approved"


def test_a_stale_return_and_a_decision_without_version_are_refused(item, urban, client_for):
    report = submitted(item, urban)
    reviewer = client_for(user("wulong_reviewer"))
    url = reverse("tasks:progress_review", args=[report.pk])
    reviewer.post(url, {"action": "return", "comment": "缺佐证", "version": report.version - 1})
    reviewer.post(url, {"action": "approve"})
    assert ProgressReport.objects.get(pk=report.pk).state == "submitted"


def test_bulk_approval_approves_what_was_seen_and_names_the_rest(plan, urban, client_for):
    first, second = TaskNode.objects.filter(plan=plan, assignments__department=urban,
                                            assignments__role="lead")[:2]
    seen, changed = submitted(first, urban), submitted(second, urban)
    reviewer = client_for(user("wulong_reviewer"))
    inbox = reviewer.get(reverse("tasks:review_inbox"), {"quarter": "2019Q3"}).content.decode()
    assert f'value="{changed.pk}:{changed.version}"' in inbox
    stale = changed.version
    client_for(user("admin")).post(reverse("tasks:progress_review", args=[changed.pk]),
                                   {"action": "return", "comment": "补充", "version": stale})
    changed.refresh_from_db()
    progress_save(report=fill(changed), version=changed.version, user=user("wulong_cgj"), submit=True)
    response = reviewer.post(reverse("tasks:progress_bulk_approve"),
                             {"report": [f"{seen.pk}:{seen.version}", f"{changed.pk}:{stale}"]}, follow=True)
    assert ProgressReport.objects.get(pk=seen.pk).state == "approved"
    assert ProgressReport.objects.get(pk=changed.pk).state == "submitted"
    html = response.content.decode()
    assert second.label[:20] in html and "区城管局" in html


def test_an_account_does_not_approve_what_it_submitted_unless_the_district_allows_it(item, urban, client_for):
    reviewer = user("wulong_reviewer")
    report = submitted(item, urban, by="wulong_reviewer")
    client = client_for(reviewer)
    url = reverse("tasks:progress_review", args=[report.pk])
    # The page says so before the reviewer decides.
    assert "须由其他审核员审核通过" in client.get(report.get_absolute_url()).content.decode()
    other_reviewer = client_for(user("admin")).get(report.get_absolute_url()).content.decode()
    assert 'data-testid="own-submission"' not in other_reviewer
    client.post(url, {"action": "approve", "version": report.version})
    assert ProgressReport.objects.get(pk=report.pk).state == "submitted"
    # Another reviewer (an administrator) may.
    region = report.item.plan.region
    setting = reverse("org:region_self_review", args=[region.code])
    assert client_for(user("wulong_cgj")).post(setting, {"allow_self_review": "on"}).status_code == 404
    client.post(setting, {"allow_self_review": "on"})
    region.refresh_from_db()
    assert region.allow_self_review
    assert "通过后将注明“本人审核”" in client.get(report.get_absolute_url()).content.decode()
    client.post(url, {"action": "approve", "version": report.version})
    report.refresh_from_db()
    assert report.state == "approved" and report.self_reviewed and report.reviewed_by == reviewer
    page = client.get(report.get_absolute_url()).content.decode()
    assert "本人审核" in page and "→ 是" in page and "True" not in page  # the history says it in words
    data = report_data(region, Q3)
    assert data.totals["self_reviewed"] == 1 and "本人审核" in self_review_text(data.totals)


def test_the_setting_does_not_help_where_the_district_has_another_reviewer(item, urban, regions):
    from core.workflow import TransitionRefused
    from org.models import User
    from tasks.services import progress_approve

    region = regions["wulong"]
    region.allow_self_review = True
    region.save()
    report = submitted(item, urban, by="wulong_reviewer")
    User.objects.create_user("wulong_reviewer2", role="reviewer", department=user("wulong_reviewer").department)
    with pytest.raises(TransitionRefused):
        progress_approve(report=report, user=user("wulong_reviewer"), version=report.version)


def test_the_fill_many_page_refuses_a_row_submitted_meanwhile_by_name(plan, urban, client_for):
    from tests.test_progress import batch_data

    client = client_for(user("wulong_cgj"))
    url = reverse("tasks:progress_batch") + "?quarter=2019Q3"
    page = client.get(url)
    first, second = (form.instance.item for form in page.context["forms"][:2])
    submitted(first, urban)  # from another tab
    edits = {0: {"work_done": "批量第一项"}, 1: {"work_done": "批量第二项"}}
    response = client.post(url, {**batch_data(page, edits), "save": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert first.label[:20] in html and "批量第二项" in html  # named; the other row keeps its text
    assert not ProgressReport.objects.filter(item=second).exists()  # nothing saved
    # Posted again (the stale row is left out), the other rows are saved.
    again = dict(batch_data(page, edits))
    again["item"] = [i for i in again["item"] if i != first.pk]
    assert client.post(url, {**again, "save": "1"}).status_code == 302
    assert ProgressReport.objects.get(item=second).work_done == "批量第二项"


@pytest.mark.parametrize("quarter", ["1900Q1", "2099Q4", "2020Q1"])
def test_contributions_only_for_the_plan_quarters(plan, urban, client_for, quarter):
    from org.models import User

    cooperation = Assignment.objects.filter(node__plan=plan, role="cooperating").select_related("department").first()
    clerk = User.objects.create_user("cooperating_clerk", role="reporter", department=cooperation.department)
    url = reverse("tasks:progress_contribution", args=[cooperation.node_id, quarter])
    assert client_for(clerk).get(url).status_code == 404
    assert client_for(clerk).post(url, {"note": "配合"}).status_code == 404
    assert client_for(clerk).get(reverse("tasks:progress_contribution",
                                         args=[cooperation.node_id, "2019Q4"])).status_code == 200


def test_showing_entries_and_templates_writes_nothing(plan, item, urban, client_for):
    from indicators.models import DataReport

    client = client_for(user("wulong_cgj"))
    before = (ProgressReport.objects.count(), DataReport.objects.count())
    for url in [reverse("tasks:progress_entry", args=[item.pk, "2019Q3"]),
                reverse("tasks:progress_batch") + "?quarter=2019Q3",
                reverse("tasks:progress_template") + "?quarter=2019Q3",
                reverse("indicators:data_entry") + "?quarter=2019Q3",
                reverse("indicators:data_template") + "?quarter=2019Q3",
                reverse("indicators:data_upload") + "?quarter=2019Q3"]:
        assert client.get(url).status_code in (200, 404), url
    assert (ProgressReport.objects.count(), DataReport.objects.count()) == before


def test_evidence_with_the_first_save_keeps_what_was_typed(item, urban, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(user("wulong_cgj"))
    url = reverse("tasks:progress_entry", args=[item.pk, "2019Q3"])
    data = {"status": "in_progress", "percent": 30, "work_done": "附验收单", "problems": "", "next_plan": "",
            "version": 1, "save": "1"}
    bad = client.post(url, {**data, "evidence": SimpleUploadedFile("a.pdf", b"not a pdf")})
    assert bad.status_code == 200 and "附验收单" in bad.content.decode()
    assert not ProgressReport.objects.filter(item=item).exists()
    good = client.post(url, {**data, "evidence": SimpleUploadedFile("a.pdf", b"%PDF-1.4 ok")})
    assert good.status_code == 302
    report = ProgressReport.objects.get(item=item)
    assert report.work_done == "附验收单" and report.evidence.get().name == "a.pdf"


def test_a_plan_outside_the_quarter_has_no_entry(item, client_for):
    client = client_for(user("wulong_cgj"))
    assert client.get(reverse("tasks:progress_entry", args=[item.pk, "2099Q4"])).status_code == 404
