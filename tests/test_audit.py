"""The audit log: every route that accepts POST has a label; real actions of every app,
done through the test client, leave exactly one entry saying who, when, from where, what
and how it ended; reads leave none; commands leave one each; the log page shows each
reader what their scope allows."""

import hashlib
import io
import json
import os
import re
import socket
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import DatabaseError
from django.test import Client, override_settings
from django.urls import reverse

from core.audit import ACTIONS, action_for, declared_actions
from core.models import AuditEntry
from demo.tables import build_bytes
from tasks.models import Plan, ProgressReport, TaskNode
from tasks.services import progress_save
from tasks.views import progress as progress_views
from tests.conftest import PASSWORD
from tests.helpers import new_plan
from tests.test_progress import fill
from tests.test_route_matrix import (
    ROUTES,
    a_data_report,
    a_node,
    a_plan,
    a_report,
    a_water_user,
    adopted_standard,  # noqa: F401 (a fixture: the one-indicator standard a_data_report needs)
    is_admin,
    sample_url,
)

MOMENT = datetime(2026, 3, 10, 9, 30, 15, tzinfo=ZoneInfo("Asia/Shanghai"))
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
TABLE = {
    "label": "附件", "title": "审计测试任务分解表", "sheet": "附件",
    "header": ["事项", "主要内容", "主要任务", "责任单位"], "header_merges": [],
    "rows": [["一、节水型机关建设", "1. 建成节水型机关", "年底前建成节水型机关2家", "区水利局"]],
}
ROOT = Path(__file__).resolve().parents[1]


def done(do, **request):
    """(entries, response): run ``do(**request)`` at a frozen moment; the entries it
    left, oldest first."""
    last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with time_machine.travel(MOMENT, tick=False):
        response = do(**request)
    return list(AuditEntry.objects.filter(pk__gt=last).order_by("pk")), response


def the_entry(do, **request):
    """The one entry ``do`` left, and the response."""
    entries, response = done(do, **request)
    assert len(entries) == 1, [(e.route, e.status) for e in entries]
    return entries[0], response


def check(entry, *, user, route, action, outcome, status, target=None, region=None, ip="127.0.0.1", **more):
    assert entry.at == MOMENT
    assert (entry.user, entry.username) == (user, user.username if user else more.pop("username", ""))
    assert entry.region == region
    assert entry.ip == ip and entry.origin == ""
    assert (entry.route, entry.action, entry.outcome, entry.status) == (route, action, outcome, status)
    assert entry.method == "POST" and entry.path.startswith("/")
    if target is not None:
        assert entry.target == target
    for name, value in more.items():
        assert getattr(entry, name) == value, name


# --- every route that accepts POST has a label --------------------------------------------


def named_routes():
    # Unnamed patterns only redirect (the admin's "<id>/" to its change page, its
    # catch-all to a slash or a 404) and are recorded under an "unlisted" label.
    return [(name, pattern) for name, pattern in ROUTES if name is not None]


def accepts_post(client, pattern):
    """An anonymous POST is refused with 405 before anything else by a view that never
    takes one (the portal's views put require_safe before login_required); the admin site,
    and Django's own password-change pages, send the visitor to sign in first, so they
    are taken as accepting POST and labelled."""
    return is_admin(pattern) or client.post(sample_url(pattern)).status_code != 405


def test_every_route_that_accepts_post_has_a_label(db):
    client = Client()
    posted = [name for name, pattern in named_routes() if accepts_post(client, pattern)]
    labelled = declared_actions()
    missing = [name for name in posted if name not in labelled]
    assert not missing, f"Give these routes' views an @audited label: {missing}"
    # Not vacuous: the portal's own forms and the admin site's model pages are among them.
    assert {"tasks:progress_review", "login", "logout", "reports:weights", "admin:org_user_change"} <= set(posted)
    assert len([name for name in posted if not name.startswith("admin:")]) > 50


