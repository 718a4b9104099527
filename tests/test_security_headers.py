"""The portal's own response headers (core.security_headers), the deploy checks that guard
them (core.checks), and the throttling of password guesses (org.throttle)."""

import sys
from html.parser import HTMLParser

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.checks import run_checks
from django.test import Client
from django.urls import reverse

from core.security_headers import MIDDLEWARE_PATH
from tests.conftest import PASSWORD
from tests.test_route_matrix import (  # noqa: F401  adopted_standard: the routes' indicators, for every test here
    ADMIN_ONLY,
    CITY_OBJECT_ROUTES,
    CITY_ONLY,
    OBJECT_ROUTES,
    REPORTING_ONLY,
    REVIEWER_ONLY,
    ROUTE_KWARGS,
    SIGNED_IN,
    adopted_standard,
)
from tests.test_settings import REAL_SECRET, run_manage


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


def directives(response):
    """The Content-Security-Policy of a response as {directive: [sources]}."""
    policy = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        policy[name] = sources
    return policy


def cache_control(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


# --- Content-Security-Policy ---------------------------------------------------------------


def test_the_policy_allows_only_the_portals_own_files(reviewer, client_for):
    for response in (Client().get(reverse("login")), client_for(reviewer).get(reverse("home"))):
        policy = directives(response)
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"] and policy["base-uri"] == ["'self'"]
        assert policy["form-action"] == ["'self'"]


def test_the_lockout_and_error_pages_carry_the_policy_too(reviewer, settings):
    settings.AXES_FAILURE_LIMIT = 1
    client = Client()
    client.post(reverse("login"), {"username": "reviewer", "password": "wrong"})
    locked = client.post(reverse("login"), {"username": "reviewer", "password": PASSWORD})
    assert locked.status_code == 429 and directives(locked)["script-src"] == ["'self'"]
    missing = Client().get("/no-such-page/")
    assert missing.status_code == 404 and directives(missing)["script-src"] == ["'self'"]


def test_only_the_debug_error_pages_go_without_the_policy(db, settings):
    settings.DEBUG = True
    assert "Content-Security-Policy" not in Client().get("/no-such-page/")
    assert Client().get(reverse("login"))["Content-Security-Policy"]


class Inline(HTMLParser):
    """Whatever the policy would refuse in a page: inline script, event-handler and style
    attributes, <style> elements."""

    def __init__(self, html):
        super().__init__()
        self.refused, self._in_script = [], False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and "src" not in attrs and attrs.get("type") != "application/json":
            self.refused.append(f"inline <script {attrs}>")
        if tag == "style":
            self.refused.append("<style> element")
        for name in attrs:
            if name == "style" or name.startswith("on"):
                self.refused.append(f"<{tag} {name}={attrs[name]!r}>")


def test_inline_detector_finds_what_the_policy_refuses():
    page = Inline('<script>x()</script><script type="application/json">{}</script><script src="/a.js"></script>'
                  '<div style="width: 1rem"></div><select onchange="f()"></select><style>p{}</style>')
    assert len(page.refused) == 4


def page_urls(world):
    """Every page a signed-in user can open with GET, with the user who can open it."""
    for name in sorted(SIGNED_IN | REVIEWER_ONLY | REPORTING_ONLY):
        yield name, reverse(name, kwargs=ROUTE_KWARGS.get(name)), "reporter" if name in REPORTING_ONLY else "reviewer"
    for name in sorted(ADMIN_ONLY):
        yield name, reverse(name), "administrator"
    for name, route in sorted(OBJECT_ROUTES.items()):
        if "get" in route.methods:
            yield name, reverse(name, kwargs=route.kwargs(world, world.district)), "reviewer"
    for name in sorted(CITY_ONLY):
        yield name, reverse(name), "supervisor"
    for name, (kwargs, methods) in sorted(CITY_OBJECT_ROUTES.items()):
        if "get" in methods:
            yield name, reverse(name, kwargs=kwargs(world)), "supervisor"


def test_no_page_has_anything_inline_and_none_is_cached(world, reporter, reviewer, supervisor, administrator,
                                                       client_for):
    """Every GET route of the portal (tests/test_route_matrix.py enumerates them), as a user
    who may open it: the policy is sent, nothing in the page needs inline script or style,
    and the answer, page or download, may not be kept by a cache."""
    users = {"reporter": reporter, "reviewer": reviewer, "supervisor": supervisor, "administrator": administrator}
    pages = downloads = 0
    for name, url, user in page_urls(world):
        response = client_for(users[user]).get(url)
        assert response.status_code in (200, 302), (name, response.status_code)
        assert directives(response)["script-src"] == ["'self'"], name
        assert {"private", "no-store"} <= cache_control(response), (name, response.get("Cache-Control"))
        if response.status_code != 200:
            continue
        if response["Content-Type"].startswith("text/html"):
            pages += 1
            assert not Inline(response.content.decode()).refused, name
        else:
            downloads += 1
    # Not vacuous: the main pages and the downloads (exports, evidence files) are among them.
    assert pages > 30 and downloads >= 5, (pages, downloads)


def test_a_download_is_never_cached(world, reviewer, client_for):
    from tests.test_route_matrix import a_plan, an_evidence

    client = client_for(reviewer)
    export = client.get(reverse("tasks:plan_export", kwargs={"pk": a_plan(world.district).pk}))
    evidence = client.get(reverse("tasks:evidence_download", kwargs={"pk": an_evidence(world.district).pk}))
    for response in (export, evidence):
        assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
        assert {"private", "no-store"} <= cache_control(response)


def test_anonymous_pages_are_not_marked_private(db):
    """Only what a signed-in user is sent is private; the sign-in page is Django's own
    never_cache answer, and the language switch is not touched."""
    assert "private" not in cache_control(Client().get(reverse("set_language")))
    assert Client().get(reverse("set_language"))["Content-Security-Policy"]


def test_the_printable_report_may_style_itself_but_run_nothing(world, reviewer, client_for):
    from django.core.files.base import ContentFile

    from tests.test_route_matrix import a_quarterly_report

    report = a_quarterly_report(world.district)
    report.html.save("report.html", ContentFile(b"<html><style>h1{}</style><h1>x</h1></html>"), save=True)
    response = client_for(reviewer).get(reverse("reports:quarterly_file", kwargs={"pk": report.pk, "kind": "html"}))
    assert response.status_code == 200 and b"<style>" in response.content
    policy = directives(response)
    assert policy["default-src"] == ["'none'"] and "script-src" not in policy  # so no script at all
    assert policy["style-src"] == ["'unsafe-inline'"]
    assert {"private", "no-store"} <= cache_control(response)


# --- check --deploy --------------------------------------------------------------------------


def portal_errors():
    return [error.id for error in run_checks(include_deployment_checks=True) if error.id.startswith("portal.")]


def test_the_checks_pass_as_configured():
    assert portal_errors() == []


def test_the_checks_refuse_a_missing_middleware(settings):
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != MIDDLEWARE_PATH]
    assert portal_errors() == ["portal.E001"]


