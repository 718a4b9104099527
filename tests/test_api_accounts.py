"""The administrator's pages for system accounts and their API tokens: made through the pages,
the token works on /api/v1/, is shown once and never kept; revoking it or disabling the
account stops it at once; nobody else reaches the pages; a system account never signs in."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEntry
from org.models import ApiToken, Notification, User
from org.scoping import reporters_of, reviewers_of
from org.services.tokens import token_create
from tests.api_support import ApiClient, system_account
from tests.conftest import PASSWORD

TOKEN = re.compile(r"jsd_[a-z2-7]{10}_[A-Za-z0-9_-]{43}")


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture
def admin_client(administrator, client_for):
    return client_for(administrator)


def create_account(client, world, **changes):
    data = {"username": "wulong_ledger", "display_name": "武隆区水利局台账系统", "role": "reporter",
            "department": world.water_bureau.pk, **changes}
    return client.post(reverse("org:api_account_create"), data)


def create_token(client, account, **changes):
    data = {"name": "台账系统正式环境", "validity": "90d", **changes}
    return client.post(reverse("org:api_token_create", args=[account.pk]), data)


def made_token(response):
    found = TOKEN.findall(response.text)
    assert len(set(found)) == 1, found
    return found[0]


def test_admin_makes_an_account_and_a_token_that_works_once_shown(world, admin_client):
    response = create_account(admin_client, world)
    account = User.objects.get(username="wulong_ledger")
    assert response.status_code == 302 and response.url == reverse("org:api_token_create", args=[account.pk])
    assert account.is_system and not account.has_usable_password() and account.role == User.Role.REPORTER
    assert account.department == world.water_bureau

    form = admin_client.get(reverse("org:api_token_create", args=[account.pk]))
    assert "用途" in form.text and "有效期" in form.text and 'value="90d"' in form.text

    shown = create_token(admin_client, account)
    assert shown.status_code == 200
    assert "no-store" in shown["Cache-Control"]
    assert "不会再次显示" in shown.text
    token = made_token(shown)
    row = ApiToken.objects.get(account=account)
    assert row.name == "台账系统正式环境" and not row.read_only and row.created_by.username == "administrator"
    assert token not in row.digest and token.split("_", 2)[2] not in str(row.__dict__)

    me = ApiClient(token).get("/api/v1/me")
    assert me.status_code == 200 and me.json()["username"] == "wulong_ledger"

    listed = admin_client.get(reverse("org:api_accounts"))
    assert listed.status_code == 200
    assert token not in listed.text and not TOKEN.search(listed.text)
    assert f"jsd_{row.prefix}_…" in listed.text
    assert "武隆区水利局台账系统" in listed.text and "部门系统" in listed.text and "可读写" in listed.text
    assert "有效" in listed.text and "127.0.0.1" in listed.text  # last used, from where

    # The audit log has the two steps, as successes, and the token nowhere.
    entries = AuditEntry.objects.filter(route__startswith="org:api_").order_by("pk")
    assert [(e.route, e.outcome) for e in entries] == [
        ("org:api_account_create", AuditEntry.Outcome.SUCCESS), ("org:api_token_create", AuditEntry.Outcome.SUCCESS)
    ]
    assert [e.action for e in entries] == ["创建系统账号", "生成接口令牌"]
    for entry in AuditEntry.objects.all():
        assert token not in str(entry.__dict__) and token.split("_", 2)[2] not in str(entry.__dict__)
    # Nor in a message kept for the next page.
    assert token not in admin_client.get(reverse("org:api_accounts")).text


def test_revoking_a_token_refuses_it_at_once_and_keeps_the_row(world, administrator, admin_client):
    account = system_account(world.water_bureau)
    row, token = token_create(account=account, name="计量系统")
    client = ApiClient(token)
    assert client.get("/api/v1/me").status_code == 200

    confirm = admin_client.get(reverse("org:api_token_revoke", args=[row.pk]))
    assert confirm.status_code == 200 and f"jsd_{row.prefix}_…" in confirm.text and "计量系统" in confirm.text
    row.refresh_from_db()
    assert row.revoked_at is None  # no write on GET

    done = admin_client.post(reverse("org:api_token_revoke", args=[row.pk]))
    assert done.status_code == 302
    assert client.get("/api/v1/me").status_code == 401
    row.refresh_from_db()
    assert row.revoked_at is not None and row.revoked_by == administrator
    listed = admin_client.get(reverse("org:api_accounts"))
    assert "已吊销" in listed.text and "administrator" in listed.text
    entry = AuditEntry.objects.get(route="org:api_token_revoke")
    assert entry.action == "吊销接口令牌" and entry.outcome == AuditEntry.Outcome.SUCCESS
    assert row.prefix in entry.object_repr and token not in str(entry.__dict__)


def test_disabling_the_account_stops_its_tokens_and_enabling_brings_them_back(world, admin_client):
    account = system_account(world.water_bureau)
    _row, token = token_create(account=account, name="台账")
    client = ApiClient(token)
    url = reverse("org:api_account_active", args=[account.pk])
    assert "停用" in admin_client.get(url).text
    assert admin_client.post(url, {"active": "0"}).status_code == 302
    account.refresh_from_db()
    assert not account.is_active
    assert client.get("/api/v1/me").status_code == 401
    assert "账号已停用" in admin_client.get(reverse("org:api_accounts")).text
    assert admin_client.post(url, {"active": "1"}).status_code == 302
    assert client.get("/api/v1/me").status_code == 200
    assert list(AuditEntry.objects.filter(route="org:api_account_active").order_by("pk")
                .values_list("action", flat=True)) == ["停用系统账号", "重新启用系统账号"]


def test_a_city_systems_token_is_read_only_unless_it_is_the_statistics_bureaus(world, admin_client):
    account = system_account(world.city_bureau, User.Role.SUPERVISOR)
    form = admin_client.get(reverse("org:api_token_create", args=[account.pk]))
    assert "仅统计部门的系统取消勾选" in form.text
    assert form.context["form"]["read_only"].value() is True  # ticked unless the administrator unticks it
    token = made_token(create_token(admin_client, account, read_only=""))
    assert not ApiToken.objects.get(account=account).read_only
    # Its one write is the statistics bureau's figures of its counties (tests/test_api_writes.py):
    # a department's entries stay refused, in words.
    refused = ApiClient(token).post(reverse("api:progress_write"),
                                    {"quarter": "2026Q4", "entries": [{"item": 1, "version": None}]})
    assert refused.status_code == 403 and "部门" in refused.json()["detail"]


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"username": ""}, "username", "这个字段是必填项"),
    ({"username": "有 空格"}, "username", "用户名"),
    ({"role": "reviewer", "department": "city"}, "department", "区县"),
    ({"role": "supervisor"}, "department", "市"),
    ({"role": "admin"}, "role", "选择一个有效的选项"),
])
def test_account_form_says_what_is_wrong_at_the_field(world, admin_client, changes, field, message):
    if changes.get("department") == "city":
        changes["department"] = world.city_bureau.pk
    response = create_account(admin_client, world, **changes)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert not User.objects.filter(is_system=True).exists()


def test_a_taken_username_is_said_at_the_field(world, admin_client, reporter):
    response = create_account(admin_client, world, username="reporter")
    assert "已存在" in " ".join(response.context["form"].errors["username"])


@pytest.mark.parametrize(("validity", "message"), [("abc", "90d"), ("0d", "1"), ("5y", "1095")])
def test_token_validity_is_checked(world, admin_client, validity, message):
    account = system_account(world.water_bureau)
    response = create_token(admin_client, account, validity=validity)
    assert response.status_code == 200 and not TOKEN.search(response.text)
    assert message in " ".join(response.context["form"].errors["validity"])
    assert not ApiToken.objects.exists()


def test_typed_validity(world, admin_client):
    account = system_account(world.water_bureau)
    create_token(admin_client, account, validity="1y")
    row = ApiToken.objects.get()
    assert (row.expires_at - row.created_at).days in (364, 365)


def test_nobody_else_reaches_the_pages(world, reporter, reviewer, supervisor, outsider, client_for):
    account = system_account(world.water_bureau)
    row, _token = token_create(account=account, name="台账")
    urls = [reverse("org:api_accounts"), reverse("org:api_account_create"),
            reverse("org:api_token_create", args=[account.pk]), reverse("org:api_token_revoke", args=[row.pk]),
            reverse("org:api_account_active", args=[account.pk])]
    for user in (reporter, reviewer, supervisor, outsider):
        client = client_for(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
            if url != urls[0]:  # the list takes no POST (405)
                assert client.post(url, {"username": "x", "name": "x", "validity": "90d"}).status_code == 404
    row.refresh_from_db()
    account.refresh_from_db()
    assert row.revoked_at is None and account.is_active and ApiToken.objects.count() == 1


def test_list_filters_by_region_and_has_an_empty_state(world, admin_client):
    empty = admin_client.get(reverse("org:api_accounts"))
    assert "还没有系统账号" in empty.text
    system_account(world.water_bureau, username="wulong_sys")
    system_account(world.other_water_bureau, username="qianjiang_sys")
    both = admin_client.get(reverse("org:api_accounts"))
    assert "wulong_sys" in both.text and "qianjiang_sys" in both.text and "尚无令牌" in both.text
    one = admin_client.get(reverse("org:api_accounts"), {"region": world.district.code})
    assert "wulong_sys" in one.text and "qianjiang_sys" not in one.text
    city = admin_client.get(reverse("org:api_accounts"), {"region": world.city.code})  # and the regions below
    assert "wulong_sys" in city.text and "qianjiang_sys" in city.text


def test_a_system_account_cannot_sign_in_even_with_a_password(world):
    account = system_account(world.water_bureau)
    client = Client()
    refused = client.post(reverse("login"), {"username": account.username, "password": "anything"})
    assert refused.status_code == 200 and "用户名或密码不正确" in refused.text
    account.set_password(PASSWORD)  # given one behind the pages' back
    account.save()
    refused = client.post(reverse("login"), {"username": account.username, "password": PASSWORD})
    assert refused.status_code == 200 and "用户名或密码不正确" in refused.text
    assert "_auth_user_id" not in client.session


def test_the_admin_site_gives_a_system_account_no_password(world, administrator, admin_client):
    account = system_account(world.water_bureau)
    response = admin_client.post(reverse("admin:auth_user_password_change", args=[account.pk]),
                                 {"password1": "Jieshui-2026-x", "password2": "Jieshui-2026-x",
                                  "usable_password": "true"})
    assert response.status_code == 302
    account.refresh_from_db()
    assert not account.has_usable_password()


def test_system_accounts_are_not_told_of_work(world, reviewer, reporter):
    district_system = system_account(world.water_bureau, User.Role.REVIEWER)
    department_system = system_account(world.urban_bureau, User.Role.REPORTER)
    assert district_system not in reviewers_of(world.district) and reviewer in reviewers_of(world.district)
    assert department_system not in reporters_of(world.urban_bureau)
    assert reporter in reporters_of(world.urban_bureau)
    assert not Notification.objects.filter(user__is_system=True).exists()


def test_the_admin_menu_links_the_pages(world, admin_client, client_for, reviewer):
    home = admin_client.get(reverse("home")).text
    assert reverse("org:api_accounts") in home and "/api/v1/docs" in home
    assert "系统账号与接口令牌" in home and "接口文档" in home
    assert reverse("org:api_accounts") not in client_for(reviewer).get(reverse("home")).text