def test_every_label_names_a_route_that_accepts_post(db):
    client = Client()
    routes = dict(named_routes())
    labelled = declared_actions()
    assert set(ACTIONS) <= set(routes), set(ACTIONS) - set(routes)
    assert len(labelled) > len(ACTIONS) + 50  # the views' own labels are found
    read_only = [name for name in labelled if not accepts_post(client, routes[name])]
    assert not read_only, f"These routes take no POST; remove their label: {read_only}"


def test_every_declared_action_reads_in_chinese():
    """The log shows the label the route declares: each one (and each button's variant, and
    each kind of admin page) has a translation, so no entry reads in English or in code."""
    from django.utils import translation

    from core.audit import ADMIN_KINDS

    actions = [*declared_actions().items(), *((f"admin kind {kind}", action) for kind, action in ADMIN_KINDS.items())]
    untranslated = []
    for route, action in actions:
        for label in [action.label, *(variant[2] for variant in action.variants)]:
            with translation.override("en"):
                msgid = str(label)
            with translation.override("zh-hans"):
                msgstr = str(label)
            if msgstr == msgid or not any("\u4e00" <= char <= "\u9fff" for char in msgstr):
                untranslated.append((route, msgid))
    assert not untranslated, f"Translate these audit labels (po_add): {untranslated}"
    assert len(actions) > 100


def test_a_route_without_a_label_is_caught():
    assert action_for("tasks:plan_detail") is None  # GET only: needs none
    assert action_for("admin:anything_made_up") is None
    assert action_for("admin:org_region_change").label  # by the admin route's kind
    assert action_for("tasks:progress_review", progress_views.review) is progress_views.review.audit_action


# --- real actions, one entry each -----------------------------------------------------------


@pytest.fixture
def submitted(world, reporter):
    report = a_report(world.district)
    # Submitted by a reporter: the reviewer may not approve what they submitted themselves.
    progress_save(report=fill(report), version=report.version, user=reporter, submit=True)
    return report


def review(client, report, **data):
    return client.post(reverse("tasks:progress_review", args=[report.pk]), {"version": report.version, **data})


def test_approve_progress(world, reviewer, submitted, client_for):
    entry, response = the_entry(review, client=client_for(reviewer), report=submitted)
    assert response.status_code == 302 and ProgressReport.objects.get(pk=submitted.pk).state == "approved"
    check(entry, user=reviewer, route="tasks:progress_review", action="审核通过进展", outcome="success", status=302,
          target={"pk": submitted.pk}, region=world.district, object_repr=str(submitted),
          path=reverse("tasks:progress_review", args=[submitted.pk]), files=[])


def test_return_progress(world, reviewer, submitted, client_for):
    entry, _ = the_entry(review, client=client_for(reviewer), report=submitted, action="return", comment="请补充佐证")
    check(entry, user=reviewer, route="tasks:progress_review", action="退回进展", outcome="success", status=302,
          region=world.district)


def test_a_refusal_the_view_explains_is_failed(world, reviewer, submitted, client_for):
    # Returning without the required comment: the view redirects with an error message.
    entry, response = the_entry(review, client=client_for(reviewer), report=submitted, action="return", comment="")
    assert response.status_code == 302 and ProgressReport.objects.get(pk=submitted.pk).state == "submitted"
    check(entry, user=reviewer, route="tasks:progress_review", action="退回进展", outcome="failed", status=302,
          region=world.district)


def test_an_outsider_is_recorded_as_failed_and_learns_nothing(world, outsider, submitted, client_for):
    entry, response = the_entry(review, client=client_for(outsider), report=submitted)
    assert response.status_code == 404
    check(entry, user=outsider, route="tasks:progress_review", action="审核通过进展", outcome="failed", status=404,
          target={"pk": submitted.pk}, region=world.other_district, object_repr="")


def test_anonymous_and_forged_posts_are_failed(world, submitted):
    entry, response = the_entry(review, client=Client(), report=submitted)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    check(entry, user=None, route="tasks:progress_review", action="审核通过进展", outcome="failed", status=302,
          object_repr="")
    entry, _ = the_entry(review, client=Client(enforce_csrf_checks=True), report=submitted)
    check(entry, user=None, route="tasks:progress_review", action="审核通过进展", outcome="failed", status=403)


