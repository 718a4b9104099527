"""The charts' value axis starts at 0: a scorecard's line drawn from 40 made a department at 45
look a quarter of one at 60."""

import pytest

from tests.browser_support import (  # noqa: F401 (fixtures, found by name)
    browser_context_args,
    browser_type_launch_args,
    fixture_demo,
    fixture_jobs_in_process,
    sign_in,
)

pytestmark = [pytest.mark.browser]

EXTENT = """selector => {
  const chart = window.echarts.getInstanceByDom(document.querySelector(selector));
  return chart.getModel().getComponent("yAxis").axis.scale.getExtent();
}"""


def test_a_scorecards_line_starts_at_zero(demo, live_server, page):
    from django.urls import reverse

    from reports.models import Scorecard

    card = (Scorecard.objects.filter(plan__region__code="500156", composite__gt=20)
            .order_by("-year", "-quarter").first())
    sign_in(page, live_server, "wulong_reviewer")
    page.goto(live_server.url + reverse("reports:scorecard", args=[card.pk]))
    page.locator("[data-chart=composite-data] canvas").wait_for()
    low, high = page.evaluate(EXTENT, "[data-chart=composite-data]")
    assert low == 0 and high == 100
