"""A real browser signs in as a demo user and sees the home page.

Uses Debian's Chromium through Playwright (never a browser Playwright downloads).
"""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
pytestmark = [pytest.mark.browser]

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the
# fixtures below happen before any page is driven, so the guard can safely be lifted.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; `make test` installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (install Debian's chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN"}


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", password="browser-test-pw", stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.mark.parametrize(
    ("username", "region", "role"),
    [("wulong_cgj", "武隆区", "填报员"), ("qianjiang_reviewer", "黔江区", "审核员"), ("cq_city", "重庆市", "市级督导")],
)
def test_demo_user_signs_in_and_sees_home(demo, live_server, page, username, region, role):
    page.goto(live_server.url + "/")
    assert "/accounts/login/" in page.url
    assert page.locator("h1").inner_text() == "登录"
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "browser-test-pw")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    assert region in page.get_by_test_id("home-region").inner_text()
    assert page.get_by_test_id("home-role").inner_text() == role
    # Static assets come from the project itself.
    assert page.evaluate("getComputedStyle(document.body).display") == "flex"


def test_wrong_password_shows_chinese_error(demo, live_server, page):
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", "wulong_cgj")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    assert "用户名或密码不正确" in page.content()