def test_edit_a_plan_node_and_a_form_error_is_not_saved(world, reviewer, client_for):
    node = a_node(world.district)
    url = reverse("tasks:node_edit", args=[node.pk])
    client = client_for(reviewer)
    entry, response = the_entry(client.post, path=url, data={"number": "一、", "text": "", "version": node.version})
    assert response.status_code == 200
    check(entry, user=reviewer, route="tasks:node_edit", action="修改任务", outcome="unsaved", status=200,
          target={"pk": node.pk}, region=world.district, object_repr=str(node))
    data = {"number": "一、", "text": "改过的任务", "version": node.version}
    entry, response = the_entry(client.post, path=url, data=data)
    assert response.status_code == 302 and TaskNode.objects.get(pk=node.pk).text == "改过的任务"
    check(entry, user=reviewer, route="tasks:node_edit", action="修改任务", outcome="success", status=302,
          object_repr=str(node), region=world.district)  # the object as it was before the change


def test_save_a_data_report(world, reviewer, client_for):
    report = a_data_report(world.district)
    url = f"{reverse('indicators:data_entry')}?quarter=2023Q1"
    data = {"version": report.version, "value_ROUTE_A": "12.5", "save": "1"}
    entry, response = the_entry(client_for(reviewer).post, path=url, data=data)
    assert response.status_code == 302
    check(entry, user=reviewer, route="indicators:data_entry", action="保存基础数据草稿", outcome="success",
          status=302, target={}, region=world.district, path=reverse("indicators:data_entry"))  # no query
    entry, _ = the_entry(client_for(reviewer).post, path=url, data={**data, "version": report.version + 1,
                                                                      "submit": "1"})
    assert entry.action == "报送基础数据"


def test_import_a_task_table(world, reviewer, client_for):
    client = client_for(reviewer)
    content = build_bytes(TABLE)
    upload = SimpleUploadedFile("任务分解表.xlsx", content)
    data = {"file": upload, "region": world.district.pk, "title": "审计测试方案", "kind": "annual", "start_year": 2026}
    entry, response = the_entry(client.post, path=reverse("tasks:import_upload"), data=data)
    assert response.status_code == 302
    check(entry, user=reviewer, route="tasks:import_upload", action="上传任务分解表", outcome="success", status=302,
          region=world.district,
          files=[{"field": "file", "name": "任务分解表.xlsx", "size": len(content),
                  "sha256": hashlib.sha256(content).hexdigest()}])
    entry, confirmed = the_entry(client.post, path=response.url)
    assert confirmed.status_code == 302 and Plan.objects.filter(title="审计测试方案").exists()
    check(entry, user=reviewer, route="tasks:import_preview", action="导入任务分解表", outcome="success", status=302,
          region=world.district, files=[])


