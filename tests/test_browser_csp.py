"""In Chromium, the main pages of the demo run under the Content-Security-Policy without a
single violation, and what used to be inline still works: charts draw, the select boxes
submit their form, htmx loads the lineage dialog, the bell's menu loads when opened,
progress bars have their length."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser_support import (  # noqa: F401 (fixtures, found by name)
    browser_context_args,
    browser_type_launch_args,
    fixture_demo,
    fixture_jobs_in_process,
    sign_in,
)

pytestmark = [pytest.mark.browser]


def main_pages(username):
    from reports.models import Scorecard
    from tasks.models import Plan, ProgressReport

    if username == "cq_city":
        return [reverse("home"), reverse("reports:city"), reverse("reports:summary"), reverse("indicators:board")]
    if username == "wulong_cgj":
        return [reverse("home"), reverse("tasks:progress_todo"), reverse("tasks:plan_list")]
    plan = Plan.objects.filter(region__code="500114").first()
    record = ProgressReport.objects.filter(item__plan=plan).first()
    computed = latest_computed()
    card = Scorecard.objects.filter(plan=plan).first()
    return [
        reverse("home"),
        reverse("tasks:plan_list"),
        reverse("tasks:plan_detail", args=[plan.pk]),
        reverse("tasks:review_inbox"),
        reverse("tasks:progress_detail", args=[record.pk]),
        board_url(computed),
        reverse("indicators:indicator_detail", args=[computed.indicator_id]) + f"?region={computed.region.code}",
        reverse("reports:summary"),
        reverse("reports:scorecard", args=[card.pk]),
        reverse("reports:quarterly"),
        reverse("carriers:registry"),
        reverse("carriers:carriers"),
        reverse("org:region_list"),
    ]


def latest_computed():
    """A computed indicator value of the demo with its lineage (the demo computes them for 黔江区)."""
    from indicators.models import ComputedValue

    return ComputedValue.objects.exclude(value=None).select_related("region").order_by("-year", "-quarter").first()


def board_url(computed):
    return reverse("indicators:board") + f"?region={computed.region.code}&quarter={computed.year}Q{computed.quarter}"


@pytest.fixture
def violations(page):
    """Every console message about the policy, and every script error, as they come."""
    seen = []
    page.on("console", lambda message: seen.append(message.text) if "Content Security Policy" in message.text
            else None)
    page.on("pageerror", lambda error: seen.append(f"script error: {error}"))
    return seen


@pytest.mark.parametrize("username", ["qianjiang_reviewer", "wulong_cgj", "cq_city"])
def test_main_pages_break_no_rule_of_the_policy(demo, live_server, page, violations, username):
    sign_in(page, live_server, username)
    for url in main_pages(username):
        page.goto(live_server.url + url)
        page.wait_for_load_state("load")
        for chart in page.locator("[data-chart]").all():
            chart.locator("canvas").first.wait_for()
            chart.hover()  # the tooltip is drawn too
        assert not violations, (url, violations)


def test_what_was_inline_still_works(demo, live_server, page, violations):
    sign_in(page, live_server, "qianjiang_reviewer")
    # A select box submits its form on change (data-autosubmit, static/js/portal.js).
    page.goto(live_server.url + reverse("carriers:carriers"))
    page.select_option("select[name=type]", index=1)
    page.wait_for_url("**type=*")
    # The language switch too, and back.
    page.select_option("#language-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.select_option("#language-select", "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    # The bell's menu is read from the server when it is opened (fetch, static/js/portal.js).
    page.locator("[data-testid=bell]").click()
    expect(page.locator("[data-testid=bell-menu] .list-group-item").first).to_be_visible()
    # htmx loads the lineage of an indicator's value into the dialog.
    page.goto(live_server.url + board_url(latest_computed()))
    page.get_by_role("link", name="数据来源").first.click()
    expect(page.locator("#lineage-body")).not_to_be_empty()
    # A progress bar has the length of its class (pct-N in portal.css), not zero: 武隆区's
    # targets, on the page of their latest year.
    sign_in(page, live_server, "wulong_reviewer")
    page.goto(live_server.url + reverse("carriers:carriers"))
    bars = page.locator(".progress-bar[class*=pct-]")
    assert bars.count() > 0
    for bar in bars.all():
        percent = int(next(c for c in bar.get_attribute("class").split() if c.startswith("pct-"))[4:])
        width = bar.evaluate("b => b.getBoundingClientRect().width / b.parentElement.getBoundingClientRect().width")
        assert abs(width * 100 - percent) < 1.5, percent
    assert not violations, violations
    # And the listener does hear the browser refuse: an inline script added now is reported.
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
                  " document.body.append(s); }")
    page.wait_for_timeout(300)
    assert page.evaluate("window.ran") is None
    assert any("Content Security Policy" in text for text in violations)


def test_the_weights_form_adds_up_as_the_user_types(demo, live_server, page, violations):
    """The running total (static/js/weights.js) follows each keystroke, and 较差 follows 一般."""
    from tasks.models import Plan

    plan = Plan.objects.filter(region__code="500156").first()
    sign_in(page, live_server, "wulong_reviewer")
    page.goto(live_server.url + reverse("reports:weights", args=[plan.pk]))
    total = page.locator("[data-weights-total]")
    expect(total).to_contain_text("合计 100，符合要求")
    page.fill("input[name=completeness]", "18")
    expect(total).to_contain_text("合计 93，比100少 7")
    page.fill("input[name=returns]", "20")
    expect(total).to_contain_text("合计 108，比100多 8")
    page.fill("input[name=returns]", "")
    expect(total).to_contain_text("请为每一部分填写整数")
    page.fill("input[name=amber_from]", "65")
    expect(page.locator("[data-poor-below]")).to_have_text("65")
    assert not violations, violations
