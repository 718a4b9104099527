"""Sign-in, sign-out, password change and login throttling."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


def post_login(client, username, password, ip="10.0.0.8"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail(username, times, ip="10.0.0.8"):
    """``times`` failed sign-ins; the status codes of the answers."""
    return [post_login(Client(), username, "wrong", ip).status_code for _ in range(times)]


def test_login_page_is_chinese(db):
    page = Client().get(reverse("login"))
    assert page.status_code == 200
    assert "登录" in page.text and "用户名" in page.text and "密码" in page.text
    assert 'lang="zh-hans"' in page.text


def test_successful_login_lands_on_home(reviewer):
    client = Client()
    response = post_login(client, "reviewer", PASSWORD)
    assert response.status_code == 302 and response.url == reverse("home")
    home = client.get(reverse("home"))
    assert "武隆区" in home.text and "重庆市武隆区水利局" in home.text and "审核员" in home.text


@pytest.mark.parametrize(("username", "password"), [("reviewer", "wrong"), ("nobody", PASSWORD)])
def test_wrong_credentials_give_one_chinese_message(reviewer, username, password):
    response = post_login(Client(), username, password)
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.text
    assert "reviewer" not in response.text.split("用户名或密码不正确")[1][:80]


def test_repeated_failures_lock_the_username_and_ip(reviewer, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "reviewer", "wrong")
    locked = post_login(client, "reviewer", PASSWORD)
    assert locked.status_code == 429
    assert "锁定" in locked.text and "30 分钟后重试" in locked.text
    assert AccessAttempt.objects.filter(username="reviewer", ip_address="10.0.0.8").exists()
    # Another computer is not locked out by someone else's failures.
    other = Client().post(reverse("login"), {"username": "reviewer", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


def test_other_accounts_on_the_locked_computer_still_sign_in(reviewer, reporter, settings):
    fail("reviewer", settings.AXES_FAILURE_LIMIT)
    assert post_login(Client(), "reviewer", PASSWORD).status_code == 429
    assert post_login(Client(), "reporter", PASSWORD).status_code == 302


def test_the_lock_ends_a_cool_off_after_the_last_attempt(reviewer, settings):
    cool_off = timedelta(hours=settings.AXES_COOLOFF_TIME)
    assert cool_off == timedelta(minutes=30)  # AXES_COOLOFF_MINUTES' default, as the lockout page says
    minute = timedelta(minutes=1)
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as clock:
        fail("reviewer", settings.AXES_FAILURE_LIMIT)
        clock.shift(cool_off - minute)
        assert post_login(Client(), "reviewer", PASSWORD).status_code == 429
        # That try counts as a failure too: the cool-off starts again from it.
        clock.shift(cool_off - minute)
        assert post_login(Client(), "reviewer", PASSWORD).status_code == 429
        clock.shift(cool_off + minute)
        assert post_login(Client(), "reviewer", PASSWORD).status_code == 302


def test_a_successful_sign_in_forgets_the_failures(reviewer, settings):
    limit = settings.AXES_FAILURE_LIMIT
    assert fail("reviewer", limit - 1) == [200] * (limit - 1)
    assert post_login(Client(), "reviewer", PASSWORD).status_code == 302
    # Counted together with the earlier ones these would pass the limit; they are not.
    assert fail("reviewer", limit - 1) == [200] * (limit - 1)
    assert fail("reviewer", 1) == [429]  # the limit-th failure since the success
    assert post_login(Client(), "reviewer", PASSWORD).status_code == 429


def test_logout_needs_post(reviewer, client_for):
    client = client_for(reviewer)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_password_change(reviewer, client_for):
    client = client_for(reviewer)
    assert "修改密码" in client.get(reverse("password_change")).text
    bad = client.post(reverse("password_change"), {"old_password": "nope", "new_password1": "x", "new_password2": "y"})
    assert bad.status_code == 200 and "旧密码" in bad.text
    new = "Shui-jie-2027-quarter"
    done = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert done.status_code == 302 and done.url == reverse("password_change_done")
    reviewer.refresh_from_db()
    assert reviewer.check_password(new)


def test_anonymous_is_sent_to_login(db):
    response = Client().get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_language_switch_to_english(reviewer, client_for):
    client = client_for(reviewer)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Sign out" in client.get(reverse("home")).text
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "退出登录" in client.get(reverse("home")).text