def test_upload_evidence(world, reviewer, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = a_report(world.district)
    url = reverse("tasks:evidence_upload", args=[report.pk])
    entry, _ = the_entry(client_for(reviewer).post, path=url, data={"file": SimpleUploadedFile("验收单.pdf", PDF)})
    assert report.evidence.count() == 1
    check(entry, user=reviewer, route="tasks:evidence_upload", action="上传进展佐证材料", outcome="success",
          status=302, region=world.district, object_repr=str(report),
          files=[{"field": "file", "name": "验收单.pdf", "size": len(PDF), "sha256": hashlib.sha256(PDF).hexdigest()}])
    # The same file refused (disguised): recorded as failed, with the file it was.
    entry, _ = the_entry(client_for(reviewer).post, path=url, data={"file": SimpleUploadedFile("照片.pdf", b"GIF89a")})
    assert entry.outcome == "failed" and entry.files[0]["name"] == "照片.pdf"


def test_change_scorecard_weights(world, reviewer, client_for):
    plan = a_plan(world.district)
    data = {"completeness": 25, "on_time": 15, "progress": 25, "indicators": 15, "carriers": 10, "returns": 5,
            "cooperation": 5, "green_from": 85, "amber_from": 60}
    url = reverse("reports:weights", args=[plan.pk])
    entry, response = the_entry(client_for(reviewer).post, path=url, data=data)
    assert response.status_code == 302
    check(entry, user=reviewer, route="reports:weights", action="修改评分权重", outcome="success", status=302,
          target={"pk": plan.pk}, object_repr=plan.title, region=world.district)
    entry, _ = the_entry(client_for(reviewer).post, path=url, data={**data, "completeness": 30})  # sums to 105
    assert (entry.outcome, entry.status) == ("unsaved", 200)


def test_request_a_quarterly_report(world, reviewer, client_for):
    data = {"region": world.district.code, "quarter": "2023Q1"}
    entry, response = the_entry(client_for(reviewer).post, path=reverse("reports:quarterly_build"), data=data)
    assert response.status_code == 302
    check(entry, user=reviewer, route="reports:quarterly_build", action="生成季度报告", outcome="success", status=302,
          region=world.district)


def test_create_a_carrier(world, reviewer, client_for):
    user = a_water_user(world.district)
    url = f"{reverse('carriers:carrier_create')}?region={world.district.code}"
    data = {"carrier_type": "community", "level": "county", "user": user.pk, "status": "creating"}
    entry, response = the_entry(client_for(reviewer).post, path=url, data=data)
    assert response.status_code == 302 and user.carriers.count() == 1
    check(entry, user=reviewer, route="carriers:carrier_create", action="新增节水载体", outcome="success",
          status=302, region=world.district)


def sign_in(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def test_sign_in_and_out(world, reviewer):
    client = Client()
    entry, response = the_entry(sign_in, client=client, username="reviewer", password="wrong-password",
                                REMOTE_ADDR="10.0.0.8")
    assert response.status_code == 200
    check(entry, user=None, username="reviewer", route="login", action="登录", outcome="failed", status=200,
          ip="10.0.0.8")  # the username typed is kept; the password never
    assert "wrong-password" not in json.dumps([entry.target, entry.files, entry.path, entry.object_repr])
    entry, response = the_entry(sign_in, client=client, username="reviewer", password=PASSWORD, REMOTE_ADDR="10.0.0.8")
    assert response.status_code == 302
    check(entry, user=reviewer, route="login", action="登录", outcome="success", status=302, ip="10.0.0.8",
          region=world.district)
    entry, response = the_entry(client.post, path=reverse("logout"))
    assert response.status_code == 302
    check(entry, user=reviewer, route="logout", action="退出登录", outcome="success", status=302, region=world.district)


def test_a_locked_out_sign_in_is_failed(world, reviewer, settings):
    settings.AXES_FAILURE_LIMIT = 1
    client = Client()
    sign_in(client, "reviewer", "wrong-password")
    entry, response = the_entry(sign_in, client=client, username="reviewer", password=PASSWORD)
    assert response.status_code == 429
    check(entry, user=None, username="reviewer", route="login", action="登录", outcome="failed", status=429)


def test_an_admin_change_and_delete(world, administrator, client_for):
    client = client_for(administrator)
    url = reverse("admin:org_region_change", args=[world.district.pk])
    data = {"code": "500156", "name": "武隆区（改）", "level": "county", "parent": world.city.pk}
    entry, response = the_entry(client.post, path=url, data=data)
    assert response.status_code == 302
    check(entry, user=administrator, route="admin:org_region_change", action="系统管理：修改行政区",
          outcome="success", status=302, target={"object_id": str(world.district.pk)}, object_repr="武隆区")
    plan = new_plan(world.district, title="待删除的方案")
    url = reverse("admin:tasks_plan_delete", args=[plan.pk])
    entry, response = the_entry(client.post, path=url, data={"post": "yes"})
    assert response.status_code == 302 and not Plan.objects.filter(pk=plan.pk).exists()
    assert (entry.action, entry.object_repr, entry.outcome) == ("系统管理：删除方案", "待删除的方案", "success")


def test_reads_leave_nothing(world, reviewer, administrator, submitted, client_for):
    pages = [reverse("home"), reverse("tasks:plan_detail", args=[submitted.item.plan_id]), submitted.get_absolute_url(),
             reverse("core:audit_log"), reverse("reports:summary")]
    entries, _ = done(lambda: [client_for(reviewer).get(page) for page in pages])
    entries_admin, _ = done(lambda: [client_for(administrator).get(reverse("admin:core_auditentry_changelist")),
                                     client_for(administrator).head(reverse("home"))])
    assert entries == entries_admin == []


# --- from where -------------------------------------------------------------------------------


def proxy_settings(count):
    """The client-address settings config/settings/base.py gives for AXES_PROXY_COUNT=count."""
    code = ("import json; from config.settings import base as b; print(json.dumps({name: getattr(b, name) for name in "
            "('AXES_IPWARE_PROXY_COUNT', 'AXES_IPWARE_META_PRECEDENCE_ORDER', 'IPWARE_STRICT')}))")
    env = {**os.environ, "AXES_PROXY_COUNT": str(count)}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_the_address_behind_a_proxy_is_the_one_axes_locks(world, reviewer, submitted, client_for):
    # Reached directly, a forged X-Forwarded-For changes nothing.
    forged = {"REMOTE_ADDR": "198.51.100.4", "HTTP_X_FORWARDED_FOR": "6.6.6.6"}
    entry, _ = the_entry(client_for(reviewer).post, path=reverse("tasks:progress_review", args=[submitted.pk]),
                         **forged)
    assert entry.ip == "198.51.100.4"
    # Behind one reverse proxy (nginx appends the address it was reached from), the
    # client is the header's last address, whatever the client wrote before it.
    behind = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.7"}
    with override_settings(**proxy_settings(1)):
        entry, _ = the_entry(client_for(reviewer).post, path=reverse("logout"), **behind)
        assert entry.ip == "203.0.113.7"
        entry, _ = the_entry(sign_in, client=Client(), username="reviewer", password="wrong-password", **behind)
    assert entry.ip == "203.0.113.7" == AccessAttempt.objects.get(username="reviewer").ip_address
    # Two proxies: the address the outer one wrote, second from the right.
    with override_settings(**proxy_settings(2)):
        entry, _ = the_entry(Client().post, path=reverse("logout"), REMOTE_ADDR="10.0.0.2",
                             HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9, 10.0.0.1")
    assert entry.ip == "203.0.113.9"


# --- a failed audit write ---------------------------------------------------------------------


def test_a_failed_audit_write_keeps_the_change_and_is_logged(world, reviewer, submitted, client_for, monkeypatch,
                                                             caplog):
    def broken(**fields):
        raise DatabaseError("disk full")

    monkeypatch.setattr(AuditEntry.objects, "create", broken)
    with caplog.at_level("ERROR", logger="core.audit"):
        response = review(client_for(reviewer), submitted)
    assert response.status_code == 302 and ProgressReport.objects.get(pk=submitted.pk).state == "approved"
    assert not AuditEntry.objects.exists()
    [logged] = [r for r in caplog.records if r.name == "core.audit"]
    assert logged.levelname == "ERROR" and "Audit entry NOT written" in logged.getMessage()
    assert "tasks:progress_review" in logged.getMessage() and "审核通过进展" in logged.getMessage()


# --- management commands ----------------------------------------------------------------------


def test_commands_leave_one_entry_each(world, tmp_path):
    path = tmp_path / "表.xlsx"
    path.write_bytes(build_bytes(TABLE))
    options = {"region": world.district.code, "plan": "命令行方案", "year": "2026", "stdout": io.StringIO()}
    entries, _ = done(lambda: call_command("import_tasks", str(path), dry_run=True, **options))
    entries += done(lambda: call_command("import_tasks", str(path), **options))[0]
    with pytest.raises(CommandError):
        done(lambda: call_command("import_tasks", str(path), **{**options, "region": "999999"}))
    entries.append(AuditEntry.objects.order_by("-pk").first())
    assert Plan.objects.filter(title="命令行方案").count() == 1
    assert [entry.outcome for entry in entries] == ["unsaved", "success", "failed"]
    for entry in entries:
        assert entry.at == MOMENT
        assert (entry.user, entry.username, entry.ip, entry.region) == (None, "", None, None)
        assert entry.origin == f"命令行 {socket.gethostname()}"
        assert (entry.route, entry.path, entry.action) == ("command:import_tasks", "manage.py import_tasks",
                                                           "命令行导入任务分解表")
    assert entries[1].target == {"file": str(path), "region": "500156", "plan": "命令行方案", "year": "2026"}
    assert entries[0].target["dry_run"] is True and entries[2].target["region"] == "999999"


# --- the log page -----------------------------------------------------------------------------


def entry(user, region, *, route="tasks:progress_review", action="审核通过进展", outcome="success", at=MOMENT, **more):
    more.setdefault("username", user.username if user else "")
    more.setdefault("path", "/")
    return AuditEntry.objects.create(user=user, region=region, route=route, action=action, outcome=outcome, at=at,
                                     **more)


@pytest.fixture
def log(world, reviewer, reporter, outsider, administrator):
    """Entries of both districts, an administrator's and a refused sign-in's."""
    return {
        "mine": entry(reviewer, world.district, object_repr="本区的进展"),
        "reporter": entry(reporter, world.district, route="tasks:progress_entry", action="保存进展草稿",
                          at=datetime(2026, 3, 1, 8, tzinfo=ZoneInfo("Asia/Shanghai"))),
        "theirs": entry(outsider, world.other_district, object_repr="外区的进展"),
        "admin": entry(administrator, None, route="admin:org_region_change", action="系统管理：修改行政区"),
        "anonymous": entry(None, None, route="login", action="登录", outcome="failed", username="nobody"),
    }


def shown(response):
    return {row.pk for row in response.context["rows"]}


def test_who_reads_which_entries(log, reviewer, outsider, administrator, reporter, supervisor, client_for):
    url = reverse("core:audit_log")
    everything = client_for(administrator).get(url, {"sign_ins": "on"})
    assert shown(everything) == {e.pk for e in log.values()}
    mine = client_for(reviewer).get(url)
    assert shown(mine) == {log["mine"].pk, log["reporter"].pk}
    page = mine.content.decode()
    assert "操作日志" in page and "审核通过进展" in page and "本区的进展" in page and "外区的进展" not in page
    assert shown(client_for(outsider).get(url)) == {log["theirs"].pk}
    for user in (reporter, supervisor):
        assert client_for(user).get(url).status_code == 404
    # The region filter is the administrator's: a reviewer cannot widen their scope with it.
    assert shown(client_for(reviewer).get(url, {"region": "500114"})) == {log["mine"].pk, log["reporter"].pk}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"user": "reporter"}, ["reporter"]),
        ({"region": "500114"}, ["theirs"]),
        ({"region": "500000"}, ["mine", "reporter", "theirs"]),  # the city: its districts
        ({"route": "tasks:progress_entry"}, ["reporter"]),
        ({"route": "admin:"}, ["admin"]),
        ({"outcome": "failed"}, []),  # the refused sign-in is a sign-in: left out unless asked for
        ({"outcome": "failed", "sign_ins": "on"}, ["anonymous"]),
        ({"route": "login"}, ["anonymous"]),  # asked for by name
        ({}, ["mine", "reporter", "theirs", "admin"]),
        ({"since": "2026-03-02"}, ["mine", "theirs", "admin"]),
        ({"since": "2026-03-02", "sign_ins": "on"}, ["mine", "theirs", "admin", "anonymous"]),
        ({"until": "2026-03-01"}, ["reporter"]),
        ({"since": "2026-03-10", "until": "2026-03-10", "route": "tasks:progress_review"}, ["mine", "theirs"]),
        ({"region": "999999"}, []),  # no such region: the form says so and nothing is shown
    ],
)
def test_filters(log, administrator, client_for, query, expected):
    response = client_for(administrator).get(reverse("core:audit_log"), query)
    assert shown(response) == {log[name].pk for name in expected}