@pytest.mark.parametrize("source", ["'unsafe-inline'", "'unsafe-eval'", "*"])
def test_the_checks_refuse_a_policy_that_lets_inline_script_run(settings, source):
    settings.PORTAL_CONTENT_SECURITY_POLICY = {
        **settings.PORTAL_CONTENT_SECURITY_POLICY, "script-src": ["'self'", source]
    }
    assert portal_errors() == ["portal.E003"]


def test_without_script_src_the_default_src_is_checked(settings):
    policy = {k: v for k, v in settings.PORTAL_CONTENT_SECURITY_POLICY.items() if k != "script-src"}
    settings.PORTAL_CONTENT_SECURITY_POLICY = {**policy, "default-src": ["'self'", "'unsafe-inline'"]}
    assert portal_errors() == ["portal.E003"]
    settings.PORTAL_CONTENT_SECURITY_POLICY = {k: v for k, v in policy.items() if k != "default-src"}
    assert portal_errors() == ["portal.E002"]


def test_production_deploy_check_reports_the_missing_middleware(tmp_path):
    """The real command, on production settings less the middleware, fails and says so
    (the same command passes on the real settings: tests/test_settings.py)."""
    (tmp_path / "without_headers.py").write_text(
        "from config.settings.production import *\n"
        f"MIDDLEWARE = [name for name in MIDDLEWARE if name != {MIDDLEWARE_PATH!r}]\n"
    )
    pythonpath = ":".join([str(tmp_path), *sys.path])
    result = run_manage("check", "--deploy", DJANGO_SETTINGS_MODULE="without_headers", PYTHONPATH=pythonpath,
                        SECRET_KEY=REAL_SECRET, ALLOWED_HOSTS="portal.example.gov.cn")
    assert result.returncode != 0
    assert "portal.E001" in result.stderr + result.stdout


