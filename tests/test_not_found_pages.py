"""A page an account may not see, or that does not exist, answers with the portal's own
Chinese 404 page whether DEBUG is on (``make run``) or off; never Django's technical page
with its list of every URL pattern. And the portal speaks Chinese to an English browser
until the user picks English in the footer."""

import pytest
from django.urls import reverse

FRIENDLY = "无权访问或不存在"
EXPLANATION = "该页面不存在，或不在您的账号可查看的行政区和部门范围内。"
URL_LIST = "Using the URLconf"


def assert_friendly_404(response):
    assert response.status_code == 404
    body = response.content.decode()
    assert FRIENDLY in body
    assert EXPLANATION in body
    assert URL_LIST not in body
    assert "Page not found" not in body
    assert "DEBUG = True" not in body


@pytest.mark.parametrize("debug", [True, False], ids=["debug_on", "debug_off"])
def test_another_districts_region_is_the_friendly_page(world, reporter, client_for, settings, debug):
    settings.DEBUG = debug
    client = client_for(reporter)
    # The reporter's own district opens: the 404 below is the scoping's, not a broken page.
    assert client.get(reverse("org:region_detail", args=[world.district.code])).status_code == 200

    response = client.get(reverse("org:region_detail", args=[world.other_district.code]))

    assert_friendly_404(response)
    assert world.other_district.name not in response.content.decode()


@pytest.mark.parametrize("debug", [True, False], ids=["debug_on", "debug_off"])
def test_an_unknown_url_is_the_friendly_page(world, reporter, client_for, settings, debug):
    settings.DEBUG = debug

    response = client_for(reporter).get("/no-such-page/at-all/")

    assert_friendly_404(response)
    # None of the portal's URL patterns is named to the visitor.
    body = response.content.decode()
    assert "str:code" not in body
    assert "int:pk" not in body


def test_an_unknown_url_for_someone_not_signed_in_is_the_friendly_page(db, client, settings):
    settings.DEBUG = True

    response = client.get("/no-such-page/")

    assert_friendly_404(response)


def test_a_url_missing_its_slash_still_redirects(world, reporter, client_for, settings):
    settings.DEBUG = True

    response = client_for(reporter).get("/org/regions")

    assert response.status_code == 301
    assert response["Location"] == "/org/regions/"


def test_an_english_browser_gets_chinese_until_the_user_switches(world, reporter, client_for):
    client = client_for(reporter)

    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    assert "返回首页" in client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    switched = client.post(reverse("set_language"), {"language": "en", "next": "/"}, HTTP_ACCEPT_LANGUAGE="en")
    assert switched.status_code == 302

    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response["Content-Language"] == "en"
    assert "Back to the home page" in response.content.decode()


def test_an_unknown_language_in_the_cookie_falls_back_to_chinese(world, reporter, client_for, settings):
    client = client_for(reporter)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")

    assert response["Content-Language"] == "zh-hans"