def test_pages_of_fifty_newest_first_in_constant_queries(world, reviewer, client_for, django_assert_max_num_queries):
    client = client_for(reviewer)
    url = reverse("core:audit_log")
    shown_too = {"sign_ins": "on"}  # the 117 below are sign-ins: the filter keeps them from page to page
    for _ in range(3):
        entry(reviewer, world.district)
    client.get(url, shown_too)  # the session and the user, once
    with django_assert_max_num_queries(10) as few:
        client.get(url, shown_too)
    AuditEntry.objects.bulk_create([AuditEntry(user=reviewer, username="reviewer", region=world.district, path="/",
                                               route="login", action="登录", outcome="success") for _ in range(117)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        first = client.get(url, shown_too)
    newest = list(AuditEntry.objects.order_by("-pk").values_list("pk", flat=True))
    assert [row.pk for row in first.context["rows"]] == newest[:50] and first.context["newer"] is None
    second = client.get(url, {**shown_too, "before": first.context["older"]})
    assert [row.pk for row in second.context["rows"]] == newest[50:100]
    third = client.get(url, {**shown_too, "before": second.context["older"]})
    assert [row.pk for row in third.context["rows"]] == newest[100:] and third.context["older"] is None
    back = client.get(url, {**shown_too, "after": third.context["newer"]})
    assert [row.pk for row in back.context["rows"]] == newest[50:100]
    assert f"sign_ins=on&amp;before={first.context['older']}" in first.content.decode()
    assert f"sign_ins=on&amp;after={third.context['newer']}" in third.content.decode()
    # Without the filter the sign-ins are left out: the three actions fit one page.
    plain = client.get(url)
    assert len(plain.context["rows"]) == 3 and plain.context["older"] is None


def test_each_entry_reads_as_a_sentence_with_the_outcome_in_words(world, reviewer, administrator, client_for):
    reviewer.display_name = "王审核"
    reviewer.save()
    entry(reviewer, world.district, action="退回进展填报", object_repr="2026年第三季度 区城管局 事项甲", status=302)
    entry(reviewer, world.district, action="保存进展草稿", outcome="unsaved", status=200)
    entry(reviewer, world.district, action="修改评分权重", outcome="failed", status=403, method="POST",
          path="/reports/plans/9/weights/")
    entry(reviewer, world.district, action="导入任务分解表", outcome="failed", status=500)
    entry(None, None, route="command:load_demo", action="载入演示数据", outcome="failed", origin="命令行 host")
    page = client_for(reviewer).get(reverse("core:audit_log")).content.decode()
    sentences = page[page.index('data-testid="audit-entries"'):]
    assert "退回进展填报：<span" in sentences and "2026年第三季度 区城管局 事项甲" in sentences
    assert "王审核" in sentences  # the name, not the username
    for words in ("成功", "未保存", "被拒绝", "出错"):
        assert f"{words}</span>" in sentences, words
    # A district reviewer reads what was done, not the route or the status code: those stay in
    # the outcome's tooltip.
    shown_text = re.sub(r"<[^>]*>", " ", sentences)
    assert "/reports/plans/9/weights/" not in shown_text and "403" not in shown_text and "POST" not in shown_text
    assert 'title=" POST /reports/plans/9/weights/ · 403"' in sentences
    # An administrator has them in a column of their own, and the command's failure reads 出错.
    admin = client_for(administrator).get(reverse("core:audit_log")).content.decode()
    assert "POST /reports/plans/9/weights/</code> · 403" in admin
    assert "载入演示数据" in admin and "命令行 host" in admin


def test_the_admin_shows_the_log_read_only(log, administrator, client_for):
    client = client_for(administrator)
    assert client.get(reverse("admin:core_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:core_auditentry_add")).status_code == 403
    change = client.post(reverse("admin:core_auditentry_change", args=[log["mine"].pk]), {"action": "改掉"})
    assert change.status_code == 403
    assert AuditEntry.objects.get(pk=log["mine"].pk).action == "审核通过进展"