# --- password change -------------------------------------------------------------------------


def change_password(client, old, new="Shui-jie-2027-quarter"):
    return client.post(reverse("password_change"), {"old_password": old, "new_password1": new, "new_password2": new})


def test_wrong_old_passwords_lock_the_password_change(reviewer, client_for):
    client = client_for(reviewer)
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5
    answers = [change_password(client, f"guess-{n}").status_code for n in range(limit)]
    assert answers == [200] * (limit - 1) + [429]  # the limit-th wrong one is answered with the lockout page
    refused = change_password(client, PASSWORD)
    assert refused.status_code == 200 and "原密码输入错误次数过多" in refused.text
    reviewer.refresh_from_db()
    assert reviewer.check_password(PASSWORD)  # the right old password changed nothing
    # The guesses were a sign-in's: the account is locked from this computer as well.
    signed_out = Client().post(reverse("login"), {"username": "reviewer", "password": PASSWORD})
    assert signed_out.status_code == 429


def test_one_wrong_guess_below_the_limit_still_lets_the_change_through(reviewer, client_for):
    client = client_for(reviewer)
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert "旧密码" in change_password(client, f"guess-{n}").text
    done = change_password(client, PASSWORD)
    assert done.status_code == 302 and done.url == reverse("password_change_done")


def test_a_lock_on_one_account_does_not_stop_another_changing_its_password(reviewer, reporter, client_for):
    guesser = client_for(reviewer)
    for n in range(settings.AXES_FAILURE_LIMIT):
        change_password(guesser, f"guess-{n}")
    assert change_password(client_for(reporter), PASSWORD).status_code == 302


# --- one address, many usernames -------------------------------------------------------------


def sign_in(username, password, ip):
    return Client().post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def spray(times, ip):
    """One password tried for ``times`` different usernames: each stays below its own limit."""
    return [sign_in(f"clerk{n}", "Spring2026!", ip).status_code for n in range(times)]


def test_one_password_across_many_usernames_locks_the_address(reviewer, reporter):
    limit = settings.AXES_IP_FAILURE_LIMIT
    assert limit == 30 > settings.AXES_FAILURE_LIMIT  # an office's NAT address: above the per-account limit
    assert spray(limit - 1, "10.1.1.1") == [200] * (limit - 1)
    assert sign_in("reviewer", PASSWORD, "10.1.1.1").status_code == 302  # just below: still open
    assert spray(1, "10.1.1.1") == [429]
    locked = sign_in("reporter", PASSWORD, "10.1.1.1")
    assert locked.status_code == 429 and "网络地址" in locked.text
    # Nobody else is affected.
    assert sign_in("reporter", PASSWORD, "10.1.1.2").status_code == 302


def test_a_valid_sign_in_does_not_clear_the_address_count(reviewer, reporter):
    """A valid account of one's own must not reset the count between rounds of guessing:
    a success clears only that account's failures from the address."""
    limit = settings.AXES_IP_FAILURE_LIMIT
    spray(limit - 2, "10.1.1.1")
    assert sign_in("reviewer", "typo", "10.1.1.1").status_code == 200
    assert sign_in("reviewer", PASSWORD, "10.1.1.1").status_code == 302  # forgets its own typo only
    assert AccessAttempt.objects.filter(ip_address="10.1.1.1").count() == limit - 2
    assert spray(2, "10.1.1.1") == [200, 429]
    assert sign_in("reporter", PASSWORD, "10.1.1.1").status_code == 429


def test_the_same_failures_from_many_addresses_lock_nothing(reviewer):
    limit = settings.AXES_IP_FAILURE_LIMIT
    for n in range(limit):
        assert sign_in(f"clerk{n}", "Spring2026!", f"10.2.0.{n % 3}").status_code == 200
    assert sign_in("reviewer", PASSWORD, "10.2.0.0").status_code == 302


def test_the_address_limit_comes_from_the_environment():
    result = run_manage("shell", "-c", "from django.conf import settings; print(settings.AXES_IP_FAILURE_LIMIT)",
                        AXES_IP_FAILURE_LIMIT="12")
    assert result.stdout.splitlines()[-1] == "12", result.stderr
